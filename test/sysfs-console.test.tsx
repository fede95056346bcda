// The console on a real machine's memory blocks (a generated tree): the same panes and keys as
// for the simulated machine, ranges for regions, nodes for slots; i and r online offline blocks,
// the keys that make no sense on a real machine explain why. A writer test double refuses chosen
// blocks the first k times, as a busy kernel would.
import assert from 'node:assert/strict';
import {mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, afterEach, describe, test} from 'node:test';
import {drawNow} from '../source/console/redraw.js';
import {headerTime} from '../source/console/time-text.js';
import {sysfsSource} from '../source/machine/sysfs.js';
import {type AccessCheck, type SysfsWriter, writeSysfs} from '../source/sysfs/online.js';
import {addedOneByOne} from '../source/sysfs/read.js';
import {keys, renderConsole, testClock} from './helpers/console.js';
import {writeMachineFiles} from './helpers/sysfs-machine.js';
import {kernelWrite, makeMemoryTree, run, type TreeSpec, tempSysroot, writeBlock} from './helpers/sysfs-tree.js';

const scratch = tempSysroot('ham-sysfs-console-');
after(scratch.remove);
let count = 0;

/** 8 blocks online on node 0, 8 offline (hot-added, never onlined), 4 online on node 1. */
const hotAdded: TreeSpec = {
	blocks: [...run(0, 8), ...run(8, 8, {state: 'offline', zones: 'Normal Movable'}), ...run(16, 4, {node: 1, zones: 'Movable'})],
};

/** Refuses each listed block with an errno for its first `times` writes, then writes. */
function busyKernel(refusals: Record<number, {code: string; times: number}>): SysfsWriter {
	const left = new Map(Object.entries(refusals).map(([block, refusal]) => [Number(block), {...refusal}]));
	return (file, value) => {
		const refusal = left.get(Number(/memory(\d+)\/state$/.exec(file)?.[1]));
		if (refusal && refusal.times > 0) {
			refusal.times--;
			throw Object.assign(new Error(refusal.code), {code: refusal.code});
		}

		writeSysfs(file, 'x'); // Through the real checks (no link, no FIFO), then as the kernel answers.
		kernelWrite(file, value);
	};
}

let current: {unmount: () => void} | undefined;
afterEach(() => {
	current?.unmount();
	current = undefined;
});

function open(spec: TreeSpec, options: {writer?: SysfsWriter; access?: AccessCheck; auditLog?: string} = {}) {
	const sysroot = path.join(scratch.sysroot, `tree${count++}`);
	const memory = makeMemoryTree(sysroot, spec);
	const clock = testClock(1_000_000);
	const ui = {sysroot, memory, ...renderConsole(sysfsSource(sysroot, {...options, now: clock.now}), clock)};
	current = ui;
	return ui;
}

const state = (memory: string, block: number) => readFileSync(path.join(memory, `memory${block}/state`), 'utf8').trim();

describe('the console on sysfs', () => {
	test('ranges as regions, nodes as slots, memory totals as resources', async () => {
		const ui = open(hotAdded);
		const screen = await ui.waitFor('Ranges 3');
		assert.match(screen, /ham-tui .* · sysfs/);
		assert.match(screen, /Ranges 3 · memory blocks as lsmem groups them/);
		assert.match(screen, / 0 0x00000000\s+1G\s+READ\/WRITE ENABLED blocks 0-7, node 0, Normal/);
		assert.match(screen, / 8 0x40000000\s+1G\s+READ\/WRITE OFFLINE blocks 8-15, node 0, Normal\/Movable/);
		assert.match(screen, /16 0x80000000\s+512M\s+READ\/WRITE ENABLED blocks 16-19, node 1, Movable/);
		assert.match(screen, /Nodes 2/);
		assert.match(screen, /node0\s+1 GiB on, 1 GiB off/);
		assert.match(screen, /node1\s+512 MiB on/);
		assert.match(screen, /offline 1 GiB in 8 blocks/);
		assert.match(screen, /blocks\s+20 of 128 MiB · auto_online offline/);
		assert.match(screen, /i online r retry/);
		assert.match(screen, /read 20 block\(s\) of 128M in 3 range\(s\)/);
		// What i would do, before it acts: the zones, and per offline range the zone and why.
		assert.match(screen, /i, r {4}online 8 Movable \(zone rule\)/);
		assert.match(screen, /blocks 8-15, node 0, Normal\/Movable, i: online Movab/);
		assert.match(screen, /ratio 301%/);
	});

	test('a large tree: the console draws while the threads read it; i, r and o wait for every block, and say so', async () => {
		const sysroot = path.join(scratch.sysroot, `tree${count++}`);
		const memory = makeMemoryTree(sysroot, hotAdded);
		const clock = testClock(1_000_000);
		// Workers alone, a block a chunk: the read is under way when the first frame is drawn.
		const source = sysfsSource(sysroot, {now: clock.now, threading: {threads: 2, chunkBlocks: 1, mainReads: false}});
		const ui = renderConsole(source, clock);
		current = ui;
		await ui.press();
		let screen = ui.frame();
		assert.match(screen, /read {4}reading \d+ of 20 blocks …/);
		assert.match(screen, /reading 20 block\(s\) by worker threads/);
		// What is known meanwhile, and no claim about what is not read yet ("0 B", "no offline block").
		assert.match(screen, /blocks {2}20 listed, 128 MiB each · auto_online offline/);
		assert.match(screen, /online {2}counted once every block is read/);
		assert.match(screen, /i, r {4}wait until every block is read/);
		assert.match(screen, /Reading \d+ of 20 blocks …: the ranges show once every block is read\./);
		assert.doesNotMatch(screen, /No memory block|0 B of 0 B|no offline block/);
		for (const key of ['i', 'r', 'o']) {
			await ui.press(key);
			screen = ui.frame();
			assert.match(screen, /The blocks are still being read \(reading \d+ of 20 blocks\)/, key);
			assert.match(screen, /i, r and o work once every block is read: the log says when/, key);
			await ui.press(keys.escape);
		}

		// The help leaves the waiting keys out, and says where they went.
		await ui.press('?');
		screen = ui.frame();
		assert.match(screen, /i, r and o come once every block is read \(reading \d+ of 20 blocks\)/);
		assert.doesNotMatch(screen, /integrate once|A block the kernel refused/);
		await ui.press(keys.escape);
		assert.equal(state(memory, 8), 'offline');
		screen = await ui.waitFor('Ranges 3');
		assert.doesNotMatch(screen, /reading \d+ of/);
		assert.match(screen, /read 20 block\(s\) of 128M in 3 range\(s\), \d+ ms( by \d threads)?:/);
		assert.match(screen, /i, r {4}online 8 Movable \(zone rule\)/);
		await ui.press('i');
		await ui.waitFor('8 of 8 offline block(s) onlined');
		assert.equal(state(memory, 8), 'online_movable');
	});

	test('a size exact only in MiB (a range of 2,500 blocks: 320000M) widens SIZE, never runs into FLAGS', async () => {
		const ui = open({blocks: [...run(0, 8), ...run(8, 2500, {state: 'offline', zones: 'Normal Movable'})]});
		const screen = await ui.waitFor('Ranges 2');
		assert.match(screen, /ID START +SIZE +FLAGS/);
		assert.match(screen, / 8 0x40000000\s+320000M READ\/WRITE OFFLINE/);
		assert.match(screen, / 0 0x00000000\s+1G +READ\/WRITE ENABLED/);
	});

	test('each range says where its memory came from: boot memory, an ACPI DIMM', async () => {
		const sysroot = path.join(scratch.sysroot, `tree${count++}`);
		makeMemoryTree(sysroot, {blocks: [...run(0, 8), ...run(8, 8, {state: 'offline', zones: 'Normal Movable'})]});
		writeMachineFiles(sysroot, {
			memmap: [{start: 0, end: 8 * 128 * 1024 * 1024 - 1, type: 'System RAM'}],
			firmwareNodes: Object.fromEntries(run(8, 8).map(({index}) => [index, 'PNP0C80:00'])),
		});
		const clock = testClock(1_000_000);
		const ui = renderConsole(sysfsSource(sysroot, {now: clock.now}), clock);
		current = ui;
		await ui.waitFor('Ranges 2');
		await ui.press('j');
		const screen = await ui.waitFor('range 8: OFFLINE');
		assert.match(screen, / 0 0x00000000\s+1G\s+READ\/WRITE ENABLED blocks 0-7, node 0, Normal, removable, boot memory/);
		assert.match(screen, /range 8: OFFLINE, blocks 8-15, node 0, Normal\/Movable, ACPI DIMM, i: online Movable/);
	});

	test('boot memory offlined on purpose: i leaves it offline, and says so before it acts', async () => {
		const sysroot = path.join(scratch.sysroot, `tree${count++}`);
		const memory = makeMemoryTree(sysroot, {blocks: [...run(0, 6), ...run(6, 2, {state: 'offline', zones: 'Normal Movable'})]});
		// The firmware's map says blocks 0-7 are boot RAM: 6-7 were offlined by an operator, not hot-added.
		writeMachineFiles(sysroot, {memmap: [{start: 0, end: 8 * 128 * 1024 * 1024 - 1, type: 'System RAM'}]});
		const clock = testClock(1_000_000);
		const ui = {memory, ...renderConsole(sysfsSource(sysroot, {now: clock.now}), clock)};
		current = ui;
		let screen = await ui.waitFor('Ranges 2');
		assert.match(screen, /i, r {4}2 boot blocks left offline/);
		await ui.press('j');
		screen = await ui.waitFor('i leaves it offline');
		assert.match(screen, /range 6: OFFLINE, blocks 6-7, node 0, Normal\/Movable, boot memory, i leaves it offline: boot me/);
		await ui.press('i');
		assert.match(await ui.waitFor('Integrate'), /nothing to online: blocks 6-7 left offline, boot memory offlined on[\s│]+purpose/);
		assert.equal(state(memory, 6), 'offline');
	});

	test("i onlines the offline blocks; a refused one shows with the kernel's errno", async () => {
		const ui = open(hotAdded, {writer: busyKernel({11: {code: 'EBUSY', times: 1}})});
		await ui.waitFor('Ranges 3');
		await ui.press('i');
		const screen = await ui.waitFor('Integrate');
		assert.match(screen, /online: 7 of 8 offline block\(s\) onlined, 1 refused/);
		assert.match(screen, /block 11: FAILED — EBUSY \(resource busy or locked\)/);
		assert.equal(state(ui.memory, 8), 'online');
		assert.equal(state(ui.memory, 11), 'offline');
		await ui.press(keys.escape);
		const after = await ui.waitFor('Log');
		assert.match(after, /online block 11: FAILED: EBUSY/);
		// Blocks 8-10 went Movable by the zone rule: a range of their own, apart from boot memory's Normal.
		assert.match(after, / 8 0x40000000\s+384M\s+READ\/WRITE ENABLED blocks 8-10, node 0, Movable, removable/);
		assert.match(after, /11 0x58000000\s+128M\s+READ\/WRITE OFFLINE EBUSY, retry can help/);
	});

	/** A kernel that takes `ms` a write: an i of many blocks then spans many slices of the console's writes. */
	const slowKernel =
		(ms: number): SysfsWriter =>
		(file, value) => {
			const until = performance.now() + ms;
			while (performance.now() < until) {
				// A write the kernel takes its time over.
			}

			writeSysfs(file, 'x');
			kernelWrite(file, value);
		};
	const onlineCount = (memory: string, from: number, count: number) =>
		run(from, count).filter(({index}) => state(memory, index) === 'online').length;

	test('i over many blocks writes between frames: the progress on screen, the console answers meanwhile, all online at the end', async () => {
		const ui = open({blocks: [...run(0, 8), ...run(8, 300, {state: 'offline', zones: 'Normal Movable'})]}, {writer: slowKernel(1)});
		await ui.waitFor('Ranges 2');
		await ui.press('i');
		let screen = await ui.waitFor(/Onlining \d+ of 300 blocks/);
		assert.match(screen, /Blocks come online one at a time; Esc gives up, q quits/);
		assert.match(screen, /online 300 block\(s\), a slice at a time \(Esc stops after the block being written\)/);
		const first = Number(/Onlining (\d+) of 300/.exec(screen)?.[1]);
		assert.ok(first < 300, screen);
		screen = await ui.waitFor('Integrate', 10_000);
		assert.match(screen, /online: 300 of 300 offline block\(s\) onlined/);
		assert.equal(onlineCount(ui.memory, 8, 300), 300);
	});

	test('Esc stops a long i after the block being written: the blocks written stay online, the log says how many', async () => {
		const ui = open({blocks: [...run(0, 8), ...run(8, 2000, {state: 'offline', zones: 'Normal Movable'})]}, {writer: slowKernel(2)});
		await ui.waitFor('Ranges 2');
		await ui.press('i');
		await ui.waitFor(/Onlining [1-9][\d,]* of 2,000 blocks/);
		await ui.press(keys.escape);
		let screen = await ui.waitFor('Cancelled');
		assert.match(screen, /Gave up waiting for the writes: stopped after the block being written; the blocks[\s│]+written stay online,/);
		screen = await ui.waitFor(/online stopped by Esc after [\d,]+ of 2000 block\(s\): the rest stay offline/);
		const written = Number(/stopped by Esc after (\d+) of 2000/.exec(screen)?.[1]);
		assert.ok(written > 0 && written < 2000, screen);
		// Give any slice in flight its time: none comes after the stop.
		await new Promise(resolve => setTimeout(resolve, 200));
		assert.equal(onlineCount(ui.memory, 8, 2000), written);
		await ui.press(keys.escape);
		assert.match(ui.frame(), new RegExp(`offline [\\d.]+ [GM]iB in ${2000 - written} blocks`));
	});

	test('r: the retry loop onlines a block the kernel refused twice, on the third attempt', async () => {
		const ui = open(hotAdded, {writer: busyKernel({9: {code: 'EBUSY', times: 2}, 10: {code: 'ENOMEM', times: 1}})});
		await ui.waitFor('Ranges 3');
		await ui.press('r');
		assert.match(await ui.waitFor('Integrate retry loop'), /Onlines every offline block \(8 now\)/);
		await ui.press(keys.enter);
		let screen = await ui.waitFor('attempt 1 of 10 done');
		assert.match(screen, /attempt 1: block 9: FAILED — EBUSY/);
		assert.match(screen, /attempt 1: block 10: FAILED — ENOMEM/);
		await ui.advance(5);
		screen = await ui.waitFor('attempt 2 of 10 done');
		assert.match(screen, /attempt 2: block 9: FAILED — EBUSY/);
		assert.match(screen, /attempt 2: block 10: ENABLED/);
		await ui.advance(5);
		screen = await ui.waitFor('ended:');
		assert.match(screen, /ended: every offline block online after 3 attempts/);
		assert.match(screen, /attempt 3: block 9: ENABLED/);
		// All online, yet three ranges: a range shown with its node and zone never spans two (as lsmem -o ...,NODE,ZONES).
		assert.match(screen, /Ranges 3 /);
		await ui.press(keys.escape);
		screen = await ui.waitFor('blocks 16-19');
		assert.match(screen, / 0 0x00000000\s+1G\s+READ\/WRITE ENABLED blocks 0-7, node 0, Normal, removable/);
		assert.match(screen, / 8 0x40000000\s+1G\s+READ\/WRITE ENABLED blocks 8-15, node 0, Movable, removable/);
		assert.match(screen, /16 0x80000000\s+512M\s+READ\/WRITE ENABLED blocks 16-19, node 1, Movable, removable/);
		assert.equal(state(ui.memory, 9), 'online');
	});

	test('r stops early when only refusals no retry can help are left', async () => {
		const ui = open(hotAdded, {writer: busyKernel({12: {code: 'EINVAL', times: 99}})});
		await ui.waitFor('Ranges 3');
		await ui.press('r', keys.enter);
		const screen = await ui.waitFor('ended:');
		assert.match(screen, /ended: no retry can help block 12/);
		assert.match(screen, /block 12: FAILED — EINVAL \(invalid argument\) \(no retry can help\)/);
	});

	test('without write permission, i and r say "needs root" and write nothing', async () => {
		const refuse: AccessCheck = () => {
			throw Object.assign(new Error('EACCES'), {code: 'EACCES'});
		};

		const ui = open(hotAdded, {access: refuse});
		const screen = await ui.waitFor('Ranges 3');
		assert.match(screen, /i, r\s+onlining memory needs root: cannot write/);
		assert.match(screen, /onlining cannot be tried: onlining memory needs root/);
		await ui.press('i');
		assert.match(await ui.waitFor('Integrate'), /onlining memory needs root: cannot write \//);
		await ui.press(keys.escape, 'r', keys.enter);
		assert.match(await ui.waitFor('ended:'), /ended: onlining memory needs root/);
		assert.equal(state(ui.memory, 8), 'offline');
	});

	for (const [key, title, words] of [
		['p', 'Plug', /no modelled slots to plug into/],
		['u', 'Unplug', /no slots to unplug here/],
		['w', 'Workload', /no workload lever/],
		['d', 'Driver', /no ham driver to start or stop/],
	] as const) {
		test(`${key} explains instead of acting on a real machine`, async () => {
			const ui = open(hotAdded);
			await ui.waitFor('Ranges 3');
			await ui.press(key);
			const screen = await ui.waitFor(title);
			assert.match(screen, words);
			assert.doesNotMatch(screen, /Plug a module|\[y\/N\]|workload: d drop caches/);
			assert.equal(state(ui.memory, 8), 'offline');
		});
	}

	test('a change made outside ham-tui appears without a key press', async () => {
		const ui = open(hotAdded);
		await ui.waitFor('Ranges 3');
		writeFileSync(path.join(ui.memory, 'memory3/state'), 'offline\n');
		const screen = await ui.waitFor('Ranges 5');
		assert.match(screen, / 3 0x18000000\s+128M\s+READ\/WRITE OFFLINE/);
		assert.match(await ui.waitFor('changed outside ham-tui'), /block 3: online -> offline/);
	});

	test('many blocks changed outside ham-tui the same way are one log line, not one each', async () => {
		const ui = open(hotAdded);
		await ui.waitFor('Ranges 3');
		for (const {index} of run(8, 8)) {
			writeFileSync(path.join(ui.memory, `memory${index}/state`), 'online\n');
		}

		const screen = await ui.waitFor('changed outside ham-tui');
		assert.match(screen, /blocks 8-15: offline -> online \(changed outside ham-tui\)/);
		assert.equal(screen.split('changed outside ham-tui').length, 2, screen);
	});

	test('a hot-added block appears: the tree is read again; an unusable tree keeps the last one shown', async () => {
		const ui = open(hotAdded);
		await ui.waitFor('Ranges 3');
		const block = path.join(ui.memory, 'memory20');
		mkdirSync(path.join(block, 'node1'), {recursive: true});
		writeFileSync(path.join(block, 'state'), 'offline\n');
		writeFileSync(path.join(block, 'removable'), '1\n');
		const screen = await ui.waitFor('Ranges 4');
		assert.match(screen, /20 0xa0000000\s+128M\s+READ\/WRITE OFFLINE/);
		assert.match(screen, /1 block\(s\) came \(20\): now 21 block\(s\) of 128M in 4 range\(s\)/);
		unlinkSync(path.join(ui.memory, 'block_size_bytes'));
		rmSync(block, {recursive: true});
		const broken = await ui.waitFor('keeping the last tree read');
		assert.match(broken, /keeping the last tree read: cannot read the memory block siz/);
		await ui.advance(1);
		assert.equal(ui.frame().split('keeping the last tree read').length, 2, 'said once, not at every poll');
		assert.match(broken, /Ranges 4/);
	});

	test("idle, the console draws at each new minute (the header's clock), not each second: the re-read goes on, what it shows holds still", () => {
		const sysroot = path.join(scratch.sysroot, `tree${count++}`);
		// 16 blocks or fewer: the sweep looks at its budget every 16 blocks, so each poll sweeps them all
		// however busy the machine (a sweep over two polls would rightly show "every 1.0 s").
		const memory = makeMemoryTree(sysroot, {blocks: [...run(0, 8), ...run(8, 4, {state: 'offline'})]});
		// 1,000,000 is 13:46:40Z: the next minute begins 20 s later.
		let now = 1_000_000;
		const source = sysfsSource(sysroot, {now: () => now});
		let shown = source.poll(now);
		const drawnAt: number[] = [];
		const poll = () => {
			now += 0.5;
			const next = source.poll(now);
			// What the console decides each poll (use-machine.ts); nothing counts seconds on this screen.
			if (drawNow(shown, next, false, headerTime)) {
				drawnAt.push(now - 1_000_000);
				shown = next;
			}
		};

		for (let step = 0; step < 120; step++) {
			poll();
		}

		// Once when the re-read's length is first known (a sweep a poll: "re-read every 0.5 s"), then the minute.
		assert.deepEqual(drawnAt, [1, 20]);
		assert.equal(shown.kind === 'sysfs' && shown.sysfs.sweepSeconds, 0.5);
		writeFileSync(path.join(memory, 'memory3/state'), 'offline\n');
		poll();
		assert.deepEqual(drawnAt, [1, 20, 60.5], 'a change is drawn at the next poll');
	});

	test("on a kernel of 5.7 or later each block shows the first block's removable, read once, and the re-read does not read it again", async () => {
		const sysroot = path.join(scratch.sysroot, `tree${count++}`);
		const memory = makeMemoryTree(sysroot, {blocks: [...run(0, 4), ...run(4, 4, {removable: false})]});
		mkdirSync(path.join(sysroot, 'proc/sys/kernel'), {recursive: true});
		writeFileSync(path.join(sysroot, 'proc/sys/kernel/osrelease'), '6.1.0-18-amd64\n');
		const clock = testClock(1_000_000);
		const ui = renderConsole(sysfsSource(sysroot, {now: clock.now}), clock);
		current = ui;
		const screen = await ui.waitFor('Ranges 1');
		assert.match(screen, /range 0: ENABLED, blocks 0-7, node 0, Normal, removable/);
		writeFileSync(path.join(memory, 'memory2/removable'), '0\n');
		await ui.advance(1);
		await ui.advance(1);
		assert.match(ui.frame(), /Ranges 1/);
		assert.doesNotMatch(ui.frame(), /changed outside/);
	});

	test('a block that goes is left out and the rest kept; a thousand and more at once read the tree again whole', async () => {
		const ui = open(hotAdded);
		await ui.waitFor('Ranges 3');
		rmSync(path.join(ui.memory, 'memory19'), {recursive: true});
		assert.match(await ui.waitFor('went (19)'), /1 block\(s\) went \(19\): now 19 block\(s\) of 128M in 3 range\(s\)/);
		for (let index = 100; index <= 100 + addedOneByOne; index++) {
			writeBlock(ui.memory, {index, state: 'offline'});
		}

		assert.match(await ui.waitFor('Ranges 4'), /blocks came or went: re-read 1044 block\(s\)/);
	});

	test('a hot-added block on a large tree is seen at the next poll, not when the rolling re-read comes round', async () => {
		const sysroot = path.join(scratch.sysroot, `tree${count++}`);
		const memory = makeMemoryTree(sysroot, {blocks: run(0, 3000)});
		const clock = testClock(1_000_000);
		// 16 blocks a poll: a sweep of 3,000 blocks takes 188 polls.
		const ui = renderConsole(sysfsSource(sysroot, {now: clock.now, refreshBudgetMs: 0}), clock);
		current = ui;
		await ui.advance(0.5);
		const block = path.join(memory, 'memory3000');
		mkdirSync(path.join(block, 'node0'), {recursive: true});
		writeFileSync(path.join(block, 'state'), 'offline\n');
		writeFileSync(path.join(block, 'removable'), '1\n');
		writeFileSync(path.join(block, 'valid_zones'), 'Normal Movable\n');
		await ui.advance(0.5);
		assert.match(ui.frame(), /1 block\(s\) came \(3000\): now 3001 block\(s\) of 128M in 2 range\(s\):/);
		assert.match(ui.frame(), /3000 0x5dc0000000 128M +READ\/WRITE OFFLINE block 3000, node 0, Normal\/Movable/);
	});

	test('j/k, Tab and / work as on the simulated machine', async () => {
		const ui = open(hotAdded);
		await ui.waitFor('Ranges 3');
		await ui.press('j');
		assert.match(ui.frame(), /› {2}8 0x40000000/);
		assert.match(ui.frame(), /range 8: OFFLINE, blocks 8-15/);
		await ui.press('/', 'O', 'F', 'F', keys.enter);
		const filtered = await ui.waitFor('1 of 3, filter "OFF"');
		assert.doesNotMatch(filtered, / 0 0x00000000/);
		await ui.press(keys.escape, keys.tab);
		assert.match(await ui.waitFor('▶ Log'), /read 20 block/);
	});

	test("a sysroot's header has no uptime (a tree on disk has none); the node cursor stands apart; the help names no key that does nothing", async () => {
		const ui = open(hotAdded);
		const screen = await ui.waitFor('Ranges 3');
		assert.doesNotMatch(screen.split('\n')[0] ?? '', / up /);
		assert.match(screen, /› node\d/);
		await ui.press('?');
		const help = await ui.waitFor('Keys');
		assert.doesNotMatch(help, /free lowmem|workload lever|plug a module|say why a real machine/i);
		assert.match(help, /│ o +│ offline the selected range's blocks \(asks\)/);
	});

	test('an audit log that cannot be written is a line in the log, not stderr; i onlines all the same', async () => {
		const blocker = path.join(scratch.sysroot, `not-a-directory${count}`);
		writeFileSync(blocker, '');
		const ui = open(hotAdded, {writer: busyKernel({}), auditLog: path.join(blocker, 'audit.log')});
		await ui.waitFor('Ranges 3');
		await ui.press('i');
		await ui.waitFor('Integrate');
		await ui.press(keys.escape);
		await ui.waitFor(/audit log \/.*not-a-directory\d+\/audit\.log: /);
		// The whole line: the log's details (Enter in the log pane).
		await ui.press(keys.tab, keys.enter);
		assert.match(await ui.waitFor('not recorded'), /not-a-directory\d+ is a regular file, not a directory; writes are[\s│]+not recorded/);
		assert.equal(state(ui.memory, 8), 'online');
	});
});
