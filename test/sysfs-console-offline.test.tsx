// The console's o on a real machine's memory blocks (a generated tree): the selected range's blocks
// offlined as --offline --blocks A-B does, after a question whose default is No; --offline's checks
// said before it is asked (a refusal is a notice, no question); the writes run on while the console
// answers keys, each block's outcome a log line as it comes; every write of i and o in the audit
// log. A writer test double that answers when the test says stands for a kernel migrating pages;
// one test goes through the real timed writer (a child process) on the tree's regular files.
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, afterEach, describe, test} from 'node:test';
import type {OfflineWriter} from '../source/commands/offline.js';
import {sysfsSource} from '../source/machine/sysfs.js';
import {type SysfsWriter, writeSysfs} from '../source/sysfs/online.js';
import {keys, renderConsole, startConsole, testClock} from './helpers/console.js';
import {machineWith} from './helpers/machine.js';
import {type MachineSpec, writeMachineFiles} from './helpers/sysfs-machine.js';
import {kernelWrite, makeMemoryTree, run, type TreeSpec, tempSysroot} from './helpers/sysfs-tree.js';

const scratch = tempSysroot('ham-sysfs-console-offline-');
// This file's own audit log, read by the tests (sysfsSource reads the variable when it opens).
const auditDirectory = mkdtempSync(path.join(tmpdir(), 'ham-console-audit-'));
const auditLog = path.join(auditDirectory, 'audit.log');
process.env.HAM_TUI_AUDIT_LOG = auditLog;
after(() => {
	scratch.remove();
	rmSync(auditDirectory, {recursive: true, force: true});
});
let count = 0;

const GiB = 2 ** 30;
/** 8 GiB, 4 GiB of it available: the floor (410M) is far off. */
const roomy: MachineSpec['meminfo'] = {totalKiB: (8 * GiB) / 1024, freeKiB: (3 * GiB) / 1024, availableKiB: (4 * GiB) / 1024};

/** Node 0: blocks 0-7 online Normal, 8-9 online Movable, 10-13 offline; node 1: 16-19 online Movable, its only memory. */
const machine: TreeSpec = {
	blocks: [
		...run(0, 8),
		...run(8, 2, {zones: 'Movable'}),
		...run(10, 4, {state: 'offline', zones: 'Normal Movable'}),
		...run(16, 4, {node: 1, zones: 'Movable'}),
	],
};

/** The kernel as a test double that answers each offline when the test releases it (or at once). */
function slowKernel(options: {held?: boolean; refuse?: Record<number, string>} = {}) {
	const waiting: Array<() => void> = [];
	const written: number[] = [];
	let held = options.held ?? false;
	const writer: OfflineWriter = async (file, value) => {
		const block = Number(/memory(\d+)\/state$/.exec(file)?.[1]);
		written.push(block);
		if (held) {
			await new Promise<void>(resolve => {
				waiting.push(resolve);
			});
		}

		const code = options.refuse?.[block];
		if (code !== undefined) {
			throw Object.assign(new Error(code), {code});
		}

		kernelWrite(file, value);
	};

	return {
		writer,
		written,
		/** Lets the write under way answer; `all`: every one from now on, at once. */
		release(all = false) {
			held = !all;
			for (const resolve of waiting.splice(0)) {
				resolve();
			}
		},
	};
}

let current: {unmount: () => void} | undefined;
afterEach(() => {
	current?.unmount();
	current = undefined;
});

/** i's writes as a kernel answers them (online_movable reads back online), through the real checks first. */
const onlining: SysfsWriter = (file, value) => {
	writeSysfs(file, 'x');
	kernelWrite(file, value);
};

function open(options: {offlineWriter?: OfflineWriter; meminfo?: boolean} = {}) {
	const sysroot = path.join(scratch.sysroot, `tree${count++}`);
	const memory = makeMemoryTree(sysroot, machine);
	if (options.meminfo !== false) {
		writeMachineFiles(sysroot, {meminfo: roomy});
	}

	const clock = testClock(1_000_000);
	const source = sysfsSource(sysroot, {
		now: clock.now,
		writer: onlining,
		...(options.offlineWriter ? {offlineWriter: options.offlineWriter} : {}),
	});
	const ui = {sysroot, memory, ...renderConsole(source, clock)};
	current = ui;
	return ui;
}

const state = (memory: string, block: number) => readFileSync(path.join(memory, `memory${block}/state`), 'utf8').trim();

/** The audit log's entries for the blocks of one tree, as block=value:result. */
function audited(memory: string): string[] {
	let text = '';
	try {
		text = readFileSync(auditLog, 'utf8');
	} catch {
		return [];
	}

	// The answers: an offline's `started` entries are --watch's, tested there.
	return text
		.split('\n')
		.filter(line => line !== '')
		.map(line => JSON.parse(line) as {path: string; block: number; value: string; result: string})
		.filter(entry => entry.path.startsWith(`${memory}/`) && entry.result !== 'started')
		.map(entry => `${entry.block}=${entry.value}:${entry.result}`);
}

/** The ranges pane with the cursor on the range of block 8 (online Movable): one j down from blocks 0-7. */
async function onMovable(ui: ReturnType<typeof open>) {
	await ui.waitFor('Ranges 4');
	await ui.press('j');
	await ui.waitFor(/range 8: ENABLED, blocks 8-9, node 0, Movable/);
}

describe("the console's o on sysfs", () => {
	test('o asks first, with what the checks saw; y offlines the blocks highest first, each outcome in the log', async () => {
		const kernel = slowKernel({held: true});
		const ui = open({offlineWriter: kernel.writer});
		await onMovable(ui);
		await ui.press('o');
		let screen = await ui.waitFor('[y/N]');
		assert.match(screen, /Offline blocks 8-9 \(256M, node 0, zone Movable\)\? \[y\/N\] {2}y offlines · any other key keeps them/);
		assert.match(
			screen,
			/Offline checks: the checks pass: node 0 keeps 8 online block\(s\), MemAvailable would be 3.7 GiB,[\s│]+at or above the floor of 410M/,
		);
		assert.match(screen, /y writes offline to 2 block\(s\), highest first, each within 60 s/);
		assert.deepEqual(kernel.written, [], 'nothing written before the answer');
		await ui.press('y');
		// act() came back at once: the first write is under way, and the console still answers keys.
		screen = await ui.waitFor('offlining blocks 8-9');
		assert.deepEqual(kernel.written, [9]);
		await ui.press('i');
		assert.match(await ui.waitFor('Integrate'), /an offline of blocks 8-9 is running \(0 of 2 written\)/);
		assert.equal(state(ui.memory, 10), 'offline', 'i wrote nothing meanwhile');
		await ui.press(keys.escape);
		await ui.waitFor('Esc stops offline');
		await ui.press('o');
		assert.match(await ui.waitFor('Offline refused'), /an offline of blocks 8-9 is running/);
		await ui.press(keys.escape);
		// Each block's outcome in the log as it comes, its range on screen changed with it.
		kernel.release();
		screen = await ui.waitFor('block 9: offline');
		assert.match(screen, / 9 0x48000000\s+128M\s+READ\/WRITE OFFLINE block 9/);
		assert.deepEqual(kernel.written, [9, 8]);
		kernel.release(true);
		screen = await ui.waitFor('offline: 2 of 2 block(s) offlined');
		assert.match(screen, /block 8: offline/);
		assert.doesNotMatch(screen, /changed outside ham-tui/);
		assert.deepEqual(kernel.written, [9, 8]);
		assert.equal(state(ui.memory, 8), 'offline');
		assert.equal(state(ui.memory, 9), 'offline');
		// The range shows offline (apart from blocks 10-13, whose valid_zones differ).
		await ui.waitFor(/ 8 0x40000000\s+256M\s+READ\/WRITE OFFLINE blocks 8-9, node 0, Movable/);
	});

	test('a block the kernel refuses is a log line with its errno, the diagnosis and whether a retry can help', async () => {
		const kernel = slowKernel({held: true, refuse: {9: 'EBUSY'}});
		const ui = open({offlineWriter: kernel.writer});
		await onMovable(ui);
		await ui.press('o');
		await ui.waitFor('[y/N]');
		await ui.press('y', keys.escape);
		kernel.release();
		let screen = await ui.waitFor('block 9: FAILED');
		assert.match(screen, /block 9: FAILED: EBUSY \(resource busy or locked\) \[retry can help\]/);
		assert.match(screen, / {2}block 9: pages in zone Movable pinned or being migrated: a retry can help/);
		kernel.release(true);
		screen = await ui.waitFor('offline: 1 of 2 block(s) offlined');
		assert.match(screen, /block 8: offline/);
		assert.match(screen, /1 still online \(block 9: EBUSY\)/);
		assert.equal(state(ui.memory, 9), 'online');
		assert.equal(state(ui.memory, 8), 'offline');
	});

	test('o then Enter, or any key but y: No, nothing written', async () => {
		const kernel = slowKernel();
		const ui = open({offlineWriter: kernel.writer});
		await onMovable(ui);
		for (const answer of [keys.enter, 'n']) {
			await ui.press('o');
			await ui.waitFor('[y/N]');
			await ui.press(answer);
			const screen = await ui.waitFor('Not offlined');
			assert.match(screen, /Offline: Not offlined: blocks 8-9 stay online, nothing written\./);
			assert.doesNotMatch(screen, /\[y\/N\]/);
			await ui.press(keys.escape);
		}

		assert.deepEqual(kernel.written, []);
		assert.equal(state(ui.memory, 8), 'online');
		assert.deepEqual(audited(ui.memory), []);
	});

	test("o on a node's last memory: the checks refuse it in a notice, no question, nothing written", async () => {
		const kernel = slowKernel();
		const ui = open({offlineWriter: kernel.writer});
		await ui.waitFor('Ranges 4');
		await ui.press('G');
		await ui.waitFor(/range 16: ENABLED, blocks 16-19, node 1/);
		await ui.press('o');
		const screen = await ui.waitFor('Offline refused');
		assert.match(screen, /Offline refused: block 16: refused: node 1 would have no online memory left/);
		assert.match(screen, /Nothing written\./);
		assert.doesNotMatch(screen, /\[y\/N\]/);
		assert.deepEqual(kernel.written, []);
		assert.equal(state(ui.memory, 16), 'online');
	});

	test('without /proc/meminfo, o says MemAvailable is unknown and asks nothing', async () => {
		const kernel = slowKernel();
		const ui = open({offlineWriter: kernel.writer, meminfo: false});
		await onMovable(ui);
		await ui.press('o');
		const screen = await ui.waitFor('Offline refused');
		assert.match(
			screen,
			/cannot read .*meminfo: ENOENT:[\s│]+MemAvailable unknown, nothing offlined \(ham-tui --offline --force skips this check\)/,
		);
		assert.deepEqual(kernel.written, []);
	});

	test('o on an offline range says there is nothing to offline', async () => {
		const ui = open({offlineWriter: slowKernel().writer});
		await ui.waitFor('Ranges 4');
		await ui.press('j', 'j');
		await ui.waitFor(/range 10: OFFLINE/);
		await ui.press('o');
		assert.match(await ui.waitFor('Offline'), /Nothing to offline: blocks 10-13 are offline already\./);
	});

	test('Esc while an offline runs stops it after the block being written', async () => {
		const kernel = slowKernel({held: true});
		const ui = open({offlineWriter: kernel.writer});
		await onMovable(ui);
		await ui.press('o');
		await ui.waitFor('[y/N]');
		await ui.press('y');
		await ui.waitFor('offlining blocks 8-9');
		// The first Esc closes the message, the next one stops the offline (the key bar says so).
		await ui.press(keys.escape);
		await ui.waitFor('Esc stops offline');
		await ui.press(keys.escape);
		await ui.waitFor('stopping the offline of blocks 8-9 after the block being written');
		kernel.release(true);
		const screen = await ui.waitFor('offline: 1 of 2 block(s) offlined');
		assert.match(screen, /offline: stopped before block 8: the blocks not yet written stay online/);
		assert.deepEqual(kernel.written, [9]);
		assert.equal(state(ui.memory, 8), 'online');
		assert.equal(state(ui.memory, 9), 'offline');
	});

	test('through the real timed writer: a child process writes each block; the audit log holds i and o', async () => {
		const ui = open();
		await ui.waitFor('Ranges 4');
		await ui.press('i');
		await ui.waitFor('Integrate');
		await ui.press(keys.escape);
		await onMovableAfterOnline(ui);
		await ui.press('o');
		await ui.waitFor('[y/N]');
		await ui.press('y');
		const screen = await ui.waitFor('offline: 6 of 6 block(s) offlined', 10_000);
		assert.match(screen, /block 8: offline/);
		for (let block = 8; block <= 13; block++) {
			assert.equal(state(ui.memory, block), 'offline');
		}

		const written = audited(ui.memory);
		assert.deepEqual(written.slice(0, 4), ['10=online_movable:ok', '11=online_movable:ok', '12=online_movable:ok', '13=online_movable:ok']);
		assert.deepEqual(written.slice(4), [
			'13=offline:ok',
			'12=offline:ok',
			'11=offline:ok',
			'10=offline:ok',
			'9=offline:ok',
			'8=offline:ok',
		]);
		// The log's first line names the audit log.
		await ui.press(keys.tab, 'g');
		assert.ok((await ui.waitFor('audit log:')).includes(`audit log: ${auditLog}`));
	});

	test('o on the simulated machine says why it does nothing', async () => {
		const ui = startConsole(machineWith());
		current = ui;
		await ui.waitFor('Regions');
		await ui.press('o');
		const screen = await ui.waitFor('Offline');
		assert.match(screen, /The simulated machine has no hot-remove: ham 1\.0 never offlined memory\./);
		assert.match(screen, /On a real machine \(--sysfs\), o offlines the selected range's blocks\./);
		assert.doesNotMatch(screen, /\[y\/N\]/);
	});
});

/** After i onlined blocks 10-13 (Movable by the zone rule), blocks 8-13 are one Movable range: back to it. */
async function onMovableAfterOnline(ui: ReturnType<typeof open>) {
	await ui.press('g', 'j');
	await ui.waitFor(/range 8: ENABLED, blocks 8-13, node 0, Movable/);
}
