// The console when the state file goes wrong under it: garbage written over it, its lock held by a
// stopped process, a full disk; and a paste far wider than the screen. Each is a notice; the keys
// go on working; nothing crashes.
import assert from 'node:assert/strict';
import {execFileSync, spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {afterEach, describe, test} from 'node:test';
import {lockDirectory} from '../source/store/lock.js';
import {keys, startConsole} from './helpers/console.js';
import {holdAs} from './helpers/lock-holder.js';
import {machineWith} from './helpers/machine.js';

let current: ReturnType<typeof startConsole> | undefined;
const cleanups: Array<() => void> = [];
afterEach(() => {
	current?.unmount();
	current = undefined;
	for (const cleanup of cleanups.splice(0)) {
		cleanup();
	}
});

function open() {
	current = startConsole(machineWith());
	cleanups.push(() => {
		fs.rmSync(path.dirname(current?.state ?? '/nonexistent/x'), {recursive: true, force: true});
	});
	return current;
}

/** Makes a live process (stopped, as after Ctrl-Z) the holder of the state file's lock. */
function holdWithStoppedProcess(state: string) {
	const holder = spawn('sleep', ['60']);
	const pid = holder.pid!;
	const {link, generation} = holdAs(state, pid);
	process.kill(pid, 'SIGSTOP');
	cleanups.push(() => holder.kill('SIGKILL'));
	return {
		pid,
		/** The holder lets go, as a process leaving the lock does. */
		release() {
			fs.symlinkSync('free', path.join(path.dirname(link), String(generation + 1)));
			fs.rmSync(link);
		},
	};
}

describe('the console survives its state file going wrong', () => {
	test('garbage written over the state file: a notice, keys still work, an action says why it failed', async () => {
		const ui = open();
		await ui.waitFor('Regions 0');
		fs.writeFileSync(ui.state, 'garbage, not a machine');
		await ui.advance(1);
		await ui.waitFor(/State file.*not valid JSON/s);
		await ui.press('?');
		await ui.waitFor('Keys');
		await ui.press(keys.escape);
		await ui.press('w', 'd');
		const screen = await ui.waitFor(/not valid JSON/);
		assert.match(screen, /Regions 0/, 'the last good machine is still shown');
		await ui.press(keys.tab);
		await ui.press('p');
		await ui.waitFor('Plug a module');
		await ui.press(keys.enter);
		await ui.waitFor(/not valid JSON/);
	});

	test('a lock held by a stopped process: "waiting for process N", the clock runs, Esc gives up, nothing changed', async () => {
		const ui = open();
		await ui.waitFor('Regions 0');
		const before = fs.readFileSync(ui.state, 'utf8');
		const holder = holdWithStoppedProcess(ui.state);
		await ui.press('w', 'h');
		await ui.waitFor(new RegExp(`Waiting for process ${holder.pid} to let go of the state file's lock`));
		const first = ui.frame();
		await ui.advance(2);
		const later = await ui.waitFor(/lock \([1-9]\d* s\)/);
		assert.notEqual(later, first, 'the screen goes on being drawn while it waits');
		await ui.press('j', 'p'); // Other keys do nothing while a change waits.
		assert.doesNotMatch(ui.frame(), /Plug a module/);
		await ui.press(keys.escape);
		await ui.waitFor(/Gave up waiting for process \d+: nothing was changed/);
		assert.equal(fs.readFileSync(ui.state, 'utf8'), before);
		assert.deepEqual(
			fs.readdirSync(lockDirectory(ui.state)).filter(name => name.startsWith('want-')),
			[],
			'its place in the queue is gone',
		);
		holder.release();
	});

	test('the holder lets go while the console waits: the change goes through by itself', async () => {
		const ui = open();
		await ui.waitFor('Regions 0');
		const holder = holdWithStoppedProcess(ui.state);
		await ui.press('d', 'y');
		await ui.waitFor(/Waiting for process/);
		holder.release();
		await ui.advance(0);
		await ui.waitFor(/ham unloaded|ham is not loaded/);
		assert.match(fs.readFileSync(ui.state, 'utf8'), /"loaded":false/);
	});

	test('a lock held past 10 s: the change is given up with the holder named, and the console goes on', async () => {
		const ui = open();
		await ui.waitFor('Regions 0');
		const holder = holdWithStoppedProcess(ui.state);
		await ui.press('i');
		await ui.waitFor(/Waiting for process/);
		const screen = await ui.waitFor(new RegExp(`held by process ${holder.pid} for more than 10\\s*(│\\s*)*s`), 15_000);
		assert.doesNotMatch(screen, /Waiting for process/);
		await ui.press('?');
		await ui.waitFor('Keys');
	});

	test('a full disk: the change fails with a notice, the machine shown as it was', {
		skip: process.getuid?.() === 0 ? false : 'mounting a tiny tmpfs needs root',
	}, async t => {
		const mount = fs.mkdtempSync('/tmp/ham-tui-full-');
		try {
			execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=200k', 'tmpfs', mount]);
		} catch {
			t.skip('cannot mount a tmpfs here');
			return;
		}

		cleanups.push(() => {
			execFileSync('umount', [mount]);
			fs.rmSync(mount, {recursive: true});
		});
		const ui = open();
		await ui.waitFor('Regions 0');
		// The state file moved onto the small disk, which is then filled up.
		const state = path.join(mount, 'machine.json');
		fs.copyFileSync(ui.state, state);
		current!.unmount();
		const {renderConsole, testClock} = await import('./helpers/console.js');
		const {simulatedSource} = await import('../source/machine/source.js');
		const clock = testClock(machineWith().now);
		const full = renderConsole(simulatedSource(state), clock);
		cleanups.unshift(() => {
			full.unmount();
		});
		await full.waitFor('Regions 0');
		fs.mkdirSync(lockDirectory(state));
		try {
			fs.writeFileSync(path.join(mount, 'filler'), Buffer.alloc(400 * 1024));
		} catch {} // ENOSPC: full, as wanted.

		await full.press('w', 'h');
		await full.waitFor(/no\s*(│\s*)*space left on the device\s*(│\s*)*\(ENOSPC\)/);
		await full.press(keys.escape);
		await full.press('?');
		await full.waitFor('Keys');
	});
});

describe('what is drawn stays inside the screen', () => {
	test('a 50,000-character paste into the filter: every line within the width, the borders whole', async () => {
		const ui = open();
		await ui.waitFor('Regions 0');
		await ui.press('/', 'x'.repeat(50_000));
		await ui.waitFor(/filter "x+…/);
		const lines = ui.frame().split('\n');
		for (const line of lines) {
			assert.ok(line.length <= 100, `a line of ${line.length} characters: ${line.slice(0, 120)}`);
		}

		assert.ok(
			lines.some(line => /^╭─ .*Regions.*╮$/.test(line)),
			"the regions pane's top border ends in its corner",
		);
		await ui.press(keys.escape);
		await ui.waitFor('Regions 0 ');
	});
});
