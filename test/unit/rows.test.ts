import assert from 'node:assert/strict';
import {test} from 'node:test';
import {regionColumns, regionHeader, regionLine} from '../../source/console/rows.js';
import type {RegionRow} from '../../source/machine/snapshot.js';

const region = (size: number): RegionRow => ({
	id: 8,
	start: '0x40000000',
	size,
	flags: 'READ/WRITE',
	status: 'OFFLINE',
	slot: null,
	code: null,
	reason: null,
	retry: null,
	needBytes: null,
	detail: 'blocks 8-807',
});

test('a wide regions table: SIZE and BYTES widen to the widest value, each column apart from the next', () => {
	// 800 blocks of 128 MiB: 100G, 107374182400 bytes (12 digits); 2,500 blocks: 320000M.
	for (const size of [800 * 2 ** 27, 2500 * 2 ** 27]) {
		const text = String(size);
		const columns = regionColumns(196, 8, 10, size === 800 * 2 ** 27 ? 4 : 7, text.length);
		assert.equal(columns.bytes, true);
		const header = regionHeader(columns);
		const line = regionLine(region(size), columns);
		assert.match(line, new RegExp(`^ 8 0x40000000 +\\d+[GM] +${text} +READ/WRITE OFFLINE blocks 8-807`), line);
		// Every header word starts where its value does.
		for (const [word, value] of [
			['BYTES', text],
			['FLAGS', 'READ/WRITE'],
			['STATUS', 'OFFLINE'],
		]) {
			assert.equal(header.indexOf(word ?? ''), line.indexOf(value ?? ''), `${word} in\n${header}\n${line}`);
		}
	}
});

test('narrow, BYTES goes; SIZE still apart from FLAGS', () => {
	const columns = regionColumns(76, 8, 10, 7, 12);
	assert.equal(columns.bytes, false);
	assert.match(regionLine(region(2500 * 2 ** 27), columns), /320000M READ\/WRITE OFFLINE/);
});
