// /proc/ham/status, exactly: one line per region in ID order, five tab-separated fields, no header.
//   <ID> <START> <SIZE> <FLAGS> <STATUS>
// ID decimal, START 0x hex, SIZE decimal bytes, FLAGS READ/WRITE|READ|WRITE, STATUS ENABLED|FAILED.
import type {Flags, Region, Status} from './state.js';
import {formatAddress, parseAddress} from './units.js';

export type StatusRow = {id: number; start: number; size: number; flags: Flags | string; status: Status | string};

export function formatStatus(rows: readonly StatusRow[]): string {
	// The region table is kept in ID order: sorted (a copy) only when it is not.
	let sorted = true;
	for (let index = 1; index < rows.length && sorted; index++) {
		sorted = (rows[index - 1] as StatusRow).id <= (rows[index] as StatusRow).id;
	}

	const lines: string[] = [];
	for (const row of sorted ? rows : [...rows].sort((a, b) => a.id - b.id)) {
		lines.push(`${row.id}\t${formatAddress(row.start)}\t${row.size}\t${row.flags}\t${row.status}\n`);
	}

	return lines.join('');
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

/** What `--status` prints of a machine: its table, when ham is loaded (else there is no /proc/ham/status). */
export type StatusTable = {loaded: boolean; text: string};

export function statusTable(machine: {driver: {loaded: boolean}; regions: readonly StatusRow[]}): StatusTable {
	return {loaded: machine.driver.loaded, text: machine.driver.loaded ? formatStatus(machine.regions) : ''};
}

const statusLine = /\d+\t0x[\da-f]+\t\d+\t(?:READ\/WRITE|READ|WRITE)\t(?:ENABLED|FAILED)\n/y;

/** Whether text is lines of /proc/ham/status and nothing else (no byte a terminal would act on). */
export function isStatusText(text: string): boolean {
	statusLine.lastIndex = 0;
	while (statusLine.lastIndex < text.length) {
		if (!statusLine.test(text)) {
			return false;
		}
	}

	return true;
}
