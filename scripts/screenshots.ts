// npm run screenshots: real renders of the console, made by running the built program in a
// pseudo-terminal at 80x24 and drawing what the terminal shows as SVG (screenshots/*.svg).
// With rsvg-convert on the machine (Debian: librsvg2-bin) a PNG of each is written too.
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {runCli, tempDir} from '../test/helpers/cli.js';
import {openConsole} from '../test/helpers/console-pty.js';
import {keys, type PtySession} from '../test/helpers/pty.js';
import {screenToSvg} from '../test/helpers/svg.js';

const out = path.resolve('screenshots');
const now = '1069675200'; // 2003-11-24 12:00:00 UTC, a day in ham 1.0's life
const env = {HAM_TUI_NOW: now, TZ: 'UTC', NO_COLOR: undefined, FORCE_COLOR: undefined};

/** A machine with regions in every state: ENABLED, FAILED for lowmem, FAILED for good. */
function demoMachine(): string {
	const dir = tempDir();
	const state = path.join(dir, 'machine.json');
	const scenario = path.join(dir, 'demo.json');
	fs.writeFileSync(
		scenario,
		JSON.stringify({
			base: 'dl760-g2',
			name: 'dl760-g2',
			controller: {scrubSecondsPerGiB: 0, addressLimitBytes: '128G', slotBases: {8: '65024M'}},
			workload: {initial: 'normal'},
			plugged: [
				{slot: 2, size: '1G', mode: 'hot-add'},
				{slot: 3, size: '4G', mode: 'hot-add'},
				{slot: 4, size: '512M', mode: 'mirror'},
				{slot: 8, size: '1G', mode: 'hot-add'},
			],
		}),
	);
	const result = runCli(['--reset', '--scenario', scenario, '--state', state], {HAM_TUI_NOW: now});
	if (result.code !== 0) {
		throw new Error(result.stderr);
	}

	return state;
}

function save(session: PtySession, name: string, title: string): void {
	const svg = screenToSvg(session.term, {title});
	const file = path.join(out, `${name}.svg`);
	fs.writeFileSync(file, svg);
	const png = spawnSync('rsvg-convert', ['-o', path.join(out, `${name}.png`), file]);
	console.log(`${file}${png.status === 0 ? ' (+ .png)' : ''}`);
}

async function scene(name: string, title: string, act: (session: PtySession) => Promise<void>) {
	const session = await openConsole(demoMachine(), {env});
	try {
		await act(session);
		save(session, name, title);
		// Ctrl-C quits from any form (q only closes a form).
		session.press('\u0003');
		await session.exited;
	} finally {
		session.dispose();
	}
}

fs.mkdirSync(out, {recursive: true});
await scene('overview', 'ham-tui: overview', async session => {
	session.press('j');
	await session.waitFor('›  1 0x160000000');
});
await scene('plug-form', 'ham-tui: p, the plug form, and the controller refusing a busy slot', async session => {
	session.press('p');
	await session.waitFor('Plug a module');
	session.press('3');
	session.press(keys.enter);
	await session.waitFor('refused: slot 3 is busy');
});
await scene('retry-loop', 'ham-tui: r, the integrate retry loop, mid-run', async session => {
	session.press('r');
	await session.waitFor('Integrate retry loop');
	session.press(keys.enter);
	await session.waitFor('attempt 1 of 10 done');
	session.press('j');
	await session.waitFor('›  1 0x160000000');
});
await scene('help', 'ham-tui: ?, every key', async session => {
	session.press('?');
	await session.waitFor('Keys · ? or Esc closes');
});
await scene('detail', 'ham-tui: Enter on a FAILED region, its whole text', async session => {
	session.press('j');
	await session.waitFor('›  1 0x160000000');
	session.press(keys.enter);
	await session.waitFor('Region 1');
});
await scene('integrate-many', 'ham-tui: i with more outcomes than rows: counted, and every one in the log', async session => {
	session.press('w');
	session.press('h');
	await session.waitFor('Workload at');
	session.press('i');
	await session.waitFor('Integrate at');
});
