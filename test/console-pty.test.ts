// The real console in a real terminal (node-pty + headless xterm): the alternate screen, resizing,
// every way out with its exit code, colour, and the walk a new operator takes.
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {describe, test} from 'node:test';
import {cliPath, runCli, tempDir} from './helpers/cli.js';
import {openConsole} from './helpers/console-pty.js';
import {keys, type PtySession} from './helpers/pty.js';

function stateWith(scenario?: Record<string, unknown>): string {
	const dir = tempDir();
	const state = path.join(dir, 'machine.json');
	if (scenario) {
		const file = path.join(dir, 'scenario.json');
		fs.writeFileSync(file, JSON.stringify(scenario));
		const result = runCli(['--reset', '--scenario', file, '--state', state]);
		assert.equal(result.code, 0, result.stderr);
	}

	return state;
}

describe('the console in a real terminal', {concurrency: 3}, () => {
	test('alternate screen on entry; q leaves it with the cursor shown and exit 0', async () => {
		const session = await openConsole(stateWith());
		try {
			assert.ok(session.isAlternateScreen());
			assert.match(session.screen(), /^ ham-tui {2}dl760-g2/);
			session.press('q');
			const exit = await session.exited;
			assert.equal(exit.exitCode, 0);
			assert.equal(session.isAlternateScreen(), false);
			assert.equal(session.isCursorHidden(), false);
		} finally {
			session.dispose();
		}
	});

	test('resizing re-lays out the screen; below 80x24 it says what is needed', async () => {
		const session = await openConsole(stateWith());
		try {
			session.resize(120, 40);
			await session.waitFor(/╭─ Kernel resources ─{60,}╮/);
			assert.equal(session.screen().split('\n').length, 40);
			session.resize(70, 20);
			await session.waitFor('ham-tui needs 80x24; this one is 70x20.');
			session.resize(80, 24);
			await session.waitFor(/╭─ ▶ Regions 0/);
			session.press('q');
			assert.equal((await session.exited).exitCode, 0);
		} finally {
			session.dispose();
		}
	});

	test('? at 80x24: every key and its whole meaning on a line of its own; at 200x50 the bordered tables', async () => {
		const session = await openConsole(stateWith());
		try {
			session.press('?');
			await session.waitFor('this help / quit');
			const screen = session.screen();
			for (const line of [
				/^ d {2,}start \/ stop \/ reinstall ham \(asks\)$/m,
				/^ Esc {2,}cancel, close, clear$/m,
				/^ Tab → l S-Tab ← h {2}next \/ previous pane$/m,
			]) {
				assert.match(screen, line);
			}

			assert.doesNotMatch(screen, /[┬┼┤]/, 'no table cut by the screen edge');
			session.resize(200, 50);
			await session.waitFor(/│ Enter │ the whole text of the selected row {2}│ {2}│ \? q {15}│ this help \/ quit {5}│/);
			session.press('q'); // Closes the help,
			await session.waitFor(/╭─ ▶ Regions 0/);
			session.press('q'); // then quits.
			assert.equal((await session.exited).exitCode, 0);
		} finally {
			session.dispose();
		}
	});

	test('behind the too-small screen no key acts: d and Enter change nothing, q quits', async () => {
		const state = stateWith();
		const session = await openConsole(state);
		try {
			session.press('p'); // A plug form open behind it, as the issue found.
			await session.waitFor('Plug a module');
			session.resize(60, 15);
			await session.waitFor('Until then only q quits; other keys are ignored.');
			session.press('d');
			session.press('y');
			session.press(keys.enter);
			await new Promise(resolve => {
				setTimeout(resolve, 400);
			});
			session.resize(80, 24);
			await session.waitFor('Plug a module');
			assert.doesNotMatch(session.screen(), /ham NOT loaded/);
			assert.match(runCli(['--status', '--state', state]).stdout, /^$/, 'nothing was plugged');
			session.resize(60, 15);
			await session.waitFor('only q quits');
			session.press('q');
			assert.equal((await session.exited).exitCode, 0);
		} finally {
			session.dispose();
		}
	});

	test('a list scrolled to its end re-fits after a resize: no blank rows, the cursor on its row', async () => {
		const session = await openConsole(stateWith());
		try {
			session.press(keys.tab);
			session.press(keys.tab);
			session.press('G');
			await session.waitFor(/› 8 -/);
			assert.doesNotMatch(session.screen(), /│ {3}1 4G/, 'slot 1 scrolled out at 80x24');
			session.resize(120, 40);
			await session.waitFor(/│ {3}1 4G/);
			assert.match(session.screen(), /› 8 -/);
			session.press('q');
			assert.equal((await session.exited).exitCode, 0);
		} finally {
			session.dispose();
		}
	});

	for (const [name, exitCode, end] of [
		['Ctrl-C', 0, (session: PtySession) => session.press('\u0003')],
		['SIGTERM', 143, (session: PtySession) => session.kill('SIGTERM')],
	] as const) {
		test(`${name} restores the terminal and exits ${exitCode}`, async () => {
			const session = await openConsole(stateWith());
			try {
				end(session);
				assert.equal((await session.exited).exitCode, exitCode);
				assert.equal(session.isAlternateScreen(), false);
				assert.equal(session.isCursorHidden(), false);
			} finally {
				session.dispose();
			}
		});
	}

	test('a dropped link (SIGHUP, the terminal gone) exits 129 without a crash', async () => {
		const session = await openConsole(stateWith());
		try {
			session.hangUp();
			const exit = await session.exited;
			assert.equal(exit.signal, 0, 'killed by a signal (a crash at exit) instead of exiting');
			assert.equal(exit.exitCode, 129);
		} finally {
			session.dispose();
		}
	});

	test('without a terminal: one line suggesting ssh -t or --status, exit 2, no stack trace', () => {
		const result = spawnSync(process.execPath, [cliPath, '--state', stateWith()], {input: '', encoding: 'utf8'});
		assert.equal(result.status, 2);
		assert.equal(result.stdout, '');
		assert.equal(result.stderr.trim().split('\n').length, 1);
		assert.match(result.stderr, /needs a terminal .*ssh -t HOST ham-tui.*--status/);
	});

	test('NO_COLOR: no colour codes at all; without it, colour', async () => {
		const sgrColour = /\u001B\[[\d;]*(3[0-7]|9[0-7]|38;)[\d;]*m/;
		for (const [env, coloured] of [
			[{NO_COLOR: '1'}, false],
			[{NO_COLOR: undefined, FORCE_COLOR: undefined}, true],
		] as const) {
			const session = await openConsole(stateWith(), {env});
			try {
				session.press('q');
				await session.exited;
				assert.equal(
					sgrColour.test(session.raw()),
					coloured,
					`colour codes ${coloured ? 'missing' : 'present'} with ${JSON.stringify(env)}`,
				);
			} finally {
				session.dispose();
			}
		}
	});

	test('a new operator at 80x24: plug, fail for lowmem, free lowmem, retry loop integrates, quit', async () => {
		const state = stateWith({base: 'dl760-g2', controller: {scrubSecondsPerGiB: 0}, workload: {initial: 'heavy'}});
		const session = await openConsole(state);
		try {
			session.press('p');
			await session.waitFor('Plug a module');
			session.press(keys.down);
			session.press(keys.right);
			session.press(keys.right);
			await session.waitFor('‹ 4G ›');
			session.press(keys.enter);
			await session.waitFor(/0 0x120000000\s+4G\s+READ\/WRITE FAILED\s+lowmem-short/);
			session.press('r');
			await session.waitFor('Integrate retry loop');
			session.press(keys.enter);
			await session.waitFor('attempt 1 of 10 done');
			session.press('w');
			await session.waitFor('workload: d drop caches');
			session.press('d');
			await session.waitFor('ended: every region ENABLED after 2 attempts', 15_000);
			assert.match(session.screen(), /0 0x120000000\s+4G\s+READ\/WRITE ENABLED/);
			session.press('q');
			assert.equal((await session.exited).exitCode, 0);
			assert.equal(session.isAlternateScreen(), false);
			assert.match(runCli(['--status', '--state', state]).stdout, /^0\t0x120000000\t4294967296\tREAD\/WRITE\tENABLED$/m);
		} finally {
			session.dispose();
		}
	});
});
