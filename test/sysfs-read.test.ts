import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {chmodSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync} from 'node:fs';
import {availableParallelism} from 'node:os';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';
import {attemptOnline} from '../source/sysfs/integrate.js';
import {canWrite, writeSysfs} from '../source/sysfs/online.js';
import {readOrigins} from '../source/sysfs/origin.js';
import {groupRanges} from '../source/sysfs/ranges.js';
import {
	addedOneByOne,
	ListingSignature,
	listingSignature,
	memoryDirectory,
	readAutoOnline,
	readListingChanges,
	readMemoryTree,
	readZones,
	rereadBlock,
	startMemoryRead,
} from '../source/sysfs/read.js';
import {readThreads, threadsFrom} from '../source/sysfs/read-threads.js';
import {makeMemoryTree, randomTreeSpec, run, type TreeSpec, tempSysroot, writeBlock} from './helpers/sysfs-tree.js';

const isRoot = process.getuid?.() === 0;
const scratch = tempSysroot('ham-sysfs-read-');
after(scratch.remove);

let treeCount = 0;
/** A fresh sysroot with `spec` written; `memory` is its memory directory. */
function fakeTree(spec: TreeSpec): {sysroot: string; memory: string} {
	const sysroot = path.join(scratch.sysroot, `tree${treeCount++}`);
	return {sysroot, memory: makeMemoryTree(sysroot, spec)};
}

describe('readMemoryTree on well-formed trees', () => {
	test('reads every block in index order, holes kept as holes', () => {
		const {sysroot, memory} = fakeTree({
			blockSize: 0x800_0000,
			blocks: [
				...run(0, 3),
				...run(9, 3, {state: 'offline', removable: false, zones: 'Normal Movable'}),
				{index: 100, node: 1, zones: 'Movable'},
			],
		});
		const tree = readMemoryTree(sysroot);
		assert.equal(tree.root, memory);
		assert.equal(tree.blockSizeBytes, 128 * 1024 * 1024);
		assert.deepEqual(tree.problems, []);
		// readdir gives memory10 before memory2; blocks must come in address order.
		assert.deepEqual(
			tree.blocks.map(block => block.index),
			[0, 1, 2, 9, 10, 11, 100],
		);
		assert.deepEqual(tree.blocks[3], {index: 9, state: 'offline', removable: false, node: 0, zones: ['Normal', 'Movable']});
		assert.deepEqual(tree.blocks[6], {index: 100, state: 'online', removable: true, node: 1, zones: ['Movable']});
		assert.equal(tree.hasNodes, true);
		assert.equal(tree.hasZones, true);
	});

	test('finds nodes given as symlinks (as the kernel makes them), dangling or not', () => {
		const {sysroot} = fakeTree({nodeEntry: 'link', blocks: [...run(0, 4), ...run(4, 4, {node: 3}), ...run(8, 2)]});
		const tree = readMemoryTree(sysroot);
		assert.deepEqual(
			tree.blocks.map(block => block.node),
			[0, 0, 0, 0, 3, 3, 3, 3, 0, 0],
		);
		assert.deepEqual(tree.problems, []);
	});

	test('reads phys_device and phys_index only when asked', () => {
		const {sysroot} = fakeTree({blocks: [{index: 0x2a, phys_device: 7}]});
		assert.equal(readMemoryTree(sysroot).blocks[0]?.phys_device, undefined);
		const block = readMemoryTree(sysroot, {physical: true}).blocks[0];
		assert.equal(block?.phys_device, 7);
		assert.equal(block?.phys_index, 0x2a);
	});

	test('skips valid_zones when told to, and then claims no zones', () => {
		const {sysroot} = fakeTree({blocks: run(0, 2)});
		const tree = readMemoryTree(sysroot, {zones: false});
		assert.deepEqual(
			tree.blocks.map(block => block.zones),
			[[], []],
		);
		assert.equal(tree.hasZones, false);
	});

	test('takes have_nodes from the first block and have_zones from memory0, as lsmem does', () => {
		const {sysroot} = fakeTree({blocks: [{index: 1, node: null}, ...run(2, 3, {node: 1})]});
		const tree = readMemoryTree(sysroot);
		assert.equal(tree.hasNodes, false);
		assert.equal(tree.hasZones, false, 'no memory0, so no zones even though every block has valid_zones');
		assert.deepEqual(
			tree.blocks.map(block => block.node),
			[null, null, null, null],
		);
		assert.deepEqual(tree.blocks[1]?.zones, ['Normal']);
	});
});

describe('reading for --status and for the console', () => {
	test('{nodes: false} looks up no node and claims none; the grouping needs none', () => {
		const {sysroot} = fakeTree({blocks: [...run(0, 2), ...run(2, 2, {node: 1})]});
		const tree = readMemoryTree(sysroot, {nodes: false, zones: false});
		assert.equal(tree.hasNodes, false);
		assert.deepEqual(
			tree.blocks.map(block => block.node),
			[null, null, null, null],
		);
		assert.deepEqual(tree.problems, []);
	});

	test('a relative sysroot reads the same, and the working directory is put back', () => {
		const {sysroot} = fakeTree({blocks: [...run(0, 3), {index: 3, omit: ['state']}]});
		const cwd = process.cwd();
		const relative = path.relative(cwd, sysroot);
		const tree = readMemoryTree(relative);
		assert.equal(process.cwd(), cwd);
		assert.deepEqual(tree.blocks, readMemoryTree(sysroot).blocks);
		assert.deepEqual(tree.problems, [`${memoryDirectory(relative)}/memory3/state: missing`]);
	});

	test('rereadBlock reads state and removable again, keeps the node; undefined when the block went', () => {
		const {sysroot, memory} = fakeTree({blocks: run(0, 2, {node: 2})});
		const tree = readMemoryTree(sysroot);
		writeFileSync(path.join(memory, 'memory1/state'), 'offline\n');
		const problems: string[] = [];
		assert.deepEqual(rereadBlock(tree, tree.blocks[1]!, problems, {zones: false}), {
			index: 1,
			state: 'offline',
			removable: true,
			node: 2,
			zones: ['Normal'],
		});
		rmSync(path.join(memory, 'memory1'), {recursive: true});
		assert.equal(rereadBlock(tree, tree.blocks[1]!, problems), undefined);
		assert.deepEqual(problems, [`${memory}/memory1: vanished while reading; block left out`]);
	});

	test('readZones, readAutoOnline and the listing signature', () => {
		const {sysroot, memory} = fakeTree({blocks: [{index: 0, zones: 'DMA32 Normal'}, ...run(1, 2)]});
		assert.deepEqual(readZones(memory, 0), ['DMA32', 'Normal']);
		assert.equal(readZones(memory, 9), undefined);
		assert.equal(readAutoOnline(memory), 'offline');
		const tree = readMemoryTree(sysroot);
		assert.equal(listingSignature(memory), tree.signature);
		// In any order, and only block names count.
		const signature = new ListingSignature();
		for (const name of ['memory2', 'block_size_bytes', 'memory0', 'memory1', 'memoryX']) {
			signature.add(name);
		}

		assert.equal(signature.text(), tree.signature);
		mkdirSync(path.join(memory, 'memory7'));
		assert.notEqual(listingSignature(memory), tree.signature);
		unlinkSync(path.join(memory, 'auto_online_blocks'));
		assert.equal(readAutoOnline(memory), null);
	});
});

describe('readMemoryTree on odd trees: reports, keeps going', () => {
	test('a missing state file is named, the block stays as unknown, the rest is read', () => {
		const {sysroot, memory} = fakeTree({blocks: [...run(0, 2), {index: 2, omit: ['state']}, ...run(3, 2)]});
		const tree = readMemoryTree(sysroot);
		assert.deepEqual(tree.problems, [`${memory}/memory2/state: missing`]);
		assert.deepEqual(
			tree.blocks.map(block => block.state),
			['online', 'online', 'unknown', 'online', 'online'],
		);
	});

	test('an unreadable state file is named with its errno', () => {
		const {sysroot, memory} = fakeTree({blocks: [...run(0, 2), {index: 2, omit: ['state']}]});
		// Root reads past any mode bits, so make the file unreadable in a way root cannot ignore.
		mkdirSync(path.join(memory, 'memory2/state'));
		const tree = readMemoryTree(sysroot);
		assert.deepEqual(tree.problems, [`${memory}/memory2/state: unreadable (EISDIR)`]);
		assert.equal(tree.blocks.length, 3);
	});

	test('a file without read permission is reported as EACCES', {
		skip: isRoot && 'running as root, which reads any file whatever its mode',
	}, () => {
		const {sysroot, memory} = fakeTree({blocks: run(0, 2)});
		chmodSync(path.join(memory, 'memory1/removable'), 0o000);
		const tree = readMemoryTree(sysroot);
		assert.deepEqual(tree.problems, [`${memory}/memory1/removable: unreadable (EACCES)`]);
	});

	test('odd contents are reported and kept as read', () => {
		const {sysroot, memory} = fakeTree({
			blocks: [
				{index: 0, state: 'sleeping'},
				{index: 1, removable: 'maybe\n'},
				{index: 2, removable: ' 1x\n'},
				{index: 3, omit: ['removable', 'valid_zones']},
			],
		});
		const tree = readMemoryTree(sysroot);
		assert.deepEqual(tree.problems, [
			`${memory}/memory0/state: unexpected state "sleeping" (expected online, offline or going-offline)`,
			`${memory}/memory1/removable: "maybe" is not 0 or 1`,
			`${memory}/memory2/removable: " 1x" is not 0 or 1`,
			`${memory}/memory3/removable: missing`,
			`${memory}/memory3/valid_zones: missing`,
		]);
		assert.deepEqual(
			tree.blocks.map(block => [block.state, block.removable]),
			[
				['sleeping', true],
				['online', null],
				['online', true], // Lsmem's reading (scanf %d): a leading 1 is removable.
				['online', null],
			],
		);
		assert.deepEqual(tree.blocks[3]?.zones, []);
	});

	test('a block directory that vanished or is a file is left out with a message', () => {
		const {sysroot, memory} = fakeTree({blocks: [...run(0, 2), ...run(4, 1)]});
		// A dangling link looks exactly like a block removed between the listing and the reads.
		symlinkSync('gone', path.join(memory, 'memory2'));
		writeFileSync(path.join(memory, 'memory3'), 'not a block\n');
		const tree = readMemoryTree(sysroot);
		assert.deepEqual(tree.problems, [
			`${memory}/memory2: vanished while reading; block left out`,
			`${memory}/memory3: not a directory; block left out`,
		]);
		assert.deepEqual(
			tree.blocks.map(block => block.index),
			[0, 1, 4],
		);
	});

	test('a block without a node among blocks with one is reported', () => {
		const {sysroot, memory} = fakeTree({blocks: [...run(0, 2), {index: 2, node: null}, {index: 3, node: 1}]});
		const tree = readMemoryTree(sysroot);
		assert.deepEqual(tree.problems, [`${memory}/memory2: no nodeN entry, though memory0 has one`]);
		assert.deepEqual(
			tree.blocks.map(block => block.node),
			[0, 0, null, 1],
		);
	});

	test('a tree without blocks is usable but reported', () => {
		const {sysroot, memory} = fakeTree({blocks: []});
		const tree = readMemoryTree(sysroot);
		assert.deepEqual(tree.blocks, []);
		assert.deepEqual(tree.problems, [`${memory}: no memoryN block directories`]);
		assert.deepEqual(groupRanges(tree), []);
	});
});

describe('read by several threads (read-threads.ts): the same tree as one thread reads', () => {
	/** A seeded tree with every oddity the careful reader handles, some in each thread's share. */
	const spec = (seed: number) => randomTreeSpec(seed, 240).blocks;
	function oddTree(seed: number, firstHasNode: boolean): string {
		const spec = randomTreeSpec(seed, 240);
		const {sysroot, memory} = fakeTree({...spec, nodeEntry: 'link'});
		const blocks = spec.blocks.map(block => block.index);
		const at = (share: number) => path.join(memory, `memory${blocks[Math.floor((share * blocks.length) / 8)]}`);
		execFileSync('mkfifo', [path.join(at(1), 'fifo')]);
		rmSync(path.join(at(1), 'state'));
		execFileSync('mv', [path.join(at(1), 'fifo'), path.join(at(1), 'state')]);
		rmSync(path.join(at(2), 'removable'));
		symlinkSync('/dev/zero', path.join(at(2), 'removable'));
		writeFileSync(path.join(at(3), 'state'), 'sleeping\n');
		rmSync(path.join(at(4), 'valid_zones'));
		mkdirSync(path.join(at(4), 'valid_zones'));
		writeFileSync(path.join(at(5), 'state'), 'x'.repeat(5000));
		writeFileSync(path.join(at(6), 'removable'), '');
		rmSync(at(7), {recursive: true});
		symlinkSync('gone', at(7));
		// Names the kernel never writes: a leading zero, a number written with 28 digits (the same
		// block as memory42, if there is one), a number past 2^53.
		const renamed = at(4.5).replace(/memory(\d+)$/, 'memory0$1');
		renameSync(at(4.5), renamed);
		cpSync(renamed, path.join(memory, `memory${'0'.repeat(26)}42`), {recursive: true});
		cpSync(renamed, path.join(memory, 'memory99999999999999999999'), {recursive: true});
		// firmware_node: an ACPI memory device's link, one to elsewhere, a file that is no link.
		symlinkSync('../../../LNXSYSTM:00/LNXSYBUS:00/PNP0C80:00', path.join(at(0.5), 'firmware_node'));
		symlinkSync('../../../LNXSYSTM:00/\u001b[2JPNP0A06:00', path.join(at(2.5), 'firmware_node'));
		writeFileSync(path.join(at(3.5), 'firmware_node'), 'PNP0C80:01\n');
		for (const share of firstHasNode ? [5, 6] : [0]) {
			for (const node of ['node0', 'node1']) {
				rmSync(path.join(at(share), node), {force: true});
			}
		}

		return sysroot;
	}

	for (const seed of [1, 2, 3]) {
		for (const firstHasNode of [true, false]) {
			test(`seed ${seed}, ${firstHasNode ? 'nodes' : 'no node on the first block'}: blocks and problems alike for 1 thread, the main thread with workers, and workers alone`, () => {
				const sysroot = oddTree(seed, firstHasNode);
				for (const options of [{}, {zones: false, nodes: false}, {zones: false}]) {
					const one = readMemoryTree(sysroot, {...options, threading: {threads: 1}});
					assert.ok(one.problems.length >= 7, one.problems.join('\n'));
					assert.ok(
						one.problems.some(problem =>
							problem.endsWith('/memory99999999999999999999: addresses past 2^53 - 1 cannot be shown exactly; block left out'),
						),
					);
					assert.equal(one.blocks.filter(block => block.index === 42).length, spec(seed).some(block => block.index === 42) ? 2 : 1);
					for (const threading of [
						{threads: 2, chunkBlocks: 7},
						{threads: 3, chunkBlocks: 16, mainReads: false},
						{threads: 7, chunkBlocks: 5, mainReads: false},
					]) {
						const tree = readMemoryTree(sysroot, {...options, threading});
						// With mainReads false only workers read chunks: a tree read at all was read by them.
						assert.ok((tree.threads ?? 0) >= 1 && (tree.threads ?? 0) <= threading.threads, `${tree.threads} threads`);
						assert.deepEqual(tree, {...one, threads: tree.threads}, `${JSON.stringify(threading)}, ${JSON.stringify(options)}`);
						// Read in the background, a slice at a time on this thread (the console's first read).
						const pending = startMemoryRead(sysroot, {...options, threading});
						while (!pending.done()) {
							pending.advance(Date.now() + 1);
						}

						// Every listed block counted read, the one that vanished (memory at share 7) too.
						assert.equal(pending.read(), pending.total);
						assert.equal(pending.total, one.blocks.length + 1);

						const background = pending.finish();
						assert.deepEqual(background, {...one, threads: background.threads}, `background ${JSON.stringify(threading)}`);
						// firmware_node read by the threads: the same origins and problems as read later one block at a time.
						const linked = readMemoryTree(sysroot, {...options, threading, firmwareNodes: true});
						assert.deepEqual(
							{...linked, blocks: linked.blocks.map(({firmwareNode: _link, ...block}) => block), threads: 0},
							{...one, threads: 0},
						);
						assert.ok(linked.blocks.some(block => block.firmwareNode?.endsWith('PNP0C80:00')));
						const later: string[] = [];
						const now: string[] = [];
						const originsLater = readOrigins(sysroot, one, later);
						const originsNow = readOrigins(sysroot, linked, now);
						assert.deepEqual(
							linked.blocks.map(block => originsNow.why(block.index)),
							one.blocks.map(block => originsLater.why(block.index)),
						);
						assert.deepEqual(now, later);
						assert.ok(
							later.some(problem => problem.endsWith('/firmware_node: not a symbolic link')),
							later.join('\n'),
						);
						assert.ok(
							one.blocks.some(block => originsLater.why(block.index).includes('PNP0C80:00')) &&
								one.blocks.some(block => originsLater.why(block.index).includes('\uFFFD[2JPNP0A06')),
						);
					}
				}
			});
		}
	}
});

describe('readMemoryTree refuses unusable trees, naming the path', () => {
	test('no memory directory', () => {
		const sysroot = path.join(scratch.sysroot, 'empty');
		mkdirSync(sysroot);
		assert.throws(() => readMemoryTree(sysroot), {
			message: `cannot list memory blocks in ${memoryDirectory(sysroot)}: ENOENT`,
		});
	});

	for (const [content, shown] of [
		['zz\n', 'zz'],
		['0\n', '0'],
		['', ''],
		['8000000 junk\n', '8000000 junk'],
	] as const) {
		test(`block_size_bytes holding ${JSON.stringify(content)}`, () => {
			const {sysroot, memory} = fakeTree({blockSize: content, blocks: run(0, 1)});
			assert.throws(() => readMemoryTree(sysroot), {
				message: `${memory}/block_size_bytes: "${shown}" is not a memory block size (expected a positive hex number)`,
			});
		});
	}

	test('no block_size_bytes', () => {
		const {sysroot, memory} = fakeTree({blocks: run(0, 1)});
		unlinkSync(path.join(memory, 'block_size_bytes'));
		assert.throws(() => readMemoryTree(sysroot), {
			message: `cannot read the memory block size from ${memory}/block_size_bytes: ENOENT`,
		});
	});

	test('0x-prefixed hex is accepted', () => {
		const {sysroot} = fakeTree({blockSize: '0x80000000\n', blocks: run(0, 1)});
		assert.equal(readMemoryTree(sysroot).blockSizeBytes, 2 * 1024 * 1024 * 1024);
	});
});

describe('readMemoryTree on this machine', () => {
	const here = memoryDirectory('/');
	test('reads /sys without throwing', {skip: !existsSync(here) && `${here} does not exist here`}, () => {
		const tree = readMemoryTree('/');
		assert.ok(tree.blocks.length > 0);
		assert.ok(tree.blockSizeBytes > 0);
		assert.deepEqual(tree.problems, []);
	});
});

describe('onlining', () => {
	let sysroot = '';
	let memory = '';
	before(() => {
		({sysroot, memory} = fakeTree({
			blocks: [...run(0, 2), ...run(2, 3, {state: 'offline'}), {index: 5, state: 'going-offline'}, ...run(8, 2, {state: 'offline'})],
		}));
	});

	/** The offline blocks, as --integrate picks them. */
	const offline = (root: string) =>
		readMemoryTree(root)
			.blocks.filter(block => block.state === 'offline')
			.map(block => block.index);

	test('an attempt writes the mode to every offline block once, in order, and reports each errno', () => {
		const tree = readMemoryTree(sysroot);
		assert.deepEqual(offline(sysroot), [2, 3, 4, 8, 9]);
		const written: string[] = [];
		const failures: Record<string, string> = {[`${memory}/memory3/state`]: 'EINVAL', [`${memory}/memory9/state`]: 'EBUSY'};
		const outcomes = attemptOnline(tree, offline(sysroot), 'online_movable', (file, value) => {
			written.push(`${path.basename(path.dirname(file))}=${value}`);
			const code = failures[file];
			if (code) {
				throw Object.assign(new Error(`${code}: write failed`), {code});
			}
		});
		assert.deepEqual(written, [
			'memory2=online_movable',
			'memory3=online_movable',
			'memory4=online_movable',
			'memory8=online_movable',
			'memory9=online_movable',
		]);
		assert.deepEqual(
			outcomes.map(outcome => [outcome.block, outcome.ok, outcome.error]),
			[
				[2, true, undefined],
				[3, false, 'EINVAL'],
				[4, true, undefined],
				[8, true, undefined],
				[9, false, 'EBUSY'],
			],
		);
	});

	test('the default writer writes the state file, and never creates one', () => {
		const {sysroot: root, memory: dir} = fakeTree({blocks: run(0, 2, {state: 'offline'})});
		const tree = readMemoryTree(root);
		unlinkSync(path.join(dir, 'memory1/state'));
		assert.deepEqual(
			attemptOnline(tree, [0, 1], 'online').map(outcome => [outcome.block, outcome.ok, outcome.error]),
			[
				[0, true, undefined],
				[1, false, 'ENOENT'],
			],
		);
		assert.equal(readFileSync(path.join(dir, 'memory0/state'), 'utf8'), 'online');
		assert.equal(existsSync(path.join(dir, 'memory1/state')), false);
	});

	test('writeSysfs passes the errno up', () => {
		assert.throws(() => writeSysfs(path.join(scratch.sysroot, 'nowhere/state'), 'online'), {code: 'ENOENT'});
	});

	test('canWrite says yes for writable state files, and why not otherwise', () => {
		const tree = readMemoryTree(sysroot);
		assert.equal(canWrite(tree), true);
		unlinkSync(path.join(memory, 'memory8/state'));
		assert.equal(canWrite(tree), `the block is gone: cannot write ${memory}/memory8/state (ENOENT)`);
	});

	test('canWrite names root as the cure for EACCES', {
		skip: isRoot && 'running as root, which may write any file whatever its mode',
	}, () => {
		const {sysroot: root, memory: dir} = fakeTree({blocks: run(0, 1, {state: 'offline'})});
		chmodSync(path.join(dir, 'memory0/state'), 0o444);
		assert.equal(canWrite(readMemoryTree(root)), `onlining memory needs root: cannot write ${dir}/memory0/state (EACCES)`);
	});
});

describe('readListingChanges: a tree brought up to its listing, block by block', () => {
	test('the blocks that came read, the ones gone left out, the same tree as a fresh read; nothing when nothing moved', () => {
		const {sysroot, memory} = fakeTree({blocks: [...run(0, 6), ...run(6, 4, {state: 'offline', node: 1, zones: 'Movable'})]});
		for (const options of [{}, {zones: false, nodes: false}]) {
			const before = readMemoryTree(sysroot, options);
			assert.equal(readListingChanges(before, options), undefined);
			rmSync(path.join(memory, 'memory3'), {recursive: true});
			for (const index of [12, 13, 1_000]) {
				writeBlock(memory, {index, state: 'offline', node: 1, zones: 'Normal Movable'});
			}

			const changes = readListingChanges(before, options);
			assert.ok(changes !== undefined && changes !== 'whole');
			assert.deepEqual([changes.added, changes.gone], [[12, 13, 1_000], [3]]);
			assert.deepEqual({...changes.tree, threads: 0}, {...readMemoryTree(sysroot, options), threads: 0});
			// Back as it was, for the next options.
			for (const index of [12, 13, 1_000]) {
				rmSync(path.join(memory, `memory${index}`), {recursive: true});
			}

			writeBlock(memory, {index: 3});
		}
	});

	test('read whole instead: many blocks at once, a name the kernel never writes, another block size', () => {
		const {sysroot, memory} = fakeTree({blocks: run(0, 4)});
		const before = readMemoryTree(sysroot);
		for (let index = 4; index < 5 + addedOneByOne; index++) {
			writeBlock(memory, {index});
		}

		assert.equal(readListingChanges(before), 'whole');
		const {sysroot: odd, memory: oddMemory} = fakeTree({blocks: run(0, 4)});
		const oddBefore = readMemoryTree(odd);
		cpSync(path.join(oddMemory, 'memory1'), path.join(oddMemory, 'memory007'), {recursive: true});
		assert.equal(readListingChanges(oddBefore), 'whole');
		const {sysroot: resized, memory: resizedMemory} = fakeTree({blocks: run(0, 4)});
		const resizedBefore = readMemoryTree(resized);
		writeBlock(resizedMemory, {index: 4});
		writeFileSync(path.join(resizedMemory, 'block_size_bytes'), '10000000\n');
		assert.equal(readListingChanges(resizedBefore), 'whole');
	});

	test('a block that came and went again before it was read is neither; a tree that cannot be listed throws', () => {
		const {sysroot, memory} = fakeTree({blocks: run(0, 2)});
		const before = readMemoryTree(sysroot);
		mkdirSync(path.join(memory, 'memory5'));
		const changes = readListingChanges(before);
		assert.ok(changes !== undefined && changes !== 'whole');
		assert.deepEqual(changes.added, [5], 'an empty block directory is a block, as lsmem lists it');
		rmSync(memory, {recursive: true});
		assert.throws(() => readListingChanges(before), /cannot list memory blocks/);
	});
});

describe('removable read once (a kernel of 5.7 or later answers alike for every block)', () => {
	test("every block has the first block's answer, the rest as read per block, at any threading, zones and nodes read or not", () => {
		const {sysroot} = fakeTree({
			blocks: [
				...run(0, 9, {removable: false}),
				...run(9, 12, {state: 'offline', zones: 'Normal Movable'}),
				...run(30, 20, {node: 1, zones: 'Movable', removable: true}),
			],
		});
		for (const options of [{}, {zones: false, nodes: false}, {zones: false}]) {
			const perBlock = readMemoryTree(sysroot, {...options, threading: {threads: 1}});
			assert.ok(perBlock.blocks.some(block => block.removable === true));
			const expected = {...perBlock, blocks: perBlock.blocks.map(block => ({...block, removable: false}))};
			for (const threading of [{threads: 1}, {threads: 2, chunkBlocks: 7}, {threads: 3, chunkBlocks: 4, mainReads: false}]) {
				const once = readMemoryTree(sysroot, {...options, threading, removableOnce: true});
				assert.deepEqual({...once, threads: 0}, {...expected, threads: 0}, `${JSON.stringify(threading)}, ${JSON.stringify(options)}`);
			}
		}
	});

	test('a first block whose removable cannot be read: every block is read for it', () => {
		const {sysroot, memory} = fakeTree({blocks: [...run(0, 2), ...run(2, 2, {removable: false})]});
		writeFileSync(path.join(memory, 'memory0/removable'), 'maybe\n');
		const tree = readMemoryTree(sysroot, {removableOnce: true});
		assert.deepEqual(
			tree.blocks.map(block => block.removable),
			[null, true, false, false],
		);
	});
});

describe('HAM_TUI_READ_THREADS', () => {
	test('a number from 1 fixes the threads (at most 16); anything else leaves the default', () => {
		assert.equal(readThreads(100, {HAM_TUI_READ_THREADS: '3'}), 3);
		assert.equal(readThreads(100, {HAM_TUI_READ_THREADS: '1e9'}), 1);
		assert.equal(readThreads(100, {HAM_TUI_READ_THREADS: '999'}), 16);
		for (const odd of ['', '0', '-2', 'x', '__proto__', 'NaN']) {
			assert.equal(readThreads(100, {HAM_TUI_READ_THREADS: odd}), 1, odd);
			assert.equal(readThreads(threadsFrom, {HAM_TUI_READ_THREADS: odd}), Math.min(availableParallelism(), 4), odd);
		}
	});
});
