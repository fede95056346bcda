import assert from 'node:assert/strict';
import {test} from 'node:test';
import fc from 'fast-check';
import {formatStatus, parseStatus, regionRows} from '../../source/model/status.js';
import {GiB} from '../../source/model/units.js';
import {machineWith, run} from '../helpers/machine.js';

test('/proc/ham/status: one tab-separated line per region in ID order, no header', () => {
	const machine = run(machineWith({controller: {scrubSecondsPerGiB: 0}, workload: {initial: 'idle'}}), [
		{type: 'plug', slot: 3, size: 2 * GiB, mode: 'hot-add'},
		{type: 'plug', slot: 2, size: GiB, mode: 'mirror'},
	]);
	assert.equal(
		formatStatus(regionRows(machine.regions)),
		'0\t0x120000000\t2147483648\tREAD/WRITE\tENABLED\n' + '1\t0x1a0000000\t1073741824\tREAD\tFAILED\n',
	);
});

test('parsing the status gives back the rows it was made from', () => {
	const row = fc.record({
		id: fc.nat(100_000),
		start: fc.nat({max: Number.MAX_SAFE_INTEGER}),
		size: fc.integer({min: 1, max: Number.MAX_SAFE_INTEGER}),
		flags: fc.constantFrom('READ/WRITE', 'READ', 'WRITE'),
		status: fc.constantFrom('ENABLED', 'FAILED'),
	});
	fc.assert(
		fc.property(fc.uniqueArray(row, {selector: value => value.id}), rows => {
			const sorted = rows.map(value => ({...value})).sort((a, b) => a.id - b.id);
			assert.deepEqual(parseStatus(formatStatus(rows)), sorted);
		}),
	);
});

test('a line that is not a status line is refused', () => {
	assert.throws(() => parseStatus('0 0x0 1 READ ENABLED\n'), /line 1/);
	assert.throws(() => parseStatus('0\t0x0\t1\tEXEC\tENABLED\n'), /line 1/);
});
