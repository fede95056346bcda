// source/vm/controller.ts over QEMU 7.2's real replies (test/fixtures/qmp/, recorded from
// `-M pc -m 1G,slots=4,maxmem=8G` with a virtio-mem device asked for 512M and a 1G DIMM in slot 1),
// and over replies no QEMU sends.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {test} from 'node:test';
import {
	controllerStatus,
	dimmInSlot,
	ejectStatus,
	freeMemory,
	parseMachineMemory,
	parseMemoryDevices,
	parseSizeSummary,
	statusFields,
	vmMemory,
} from '../../source/vm/controller.js';
import {parseGreeting} from '../../source/vm/qmp.js';

type Recording = {qemu: string; exchanges: Array<{sent: unknown; received: {return?: unknown; error?: {class: string; desc: string}}}>};

function recorded(name: string): Recording {
	return JSON.parse(fs.readFileSync(`test/fixtures/qmp/qemu-7.2-${name}.json`, 'utf8')) as Recording;
}

function returned(name: string): unknown {
	const recording = recorded(name);
	assert.equal(recording.qemu, '7.2.22');
	return recording.exchanges[0]!.received.return;
}

const replies = () => ({
	devices: returned('query-memory-devices'),
	summary: returned('query-memory-size-summary'),
	machine: returned('qom-get-machine-memory'),
});

test("the recorded greeting: QEMU's version and package", () => {
	const greeting = JSON.parse(fs.readFileSync('test/fixtures/qmp/qemu-7.2-greeting.json', 'utf8'));
	assert.deepEqual(parseGreeting(greeting.received), {
		ok: true,
		value: {major: 7, minor: 2, micro: 22, package: 'Debian 1:7.2+dfsg-7+deb12u18+b3'},
	});
});

test('qom-get /machine memory gives the slot count and maxmem', () => {
	assert.deepEqual(parseMachineMemory(returned('qom-get-machine-memory')), {
		ok: true,
		value: {baseMemory: 2 ** 30, slots: 4, maxMemory: 8 * 2 ** 30},
	});
	// -m without slots or maxmem: no DIMM slots, maxmem is the boot memory.
	assert.deepEqual(parseMachineMemory({size: 2 ** 30}), {ok: true, value: {baseMemory: 2 ** 30, slots: 0, maxMemory: 2 ** 30}});
	assert.equal(parseMachineMemory({size: -1, slots: 4, 'max-size': 1}).ok, false);
});

test("the recorded VM: four slots, the DIMM in slot 1 after the virtio-mem device's range, the virtio-mem still RESIZING", () => {
	const memory = vmMemory(replies());
	assert.ok(memory.ok, memory.ok ? '' : memory.error);
	const {value} = memory;
	assert.deepEqual(
		value.slots.map(row => row.device?.id ?? null),
		[null, 'ham-dimm-1', null, null],
	);
	assert.deepEqual(dimmInSlot(value, 1), {
		kind: 'pc-dimm',
		id: 'ham-dimm-1',
		slot: 1,
		address: 0x1_8000_0000,
		size: 2 ** 30,
		node: 0,
		memdev: '/objects/ham-mem-1',
		hotplugged: true,
		hotpluggable: true,
	});
	assert.deepEqual(statusFields(value), [
		['1', '0x180000000', '1073741824', 'READ/WRITE', 'PLUGGED'],
		['vm0', '0x100000000', '0', 'READ/WRITE', 'RESIZING'],
	]);
	assert.deepEqual(value.summary, {baseMemory: 2 ** 30, pluggedMemory: 2 ** 30});
	assert.equal(freeMemory(value), 6 * 2 ** 30);
	assert.deepEqual(value.problems, []);
});

test("the recorded refusals are QEMU's words, as ham-tui shows them", () => {
	const descs = recorded('refusals').exchanges.flatMap(exchange => (exchange.received.error ? [exchange.received.error.desc] : []));
	assert.deepEqual(descs, [
		'not enough space, currently 0xc0000000 in use of total space for memory devices 0x1c0000000',
		'slot 1 is busy',
		'invalid slot number 9, valid range is [0-3]',
		"Device 'nope' not found",
	]);
});

test('virtio-mem: PLUGGED when the guest has what was asked, EMPTY when nothing is asked or plugged', () => {
	const base = {kind: 'virtio-mem', id: 'vm0', address: 0, maxSize: 2 ** 31, blockSize: 2 ** 21, node: 0, memdev: ''} as const;
	assert.equal(controllerStatus({...base, size: 2 ** 29, requestedSize: 2 ** 29}), 'PLUGGED');
	assert.equal(controllerStatus({...base, size: 0, requestedSize: 0}), 'EMPTY');
	assert.equal(controllerStatus({...base, size: 2 ** 29, requestedSize: 0}), 'RESIZING');
});

test('replies no QEMU sends: refused, or the device named in problems and not shown', () => {
	assert.deepEqual(parseMemoryDevices({}), {ok: false, error: 'query-memory-devices did not return a list'});
	const problems: string[] = [];
	const devices = parseMemoryDevices(
		[
			{type: 'nvdimm', data: {id: 'nv0'}},
			{type: 'dimm', data: {id: 'd', slot: 0, addr: -1, size: 1, node: 0}},
			{type: 'dimm', data: {id: 'd', slot: 0, addr: 2 ** 60, size: 1, node: 0}},
			'garbage',
			{type: 'dimm', data: {id: 'ok', slot: 2, addr: 2 ** 32, size: 2 ** 30, node: 0, memdev: '/objects/m'}},
		],
		problems,
	);
	assert.ok(devices.ok);
	assert.deepEqual(
		devices.value.map(device => device.id),
		['ok'],
	);
	assert.deepEqual(problems, [
		'memory device 0 (nvdimm): a kind of memory device ham-tui does not show; not shown',
		'memory device 1 (dimm): addr is not a whole number; not shown',
		'memory device 2 (dimm): addr is not a whole number; not shown',
		'memory device 3: not a {type, data} object; not shown',
	]);
	assert.equal(parseSizeSummary({'base-memory': 1}).ok, false);
	assert.equal(parseSizeSummary([]).ok, false);
});

test('ACPI eject statuses: 0 ejected, 0x84 still trying, 0x82 and 0x81 the guest kept it', () => {
	assert.deepEqual(ejectStatus(0), {final: true, ok: true, means: 'ejected'});
	assert.deepEqual(ejectStatus(0x84), {final: false, ok: false, means: 'the guest is ejecting it'});
	assert.deepEqual(ejectStatus(0x82), {final: true, ok: false, means: 'the guest refused: the device is busy'});
	assert.equal(ejectStatus(0x81).final, true);
	assert.deepEqual(ejectStatus(0x99), {final: true, ok: false, means: 'eject status 0x99'});
});
