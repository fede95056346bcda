// Parity with util-linux: the same trees read by `lsmem --sysroot DIR -b -J` and by
// readMemoryTree + groupRanges must give the same ranges, field for field.
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {existsSync, mkdirSync} from 'node:fs';
import path from 'node:path';
import {after, describe, test} from 'node:test';
import {groupRanges, type SplitColumn, toLsmemJson} from '../source/sysfs/ranges.js';
import {memoryDirectory, readMemoryTree} from '../source/sysfs/read.js';
import {type BlockSpec, makeMemoryTree, randomTreeSpec, run, type TreeSpec, tempSysroot} from './helpers/sysfs-tree.js';

const lsmemPath = '/usr/bin/lsmem';
const skip = !existsSync(lsmemPath) && `${lsmemPath} is not installed (util-linux), so there is nothing to compare with`;
const scratch = tempSysroot('ham-sysfs-lsmem-');
after(scratch.remove);

/** The rows lsmem prints as JSON with sizes in bytes; `sysroot` undefined reads this machine. */
function lsmem(sysroot: string | undefined, args: readonly string[]): unknown[] {
	const root = sysroot === undefined ? [] : ['--sysroot', sysroot];
	const output = execFileSync(lsmemPath, [...root, '-b', '-J', ...args], {
		encoding: 'utf8',
		maxBuffer: 256 * 1024 * 1024,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	return (JSON.parse(output) as {memory: unknown[]}).memory;
}

const columnNames: Record<SplitColumn, string> = {state: 'STATE', removable: 'REMOVABLE', node: 'NODE', zones: 'ZONES'};

/** lsmem's --split argument for a split list ("none" for no column). */
function splitArgument(split: readonly SplitColumn[]): string {
	return split.length === 0 ? 'none' : split.map(column => columnNames[column]).join(',');
}

// The splits lsmem is compared under: its default, none, each extra column, all together.
const splits: ReadonlyArray<readonly SplitColumn[]> = [
	['state', 'removable'],
	[],
	['state', 'removable', 'node'],
	['state', 'removable', 'zones'],
	['state', 'removable', 'node', 'zones'],
	['node'],
	['zones'],
];

/** Compares every column of every range, under every split, and per block (lsmem --all). */
function assertSameAsLsmem(sysroot: string | undefined): void {
	const tree = readMemoryTree(sysroot ?? '/');
	for (const split of splits) {
		const ours = groupRanges(tree, {split}).map(range => toLsmemJson(tree, range));
		assert.deepEqual(ours, lsmem(sysroot, ['--output-all', '-S', splitArgument(split)]), `split ${splitArgument(split)}`);
	}

	const perBlock = groupRanges(tree, {all: true}).map(range => toLsmemJson(tree, range));
	assert.deepEqual(perBlock, lsmem(sysroot, ['--all', '--output-all']), 'lsmem --all');
}

/** lsmem with no column options: RANGE SIZE STATE REMOVABLE BLOCK, split on STATE and REMOVABLE. */
function assertSameAsDefaultLsmem(sysroot: string | undefined): void {
	const expected = lsmem(sysroot, []);
	// The full read, and the lean one --status makes (state and removable only): the same ranges.
	for (const options of [{}, {zones: false, nodes: false}]) {
		const tree = readMemoryTree(sysroot ?? '/', options);
		const ours = groupRanges(tree).map(range => {
			const {range: span, size, state, removable, block} = toLsmemJson(tree, range);
			return {range: span, size, state, removable, block};
		});
		assert.deepEqual(ours, expected, JSON.stringify(options));
	}
}

let treeCount = 0;
function fakeSysroot(spec: TreeSpec): string {
	const sysroot = path.join(scratch.sysroot, `tree${treeCount++}`);
	makeMemoryTree(sysroot, spec);
	return sysroot;
}

describe('groupRanges against lsmem --sysroot', {skip}, () => {
	const trees: Record<string, TreeSpec> = {
		'holes in the numbering': {blocks: [...run(0, 8), ...run(10, 4), {index: 20}, ...run(22, 3), ...run(1000, 2)]},
		'mixed online, offline, going-offline, removable': {
			blocks: [
				...run(0, 4),
				...run(4, 2, {removable: false}),
				...run(6, 3, {state: 'offline'}),
				// Offline blocks that differ only in removable: lsmem shows them alike but apart.
				...run(9, 2, {state: 'offline', removable: false}),
				{index: 11, state: 'going-offline'},
				...run(12, 3, {state: 'offline'}),
				...run(15, 2),
			],
		},
		'nodes and zones changing under one state': {
			blocks: [
				...run(0, 4, {zones: 'DMA32'}),
				...run(4, 4, {zones: 'Normal'}),
				...run(8, 4, {node: 1, zones: 'Normal'}),
				...run(12, 4, {node: 1, state: 'offline', zones: 'Normal Movable'}),
				...run(16, 4, {node: 1, state: 'offline', zones: 'movable'}),
			],
		},
		'odd contents lsmem copes with': {
			blocks: [
				{index: 0, zones: 'none'},
				...run(1, 2, {zones: 'Normal  Movable'}),
				{index: 3, zones: 'Normal Movable'},
				...run(4, 2, {zones: 'Weird'}),
				{index: 6, zones: ''},
				...run(7, 2, {state: 'sleeping'}),
				{index: 9, state: 'dozing'},
				{index: 10, omit: ['state']},
				{index: 11, omit: ['state'], removable: false},
				{index: 12, removable: ' 1x\n'},
				{index: 13, removable: 'maybe\n'},
				{index: 14, omit: ['removable']},
				{index: 15, removable: false},
				{index: 16, node: null},
				{index: 17, omit: ['valid_zones']},
				{index: 18, zones: 'Normal Normal Normal Normal Normal Normal Normal Normal Movable'},
			],
		},
		'no memory0: no zones at all': {blocks: [...run(1, 3, {zones: 'Movable'}), ...run(4, 3, {zones: 'Normal'})]},
		'first block without a node: no nodes at all': {blocks: [{index: 0, node: null}, ...run(1, 3, {node: 1}), ...run(4, 3, {node: 2})]},
		'nodes as kernel-style symlinks': {nodeEntry: 'link', blocks: [...run(0, 5), ...run(5, 5, {node: 1}), ...run(10, 5)]},
		'2 GiB blocks, high addresses': {blockSize: 0x8000_0000, blocks: [...run(0, 2), ...run(4000, 3, {state: 'offline'})]},
	};

	for (const [name, spec] of Object.entries(trees)) {
		test(name, () => {
			const sysroot = fakeSysroot(spec);
			assertSameAsLsmem(sysroot);
			assertSameAsDefaultLsmem(sysroot);
		});
	}

	test('6,000 blocks in long runs with holes', () => {
		const blocks: BlockSpec[] = [
			...run(0, 2000, {zones: 'Normal'}),
			...run(2000, 1000, {state: 'offline', zones: 'Normal Movable'}),
			...run(3008, 1500, {node: 1, zones: 'Movable'}),
			...run(4508, 500, {node: 1, state: 'offline', removable: false}),
			...run(5100, 1000, {node: 1}),
		];
		const sysroot = fakeSysroot({blocks});
		assertSameAsLsmem(sysroot);
		assertSameAsDefaultLsmem(sysroot);
	});

	for (const seed of [1, 7, 2024, 0xdead_beef]) {
		test(`random tree from seed ${seed}`, () => {
			const spec = randomTreeSpec(seed, seed === 1 ? 5000 : 600);
			const sysroot = fakeSysroot(spec);
			assertSameAsLsmem(sysroot);
			assertSameAsDefaultLsmem(sysroot);
		});
	}
});

describe('groupRanges against lsmem on this machine', {skip}, () => {
	const here = memoryDirectory('/');
	test('same ranges as lsmem reading /sys', {skip: !existsSync(here) && `${here} does not exist here`}, () => {
		assertSameAsLsmem(undefined);
		assertSameAsDefaultLsmem(undefined);
	});
});

describe('the test helper', () => {
	test('makes trees lsmem accepts: hex block size, memoryN dirs, a nodeN entry', {skip}, () => {
		const sysroot = fakeSysroot({blockSize: 0x1000_0000, blocks: run(0, 2)});
		assert.deepEqual(lsmem(sysroot, ['-o', 'RANGE,SIZE,BLOCK,NODE,ZONES']), [
			{range: '0x0000000000000000-0x000000001fffffff', size: 0x2000_0000, block: '0-1', node: 0, zones: 'Normal'},
		]);
	});

	test('a sysroot without memory blocks is refused by both', {skip}, () => {
		const sysroot = path.join(scratch.sysroot, 'bare');
		mkdirSync(sysroot);
		assert.throws(() => lsmem(sysroot, []), /lsmem: cannot open \/sys\/devices\/system\/memory/);
		assert.throws(() => readMemoryTree(sysroot), /cannot list memory blocks in .*\/sys\/devices\/system\/memory: ENOENT/);
	});
});
