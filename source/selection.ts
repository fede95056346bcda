// Which memory blocks an operator means, in chmem's words and syntax: a block range (`--blocks
// 32-39`, chmem -b's BLOCKRANGE), an address range (`--range 0x100000000-0x13fffffff`, chmem's
// RANGE) or an amount (`--size 1G`, chmem's SIZE). Parsed here, before anything is read (cli/);
// the blocks themselves are chosen once the tree is read (sysfs/select.ts). Plain: imports only
// the result type, so cli/ and sysfs/ share it.
import {fail, ok, type Result} from './result.js';

export type Selection =
	| {kind: 'blocks'; first: number; last: number}
	| {kind: 'range'; start: number; end: number}
	| {kind: 'size'; bytes: number};

const quote = (text: string) => JSON.stringify(text);

/** chmem -b's BLOCKRANGE: `N` or `N-M`, decimal, N <= M. */
export function parseBlockRange(text: string): Result<Selection> {
	const match = /^(\d{1,15})(?:-(\d{1,15}))?$/.exec(text);
	if (!match) {
		return fail(`--blocks takes a block number or a block range such as 32-39, not ${quote(text)}`);
	}

	const first = Number(match[1]);
	const last = match[2] === undefined ? first : Number(match[2]);
	return first <= last ? ok({kind: 'blocks', first, last}) : fail(`--blocks ${text}: the first block is past the last`);
}

/** chmem's RANGE: `0xSTART-0xEND`, hexadecimal with 0x, the end inclusive. Alignment needs the block size: checked by selectBlocks. */
export function parseAddressRange(text: string): Result<Selection> {
	const match = /^0x([\da-f]{1,13})-0x([\da-f]{1,13})$/i.exec(text);
	if (!match) {
		return fail(`--range takes START-END in hex with 0x, such as 0x100000000-0x13fffffff, not ${quote(text)}`);
	}

	const start = Number.parseInt(match[1] ?? '', 16);
	const end = Number.parseInt(match[2] ?? '', 16);
	return start <= end ? ok({kind: 'range', start, end}) : fail(`--range ${text}: the start is past the end`);
}

const sizeUnits: ReadonlyMap<string, number> = new Map([
	['K', 2 ** 10],
	['M', 2 ** 20],
	['G', 2 ** 30],
	['T', 2 ** 40],
	['P', 2 ** 50],
]);

/**
 * chmem's SIZE: a whole number with K, M, G, T or P (binary; KiB, MiB... too); a bare number is
 * MiB, as chmem takes it. Alignment to the block size is checked by selectBlocks.
 */
export function parseSelectionSize(text: string): Result<Selection> {
	const match = /^(\d{1,16})([KMGTP]?)(?:iB)?$/i.exec(text);
	const unit = match && (match[2] === '' ? 2 ** 20 : sizeUnits.get((match[2] ?? '').toUpperCase()));
	if (!match || unit === undefined) {
		return fail(`--size takes a size such as 512M or 4G (a bare number is MiB, as for chmem), not ${quote(text)}`);
	}

	const bytes = Number(match[1]) * (unit ?? 1);
	if (bytes === 0 || !Number.isSafeInteger(bytes)) {
		return fail(`--size ${text} is ${bytes === 0 ? 'zero' : 'too large'}`);
	}

	return ok({kind: 'size', bytes});
}
