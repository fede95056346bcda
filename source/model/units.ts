// Sizes and addresses. Every size is a whole number of bytes (a JS number: exact up to 2^53,
// which is 8 PiB, far past any physical limit the model knows).
import {fail, ok, type Result} from '../result.js';

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
export const TiB = 1024 * GiB;

/** The last second a Date can print (9999-12-31T23:59:59Z): a state file's times stay below it. */
export const maxSeconds = 253_402_300_799;

const suffixes: Record<string, number> = {'': 1, K: KiB, M: MiB, G: GiB, T: TiB};

/**
 * Parses a size as operators write it: a whole number with an optional binary suffix
 * K, M, G or T (KiB/MiB/... and a trailing B are accepted too): `512M`, `1G`, `4GiB`.
 * Fractions, signs, zero and sizes past 2^53 bytes are refused with the reason.
 */
export function parseSize(text: string): Result<number> {
	const match = /^(\d+)\s*([KMGT]?)(?:i?B)?$/i.exec(text.trim());
	if (!match) {
		return fail(`"${text}" is not a size: write a whole number with K, M, G or T (e.g. 512M, 1G)`);
	}

	const [, digits = '', suffix = ''] = match;
	const bytes = Number(digits) * (suffixes[suffix.toUpperCase()] ?? 1);
	if (bytes === 0) {
		return fail(`size "${text}" is zero`);
	}

	if (!Number.isSafeInteger(bytes)) {
		return fail(`size "${text}" is too large`);
	}

	return ok(bytes);
}

/** The shortest exact form of a size: 1073741824 -> "1G", 1536 MiB -> "1536M". */
const sizeUnits = [
	['T', TiB],
	['G', GiB],
	['M', MiB],
	['K', KiB],
] as const;

export function formatSize(bytes: number): string {
	for (const [suffix, unit] of sizeUnits) {
		if (bytes >= unit && bytes % unit === 0) {
			return `${bytes / unit}${suffix}`;
		}
	}

	return String(bytes);
}

/** Addresses as /proc/ham/status prints START: 0x, lower-case hex, at least 8 digits. */
export function formatAddress(address: number): string {
	return `0x${address.toString(16).padStart(8, '0')}`;
}

export function parseAddress(text: string): number | undefined {
	if (!/^0x[\da-f]+$/i.test(text)) {
		return undefined;
	}

	const value = Number.parseInt(text.slice(2), 16);
	return Number.isSafeInteger(value) ? value : undefined;
}

/** Size or address written either as a number of bytes or as text ("1G", "0x100000000"). */
export function toBytes(value: number | string): number | undefined {
	if (typeof value === 'number') {
		return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
	}

	if (value.startsWith('0x')) {
		return parseAddress(value);
	}

	// Address 0 is an address (parseSize refuses a zero size; toBytes' callers check sizes for 0).
	if (/^\s*0+\s*$/.test(value)) {
		return 0;
	}

	const parsed = parseSize(value);
	return parsed.ok ? parsed.value : undefined;
}

export function alignUp(value: number, alignment: number): number {
	return Math.ceil(value / alignment) * alignment;
}

export function overlaps(aStart: number, aSize: number, bStart: number, bSize: number): boolean {
	return aStart < bStart + bSize && bStart < aStart + aSize;
}
