// npm run screenshots: real renders of the console, made by running the built program in a
// pseudo-terminal at 80x24 and drawing what the terminal shows as SVG (screenshots/*.svg).
// With rsvg-convert on the machine (Debian: librsvg2-bin) a PNG of each is written too.
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {runCli, tempDir} from '../test/helpers/cli.js';
import {openConsole, openConsoleWith} from '../test/helpers/console-pty.js';
import {keys, type PtySession} from '../test/helpers/pty.js';
import {screenToSvg} from '../test/helpers/svg.js';
import {writeMachineFiles} from '../test/helpers/sysfs-machine.js';
import {makeMemoryTree, run} from '../test/helpers/sysfs-tree.js';

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

/** One screenshot: the console opened by `open`, the keys of `act`, then Ctrl-C (q only closes a form). */
async function shoot(open: () => Promise<PtySession>, name: string, title: string, act: (session: PtySession) => Promise<void>) {
	const session = await open();
	try {
		await act(session);
		save(session, name, title);
		session.press('\u0003');
		await session.exited;
	} finally {
		session.dispose();
	}
}

function scene(name: string, title: string, act: (session: PtySession) => Promise<void>) {
	return shoot(() => openConsole(demoMachine(), {env}), name, title, act);
}

/**
 * A two-node VM after two hot-adds, as the kernel test's guest shows them: 1G of boot memory on
 * node 0 and 512M on node 1, a 1G DIMM (ACPI) nobody onlined yet, 512M online Movable on node 1.
 */
function hotAddedVm(): string {
	// A fixed name: the header shows the sysroot, and a screenshot must not show a random one.
	const sysroot = path.join(os.tmpdir(), 'vm-after-hot-add');
	fs.rmSync(sysroot, {recursive: true, force: true});
	const block = 128 * 2 ** 20;
	makeMemoryTree(sysroot, {
		blocks: [
			...run(0, 8),
			...run(8, 8, {state: 'offline', zones: 'Normal Movable'}),
			...run(16, 4, {node: 1}),
			...run(20, 4, {node: 1, zones: 'Movable'}),
		],
	});
	writeMachineFiles(sysroot, {
		memmap: [
			{start: 0, end: 8 * block - 1, type: 'System RAM'},
			{start: 16 * block, end: 20 * block - 1, type: 'System RAM'},
		],
		iomem: `00000000-3fffffff : System RAM\n40000000-bfffffff : System RAM\n`,
		firmwareNodes: Object.fromEntries([...run(8, 8), ...run(20, 4)].map(({index}) => [index, index < 16 ? 'PNP0C80:00' : 'PNP0C80:01'])),
		params: {auto_movable_ratio: '301', auto_movable_numa_aware: 'Y', online_policy: 'contig-zones', memmap_on_memory: 'N'},
		meminfo: {totalKiB: 2048 * 1024, freeKiB: 1200 * 1024, availableKiB: 1300 * 1024},
	});
	return sysroot;
}

/** The console on a generated real machine, ready for keys. */
function sysfsScene(name: string, title: string, act: (session: PtySession) => Promise<void>) {
	const audit = path.join(os.tmpdir(), 'vm-after-hot-add.audit.log');
	return shoot(() => openConsoleWith(['--sysroot', hotAddedVm()], {env: {...env, HAM_TUI_AUDIT_LOG: audit}}), name, title, act);
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
await sysfsScene('sysfs-zones', 'ham-tui --sysfs: before i acts, the zone each offline range goes to, and why', async session => {
	session.press('j');
	await session.waitFor('range 8: OFFLINE');
});
await sysfsScene(
	'sysfs-offline',
	"ham-tui --sysfs: o on node 1's Movable DIMM, after the checks: the question, default No",
	async session => {
		for (const _ of [1, 2, 3]) {
			session.press('j');
		}

		await session.waitFor('range 20: ENABLED');
		session.press('o');
		await session.waitFor('[y/N]');
	},
);

// The console in front of a real VM: the guest of `npm run vm` (its DIR in HAM_SCREENSHOT_VM),
// which only a machine with QEMU and a minute to boot it has; without it this one is skipped.
const vmDir = process.env.HAM_SCREENSHOT_VM;
if (vmDir) {
	const sockets = ['--qmp', path.join(vmDir, 'qmp.sock'), '--qga', path.join(vmDir, 'qga.sock')];
	await shoot(
		() => openConsoleWith(sockets, {env}),
		'vm-console',
		'ham-tui --qmp --qga: a DIMM plugged with p into the throwaway guest (npm run vm), onlined through its agent with i',
		async session => {
			await session.waitFor(/guest +\d+ online/, 20_000);
			session.press('p');
			await session.waitFor('Plug a memory device');
			session.press(keys.enter);
			await session.waitFor(/OFFLINE +blocks \d+-\d+, ham-dimm-\d/, 60_000);
			session.press(keys.escape);
			session.press('i');
			await session.waitFor(/ENABLED +blocks \d+-\d+, ham-dimm-\d/, 30_000);
		},
	);
} else {
	console.log('vm-console: skipped (HAM_SCREENSHOT_VM=DIR of a running `npm run vm -- --dir DIR` makes it)');
}
