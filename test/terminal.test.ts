import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {EventEmitter} from 'node:events';
import {describe, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import xtermHeadless from '@xterm/headless';
import {Text} from 'ink';
import {render} from 'ink-testing-library';
import {createElement} from 'react';
import {applyNoColor, checkTerminal, enterFullScreen, ignoreCiEnvironment, signalExitCode} from '../source/console/terminal.js';
import {readSize, useTerminalSize} from '../source/console/use-terminal-size.js';
import {keys, type PtySession, startInPty} from './helpers/pty.js';
import {escapeXml, paletteColour, screenToSvg} from './helpers/svg.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURE = 'test/fixtures/fullscreen-demo.tsx';
// Starting node + tsx + Ink takes a second or two, more on a busy machine.
const START_TIMEOUT = 20_000;
const ESC = '\u001B';

describe('checkTerminal', () => {
	test('is null when stdin and stdout are terminals', () => {
		assert.equal(checkTerminal({isTTY: true}, {isTTY: true}), null);
	});

	test('names what is missing, in one line that says what to do', () => {
		const message = checkTerminal({}, {isTTY: true});
		assert.match(message ?? '', /^ham-tui: the console needs a terminal \(stdin is not a TTY\); use 'ssh -t HOST ham-tui'/);
		assert.match(message ?? '', /ham-tui --status/);
		assert.doesNotMatch(message ?? '', /\n/);
		assert.match(checkTerminal({isTTY: true}, {isTTY: false}) ?? '', /\(stdout is not a TTY\)/);
		assert.match(checkTerminal({}, {}) ?? '', /\(stdin and stdout are not TTYs\)/);
	});
});

describe('environment', () => {
	test('NO_COLOR, when set and not empty, becomes FORCE_COLOR=0', () => {
		const env: NodeJS.ProcessEnv = {NO_COLOR: '1'};
		applyNoColor(env);
		assert.equal(env.FORCE_COLOR, '0');

		const empty: NodeJS.ProcessEnv = {NO_COLOR: ''};
		applyNoColor(empty);
		assert.deepEqual(empty, {NO_COLOR: ''});

		const none: NodeJS.ProcessEnv = {FORCE_COLOR: '3'};
		applyNoColor(none);
		assert.deepEqual(none, {FORCE_COLOR: '3'});
	});

	test('the CI variables that blank Ink 6 are dropped', () => {
		const env: NodeJS.ProcessEnv = {CI: 'true', CONTINUOUS_INTEGRATION: '1', PATH: '/bin'};
		ignoreCiEnvironment(env);
		assert.deepEqual(env, {PATH: '/bin'});
	});

	test('signal exit codes are 128 + the signal number', () => {
		assert.equal(signalExitCode('SIGTERM'), 143);
		assert.equal(signalExitCode('SIGHUP'), 129);
		assert.equal(signalExitCode('SIGINT'), 130);
	});
});

describe('enterFullScreen (in process)', () => {
	test('enters the alternate screen; restore leaves it once, shows the cursor, ends raw mode', () => {
		const written: string[] = [];
		const rawModes: boolean[] = [];
		const stdout = {write: (text: string) => written.push(text) > 0};
		const stdin = {isTTY: true, setRawMode: (mode: boolean) => rawModes.push(mode)};
		const listenersBefore = process.listenerCount('uncaughtException');
		const rejectionListenersBefore = process.listenerCount('unhandledRejection');

		const restore = enterFullScreen(stdout, {stdin, stderr: stdout});
		assert.deepEqual(written, [`${ESC}[?1049h`]);
		assert.equal(process.listenerCount('uncaughtException'), listenersBefore + 1);

		restore();
		restore();
		assert.deepEqual(written, [`${ESC}[?1049h`, `${ESC}[?1049l${ESC}[?25h`]);
		assert.deepEqual(rawModes, [false]);
		assert.equal(process.listenerCount('uncaughtException'), listenersBefore);
		assert.equal(process.listenerCount('unhandledRejection'), rejectionListenersBefore);
	});

	test('leaves raw mode alone when stdin is not a terminal', () => {
		const rawModes: boolean[] = [];
		const stdout = {write: () => true};
		const restore = enterFullScreen(stdout, {stdin: {setRawMode: mode => rawModes.push(mode)}, stderr: stdout});
		restore();
		assert.deepEqual(rawModes, []);
	});

	test('restore survives a terminal that is gone (writes failing with EIO)', () => {
		const stdout = {
			write(text: string): boolean {
				if (text.includes('1049l')) {
					throw Object.assign(new Error('write EIO'), {code: 'EIO'});
				}

				return true;
			},
		};
		const restore = enterFullScreen(stdout, {stdin: {isTTY: false}, stderr: stdout});
		assert.doesNotThrow(restore);
	});
});

function Size() {
	const {columns, rows} = useTerminalSize();
	return createElement(Text, null, `${columns}x${rows}`);
}

describe('useTerminalSize', () => {
	test('falls back to 24 rows where the stream reports none (ink-testing-library: 100 columns)', () => {
		const {lastFrame, unmount} = render(createElement(Size));
		assert.equal(lastFrame(), '100x24');
		unmount();
	});

	test('falls back per dimension, also for 0', () => {
		assert.deepEqual(readSize({}), {columns: 80, rows: 24});
		assert.deepEqual(readSize({columns: 0, rows: 50}), {columns: 80, rows: 50});
		assert.deepEqual(readSize({columns: 120, rows: 40}), {columns: 120, rows: 40});
	});

	test('follows resize events', async () => {
		const stdout = Object.assign(new EventEmitter(), {columns: 90, rows: 30, write: () => true});
		const stdin = Object.assign(new EventEmitter(), {
			isTTY: false,
			setEncoding() {},
			resume() {},
			pause() {},
			ref() {},
			unref() {},
			read: () => null,
		});
		const {render: inkRender} = await import('ink');
		const frames: string[] = [];
		const instance = inkRender(createElement(Size), {
			stdout: Object.assign(stdout, {write: (frame: string) => frames.push(frame) > 0}) as unknown as NodeJS.WriteStream,
			stdin: stdin as unknown as NodeJS.ReadStream,
			debug: true,
			patchConsole: false,
		});
		assert.equal(frames.at(-1), '90x30');
		stdout.columns = 70;
		stdout.rows = 20;
		stdout.emit('resize');
		// React schedules the re-render (setImmediate in Node): wait for it, not for a fixed time.
		for (let tick = 0; tick < 100 && frames.at(-1) !== '70x20'; tick++) {
			await new Promise(resolve => setImmediate(resolve));
		}

		assert.equal(frames.at(-1), '70x20');
		instance.unmount();
		assert.equal(stdout.listenerCount('resize'), 0);
	});
});

describe('screenToSvg', () => {
	async function terminalShowing(ansi: string, cols = 80, rows = 24) {
		const term = new xtermHeadless.Terminal({cols, rows, allowProposedApi: true});
		await new Promise<void>(resolve => {
			term.write(ansi, resolve);
		});
		return term;
	}

	test('draws runs of one style as tspans, colours and bold included, in a window frame', async () => {
		const term = await terminalShowing(`${ESC}[1;32mOK${ESC}[0m plain ${ESC}[41;37mALERT${ESC}[0m ${ESC}[38;5;196mred${ESC}[0m`);
		const svg = screenToSvg(term, {title: 'ham-tui <demo> & "more"'});
		term.dispose();

		assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="696" height="484"/);
		assert.match(svg, /<tspan x="12" fill="#23d18b" textLength="[\d.]+" lengthAdjust="spacingAndGlyphs" font-weight="bold">OK<\/tspan>/);
		assert.match(svg, /<tspan [^>]*fill="#d4d4d4"[^>]*> plain <\/tspan>/);
		assert.match(svg, /<rect [^>]*fill="#cd3131"\/>/, 'red background run');
		assert.match(svg, /fill="#e5e5e5"[^>]*>ALERT</);
		assert.match(svg, new RegExp(`fill="${paletteColour(196)}"[^>]*>red<`));
		assert.equal(paletteColour(196), '#ff0000');
		assert.equal(paletteColour(244), '#808080');
		assert.match(svg, /ham-tui &lt;demo&gt; &amp; &quot;more&quot;/);
		assert.equal((svg.match(/<text /g) ?? []).length, 2, 'the title and one screen row');
	});

	test('escapes markup in the screen text and drops control characters', async () => {
		const term = await terminalShowing('a<b>&c "d" \'e\'');
		const svg = screenToSvg(term);
		term.dispose();
		assert.match(svg, />a&lt;b&gt;&amp;c &quot;d&quot; &apos;e&apos;</);
		assert.equal(escapeXml('x\u0007y\u001Bz'), 'xyz');
	});

	test('wide characters take two cells', async () => {
		const term = await terminalShowing(`${ESC}[1m表${ESC}[0mx`);
		const svg = screenToSvg(term);
		term.dispose();
		assert.match(svg, /<tspan x="12" [^>]*textLength="16.8"[^>]*>表<\/tspan><tspan x="28.8" /);
	});
});

// The harness and terminal.ts together, in a real pseudo-terminal. Each test starts its own
// process; they run side by side because most of their time is node starting up.
describe('full screen in a real terminal', {concurrency: 4}, () => {
	function startDemo(options: {cols?: number; rows?: number; env?: Record<string, string>} = {}): PtySession {
		return startInPty(process.execPath, ['--import', 'tsx', FIXTURE], {cwd: ROOT, ...options});
	}

	async function withDemo(run: (demo: PtySession) => Promise<void>, options?: Parameters<typeof startDemo>[0]): Promise<void> {
		const demo = startDemo(options);
		try {
			await demo.waitFor('ready', START_TIMEOUT);
			await run(demo);
		} finally {
			demo.dispose();
		}
	}

	test('draws on the alternate screen; q brings the normal screen back with exit code 0', async () => {
		await withDemo(async demo => {
			assert.ok(demo.isAlternateScreen());
			assert.ok(demo.isCursorHidden());
			assert.match(demo.screen(), /^╭─+╮\n│size 80x24 presses 0 ready/);
			// rows - 1: the last row stays empty, which keeps Ink 6 from redrawing the whole screen.
			assert.equal(demo.screen().split('\n')[22], `╰${'─'.repeat(78)}╯`);
			assert.equal(demo.screen().split('\n')[23], '');

			await assert.rejects(demo.waitFor('no such text', 200), /^Error: timed out after 200 ms waiting for no such text; screen:\n\|╭─/);

			const svg = screenToSvg(demo.term, {title: 'fullscreen-demo'});
			assert.match(svg, /font-weight="bold">size 80x24<\/tspan>/);

			demo.press('jj');
			await demo.waitFor('presses 2');
			// Ink 6 clears the whole screen before every frame of a root as tall as the terminal.
			assert.ok(!demo.raw().includes(`${ESC}[2J`), 'frames drawn without clearing the screen');
			demo.press('q');
			assert.deepEqual(await demo.exited, {exitCode: 0, signal: 0});
			assert.ok(!demo.isAlternateScreen());
			assert.ok(!demo.isCursorHidden());
			assert.match(demo.screen(), /fullscreen-demo: bye/);
			assert.doesNotMatch(demo.screen(), /size 80x24/, 'its frames went to the alternate screen');
		});
	});

	test('Ctrl-C quits with exit code 0 and restores the screen', async () => {
		await withDemo(async demo => {
			demo.press(keys.ctrlC);
			assert.deepEqual(await demo.exited, {exitCode: 0, signal: 0});
			assert.ok(!demo.isAlternateScreen());
			assert.ok(!demo.isCursorHidden());
		});
	});

	test('a resize re-renders at the new size, larger and smaller', async () => {
		await withDemo(async demo => {
			demo.resize(100, 30);
			await demo.waitFor('size 100x30');
			demo.resize(60, 20);
			await demo.waitFor('size 60x20');
			// Shrinking clears the screen once (Ink redraws the old, now too tall, frame before the hook
			// updates), and after that frames are drawn without clearing again.
			const mark = demo.raw().length;
			demo.press('j');
			await demo.waitFor('presses 1');
			assert.ok(!demo.raw().slice(mark).includes(`${ESC}[2J`), 'next frame drawn without clearing');
			assert.ok(
				demo
					.screen()
					.split('\n')
					.some(line => line === `╰${'─'.repeat(58)}╯`),
				`box 60 wide:\n${demo.screen()}`,
			);
			demo.press('q');
			assert.equal((await demo.exited).exitCode, 0);
		});
	});

	for (const [signal, code] of [
		['SIGTERM', 143],
		['SIGHUP', 129],
	] as const) {
		test(`${signal} leaves the alternate screen and exits with ${code}`, async () => {
			await withDemo(async demo => {
				demo.kill(signal);
				assert.deepEqual(await demo.exited, {exitCode: code, signal: 0});
				assert.ok(!demo.isAlternateScreen());
				assert.ok(!demo.isCursorHidden());
			});
		});
	}

	test('a hung-up terminal (dropped SSH link) ends it with 129, not with a Node abort', async () => {
		await withDemo(async demo => {
			demo.hangUp();
			// Node 20 aborts at exit (SIGABRT or SIGSEGV) if it still tries to reset a hung-up terminal.
			assert.deepEqual(await demo.exited, {exitCode: 129, signal: 0});
		});
	});

	for (const [key, kind, message] of [
		['x', 'an uncaught exception', 'demo failure: x was pressed'],
		['r', 'an unhandled rejection', 'demo rejection: r was pressed'],
		['e', 'an error thrown while rendering', 'demo render error: e was pressed'],
	] as const) {
		test(`${kind} is printed after the screen is restored, exit 1`, async () => {
			await withDemo(
				async demo => {
					demo.press(key);
					assert.equal((await demo.exited).exitCode, 1);
					assert.ok(!demo.isAlternateScreen());
					assert.ok(!demo.isCursorHidden());
					assert.match(demo.screen(), new RegExp(`^Error: ${message}\n {4}at `), 'message and stack on the normal screen');
					// (Ink's own error screen shows it first, on the alternate screen, where it vanishes.)
					const raw = demo.raw();
					assert.ok(
						raw.slice(raw.lastIndexOf(`${ESC}[?1049l`)).includes(`Error: ${message}`),
						'printed after leaving the alternate screen',
					);
				},
				// Tall enough for the whole stack: nothing scrolls away.
				{rows: 60},
			);
		});
	}

	test('NO_COLOR=1 and CI=true: still drawn and resizable, without colour', async () => {
		await withDemo(
			async demo => {
				demo.resize(90, 24);
				await demo.waitFor('size 90x24');
				assert.doesNotMatch(demo.raw(), /\u001B\[[\d;]*m/, 'no SGR sequence at all');
				demo.press('q');
				assert.equal((await demo.exited).exitCode, 0);
			},
			{env: {NO_COLOR: '1', CI: 'true'}},
		);
	});

	test('stdin from a pipe: one line of advice on the terminal, exit 2, no stack', async () => {
		const demo = startInPty('sh', ['-c', `: | exec "${process.execPath}" --import tsx ${FIXTURE}`], {cwd: ROOT});
		try {
			assert.equal((await demo.exited).exitCode, 2);
			// One line, wrapped by the 80-column terminal.
			const lines = demo.screen().trimEnd().split('\n');
			assert.equal(lines.length, 2);
			assert.equal(lines.join(''), checkTerminal({isTTY: false}, {isTTY: true}));
			assert.ok(!demo.raw().includes(`${ESC}[?1049h`), 'never entered the alternate screen');
		} finally {
			demo.dispose();
		}
	});

	test('no terminal at all (pipes only): the same line on stderr, nothing on stdout, exit 2', () => {
		const result = spawnSync(process.execPath, ['--import', 'tsx', FIXTURE], {cwd: ROOT, encoding: 'utf8', input: ''});
		assert.equal(result.status, 2);
		assert.equal(result.stdout, '');
		assert.match(result.stderr, /^ham-tui: the console needs a terminal \(stdin and stdout are not TTYs\);[^\n]*\n$/);
	});
});
