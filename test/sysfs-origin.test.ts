// Where blocks came from (origin.ts) and the hot-plug policy (policy.ts), read from generated trees
// laid out as a 6.12 guest under QEMU shows them; then every new input made hostile.
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {mkdirSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, test} from 'node:test';
import {GiB} from '../source/model/units.js';
import {classifyBlock, originFacts, parseIomem, parseMemmapEntry, readOrigins} from '../source/sysfs/origin.js';
import {
	defaultAutoMovableNumaAware,
	defaultAutoMovableRatio,
	describePolicy,
	memmapBytes,
	readHotplugPolicy,
} from '../source/sysfs/policy.js';
import {readMemoryTree} from '../source/sysfs/read.js';
import {type MachineSpec, writeMachineFiles} from './helpers/sysfs-machine.js';
import {makeMemoryTree, run, type TreeSpec, tempSysroot} from './helpers/sysfs-tree.js';

const scratch = tempSysroot('ham-sysfs-origin-');
after(scratch.remove);

let count = 0;
function machine(tree: TreeSpec, spec: MachineSpec): string {
	const sysroot = path.join(scratch.sysroot, `machine${count++}`);
	makeMemoryTree(sysroot, tree);
	writeMachineFiles(sysroot, spec);
	return sysroot;
}

// The QEMU guest: boot RAM 0-0x3ffdffff (blocks 0-7), a virtio-mem device at 4G with 1G plugged
// (blocks 32-39), a pc-dimm at 8G (blocks 64-71, node 0) and one at 9G (72-79, node 1), and here
// also a dax kmem range at 10G (blocks 80-81) and a block nobody names (100).
const qemuTree: TreeSpec = {
	blocks: [
		...run(0, 7, {zones: 'DMA32'}),
		{index: 7, zones: 'DMA32'},
		...run(32, 8, {zones: 'Movable'}),
		...run(64, 8, {state: 'offline', zones: 'Normal Movable'}),
		...run(72, 8, {state: 'offline', zones: 'Normal Movable', node: 1}),
		...run(80, 2, {zones: 'Normal'}),
		{index: 100, state: 'offline'},
	],
};
const qemuIomem = `00000000-00000fff : Reserved
00001000-0009fbff : System RAM
0009fc00-0009ffff : Reserved
000a0000-000bffff : PCI Bus 0000:00
000f0000-000fffff : Reserved
  000f0000-000fffff : System ROM
00100000-3ffdffff : System RAM
  1b400000-1c3fffff : Kernel code
  1d000000-1d270d7f : Kernel data
3ffe0000-3fffffff : Reserved
40000000-febfffff : PCI Bus 0000:00
  febfc000-febfffff : 0000:00:02.0
    febfc000-febfffff : virtio-pci-modern
100000000-1ffffffff : virtio0
  100000000-13fffffff : System RAM (virtio_mem)
200000000-23fffffff : System RAM
240000000-27fffffff : System RAM
280000000-28fffffff : Soft Reserved
  280000000-28fffffff : dax0.0
    280000000-28fffffff : System RAM (kmem)
5c0000000-63fffffff : PCI Bus 0000:00
fd00000000-ffffffffff : Reserved
`;
const qemuMemmap = [
	{start: 0, end: 0x9fbff, type: 'System RAM'},
	{start: 0x9fc00, end: 0x9ffff, type: 'Reserved'},
	{start: 0xf0000, end: 0xfffff, type: 'Reserved'},
	{start: 0x100000, end: 0x3ffdffff, type: 'System RAM'},
	{start: 0x3ffe0000, end: 0x3fffffff, type: 'Reserved'},
	{start: 0xfffc0000, end: 0xffffffff, type: 'Reserved'},
	{start: 0xfd00000000, end: 0xffffffffff, type: 'Reserved'},
	// firmware_map_add_hotplug: both hot-added DIMMs are here too.
	{start: 0x200000000, end: 0x23fffffff, type: 'System RAM'},
	{start: 0x240000000, end: 0x27fffffff, type: 'System RAM'},
];
const qemuParams = {auto_movable_numa_aware: 'Y', auto_movable_ratio: '301', memmap_on_memory: 'N', online_policy: 'contig-zones'};
const qemuDimms = {
	...Object.fromEntries(Array.from({length: 8}, (_, i) => [64 + i, 'PNP0C80:00'])),
	...Object.fromEntries(Array.from({length: 8}, (_, i) => [72 + i, 'PNP0C80:01'])),
};
const qemu: MachineSpec = {
	iomem: qemuIomem,
	memmap: qemuMemmap,
	params: qemuParams,
	firmwareNodes: qemuDimms,
	meminfo: {totalKiB: 3_019_172, freeKiB: 2_757_684, availableKiB: 2_627_404},
	nodeMeminfo: {0: {totalKiB: 1_970_596, freeKiB: 1_709_108}, 1: {totalKiB: 1_048_576, freeKiB: 1_048_576}},
};

function origins(
	sysroot: string,
	options = {},
): {map: ReturnType<typeof readOrigins>; problems: string[]; byBlock: Record<number, string>} {
	const tree = readMemoryTree(sysroot);
	const problems: string[] = [];
	const map = readOrigins(sysroot, tree, problems, options);
	const byBlock = Object.fromEntries(tree.blocks.map(block => [block.index, map.origin(block.index)]));
	return {map, problems, byBlock};
}

function expectOrigins(byBlock: Record<number, string>, expected: Record<string, readonly number[]>): void {
	const want: Record<number, string> = {};
	for (const [origin, indexes] of Object.entries(expected)) {
		for (const index of indexes) {
			want[index] = origin;
		}
	}

	assert.deepEqual(byBlock, want);
}

const bootBlocks = [0, 1, 2, 3, 4, 5, 6, 7];
const virtioBlocks = [32, 33, 34, 35, 36, 37, 38, 39];
const dimmBlocks = [64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79];

describe('readOrigins on the QEMU guest', () => {
	test('iomem, then firmware_node, then memmap: every kind told apart', () => {
		const {map, problems, byBlock} = origins(machine(qemuTree, qemu));
		assert.deepEqual(problems, []);
		assert.deepEqual(map.notes, []);
		assert.ok(map.iomemUsable && map.memmapUsable);
		expectOrigins(byBlock, {boot: bootBlocks, 'virtio-mem': virtioBlocks, 'acpi-dimm': dimmBlocks, kmem: [80, 81], unknown: [100]});
		assert.equal(map.why(32), 'iomem: System RAM (virtio_mem) in virtio0');
		assert.equal(map.why(80), 'iomem: System RAM (kmem) in dax0.0');
		assert.equal(map.why(64), 'firmware_node PNP0C80:00 (an ACPI memory device)');
		assert.equal(map.why(0), 'memmap 0: System RAM from the firmware');
		assert.equal(map.why(7), 'memmap 3: System RAM from the firmware');
		assert.equal(map.why(100), 'no iomem, firmware_node or memmap entry names it');
	});

	test('the virtio-mem device: its address space, the memory added, its blocks', () => {
		const {map} = origins(machine(qemuTree, qemu));
		assert.deepEqual(map.virtioMem, [
			{name: 'virtio0', start: 4 * GiB, end: 8 * GiB - 1, regionBytes: 4 * GiB, addedBytes: GiB, blocks: 8, onlineBlocks: 8},
		]);
	});

	test('as non-root: iomem all zeros says nothing, with a note; driver-managed memory becomes unknown', () => {
		const hidden = qemuIomem.replace(/^( *)[\da-f]+-[\da-f]+/gm, (_, indent: string) => `${indent}00000000-00000000`);
		const {map, problems, byBlock} = origins(machine(qemuTree, {...qemu, iomem: hidden}));
		assert.deepEqual(problems, []);
		assert.equal(map.iomemUsable, false);
		assert.deepEqual(map.virtioMem, []);
		assert.equal(map.notes.length, 1);
		assert.match(map.notes[0] ?? '', /^run as root to read \/proc\/iomem/);
		expectOrigins(byBlock, {boot: bootBlocks, 'acpi-dimm': dimmBlocks, unknown: [...virtioBlocks, 80, 81, 100]});
	});

	test('without iomem or memmap at all: notes, and only firmware_node still tells', () => {
		const {map, problems, byBlock} = origins(machine(qemuTree, {firmwareNodes: qemuDimms}));
		assert.deepEqual(problems, []);
		assert.equal(map.notes.length, 2);
		assert.equal(map.memmapUsable, false);
		expectOrigins(byBlock, {'acpi-dimm': dimmBlocks, unknown: [...bootBlocks, ...virtioBlocks, 80, 81, 100]});
	});

	test('{firmwareNodes: false}: no readlink, so the hot-added DIMMs look like boot memory (their memmap entries)', () => {
		const {byBlock} = origins(machine(qemuTree, qemu), {firmwareNodes: false});
		expectOrigins(byBlock, {boot: [...bootBlocks, ...dimmBlocks], 'virtio-mem': virtioBlocks, kmem: [80, 81], unknown: [100]});
	});

	test('firmware_node is read only when the block is asked for, once', () => {
		const sysroot = machine({blocks: run(0, 4)}, {memmap: [{start: 0, end: 4 * 128 * 1024 * 1024 - 1, type: 'System RAM'}]});
		writeFileSync(path.join(sysroot, 'sys/devices/system/memory/memory2/firmware_node'), 'not a link\n');
		const tree = readMemoryTree(sysroot);
		const problems: string[] = [];
		const map = readOrigins(sysroot, tree, problems);
		assert.deepEqual(problems, []);
		assert.equal(map.origin(1), 'boot');
		assert.deepEqual(problems, []);
		assert.equal(map.origin(2), 'boot');
		assert.equal(map.origin(2), 'boot');
		assert.deepEqual(problems, [`${sysroot}/sys/devices/system/memory/memory2/firmware_node: not a symbolic link`]);
	});

	test('a firmware_node of another ACPI device is not a DIMM', () => {
		const sysroot = machine({blocks: run(0, 2)}, {firmwareNodes: {0: 'PNP0A06:04', 1: 'ACPI0004:00'}});
		const {map, byBlock} = origins(sysroot);
		expectOrigins(byBlock, {unknown: [0, 1]});
		assert.match(map.why(0), /PNP0A06:04 is not an ACPI memory device/);
	});
});

describe('the pure parts', () => {
	test('parseIomem: depth, names, a bad line told once, addresses past 2^53 cut', () => {
		const problems: string[] = [];
		const iomem = parseIomem(
			'00000000-00000fff : Reserved\n  00001000-0009fbff : System RAM\ngarbage\n5-1 : backwards\nffffffff00000000-ffffffffffffffff : Top\n',
			problems,
		);
		assert.deepEqual(iomem.resources, [
			{depth: 0, start: 0, end: 0xfff, name: 'Reserved'},
			{depth: 1, start: 0x1000, end: 0x9fbff, name: 'System RAM'},
		]);
		assert.equal(iomem.hidden, false);
		assert.deepEqual(problems, ['/proc/iomem: 2 line(s) not "start-end : name", left out (first: "garbage")']);
		assert.equal(parseIomem('00000000-00000000 : Reserved\n  00000000-00000000 : System RAM\n', []).hidden, true);
		assert.equal(parseIomem('', []).hidden, false);
	});

	test('parseMemmapEntry: hex with 0x, start <= end', () => {
		assert.deepEqual(parseMemmapEntry(3, '0x100000', '0x3ffdffff', 'System RAM'), {
			index: 3,
			start: 0x100000,
			end: 0x3ffdffff,
			type: 'System RAM',
		});
		assert.match(String(parseMemmapEntry(1, '0x200', '0x100', 'System RAM')), /start 0x200 is past end 0x100/);
		for (const [start, end] of [
			['100', '0x200'],
			['0x', '0x1'],
			['0xzz', '0x1'],
			['0x1', '0x1ffffffffffffff'],
			['-0x1', '0x1'],
		] as const) {
			assert.equal(typeof parseMemmapEntry(1, start, end, 'System RAM'), 'string', `${start} ${end}`);
		}
	});

	test('classifyBlock: overlap, not containment (boot blocks hold firmware holes)', () => {
		const facts = originFacts(undefined, [{index: 0, start: 0x1000, end: 0x9fbff, type: 'System RAM'}]);
		assert.equal(classifyBlock(facts, 0, 0x7ffffff, () => null).origin, 'boot');
		assert.equal(classifyBlock(facts, 0x8000000, 0xfffffff, () => null).origin, 'unknown');
		// Reserved memmap entries are not RAM.
		const reserved = originFacts(undefined, [{index: 0, start: 0, end: 0xfffffff, type: 'Reserved'}]);
		assert.equal(classifyBlock(reserved, 0, 0x7ffffff, () => null).origin, 'unknown');
	});

	test('classifyBlock: nested and overlapping ranges are still found', () => {
		const facts = originFacts(undefined, [
			{index: 0, start: 0, end: 100, type: 'System RAM'},
			{index: 1, start: 10, end: 20, type: 'System RAM'},
			{index: 2, start: 30, end: 40, type: 'System RAM'},
		]);
		assert.equal(classifyBlock(facts, 50, 60, () => null).why, 'memmap 0: System RAM from the firmware');
		assert.equal(classifyBlock(facts, 101, 200, () => null).origin, 'unknown');
	});
});

describe('readHotplugPolicy and describePolicy', () => {
	test("the QEMU guest's parameters", () => {
		const problems: string[] = [];
		const policy = readHotplugPolicy(machine(qemuTree, qemu), problems);
		assert.deepEqual(problems, []);
		assert.deepEqual(policy, {
			autoOnlineBlocks: 'offline',
			onlinePolicy: 'contig-zones',
			autoMovableRatio: 301,
			autoMovableNumaAware: true,
			memmapOnMemory: false,
			blockSizeBytes: 128 * 1024 * 1024,
		});
		assert.deepEqual(describePolicy(policy), [
			'auto_online_blocks is offline: new blocks stay offline until onlined (ham-tui --integrate, or a udev rule)',
			'online_policy is contig-zones: a plain "online" keeps a block in the zone it lies in, else a kernel zone (not removable again)',
			'auto_movable_ratio is 301%: movable memory may be up to that share of the early kernel memory, on each node too',
			"memmap_on_memory is off: each block's memmap (2M per 128M) comes from the node's other memory",
		]);
	});

	test('missing parameters are null, and the defaults are said', () => {
		const problems: string[] = [];
		const policy = readHotplugPolicy(machine({blocks: run(0, 2)}, {}), problems);
		assert.deepEqual(problems, []);
		assert.equal(policy.onlinePolicy, null);
		assert.equal(policy.autoMovableRatio, null);
		assert.equal(policy.autoMovableNumaAware, null);
		assert.equal(policy.memmapOnMemory, null);
		assert.equal(defaultAutoMovableRatio, 301);
		assert.equal(defaultAutoMovableNumaAware, true);
		const lines = describePolicy(policy);
		assert.match(lines[1] ?? '', /contig-zones assumed/);
		assert.match(lines[2] ?? '', /the kernel's 301%/);
		assert.match(lines[3] ?? '', /not there: off/);
	});

	test('other values: online, auto-movable, force, Y; the memmap from the block size', () => {
		const sysroot = machine(
			{blocks: run(0, 2), blockSize: 2 * GiB},
			{params: {online_policy: 'auto-movable', auto_movable_ratio: '100', auto_movable_numa_aware: 'N', memmap_on_memory: 'force'}},
		);
		writeFileSync(path.join(sysroot, 'sys/devices/system/memory/auto_online_blocks'), 'online_movable\n');
		const problems: string[] = [];
		const policy = readHotplugPolicy(sysroot, problems);
		assert.deepEqual(problems, []);
		assert.deepEqual(
			[policy.autoOnlineBlocks, policy.onlinePolicy, policy.autoMovableRatio, policy.autoMovableNumaAware, policy.memmapOnMemory],
			['online_movable', 'auto-movable', 100, false, 'force'],
		);
		const lines = describePolicy(policy);
		assert.match(lines[0] ?? '', /in ZONE_MOVABLE/);
		assert.match(lines[1] ?? '', /within 100% of the early/);
		assert.match(lines[3] ?? '', /\(32M per 2G\)/);
		assert.equal(memmapBytes(128 * 1024 * 1024), 2 * 1024 * 1024);
		assert.equal(describePolicy({...policy, memmapOnMemory: true})[3]?.startsWith('memmap_on_memory is on'), true);
		assert.equal(
			describePolicy({...policy, autoOnlineBlocks: 'online'})[0],
			'auto_online_blocks is online: the kernel onlines new blocks itself, in the zone online_policy picks',
		);
	});
});

// ---- Hostile -------------------------------------------------------------------------------

/** Every string in a value (deep): none may hold a control character, newline and tab included. */
function assertClean(value: unknown, what: string): void {
	const strings: string[] = [];
	const walk = (item: unknown): void => {
		if (typeof item === 'string') {
			strings.push(item);
		} else if (Array.isArray(item)) {
			item.forEach(walk);
		} else if (typeof item === 'object' && item !== null) {
			Object.values(item).forEach(walk);
		}
	};

	walk(value);
	for (const text of strings) {
		assert.doesNotMatch(text, /[\u0000-\u001f\u007f-\u009f]/, `${what}: ${JSON.stringify(text)}`);
	}
}

const hostileKinds = ['symlink', 'fifo', 'big', 'escapes', 'directory'] as const;
type HostileKind = (typeof hostileKinds)[number];
const escapes = Buffer.concat([
	Buffer.from('0x1\u001b[2J\u001b]0;pwned\u0007'),
	Buffer.from([0x9b, 0x33, 0x31, 0x6d]),
	Buffer.from('\u009b31m\r\n'),
]);

/** Puts something hostile at `file` (removing what was there). */
function makeHostile(file: string, kind: HostileKind): void {
	rmSync(file, {recursive: true, force: true});
	mkdirSync(path.dirname(file), {recursive: true});
	switch (kind) {
		case 'symlink': {
			writeFileSync(`${file}.target`, '0x0\n');
			symlinkSync(`${path.basename(file)}.target`, file);
			break;
		}

		case 'fifo': {
			execFileSync('mkfifo', [file]);
			break;
		}

		case 'big': {
			writeFileSync(file, `${'0'.repeat(300 * 1024)}\n`);
			break;
		}

		case 'escapes': {
			writeFileSync(file, escapes);
			break;
		}

		case 'directory': {
			mkdirSync(file);
			break;
		}
	}
}

function readAll(sysroot: string): {problems: string[]; result: unknown} {
	const tree = readMemoryTree(sysroot);
	const problems: string[] = [];
	const map = readOrigins(sysroot, tree, problems);
	const result = {
		origins: tree.blocks.map(block => [map.origin(block.index), map.why(block.index)]),
		virtio: map.virtioMem,
		notes: map.notes,
		policy: readHotplugPolicy(sysroot, problems),
	};
	return {problems, result: {...result, lines: describePolicy(result.policy)}};
}

describe('hostile inputs: each a problem line or null, no hang, nothing unsafe out', {timeout: 20_000}, () => {
	for (const kind of hostileKinds) {
		test(`/proc/iomem as ${kind}`, () => {
			const sysroot = machine(qemuTree, qemu);
			makeHostile(path.join(sysroot, 'proc/iomem'), kind);
			const {problems, result} = readAll(sysroot);
			assertClean({problems, result}, kind);
			if (kind === 'escapes') {
				// Not iomem lines: one problem for them, and no origin from iomem.
				assert.ok(problems.some(line => line.includes('line(s) not "start-end : name"')));
			} else {
				assert.equal(problems.length, 1, problems.join('\n'));
				assert.match(problems[0] ?? '', /proc\/iomem: unreadable \(/);
			}

			assert.deepEqual((result as {virtio: unknown[]}).virtio, []);
		});

		test(`a memmap start, end and type as ${kind}`, () => {
			const sysroot = machine(qemuTree, qemu);
			for (const [entry, field] of [
				[0, 'start'],
				[3, 'end'],
				[7, 'type'],
			] as const) {
				makeHostile(path.join(sysroot, `sys/firmware/memmap/${entry}/${field}`), kind);
			}

			const {problems, result} = readAll(sysroot);
			assertClean({problems, result}, kind);
			// A type with escapes is only a type that is not System RAM: no problem for it.
			assert.equal(problems.length, kind === 'escapes' ? 2 : 3, problems.join('\n'));
			assert.ok(problems.every(line => /memmap\/\d+/.test(line)));
		});

		test(`memory_hotplug parameters as ${kind}`, () => {
			const sysroot = machine(qemuTree, qemu);
			for (const name of Object.keys(qemuParams)) {
				makeHostile(path.join(sysroot, `sys/module/memory_hotplug/parameters/${name}`), kind);
			}

			const problems: string[] = [];
			const policy = readHotplugPolicy(sysroot, problems);
			assertClean({problems, policy, lines: describePolicy(policy)}, kind);
			assert.equal(policy.autoMovableRatio, null);
			assert.equal(policy.autoMovableNumaAware, null);
			if (kind === 'escapes') {
				// Words are kept (made safe); numbers and Y/N are problems.
				assert.equal(problems.length, 2, problems.join('\n'));
				assert.equal(typeof policy.onlinePolicy, 'string');
			} else {
				assert.equal(problems.length, 4, problems.join('\n'));
				assert.equal(policy.onlinePolicy, null);
				assert.equal(policy.memmapOnMemory, null);
			}
		});
	}

	test('iomem over a page but within bounds is read (real ones with many PCI devices are)', () => {
		const filler = Array.from(
			{length: 200},
			(_, i) => `  ${(0xc0000000 + i * 0x1000).toString(16)}-${(0xc0000fff + i * 0x1000).toString(16)} : 0000:00:${i}.0`,
		).join('\n');
		const iomem = qemuIomem.replace('40000000-febfffff : PCI Bus 0000:00\n', `40000000-febfffff : PCI Bus 0000:00\n${filler}\n`);
		assert.ok(iomem.length > 4096);
		const {map, problems, byBlock} = origins(machine(qemuTree, {...qemu, iomem}));
		assert.deepEqual(problems, []);
		assert.ok(map.iomemUsable);
		assert.equal(byBlock[32], 'virtio-mem');
	});

	test('garbage and odd memmap entries: start > end, no 0x, a link for an entry, a file for an entry, too long', () => {
		const sysroot = machine(qemuTree, {
			...qemu,
			memmap: [
				{start: 0x3ffdffff, end: 0x100000, type: 'System RAM'},
				{start: '0x10\n', end: 'end\n', type: 'System RAM'},
				{start: '__proto__\n', end: '0x1\n', type: '__proto__'},
				{start: `0x${'f'.repeat(5000)}\n`, end: '0x1\n', type: 'System RAM'},
			],
		});
		const memmap = path.join(sysroot, 'sys/firmware/memmap');
		symlinkSync('0', path.join(memmap, '10'));
		writeFileSync(path.join(memmap, '11'), 'a file\n');
		mkdirSync(path.join(memmap, '12'));
		const {problems, result} = readAll(sysroot);
		assertClean({problems, result}, 'memmap');
		assert.equal(problems.length, 7, problems.join('\n'));
		assert.match(problems[0] ?? '', /memmap\/10: not a directory \(a symbolic link, not followed\)/);
		assert.match(problems[1] ?? '', /memmap\/11: not a directory \(a file\)/);
		assert.match(problems[2] ?? '', /memmap\/0: start 0x3ffdffff is past end 0x100000/);
		assert.match(problems[3] ?? '', /memmap\/1: start "0x10" and end "end" are not both 0x hex/);
		assert.match(problems[4] ?? '', /memmap\/2: start "__proto__"/);
		assert.match(problems[5] ?? '', /memmap\/3\/start: unreadable \(over 4096 bytes/);
		assert.match(problems[6] ?? '', /memmap\/12\/start: missing/);
		// No System RAM entry left: the boot blocks are unknown; the DIMMs still are DIMMs.
		const origins = (result as {origins: Array<[string, string]>}).origins;
		assert.equal(origins[0]?.[0], 'unknown');
	});

	test('firmware_node links with weird names: escapes, a long target, PNP0C80 not last, a link to itself', () => {
		const sysroot = machine({blocks: run(0, 5)}, {});
		const memory = path.join(sysroot, 'sys/devices/system/memory');
		const links = [
			'../../\u001b[31mPNP0C80:00\u009b',
			`../../${'x'.repeat(3000)}`,
			'../PNP0C80:00/LNXSYBUS:00',
			'firmware_node',
			'PNP0C80:\u001b]0;x\u0007/',
		];
		for (const [index, target] of links.entries()) {
			symlinkSync(target, path.join(memory, `memory${index}`, 'firmware_node'));
		}

		const {problems, result} = readAll(sysroot);
		assertClean({problems, result}, 'firmware_node');
		assert.deepEqual(problems, []);
		const found = (result as {origins: Array<[string, string]>}).origins.map(([origin]) => origin);
		// Only the last one names PNP0C80: as its last component (a trailing slash is no component).
		assert.deepEqual(found, ['unknown', 'unknown', 'unknown', 'unknown', 'acpi-dimm']);
	});

	test('a FIFO with a writer attached does not block either', () => {
		const sysroot = machine(qemuTree, qemu);
		const fifo = path.join(sysroot, 'proc/iomem');
		makeHostile(fifo, 'fifo');
		// A writer that keeps the FIFO open (and never writes) for the time of the test.
		const writer = execFileSync('sh', ['-c', `{ sleep 5 > '${fifo}'; } </dev/null >/dev/null 2>&1 & echo $!`], {encoding: 'utf8'}).trim();
		try {
			const {problems} = readAll(sysroot);
			assert.match(problems[0] ?? '', /proc\/iomem: unreadable \(a FIFO, not a regular file\)/);
		} finally {
			execFileSync('kill', [writer]);
		}
	});
});
