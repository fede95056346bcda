// Each failure reason happens for its rule, and only then: for every rule, a case where it holds
// and the nearest case where it does not.
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {resourcesAt} from '../../source/model/kernel.js';
import {step} from '../../source/model/machine.js';
import {GiB, MiB} from '../../source/model/units.js';
import {machineWith, quietMachine, region, run} from '../helpers/machine.js';

const plug = (slot: number, size: number, mode: 'hot-add' | 'mirror' = 'hot-add') => ({type: 'plug' as const, slot, size, mode});

describe('why a region fails', () => {
	test('an idle machine enables a 1G module: no rule holds', () => {
		const machine = run(quietMachine(), [plug(2, GiB)]);
		assert.equal(region(machine, 2).status, 'ENABLED');
		assert.equal(region(machine, 2).failure, null);
	});

	test('scrubbing: FLAGS WRITE and a retryable failure until the scrub ends, then it integrates', () => {
		let machine = run(machineWith({workload: {initial: 'idle'}}), [plug(2, GiB)]);
		assert.equal(region(machine, 2).flags, 'WRITE');
		assert.equal(region(machine, 2).failure?.code, 'scrubbing');
		assert.equal(region(machine, 2).failure?.retry, true);
		// 2 s per GiB on the DL760: one second later it is still scrubbing; at 2 s it is added.
		machine = step(machine, {type: 'tick'}, machine.now + 0.5).machine;
		assert.equal(region(machine, 2).status, 'FAILED');
		machine = step(machine, {type: 'tick'}, machine.now + 1.5).machine;
		assert.equal(region(machine, 2).flags, 'READ/WRITE');
		assert.equal(region(machine, 2).status, 'ENABLED');
	});

	test('mirror: reported READ, never given to the OS, no retry helps', () => {
		const machine = run(quietMachine(), [plug(2, GiB, 'mirror'), {type: 'integrate'}]);
		assert.equal(region(machine, 2).flags, 'READ');
		assert.equal(region(machine, 2).failure?.code, 'mirror');
		assert.equal(region(machine, 2).failure?.retry, false);
	});

	test('misaligned: a slot wired off the 256M section grid fails for good; on the grid it works', () => {
		const off = run(quietMachine({controller: {slotBases: {'2': '8320M'}}}), [plug(2, GiB)]);
		assert.equal(region(off, 2).failure?.code, 'misaligned');
		assert.equal(region(off, 2).failure?.retry, false);
		const on = run(quietMachine({controller: {slotBases: {'2': '8448M'}}}), [plug(2, GiB)]);
		assert.equal(region(on, 2).status, 'ENABLED');
	});

	test('beyond-limit: a range ending past 64G (PAE) fails for good; one ending at 64G works', () => {
		const changes = (base: string) => ({controller: {addressLimitBytes: '128G', slotBases: {'2': base}}});
		const past = run(quietMachine(changes('65024M')), [plug(2, GiB)]);
		assert.equal(region(past, 2).failure?.code, 'beyond-limit');
		assert.equal(region(past, 2).failure?.retry, false);
		const edge = run(quietMachine(changes('63G')), [plug(2, GiB)]);
		assert.equal(region(edge, 2).status, 'ENABLED');
	});

	test('resource-conflict: overlapping a firmware range fails for good; next to it works', () => {
		const resources = [{name: 'ACPI NVS', start: '6G', size: '16M'}];
		const changes = (base: string) => ({boot: {resources}, controller: {slotBases: {'2': base}}});
		const over = run(quietMachine(changes('5632M')), [plug(2, GiB)]);
		assert.equal(region(over, 2).failure?.code, 'resource-conflict');
		assert.match(region(over, 2).failure!.text, /ACPI NVS/);
		// [5G, 6G) ends where the firmware range starts: touching is not overlapping.
		const beside = run(quietMachine(changes('5G')), [plug(2, GiB)]);
		assert.equal(region(beside, 2).status, 'ENABLED');
	});

	test('vmalloc-exhausted: the mem_map must fit the vmalloc left, and it never comes back', () => {
		// 128M vmalloc, 100M used at boot: 28M left; a 1G module's mem_map is 16M, a 2G one's 32M.
		const changes = {kernel: {vmallocBootUsedBytes: '100M'}};
		const small = run(quietMachine(changes), [plug(2, GiB)]);
		assert.equal(region(small, 2).status, 'ENABLED');
		const big = run(quietMachine(changes), [plug(2, 2 * GiB)]);
		assert.equal(region(big, 2).failure?.code, 'vmalloc-exhausted');
		assert.equal(region(big, 2).failure?.retry, false);
	});

	test('lowmem-short: fails while free lowmem is below mem_map + watermark, integrates once caches drop', () => {
		let machine = run(quietMachine({workload: {initial: 'peak'}}), [plug(2, 4 * GiB)]);
		const failed = region(machine, 2);
		assert.equal(failed.failure?.code, 'lowmem-short');
		assert.equal(failed.failure?.retry, true);
		const free = resourcesAt(machine, machine.now).lowmemFreeBytes;
		assert.ok(free < 64 * MiB, `free lowmem ${free} should be short of the 64M mem_map`);
		machine = run(machine, [{type: 'workload', op: 'drop-caches'}, {type: 'integrate'}]);
		assert.equal(region(machine, 2).status, 'ENABLED');
	});

	test('lowmem is taken: each ENABLED region keeps its mem_map out of free lowmem', () => {
		const before = quietMachine();
		const after = run(before, [plug(2, 2 * GiB)], 0);
		const lost = resourcesAt(before, after.now).lowmemFreeBytes - resourcesAt(after, after.now).lowmemFreeBytes;
		assert.equal(lost, 32 * MiB);
	});

	test('the rules are checked in order: a mirror module past the limit reads "mirror"', () => {
		const machine = run(quietMachine({controller: {addressLimitBytes: '128G', slotBases: {'2': '65024M'}}}), [plug(2, GiB, 'mirror')]);
		assert.equal(region(machine, 2).failure?.code, 'mirror');
	});
});
