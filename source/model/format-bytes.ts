import prettyBytes from 'pretty-bytes';

/** Human-readable binary size for people ("64 MiB"); exact sizes for scripts use formatSize. */
export function formatBytes(bytes: number): string {
	return prettyBytes(bytes, {binary: true, maximumFractionDigits: 1});
}
