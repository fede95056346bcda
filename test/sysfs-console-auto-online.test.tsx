// The console's a on a real machine (a generated tree): a chooser of auto_online_blocks' values,
// the current one marked, each value's meaning said; then a question whose default is No; y writes
// the file through the audited writer as --auto-online does, reads it again and says what it was
// and is. A refusal (no root, the kernel's EINVAL) is a notice; on the simulated machine a says why not.
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, afterEach, describe, test} from 'node:test';
import {sysfsSource} from '../source/machine/sysfs.js';
import {type SysfsWriter, writeSysfs} from '../source/sysfs/online.js';
import {keys, renderConsole, startConsole, testClock} from './helpers/console.js';
import {machineWith} from './helpers/machine.js';
import {makeMemoryTree, run, type TreeSpec, tempSysroot} from './helpers/sysfs-tree.js';

const scratch = tempSysroot('ham-sysfs-console-auto-online-');
// This file's own audit log, read by the tests (sysfsSource reads the variable when it opens).
const auditDirectory = mkdtempSync(path.join(tmpdir(), 'ham-console-audit-'));
const auditLog = path.join(auditDirectory, 'audit.log');
process.env.HAM_TUI_AUDIT_LOG = auditLog;
after(() => {
	scratch.remove();
	rmSync(auditDirectory, {recursive: true, force: true});
});
let count = 0;

/** Blocks 0-7 online, 8-11 offline; auto_online_blocks offline (makeMemoryTree's). */
const machine: TreeSpec = {blocks: [...run(0, 8), ...run(8, 4, {state: 'offline', zones: 'Normal Movable'})]};

let current: {unmount: () => void} | undefined;
afterEach(() => {
	current?.unmount();
	current = undefined;
});

/** A kernel that refuses writes to auto_online_blocks with `code` (after the real checks); others go through. */
function refusing(code: string): SysfsWriter {
	return (file, value) => {
		if (file.endsWith('/auto_online_blocks')) {
			throw Object.assign(new Error(`${code}: refused, write '${file}'`), {code});
		}

		writeSysfs(file, value);
	};
}

function open(options: {writer?: SysfsWriter} = {}) {
	const sysroot = path.join(scratch.sysroot, `tree${count++}`);
	const memory = makeMemoryTree(sysroot, machine);
	const clock = testClock(1_000_000);
	const source = sysfsSource(sysroot, {now: clock.now, ...(options.writer ? {writer: options.writer} : {})});
	const ui = {sysroot, memory, ...renderConsole(source, clock)};
	current = ui;
	return ui;
}

const autoOnline = (memory: string) => readFileSync(path.join(memory, 'auto_online_blocks'), 'utf8').trim();

/** The audit log's entries for auto_online_blocks of one tree, as value:result(:errno). */
function audited(memory: string): string[] {
	let text = '';
	try {
		text = readFileSync(auditLog, 'utf8');
	} catch {
		return [];
	}

	return text
		.split('\n')
		.filter(line => line !== '')
		.map(line => JSON.parse(line) as {path: string; what: string; block: number | null; value: string; result: string; errno?: string})
		.filter(entry => entry.path === path.join(memory, 'auto_online_blocks'))
		.map(entry => [entry.value, entry.result, ...(entry.errno ? [entry.errno] : []), `block=${entry.block}`].join(':'));
}

/** a, then the chooser: the values, the current one marked. */
async function choose(ui: ReturnType<typeof open>) {
	await ui.waitFor('Ranges');
	await ui.press('a');
	return ui.waitFor('auto-online: ');
}

describe("the console's a on sysfs", () => {
	test('a opens the chooser; 4 asks, saying what online_movable means; y writes online_movable, audited, and the memory pane and log say so', async () => {
		const ui = open();
		let screen = await ui.waitFor(/auto_online offline/);
		assert.match(screen, /a auto/, 'a is on the key bar');
		screen = await choose(ui);
		assert.match(screen, /auto-online: 1 offline \(now\) · 2 online · 3 kernel · 4 movable · Esc\/q cancels/);
		assert.match(screen, /Auto-online: now offline: new blocks stay offline until onlined/);
		await ui.press('4');
		screen = await ui.waitFor('[y/N]');
		assert.match(screen, /Auto-online: online_movable: the kernel onlines new blocks itself, in ZONE_MOVABLE \(removable[\s│]+again\)/);
		assert.match(screen, /Set auto_online_blocks to online_movable \(now offline\)\? \[y\/N\] {2}y sets it · any other key keeps it/);
		assert.equal(autoOnline(ui.memory), 'offline', 'nothing written before the answer');
		await ui.press('y');
		screen = await ui.waitFor(/Auto-online at [\d:]+Z: auto_online_blocks: offline -> online_movable/);
		assert.match(screen, /auto_online online_movable/, 'the memory pane shows the value read back');
		assert.doesNotMatch(screen, /\[y\/N\]/);
		assert.equal(autoOnline(ui.memory), 'online_movable');
		assert.deepEqual(audited(ui.memory), ['online_movable:ok:block=null']);
		// The log has the line too (the policy read again after it): up the log pane a few lines.
		await ui.press(keys.escape, keys.tab);
		for (let up = 0; up < 6 && !/\] auto_online_blocks: offline -> online_movable/.test(ui.frame()); up++) {
			await ui.press('k');
		}

		assert.match(ui.frame(), /\] auto_online_blocks: offline -> online_movable/);
	});

	test('Enter at the question, or any key but y: No, the file unchanged, nothing audited', async () => {
		const ui = open();
		for (const answer of [keys.enter, 'n']) {
			await choose(ui);
			await ui.press('2');
			await ui.waitFor('Set auto_online_blocks to online (now offline)? [y/N]');
			await ui.press(answer);
			const screen = await ui.waitFor('Not changed');
			assert.match(screen, /Auto-online: Not changed: auto_online_blocks stays offline, nothing written\./);
			assert.doesNotMatch(screen, /\[y\/N\]/);
			await ui.press(keys.escape);
		}

		assert.equal(autoOnline(ui.memory), 'offline');
		assert.deepEqual(audited(ui.memory), []);
	});

	test('Esc in the chooser cancels; the current value asks nothing', async () => {
		const ui = open();
		await choose(ui);
		await ui.press(keys.escape);
		let screen = await ui.waitFor(/a auto/);
		assert.doesNotMatch(screen, /auto-online: 1/);
		await choose(ui);
		await ui.press('1');
		screen = await ui.waitFor('already');
		assert.match(screen, /auto_online_blocks is offline already: nothing written\./);
		assert.doesNotMatch(screen, /\[y\/N\]/);
		assert.deepEqual(audited(ui.memory), []);
	});

	test('a kernel that refuses for want of root: a notice says it needs root, the file unchanged', async () => {
		const ui = open({writer: refusing('EACCES')});
		await choose(ui);
		await ui.press('4');
		await ui.waitFor('[y/N]');
		await ui.press('y');
		const screen = await ui.waitFor('needs root');
		assert.match(screen, /auto_online_blocks stays offline: changing it needs root/);
		assert.match(screen, /auto_online offline/);
		assert.equal(autoOnline(ui.memory), 'offline');
		assert.deepEqual(audited(ui.memory), ['online_movable:failed:EACCES:block=null']);
	});

	test("the kernel's EINVAL is a notice with its meaning, never a crash", async () => {
		const ui = open({writer: refusing('EINVAL')});
		await choose(ui);
		await ui.press('3');
		await ui.waitFor('[y/N]');
		await ui.press('y');
		const screen = await ui.waitFor('stays offline');
		assert.match(screen, /auto_online_blocks stays offline: EINVAL \(invalid argument\)/);
		assert.equal(autoOnline(ui.memory), 'offline');
	});

	test('without auto_online_blocks (an old kernel), a says so and opens nothing', async () => {
		const ui = open();
		rmSync(path.join(ui.memory, 'auto_online_blocks'));
		// The rolling re-read notices the file gone at the start of its next sweep.
		await ui.waitFor(/auto_online none/);
		await ui.press('a');
		const screen = await ui.waitFor('Nothing to set');
		assert.match(screen, /auto_online_blocks is not there \(or unreadable\)/);
		assert.doesNotMatch(screen, /auto-online: 1/);
	});

	test("? in the main view and in the chooser lists a's keys", async () => {
		const ui = open();
		await ui.waitFor('Ranges');
		await ui.press('?');
		let screen = await ui.waitFor('Keys');
		assert.match(screen, /│ a\s+│ set auto_online_blocks \(asks\)/);
		await ui.press(keys.escape);
		await choose(ui);
		await ui.press('?');
		screen = await ui.waitFor('Keys of the auto-online chooser');
		assert.match(screen, / 4\s+set auto_online_blocks to online_movable \(asks\)/);
		assert.match(screen, / Esc q\s+cancel\n/);
	});

	test('a on the simulated machine says why it does nothing', async () => {
		const ui = startConsole(machineWith());
		current = ui;
		await ui.waitFor('Regions');
		await ui.press('a');
		const screen = await ui.waitFor('Auto');
		assert.match(
			screen,
			/Auto: The simulated 2003 kernel has no auto-online: on a real machine \(--sysfs\), a sets[\s│]+auto_online_blocks\./,
		);
		assert.doesNotMatch(screen, /auto-online: 1/);
		await ui.press(keys.escape, '?');
		const help = await ui.waitFor('Keys');
		assert.doesNotMatch(help, /set auto_online_blocks/);
	});
});
