import prettyBytes from 'pretty-bytes';

const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

/**
 * Human-readable binary size for people ("64 MiB"); exact sizes for scripts use formatSize.
 * pretty-bytes' output with {binary: true, maximumFractionDigits: 1}, which formats through
 * Intl.NumberFormat (truncating to one digit): made here without Intl, whose first use costs a
 * one-shot ~25 ms of ICU start-up. The same scaling, then the shortest decimal of the scaled value
 * cut after one fraction digit, as ICU does; anything else goes to pretty-bytes itself
 * (test/unit/format-bytes.test.ts compares the two).
 */
export function formatBytes(bytes: number): string {
	if (!Number.isFinite(bytes) || bytes < 0) {
		return prettyBytes(bytes, {binary: true, maximumFractionDigits: 1});
	}

	let exponent = bytes >= 1 ? Math.min(Math.floor(Math.log(bytes) / Math.log(1024)), units.length - 1) : 0;
	let scaled = bytes / 1024 ** exponent;
	if (scaled < 1 && exponent > 0) {
		scaled *= 1024;
		exponent -= 1;
	}

	const decimal = String(scaled);
	if (decimal.includes('e')) {
		return prettyBytes(bytes, {binary: true, maximumFractionDigits: 1});
	}

	const point = decimal.indexOf('.');
	const digit = point === -1 ? '0' : (decimal[point + 1] ?? '0');
	return `${point === -1 ? decimal : decimal.slice(0, point)}${digit === '0' ? '' : `.${digit}`} ${units[exponent]}`;
}
