// /proc/ham/status, exactly: one line per region in ID order, five tab-separated fields, no header.
//   <ID> <START> <SIZE> <FLAGS> <STATUS>
// ID decimal, START 0x hex, SIZE decimal bytes, FLAGS READ/WRITE|READ|WRITE, STATUS ENABLED|FAILED.
import type {Flags, Region, Status} from './state.js';
import {formatAddress, parseAddress} from './units.js';

export type StatusRow = {id: number; start: number; size: number; flags: Flags | string; status: Status | string};

export function formatStatus(rows: readonly StatusRow[]): string {
	return [...rows]
		.sort((a, b) => a.id - b.id)
		.map(row => `${row.id}\t${formatAddress(row.start)}\t${row.size}\t${row.flags}\t${row.status}\n`)
		.join('');
}

/** The inverse of formatStatus, for scripts and tests; a line that does not fit is an error. */
export function parseStatus(text: string): StatusRow[] {
	return text
		.split('\n')
		.filter(line => line !== '')
		.map((line, index) => {
			const fields = line.split('\t');
			const [id, start, size, flags, status] = fields;
			const parsedStart = parseAddress(start ?? '');
			if (
				fields.length !== 5 ||
				id === undefined ||
				!/^\d+$/.test(id) ||
				parsedStart === undefined ||
				size === undefined ||
				!/^\d+$/.test(size) ||
				flags === undefined ||
				!/^(READ\/WRITE|READ|WRITE)$/.test(flags) ||
				status === undefined ||
				!/^[A-Z]+$/.test(status)
			) {
				throw new Error(`line ${index + 1} is not a /proc/ham/status line: ${JSON.stringify(line)}`);
			}

			return {id: Number(id), start: parsedStart, size: Number(size), flags, status};
		});
}

export function regionRows(regions: readonly Region[]): StatusRow[] {
	return regions.map(({id, start, size, flags, status}) => ({id, start, size, flags, status}));
}
