// Bad and hostile input, all of it: every flag's bad values (one clear line, exit 2, nothing
// changed), state and scenario files that cannot be used (exit 3, the file named with the problem
// and left as it is; --reset keeps a bad state file aside), and text from files that tries to
// write escape sequences to the terminal (it never does, in any output). The console's side of the
// last point is in test/console.test.tsx's neighbour below (rendered with ink-testing-library).
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {describe, test} from 'node:test';
import {simulatedSnapshot} from '../source/machine/simulated.js';
import {simulatedSource} from '../source/machine/source.js';
import {createMachine, step} from '../source/model/machine.js';
import {presets} from '../source/model/presets.js';
import {machineReport} from '../source/model/report.js';
import type {MachineSpec} from '../source/model/spec.js';
import {GiB} from '../source/model/units.js';
import {FileProblem, writeMachine} from '../source/store/store.js';
import {cliPath, runProcess, tempDir} from './helpers/cli.js';
import {startConsole} from './helpers/console.js';
import {assertNoControl} from './helpers/no-control.js';

const now = 1_000_000;
const stamp = new Date(now * 1000).toISOString().replaceAll(':', '-');

type Result = {code: number | null; stdout: string; stderr: string};

/** The built CLI as a process, with the clock fixed; `as` runs it as another user (setpriv). */
function cli(args: string[], {env = {}, as}: {env?: Record<string, string>; as?: number} = {}): Promise<Result> {
	const command = as === undefined ? process.execPath : 'setpriv';
	const prefix = as === undefined ? [] : [`--reuid=${as}`, `--regid=${as}`, '--clear-groups', '--', process.execPath];
	return runProcess(command, [...prefix, cliPath, ...args], {HAM_TUI_NOW: String(now), ...env});
}

/** Whatever is at a path, to compare before and after: type, inode, times, content or target. */
function fingerprint(file: string): string {
	let stat: fs.Stats;
	try {
		stat = fs.lstatSync(file);
	} catch {
		return 'absent';
	}

	const content = stat.isSymbolicLink()
		? `-> ${fs.readlinkSync(file)}`
		: stat.isFile() && stat.size < 1_000_000
			? fs.readFileSync(file, 'base64')
			: `${stat.size} bytes`;
	return `${stat.mode.toString(8)} ${stat.ino} ${stat.mtimeMs} ${content}`;
}

/** A directory with a valid state file in it (a machine with a 1G module in slot 2). */
function stateDir(): {dir: string; state: string} {
	const dir = tempDir();
	const state = path.join(dir, 'machine.json');
	const machine = createMachine(presets['dl760-g2']!, 2003, now);
	writeMachine(state, step(machine, {type: 'plug', slot: 2, size: GiB, mode: 'hot-add'}, now).machine);
	return {dir, state};
}

const isRoot = process.getuid?.() === 0;
const setpriv = spawnSync('setpriv', ['--version']).status === 0;
/** Who to run the permission cases as: root reads anything, so root runs them as nobody. */
const otherUser = isRoot ? (setpriv ? 65_534 : undefined) : undefined;
const permissionSkip =
	isRoot && !setpriv
		? 'running as root without setpriv (util-linux): a mode of 000 does not stop root, and there is no other user to run as'
		: false;

// ---------------------------------------------------------------------------------------------
// Flags and arguments.

type FlagCase = [args: string[], message: RegExp, env?: Record<string, string>];

const flagCases: FlagCase[] = [
	// --plug SLOT:SIZE[:MODE]
	[['--plug', ''], /--plug takes SLOT:SIZE/],
	[['--plug', '2'], /--plug takes SLOT:SIZE/],
	[['--plug', '2:1G:hot-add:x'], /--plug takes SLOT:SIZE/],
	[['--plug', ':1G'], /SLOT must be a whole number/],
	[['--plug', 'x:1G'], /SLOT must be a whole number, not "x"/],
	[['--plug=-x:1G'], /SLOT must be a whole number, not "-x"/],
	[['--plug', '-1:1G'], /unknown flag/], // Without "=", a value starting with - reads as a flag.
	[['--plug', '1.5:1G'], /SLOT must be a whole number/],
	[['--plug', '99999999999999999999:1G'], /SLOT 99999999999999999999 is too large/],
	[['--plug', '2:'], /"" is not a size/],
	[['--plug', '2:0'], /size "0" is zero/],
	[['--plug', '2:0G'], /size "0G" is zero/],
	[['--plug', '2:-1G'], /"-1G" is not a size/],
	[['--unplug=2.5'], /SLOT must be a whole number, not "2\.5"/],
	[['--plug', '2:1.5G'], /"1.5G" is not a size/],
	[['--plug', '2:99999999999T'], /size "99999999999T" is too large/],
	[['--plug', '2:1X'], /"1X" is not a size/],
	[['--plug', '2:G'], /"G" is not a size/],
	[['--plug', '2:1e9'], /"1e9" is not a size/],
	[['--plug', '2:0x40000000'], /"0x40000000" is not a size/],
	[['--plug', '2:1G:turbo'], /unknown module mode "turbo": hot-add or mirror/],
	[['--plug', '2:1G:'], /unknown module mode "": hot-add or mirror/],
	[['--plug', '2:1G\u001B[31m'], /is not a size/],
	[['--plug', '2:1G', '--plug', '3:1G'], /can only be set once/],
	// --unplug SLOT
	[['--unplug', ''], /SLOT must be a whole number, not ""/],
	[['--unplug', '-1.0'], /SLOT must be a whole number/],
	[['--unplug', '1.0'], /SLOT must be a whole number/],
	[['--unplug', '2 3'], /SLOT must be a whole number/],
	[['--unplug', 'two'], /SLOT must be a whole number/],
	[['--unplug', '99999999999999999999'], /SLOT 99999999999999999999 is too large/],
	// --driver, --workload, --boot
	[['--driver', ''], /--driver takes start, stop or reinstall, not ""/],
	[['--driver', 'restart'], /--driver takes start, stop or reinstall, not "restart"/],
	[['--driver', 'START'], /--driver takes start, stop or reinstall/],
	[['--driver', 'start;reboot'], /--driver takes start, stop or reinstall/],
	[['--workload', ''], /--workload takes drop-caches/],
	[['--workload', 'crazy'], /--workload takes drop-caches, idle, normal, heavy or peak, not "crazy"/],
	[['--workload', 'drop_caches'], /--workload takes drop-caches/],
	[['--workload', 'Idle'], /--workload takes drop-caches/],
	[['--boot', ''], /--boot needs a kernel version/],
	[['--boot', 'a b'], /--boot needs a kernel version/],
	[['--boot', '$(reboot)'], /--boot needs a kernel version/],
	[['--boot', '../../etc'], /--boot needs a kernel version/],
	[['--boot', 'x'.repeat(65)], /--boot needs a kernel version/],
	[['--boot', '2.4\u001B[31m\u009B2J'], /--boot needs a kernel version/],
	// --integrate --attempts N --interval S
	[['--integrate', '--attempts', '0'], /--attempts must be from 1 to 1000, not 0/],
	[['--integrate', '--attempts', '1001'], /--attempts must be from 1 to 1000/],
	[['--integrate', '--attempts', '-1'], /--attempts must be from 1 to 1000, not -1$/m],
	[['--integrate', '--attempts', '1.5'], /--attempts must be a whole number/],
	[['--integrate', '--attempts', '1e3'], /--attempts must be a whole number/],
	[['--integrate', '--attempts', 'many'], /--attempts must be a whole number/],
	[['--integrate', '--attempts', ''], /--attempts must be a whole number/],
	[['--integrate', '--interval', '-5'], /--interval must be a number of seconds from 0 to 86400, not -5$/m],
	[['--integrate', '--interval', '86401'], /--interval must be a number of seconds/],
	[['--integrate', '--interval', 'NaN'], /--interval must be a number of seconds/],
	[['--integrate', '--interval', 'Infinity'], /--interval must be a number of seconds/],
	[['--integrate', '--interval', ''], /--interval must be a number of seconds/],
	[['--integrate', '--interval', 'soon'], /--interval must be a number of seconds/],
	// --reset --seed N --preset NAME --scenario FILE
	[['--reset', '--seed', '-1'], /--seed must be from 0 to 4294967295, not -1$/m],
	[['--reset', '--seed', '4294967296'], /--seed must be from 0 to 4294967295/],
	[['--reset', '--seed', '1.5'], /--seed must be a whole number/],
	[['--reset', '--seed', '0x10'], /--seed must be a whole number/],
	[['--reset', '--seed', ''], /--seed must be a whole number/],
	[['--reset', '--preset', ''], /unknown preset ""/],
	[['--reset', '--preset', 'vax'], /unknown preset "vax" \(presets: dl760-g2, x86_64\)/],
	[['--reset', '--preset', '__proto__'], /unknown preset "__proto__"/],
	[['--reset', '--preset', 'toString'], /unknown preset "toString"/],
	[['--reset', '--preset', 'x86_64', '--scenario', 'a.json'], /--preset and --scenario cannot be used together/],
	[['--reset', '--scenario', ''], /--scenario needs a path/],
	// Combinations, modifiers without their action, stray arguments, unknown flags.
	[['--status', '--plug', '2:1G'], /cannot be used together: one action at a time/],
	[['--integrate', '--reset'], /cannot be used together/],
	[['--attempts', '3'], /--attempts goes with --integrate/],
	[['--interval', '3'], /--interval goes with --integrate/],
	[['--seed', '3'], /--seed goes with --reset/],
	[['--preset', 'x86_64'], /--preset goes with --reset/],
	[['--scenario', 'a.json'], /--scenario goes with --reset/],
	[['--plug', '2:1G', '--seed', '1'], /--seed goes with --reset/],
	[['--status', 'extra'], /unexpected argument "extra"/],
	[['--bogus'], /unknown flag "--bogus"/],
	[['--state'], /--state needs a path/],
	// The real-machine flags (docs/SYSFS.md): only the combinations that can never make sense.
	[['--all'], /--all works on a real machine/],
	[['--dry-run'], /--dry-run works on a real machine/],
	[['--sysroot', ''], /--sysroot needs a directory/],
	[['--sysfs', '--plug', '2:1G'], /--plug works on the simulated machine only/],
	[['--sysfs', '--state', 'x.json', '--status'], /--state is the simulated machine's file/],
	// HAM_TUI_NOW, the clock.
	[['--plug', '2:1G'], /HAM_TUI_NOW must be seconds since the epoch, from 0 to \d+, not "yesterday"/, {HAM_TUI_NOW: 'yesterday'}],
	[['--plug', '2:1G'], /HAM_TUI_NOW must be seconds since the epoch/, {HAM_TUI_NOW: '-1'}],
	[['--plug', '2:1G'], /HAM_TUI_NOW must be seconds since the epoch/, {HAM_TUI_NOW: 'Infinity'}],
	[['--plug', '2:1G'], /HAM_TUI_NOW must be seconds since the epoch/, {HAM_TUI_NOW: 'NaN'}],
	[['--plug', '2:1G'], /HAM_TUI_NOW must be seconds since the epoch/, {HAM_TUI_NOW: '1e400'}],
	[['--plug', '2:1G'], /HAM_TUI_NOW must be seconds since the epoch/, {HAM_TUI_NOW: '1e9'}],
	[['--plug', '2:1G'], /HAM_TUI_NOW must be seconds since the epoch/, {HAM_TUI_NOW: '0x10'}],
	[['--reset'], /HAM_TUI_NOW must be seconds since the epoch, from 0 to/, {HAM_TUI_NOW: '100000000000000000000'}],
	[['--status'], /HAM_TUI_NOW must be seconds since the epoch/, {HAM_TUI_NOW: '99999999999999'}],
	[['--plug', '2:1G'], /HAM_TUI_NOW must be seconds since the epoch/, {HAM_TUI_NOW: '12\u001B[31m'}],
];

describe("every flag's bad values: one clear line, exit 2, nothing changed", {concurrency: 4}, () => {
	const {state} = stateDir();
	const before = fingerprint(state);
	for (const [args, message, env] of flagCases) {
		test(`${
			env
				? Object.entries(env)
						.map(([key, value]) => `${key}=${JSON.stringify(value)} `)
						.join('')
				: ''
		}${args.map(arg => JSON.stringify(arg)).join(' ')}`, async () => {
			const withState = args.includes('--state') || args.includes('--sysfs') ? args : [...args, '--state', state];
			const result = await cli(withState, {env});
			assert.equal(result.code, 2, result.stderr);
			assert.equal(result.stdout, '');
			assert.match(result.stderr, message);
			const lines = result.stderr.trimEnd().split('\n');
			assert.ok(
				lines.length <= 2 && !result.stderr.includes('    at '),
				`one line (and the pointer to --help), no stack:\n${result.stderr}`,
			);
			assertNoControl(result.stderr, 'the error');
			assert.equal(fingerprint(state), before, 'the state file is untouched');
		});
	}
});

// ---------------------------------------------------------------------------------------------
// State files that cannot be used.

type BadState = {
	what: string;
	make: (state: string, dir: string) => void;
	message: RegExp;
	/** --reset cannot help (the path itself is impossible): it fails the same way. */
	resetFails?: boolean;
	/** Not a regular file: --reset refuses it too, and leaves it where and as it is. */
	notRegular?: boolean;
	as?: number;
	skip?: string | false;
};

const truncatedState = () => {
	const machine = createMachine(presets['dl760-g2']!, 2003, now);
	const text = JSON.stringify(machine);
	return text.slice(0, Math.floor(text.length / 2));
};

const badStates: BadState[] = [
	{
		what: 'garbage',
		make: state => fs.writeFileSync(state, 'not json at all'),
		message: /the state file is not valid JSON .*truncated or damaged/,
	},
	{
		what: 'binary noise',
		make: state => fs.writeFileSync(state, Buffer.from(Array.from({length: 4096}, (_, index) => (index * 7919) % 256))),
		message: /not valid JSON/,
	},
	{
		what: 'garbage with escape sequences in it',
		make: state => fs.writeFileSync(state, '\u001B[2J\u001B]0;pwned\u0007{\u009B31m'),
		message: /not valid JSON/,
	},
	{what: 'truncated mid-write', make: state => fs.writeFileSync(state, truncatedState()), message: /not valid JSON .*truncated or damaged/},
	{what: 'empty', make: state => fs.writeFileSync(state, ''), message: /the state file is empty/},
	{what: 'only whitespace', make: state => fs.writeFileSync(state, ' \n\t\n'), message: /the state file is empty/},
	{
		what: 'of a newer format',
		make: state => fs.writeFileSync(state, JSON.stringify({format: 9, spec: {}})),
		message: /written by a newer ham-tui \(state format 9; this one reads 2\)/,
	},
	{what: 'JSON of the wrong type (an array)', make: state => fs.writeFileSync(state, '[1, 2, 3]'), message: /not a ham-tui state file/},
	{what: 'JSON of the wrong type (null)', make: state => fs.writeFileSync(state, 'null'), message: /not a ham-tui state file/},
	{what: 'the wrong shape', make: state => fs.writeFileSync(state, '{"format": 1, "seed": "x"}'), message: /not a ham-tui state file/},
	{
		what: 'a state the real system could not be in (ENABLED over the PCI hole)',
		make: state => {
			const machine = createMachine(
				{...presets['dl760-g2']!, controller: {...presets['dl760-g2']!.controller, scrubSecondsPerGiB: 0}},
				2003,
				now,
			);
			const plugged = step(
				step(machine, {type: 'workload', op: 'idle'}, now).machine,
				{type: 'plug', slot: 2, size: GiB, mode: 'hot-add'},
				now,
			).machine;
			assert.equal(plugged.regions[0]?.status, 'ENABLED');
			plugged.regions[0]!.start = 3.5 * GiB;
			plugged.slots[1]!.module!.start = 3.5 * GiB;
			fs.writeFileSync(state, JSON.stringify(plugged));
		},
		message: /inconsistent: region 0 is ENABLED over "(PCI Bus|boot System RAM)"/,
	},
	{
		what: 'a time past the year 9999',
		make: state => {
			const machine = createMachine(presets['dl760-g2']!, 2003, now);
			fs.writeFileSync(state, JSON.stringify({...machine, now: 1e300}));
		},
		message: /now: past the year 9999/,
	},
	{
		what: 'a directory',
		make: state => fs.mkdirSync(state),
		message: /the state file is not a regular file \(a directory\); ham-tui leaves it alone/,
		notRegular: true,
	},
	{
		what: 'a directory with files in it (a home directory given by mistake)',
		make: state => {
			fs.mkdirSync(state);
			fs.writeFileSync(path.join(state, '.bashrc'), 'keep me');
		},
		message: /not a regular file \(a directory\)/,
		notRegular: true,
	},
	{
		what: 'a symbolic link to a state file elsewhere',
		make: (state, dir) => {
			const elsewhere = path.join(dir, 'elsewhere.json');
			writeMachine(elsewhere, createMachine(presets['dl760-g2']!, 1, now));
			fs.symlinkSync(elsewhere, state);
		},
		message: /the state file is a symbolic link \(to .*elsewhere\.json\); ham-tui only uses a regular file there/,
		notRegular: true,
	},
	{
		what: 'a dangling symbolic link',
		make: state => fs.symlinkSync('/nonexistent/machine.json', state),
		message: /is a symbolic link \(to \/nonexistent\/machine\.json\)/,
		notRegular: true,
	},
	{
		what: 'a symbolic link to /dev/null',
		make: state => fs.symlinkSync('/dev/null', state),
		message: /is a symbolic link \(to \/dev\/null\)/,
		notRegular: true,
	},
	{
		what: 'a named pipe (reading it would block)',
		make: state => {
			assert.equal(spawnSync('mkfifo', [state]).status, 0);
		},
		message: /not a regular file \(a FIFO\)/,
		notRegular: true,
	},
	{
		what: 'a character device (as /dev/null is)',
		make: state => {
			assert.equal(spawnSync('mknod', [state, 'c', '1', '3']).status, 0);
		},
		message: /not a regular file \(a device\)/,
		notRegular: true,
		skip: process.getuid?.() === 0 ? false : 'mknod needs root',
	},
	{
		what: 'a socket',
		make: state => {
			assert.equal(spawnSync('python3', ['-c', `import socket; socket.socket(socket.AF_UNIX).bind(${JSON.stringify(state)})`]).status, 0);
		},
		message: /not a regular file \(a socket\)/,
		notRegular: true,
	},
	{
		what: 'too large to be one (129 MiB)',
		make: state => {
			fs.writeFileSync(state, '{');
			fs.truncateSync(state, 129 * 1024 * 1024);
		},
		message: /the state file is 135266304 bytes, too large to be one/,
	},
	{
		what: 'unreadable (permissions)',
		make: (state, dir) => {
			// Written as a plain file: no lock directory of root's in the way of the other user.
			fs.writeFileSync(state, JSON.stringify(createMachine(presets['dl760-g2']!, 1, now)));
			fs.chmodSync(state, 0o000);
			fs.chmodSync(dir, 0o777); // The other user may keep it aside, and write the new machine.
		},
		message: /cannot read the state file: permission denied \(EACCES\)/,
		as: otherUser,
		skip: permissionSkip,
	},
	{
		what: 'under a path that is not a directory',
		make: (_state, dir) => fs.writeFileSync(path.join(dir, 'file'), 'x'),
		message: /not a directory/,
		resetFails: true,
	},
];

describe('state files that cannot be used: exit 3, the file named with the problem, left as it is', {concurrency: 2}, () => {
	for (const bad of badStates) {
		test(bad.what, {skip: bad.skip ?? false}, async () => {
			const dir = tempDir();
			const state = bad.resetFails ? path.join(dir, 'file', 'machine.json') : path.join(dir, 'machine.json');
			bad.make(state, dir);
			const before = fingerprint(state);
			const elsewhere = fingerprint(path.join(dir, 'elsewhere.json'));
			for (const args of [['--status'], ['--json'], ['--plug', '2:1G'], ['--integrate'], ['--driver', 'stop']]) {
				const result = await cli([...args, '--state', state], {as: bad.as});
				assert.equal(result.code, 3, `${args.join(' ')}: ${result.stderr}`);
				assert.equal(result.stdout, '');
				assert.ok(result.stderr.startsWith(`ham-tui: ${state}: `), result.stderr);
				assert.match(result.stderr, bad.message);
				assertNoControl(result.stderr, 'the message');
				assert.ok(!result.stderr.includes('    at '), result.stderr);
				assert.equal(fingerprint(state), before, `${args.join(' ')} left the file as it was`);
			}

			assert.equal(fingerprint(path.join(dir, 'elsewhere.json')), elsewhere, "a symbolic link's target is never touched");
			const reset = await cli(['--reset', '--state', state], {as: bad.as});
			if (bad.resetFails || bad.notRegular) {
				assert.equal(reset.code, 3);
				assert.match(reset.stderr, bad.message);
				assert.doesNotMatch(reset.stderr, /--reset keeps it aside/, 'no advice that cannot work');
				assert.equal(fingerprint(state), before, '--reset left it where and as it was');
				assert.deepEqual(
					fs.readdirSync(dir).filter(name => name.startsWith('machine.json.')),
					[],
					'nothing moved aside, no lock made beside it',
				);
				return;
			}

			// --reset keeps the bad file aside, named with the time, and starts a new machine.
			assert.equal(reset.code, 0, reset.stderr);
			const aside = `${state}.bad-${stamp}`;
			assert.match(reset.stderr, new RegExp(`kept as ${aside.replaceAll('.', '\\.')}`));
			assert.equal(fingerprint(aside), before, 'kept as it was: same inode, times and content');
			assert.equal((await cli(['--status', '--state', state], {as: bad.as})).code, 0);
			// A second bad file at the same second does not replace the first one kept.
			fs.rmSync(state);
			fs.writeFileSync(state, 'again');
			fs.chmodSync(state, 0o666);
			const second = await cli(['--reset', '--state', state], {as: bad.as});
			assert.equal(second.code, 0, second.stderr);
			assert.match(second.stderr, /kept as .*\.bad-[^ ]+-2\n/);
			assert.equal(fingerprint(aside), before);
		});
	}

	test('the console refuses a bad state file the same way, and leaves it', () => {
		const dir = tempDir();
		const state = path.join(dir, 'machine.json');
		fs.writeFileSync(state, '{"format": 1, "spec"');
		const before = fingerprint(state);
		assert.throws(
			() => simulatedSource(state).poll(now),
			(error: unknown) => error instanceof FileProblem && error.file === state && /not valid JSON/.test(error.message),
		);
		assert.equal(fingerprint(state), before);
	});

	test('a state directory this user cannot write: --status still reads it, a change is refused with exit 3', {
		skip: permissionSkip,
	}, async () => {
		const {dir, state} = stateDir();
		fs.rmSync(`${state}.lock`, {recursive: true});
		fs.chmodSync(state, 0o644);
		fs.chmodSync(dir, 0o555);
		const before = fingerprint(state);
		try {
			const status = await cli(['--status', '--state', state], {as: otherUser});
			assert.equal(status.code, 0, status.stderr);
			assert.match(status.stdout, /^0\t0x120000000\t1073741824\tWRITE\tFAILED\n$/);
			const plug = await cli(['--plug', '3:1G', '--state', state], {as: otherUser});
			assert.equal(plug.code, 3, plug.stderr);
			assert.match(plug.stderr, new RegExp(`^ham-tui: ${state}: cannot change the state file: permission denied \\(EACCES\\)`));
			assert.equal(fingerprint(state), before);
		} finally {
			fs.chmodSync(dir, 0o755);
		}
	});
});

// ---------------------------------------------------------------------------------------------
// Scenario files that cannot be used.

const badScenarios: Array<{what: string; make: (file: string, dir: string) => void; message: RegExp; as?: number; skip?: string | false}> =
	[
		{what: 'garbage', make: file => fs.writeFileSync(file, 'base: dl760'), message: /the scenario file is not valid JSON/},
		{
			what: 'truncated',
			make: file => fs.writeFileSync(file, '{"base": "dl760-g2", "controller": {"slo'),
			message: /not valid JSON .*truncated/,
		},
		{what: 'empty', make: file => fs.writeFileSync(file, ''), message: /the scenario file is empty/},
		{what: 'missing', make: () => undefined, message: /no such scenario file/},
		{what: 'a directory', make: file => fs.mkdirSync(file), message: /the scenario file is not a regular file \(a directory\)/},
		{
			what: 'a symbolic link',
			make: (file, dir) => {
				fs.writeFileSync(path.join(dir, 'real.json'), '{"base": "x86_64"}');
				fs.symlinkSync(path.join(dir, 'real.json'), file);
			},
			message: /the scenario file is a symbolic link \(to .*real\.json\)/,
		},
		{
			what: 'a named pipe',
			make: file => {
				assert.equal(spawnSync('mkfifo', [file]).status, 0);
			},
			message: /not a regular file \(a FIFO\)/,
		},
		{
			what: 'too large',
			make: file => {
				fs.writeFileSync(file, '{');
				fs.truncateSync(file, 200 * 1024 * 1024);
			},
			message: /too large to be one/,
		},
		{
			what: 'unreadable (permissions)',
			make: file => {
				fs.writeFileSync(file, '{"base": "x86_64"}');
				fs.chmodSync(file, 0o000);
			},
			message: /cannot read the scenario file: permission denied \(EACCES\)/,
			as: otherUser,
			skip: permissionSkip,
		},
		{what: 'JSON of the wrong type', make: file => fs.writeFileSync(file, '"dl760-g2"'), message: /a scenario is a JSON object/},
		{
			what: 'of a format this ham-tui does not know',
			make: file => fs.writeFileSync(file, '{"format": 2, "base": "dl760-g2"}'),
			message: /invalid scenario: format: /,
		},
		{
			what: 'an unknown field',
			make: file => fs.writeFileSync(file, '{"base": "dl760-g2", "kernel": {"colour": "blue"}}'),
			message: /invalid scenario: kernel\.colour: /,
		},
		{
			what: 'a negative size',
			make: file => fs.writeFileSync(file, '{"base": "dl760-g2", "controller": {"moduleSizes": ["-1G"]}}'),
			message: /controller\.moduleSizes\.0: not a valid size/,
		},
		{
			what: 'a module plugged into one slot twice',
			make: file =>
				fs.writeFileSync(
					file,
					JSON.stringify({
						base: 'dl760-g2',
						plugged: [
							{slot: 2, size: '1G', mode: 'hot-add'},
							{slot: 2, size: '2G', mode: 'hot-add'},
						],
					}),
				),
			message: /plugged: slot 2 is listed twice/,
		},
		{
			what: 'a module of a size the controller does not take',
			make: file => fs.writeFileSync(file, JSON.stringify({base: 'dl760-g2', plugged: [{slot: 2, size: '3G', mode: 'hot-add'}]})),
			message: /plugged: slot 2's size 3221225472 is not one of controller\.moduleSizes/,
		},
		{
			what: 'a machine that could not boot (vmalloc)',
			make: file => fs.writeFileSync(file, '{"base": "dl760-g2", "kernel": {"vmallocBytes": "32M"}}'),
			message: /kernel\.vmallocBootUsedBytes: more than kernel\.vmallocBytes/,
		},
		{
			what: 'a machine that could not boot (lowmem)',
			make: file => fs.writeFileSync(file, '{"base": "dl760-g2", "kernel": {"reservedLowmemBytes": "900M"}}'),
			message: /kernel\.reservedLowmemBytes: with the boot memory's mem_map/,
		},
		{
			what: 'overlapping boot RAM',
			make: file =>
				fs.writeFileSync(file, '{"base": "dl760-g2", "boot": {"ram": [{"start": 0, "size": "2G"}, {"start": "1G", "size": "2G"}]}}'),
			message: /boot\.ram: RAM ranges overlap/,
		},
		{
			what: 'a name that is too long',
			make: file => fs.writeFileSync(file, JSON.stringify({base: 'dl760-g2', name: 'n'.repeat(65)})),
			message: /name: longer than 64 characters/,
		},
	];

describe('scenario files that cannot be used: exit 3, named with the problem, nothing changed', {concurrency: 2}, () => {
	for (const bad of badScenarios) {
		test(bad.what, {skip: bad.skip ?? false}, async () => {
			const {dir, state} = stateDir();
			const file = path.join(dir, 'scenario.json');
			bad.make(file, dir);
			const before = [fingerprint(file), fingerprint(state)];
			const result = await cli(['--reset', '--scenario', file, '--state', state], {as: bad.as});
			assert.equal(result.code, 3, result.stderr);
			assert.equal(result.stdout, '');
			assert.ok(result.stderr.startsWith(`ham-tui: ${file}: `), result.stderr);
			assert.match(result.stderr, bad.message);
			assert.ok(result.stderr.trimEnd().split('\n').length === 1, result.stderr);
			assert.deepEqual([fingerprint(file), fingerprint(state)], before);
		});
	}
});

// ---------------------------------------------------------------------------------------------
// Escape sequences in text from files.

/** Clear screen, set the window title, a C1 CSI, a bell, DEL, a newline to forge a line. */
const evil = (word: string) => `${word}\u001B[2J\u001B]0;pwned\u0007\u009B31m\u0085\u007F\nFAKE\tline`;

function evilSpec(): MachineSpec {
	const base = structuredClone(presets['dl760-g2']!);
	return {
		...base,
		name: evil('name'),
		description: evil('description'),
		kernel: {...base.kernel, version: evil('kernel')},
		driver: {builtFor: evil('kernel'), loaded: true},
		controller: {...base.controller, name: evil('controller'), scrubSecondsPerGiB: 0, slotBases: {'3': 6 * GiB}},
		boot: {...base.boot, resources: [...base.boot.resources, {name: evil('firmware'), start: 6 * GiB, size: 16 * 1024 * 1024}]},
		plugged: [{slot: 2, size: GiB, mode: 'hot-add', label: evil('label')}],
	};
}

/** Every string in a value, for the output side of the rule. */
function allText(value: unknown): string {
	// JSON escapes C0 controls (tabs and newlines too: no field here may hold one); count them again.
	return JSON.stringify(value).replaceAll(/\\u00[01][\da-f]|\\[nrtbf]/gi, '\u001B');
}

describe('text from files never writes control characters to the terminal', () => {
	test('a scenario full of escape sequences: every one-shot output is clean', async () => {
		const dir = tempDir();
		const state = path.join(dir, 'machine.json');
		const file = path.join(dir, 'evil.json');
		fs.writeFileSync(file, JSON.stringify({...evilSpec(), name: evil('name').slice(0, 60)}));
		const outputs: Array<[string, Result]> = [];
		const run = async (...args: string[]) => {
			const result = await cli([...args, '--state', state]);
			outputs.push([args.join(' '), result]);
			return result;
		};

		const reset = await run('--reset', '--scenario', file);
		assert.equal(reset.code, 0, reset.stderr);
		assert.match(reset.stdout, /new machine: name\uFFFD\[2J\uFFFD\]0;pwned\uFFFD\uFFFD31m/);
		await run('--status');
		const json = await run('--json');
		assert.match(json.stdout, /"name": "name\uFFFD\[2J/);
		const conflict = await run('--plug', '3:1G');
		assert.match(conflict.stdout, /range conflicts with "firmware\uFFFD\[2J/);
		await run('--integrate');
		await run('--driver', 'stop');
		await run('--driver', 'start');
		await run('--boot', '2.6.0');
		await run('--driver', 'reinstall');
		await run('--unplug', '3');
		await run('--json');
		for (const [what, result] of outputs) {
			assertNoControl(result.stdout, `stdout of ${what}`);
			assertNoControl(result.stderr, `stderr of ${what}`);
			assert.ok(!/\nFAKE/.test(result.stdout + result.stderr), `${what}: a newline from a file forged a line`);
		}
	});

	test('a state file edited to hold escape sequences (log, labels, reasons): clean as well', async () => {
		const dir = tempDir();
		const state = path.join(dir, 'machine.json');
		const machine = createMachine(evilSpec(), 7, now);
		machine.log.push({t: now, source: 'ham', text: evil('log')});
		fs.writeFileSync(state, JSON.stringify(machine));
		for (const args of [['--status'], ['--json'], ['--integrate'], ['--plug', '4:1G'], ['--json']]) {
			const result = await cli([...args, '--state', state]);
			assert.ok(result.code === 0 || result.code === 1, `${args.join(' ')}: ${result.stderr}`);
			assertNoControl(result.stdout + result.stderr, args.join(' '));
		}
	});

	test("defence in depth: the console's snapshot and --json's report are clean even of a machine that skipped the schema", () => {
		const machine = createMachine(evilSpec(), 7, now);
		machine.log.push({t: now, source: 'ham', text: evil('log')});
		const plugged = step(machine, {type: 'plug', slot: 3, size: GiB, mode: 'hot-add'}, now).machine;
		assert.ok(JSON.stringify(plugged).includes('\\u001b'), 'the raw machine does hold escape sequences');
		assertNoControl(allText(simulatedSnapshot(plugged, now)), 'the console snapshot');
		assertNoControl(allText(machineReport(plugged, now)), 'the --json report');
	});

	test('the console (ink-testing-library): header, log, regions and a notice, clean of every sequence', async () => {
		// Slot 3 is wired over the firmware range with the hostile name: its failure quotes that name.
		const machine = step(createMachine(evilSpec(), 7, now), {type: 'plug', slot: 3, size: GiB, mode: 'hot-add'}, now).machine;
		machine.log.push({t: now, source: 'ham', text: evil('log')});
		const ui = startConsole(machine);
		try {
			const visible = (frame: string) => frame.replaceAll(/\u001B\[[\d;]*m/g, ''); // Ink's own colours, if any.
			let frame = await ui.waitFor('resource-conflict');
			assert.match(
				frame,
				/ name\uFFFD\[2J\uFFFD\]0;pw.* · kernel\uFFFD\[2J\uFFFD\]0;pwned\uFFFD\uFFFD31m\uFFFD{3}FAKE\uFFFDline · /,
				'the header shows name and kernel, made safe',
			);
			assert.match(frame, /log\uFFFD\[2J/, 'the log shows the line, made safe');
			assertNoControl(visible(frame), 'the console frame');
			await ui.press('i');
			frame = await ui.waitFor('Integrate');
			assert.match(frame, /conflicts with "firmware\uFFFD\[2J/);
			assertNoControl(visible(frame), 'the console frame with the notice');
		} finally {
			ui.unmount();
		}
	});
});
