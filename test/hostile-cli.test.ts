// Attacks on the command line itself, run as processes against the built CLI: names that are
// Object.prototype's, escape sequences and newlines in flags, flags given twice or given values
// they do not take, --help and --version among other flags, every numeric syntax trick, and the
// integrate loop's attempt lines. Every usage error is exactly two lines, `ham-tui: <why>` and
// util-linux's pointer to --help, exit 2, clean of control characters, and changes nothing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {describe, type TestContext, test} from 'node:test';
import {type CliResult, cliPath, runProcess, tempDir} from './helpers/cli.js';
import {run as blocks, makeMemoryTree} from './helpers/sysfs-tree.js';

const now = 1_000_000;
const hint = "Try 'ham-tui --help' for more information.";
const packageVersion = (JSON.parse(fs.readFileSync('package.json', 'utf8')) as {version: string}).version;
/** What a terminal must never be sent: C0 controls but newline, DEL, and C1 controls. */
const terminalControl = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F]/;

function cli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
	return runProcess(process.execPath, [cliPath, ...args], {HAM_TUI_NOW: String(now), ...env});
}

/** Maps with at most `limit` processes at a time (the machines running this may have 2 CPUs). */
async function mapLimited<T, R>(items: readonly T[], limit: number, map: (item: T) => Promise<R>): Promise<R[]> {
	const results: R[] = [];
	let next = 0;
	const worker = async () => {
		while (next < items.length) {
			const index = next++;
			results[index] = await map(items[index]!);
		}
	};

	await Promise.all(Array.from({length: Math.min(limit, items.length)}, worker));
	return results;
}

/** Everything under a directory, path by path: type and content (or link target). */
function snapshot(dir: string): Record<string, string> {
	const entries: Record<string, string> = {};
	for (const name of fs.readdirSync(dir, {recursive: true}) as string[]) {
		const file = path.join(dir, name);
		const stat = fs.lstatSync(file);
		entries[name] = stat.isSymbolicLink() ? `-> ${fs.readlinkSync(file)}` : stat.isFile() ? fs.readFileSync(file, 'base64') : 'dir';
	}

	return entries;
}

type Target = {dir: string; args: (args: readonly string[]) => string[]};

/** A fresh directory for one test, holding a machine with a 1G module in slot 2; removed after. */
async function stateTarget(t: TestContext): Promise<Target & {state: string}> {
	const dir = tempDir();
	t.after(() => fs.rmSync(dir, {recursive: true, force: true}));
	const state = path.join(dir, 'machine.json');
	const plugged = await cli(['--plug', '2:1G', '--state', state]);
	assert.equal(plugged.code, 0, plugged.stderr);
	// --state first, so that a case ending in a flag that wants a value really ends with it.
	return {dir, state, args: args => ['--state', state, ...args]};
}

/** A fresh fake sysroot with offline blocks a mistaken --integrate would write to. */
function sysrootTarget(t: TestContext): Target {
	const dir = tempDir();
	t.after(() => fs.rmSync(dir, {recursive: true, force: true}));
	makeMemoryTree(dir, {blocks: [...blocks(0, 2), ...blocks(2, 2, {state: 'offline'})]});
	return {dir, args: args => ['--sysroot', dir, ...args]};
}

/** A usage error: exit 2, nothing on stdout, `ham-tui: <why>` and the pointer, no controls. */
function assertUsage(result: CliResult, message: RegExp, what: string): void {
	assert.equal(result.code, 2, `${what}: exit ${result.code}\n${result.stdout}${result.stderr}`);
	assert.equal(result.stdout, '', what);
	const lines = result.stderr.split('\n');
	assert.equal(lines.length, 3, `${what}: two lines, then the end:\n${result.stderr}`);
	assert.match(lines[0]!, /^ham-tui: /, what);
	assert.match(lines[0]!, message, what);
	assert.equal(lines[1], hint, what);
	assert.equal(lines[2], '', what);
	assert.doesNotMatch(result.stderr, terminalControl, `${what}: a control character reached the terminal`);
}

type Case = [args: string[], message: RegExp, env?: Record<string, string>];

/** Every case against one target: each a usage error, and the target exactly as it was after. */
async function allRefused(target: Target, cases: readonly Case[]): Promise<void> {
	const before = snapshot(target.dir);
	const results = await mapLimited(cases, 3, ([args, , env]) => cli(target.args(args), env));
	for (const [index, [args, message, env]] of cases.entries()) {
		assertUsage(results[index]!, message, `${env ? `${JSON.stringify(env)} ` : ''}${JSON.stringify(args)}`);
	}

	assert.deepEqual(snapshot(target.dir), before, 'the target is byte for byte as it was');
}

/** Usage errors on the simulated machine; and the machine still works after all of them. */
async function allRefusedOnState(t: TestContext, cases: readonly Case[]): Promise<void> {
	const target = await stateTarget(t);
	await allRefused(target, cases);
	const status = await cli(target.args(['--status']));
	assert.equal(status.code, 0, `a later command still works: ${status.stderr}`);
}

/** A regular expression matching `text` literally. */
function literal(text: string): string {
	return text.replaceAll(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

/** The user's text as an error quotes it: control characters replaced by U+FFFD. */
function shown(text: string): string {
	return literal(text.replaceAll(/[\u0000-\u001F\u007F-\u009F]/g, '\uFFFD'));
}

// ---------------------------------------------------------------------------------------------
// Item 3: names the user gives are looked up as own entries only, never Object.prototype's.

const prototypeNames = [
	'__proto__',
	'constructor',
	'toString',
	'hasOwnProperty',
	'valueOf',
	'isPrototypeOf',
	'propertyIsEnumerable',
	'toLocaleString',
	'__defineGetter__',
	'__lookupSetter__',
];
/** For lookups that lower-case the name first: the variants that lower-case to a prototype name. */
const caseVariants = prototypeNames.flatMap(name => [name, name.toUpperCase(), name[0]!.toUpperCase() + name.slice(1)]);

describe("names from the command line that are Object.prototype's: refused, nothing changed", {concurrency: 2}, () => {
	test('--plug SLOT:SIZE:MODE (the mode, lower-cased)', async t => {
		await allRefusedOnState(
			t,
			caseVariants.map(name => [
				['--plug', `3:1G:${name}`],
				new RegExp(`^ham-tui: unknown module mode "${shown(name)}": hot-add or mirror$`),
			]),
		);
	});

	test('--driver OP', async t => {
		await allRefusedOnState(
			t,
			caseVariants.map(name => [
				['--driver', name],
				new RegExp(`^ham-tui: --driver takes start, stop or reinstall, not "${shown(name)}"$`),
			]),
		);
	});

	test('--workload OP', async t => {
		await allRefusedOnState(
			t,
			caseVariants.map(name => [
				['--workload', name],
				new RegExp(`^ham-tui: --workload takes drop-caches, idle, normal, heavy or peak, not "${shown(name)}"$`),
			]),
		);
	});

	test('--reset --preset NAME', async t => {
		await allRefusedOnState(
			t,
			caseVariants.map(name => [['--reset', '--preset', name], new RegExp(`^ham-tui: unknown preset "${shown(name)}" \\(presets: `)]),
		);
	});

	test("flag names: --NAME, --NAME=1, -NAME, and yargs' dotted and negated forms", async t => {
		await allRefusedOnState(t, [
			...caseVariants
				.flatMap(name => [`--${name}`, `--${name}=1`, `-${name}`])
				.map((flag): Case => [[flag], new RegExp(`^ham-tui: unknown flag "${shown(flag.split('=')[0]!)}"$`)]),
			[['--constructor.prototype.polluted=1'], /^ham-tui: unknown flag "--constructor\.prototype\.polluted"$/],
			[['--__proto__.status'], /^ham-tui: unknown flag "--__proto__\.status"$/],
			[['--no-status'], /^ham-tui: unknown flag "--no-status"$/],
			[['--status', '--no-sysfs'], /^ham-tui: unknown flag "--no-sysfs"$/],
		]);
	});

	test('--online-type TYPE on a real machine: refused before a block is touched', async t => {
		const target = sysrootTarget(t);
		await allRefused(
			target,
			prototypeNames.flatMap(
				name =>
					[
						[
							['--integrate', '--online-type', name],
							new RegExp(`^ham-tui: --online-type takes auto, online, online_movable or online_kernel, not "${shown(name)}"$`),
						],
						[
							['--integrate', '--dry-run', `--online-type=${name}`],
							/^ham-tui: --online-type takes auto, online, online_movable or online_kernel, not "/,
						],
					] satisfies Case[],
			),
		);
	});
});

// ---------------------------------------------------------------------------------------------
// Item 14: every usage error, the parser's too, is one clean `ham-tui:` line and the pointer.

describe("the parser's own errors: one clean line, the pointer to --help, exit 2, nothing changed", {concurrency: 2}, () => {
	test('unknown flags, with escape sequences and newlines in them', async t => {
		const flags = [
			'--x\u001B]0;PWNED\u0007',
			'--bogus',
			'--x\nham-tui: forged line',
			'--\u009B31mred',
			'--x\r\u001B[2K',
			'-x',
			'-X',
			'-\u001B[2J',
			'-hx',
			'-Vh',
			'-5x',
			`--${'a'.repeat(5000)}`,
			'---status',
			'--Status',
			'--STATUS',
		];
		await allRefusedOnState(t, [
			...flags.map((flag): Case => [[flag], new RegExp(`^ham-tui: unknown flag "${shown(flag)}"$`)]),
			...flags.map((flag): Case => [['--status', flag], new RegExp(`^ham-tui: unknown flag "${shown(flag)}"$`)]),
			[['--x=\u001B[31mvalue'], /^ham-tui: unknown flag "--x"$/],
			// No flag is a number: a lone negative number is an argument.
			[['--status', '-5'], /^ham-tui: unexpected argument "-5"$/],
			// unknown flags come first, as the likeliest typo: the first one is named.
			[['--plug', '2:1G', '--one', '--two'], /^ham-tui: unknown flag "--one"$/],
		]);
	});

	test('a value starting with "-" after a space reads as a flag (unless a negative number): told to use "="', async t => {
		await allRefusedOnState(t, [
			[['--plug', '-1:1G'], /^ham-tui: unknown flag "-1:1G" \(a value starting with "-" is written --plug=-1:1G\)$/],
			[['--boot', '-x'], /^ham-tui: unknown flag "-x" \(a value starting with "-" is written --boot=-x\)$/],
			[['--plug', '--status'], /^ham-tui: --plug needs SLOT:SIZE\[:MODE\], e\.g\. 2:1G$/],
		]);
	});

	test('a flag given twice', async t => {
		await allRefusedOnState(t, [
			[['--plug', '2:1G', '--plug', '3:1G'], /^ham-tui: --plug can only be set once$/],
			[['--plug=2:1G', '--plug=2:1G'], /^ham-tui: --plug can only be set once$/],
			[['--status', '--status'], /^ham-tui: --status can only be set once$/],
			[['--json', '--json'], /^ham-tui: --json can only be set once$/],
			[['--status', '--state', 'elsewhere.json'], /^ham-tui: --state can only be set once$/],
			[['--integrate', '--attempts', '2', '--attempts', '3'], /^ham-tui: --attempts can only be set once$/],
		]);
	});

	test('a flag that takes a value, given none', async t => {
		await allRefusedOnState(t, [
			[['--plug'], /^ham-tui: --plug needs SLOT:SIZE\[:MODE\], e\.g\. 2:1G$/],
			[['--unplug'], /^ham-tui: --unplug needs a slot number$/],
			[['--driver'], /^ham-tui: --driver needs start, stop or reinstall$/],
			[['--workload'], /^ham-tui: --workload needs drop-caches, idle, normal, heavy or peak$/],
			[['--boot'], /^ham-tui: --boot needs a kernel version$/],
			[['--integrate', '--attempts'], /^ham-tui: --attempts needs a number$/],
			[['--integrate', '--interval'], /^ham-tui: --interval needs a number of seconds$/],
			[['--reset', '--seed'], /^ham-tui: --seed needs a number$/],
			[['--reset', '--preset'], /^ham-tui: --preset needs a preset name$/],
			[['--reset', '--scenario'], /^ham-tui: --scenario needs a path$/],
			[['--status', '--sysroot'], /^ham-tui: --sysroot needs a directory/],
			[['--integrate', '--online-type'], /^ham-tui: --online-type needs auto, online, online_movable or online_kernel$/],
			[['--plug', '--unplug', '2'], /^ham-tui: --plug needs SLOT:SIZE/],
		]);
	});

	test('a flag that takes no value, given one', async t => {
		const flags = ['status', 'json', 'integrate', 'reset', 'sysfs', 'all', 'dry-run'];
		await allRefusedOnState(t, [
			...flags.map((flag): Case => [[`--${flag}=yes`], new RegExp(`^ham-tui: --${flag} takes no value, not "yes"$`)]),
			[['--status='], /^ham-tui: --status takes no value, not ""$/],
			[['--status=\u001B[2J'], /^ham-tui: --status takes no value, not "\uFFFD\[2J"$/],
			[['--help=me'], /^ham-tui: --help takes no value, not "me"$/],
		]);
	});

	test('arguments after "--" are arguments, not flags (--help among them)', async t => {
		await allRefusedOnState(t, [
			[['--status', '--', '--help'], /^ham-tui: unexpected argument "--help"$/],
			[['--status', 'x\u001B[31m'], /^ham-tui: unexpected argument "x\uFFFD\[31m"$/],
		]);
	});
});

// ---------------------------------------------------------------------------------------------
// Item 17a: --help and --version win over everything, and read or write nothing.

describe('--help and --version win over every other flag, and touch nothing', {concurrency: 2}, () => {
	test('--help, -h: the help on stdout, exit 0, whatever else is given', async t => {
		const target = await stateTarget(t);
		const fresh = path.join(target.dir, 'never-made.json');
		const alone = await cli(['--help']);
		assert.equal(alone.code, 0);
		assert.match(alone.stdout, /Usage\n {4}\$ ham-tui {2}/);
		const before = snapshot(target.dir);
		const lines = [
			['-h'],
			['--help', '--status'],
			['--status', '--help'],
			['--status', '--state', target.state, '--help'],
			['--json', '--state', fresh, '-h'],
			['--plug', '2:1G', '--state', target.state, '--help'],
			['--reset', '--state', target.state, '-h'],
			['--bogus', '--help'],
			['--help', '--bogus'],
			['--status', '--plug', '2:1G', '--help'],
			['--integrate', '--attempts', 'x', '--help'],
			['--state', '--help'],
			['--help', '--version'],
			['-h', '-V'],
		];
		const results = await mapLimited(lines, 3, args => cli(args));
		for (const [index, result] of results.entries()) {
			assert.deepEqual(result, {code: 0, stdout: alone.stdout, stderr: ''}, JSON.stringify(lines[index]));
		}

		const badClock = await cli(['--help', '--status', '--state', target.state], {HAM_TUI_NOW: 'yesterday'});
		assert.deepEqual(badClock, {code: 0, stdout: alone.stdout, stderr: ''}, 'even with a bad HAM_TUI_NOW');
		assert.deepEqual(snapshot(target.dir), before, 'nothing read into being or written');
	});

	test('--version, -V: the version on stdout, exit 0, whatever else is given', async t => {
		const target = await stateTarget(t);
		const fresh = path.join(target.dir, 'never-made.json');
		const before = snapshot(target.dir);
		const lines = [
			['--version'],
			['-V'],
			['--state', fresh, '--version'],
			['--state', target.state, '--version'],
			['--version', '--status'],
			['--status', '--version'],
			['--status', '--state', target.state, '-V'],
			['--reset', '--state', target.state, '--version'],
			['--version', '--plug'],
			['--version', '--help'],
			['-V', '-h'],
			['--sysfs', '--version'],
		];
		const results = await mapLimited(lines, 3, args => cli(args));
		for (const [index, result] of results.entries()) {
			assert.deepEqual(result, {code: 0, stdout: `${packageVersion}\n`, stderr: ''}, JSON.stringify(lines[index]));
		}

		assert.deepEqual(snapshot(target.dir), before, 'nothing read into being or written');
	});
});

// ---------------------------------------------------------------------------------------------
// Item 17b: one number syntax for every numeric flag (and HAM_TUI_NOW): decimal digits.

const badNumbers = [
	'0x10',
	'0X10',
	'0b1',
	'0o7',
	'1e1',
	'1E1',
	'+5',
	' 5',
	'5 ',
	'\t5',
	'5\n',
	'1_000',
	'1,5',
	'5.',
	'.5',
	'1..5',
	'1.2.3',
	'Infinity',
	'-Infinity',
	'NaN',
	'\uFF15',
	'\u0663',
	'',
	'0x',
	'-',
	'--1',
	'-+1',
	'-x',
	'five',
	'5\u001B[31m',
];

describe('numbers: decimal digits only, the same rule and words for every numeric flag', {concurrency: 2}, () => {
	test('--attempts, --seed, SLOT: whole numbers; each message gives the range', async t => {
		await allRefusedOnState(
			t,
			badNumbers.flatMap((text): Case[] => [
				[
					['--integrate', `--attempts=${text}`],
					new RegExp(`^ham-tui: --attempts must be a whole number from 1 to 1000, not "${shown(text)}"$`),
				],
				[['--reset', `--seed=${text}`], new RegExp(`^ham-tui: --seed must be a whole number from 0 to 4294967295, not "${shown(text)}"$`)],
				[[`--unplug=${text}`], new RegExp(`^ham-tui: SLOT must be a whole number, not "${shown(text)}"$`)],
				[[`--plug=${text}:1G`], new RegExp(`^ham-tui: SLOT must be a whole number, not "${shown(text)}"$`)],
			]),
		);
	});

	test('--interval: decimal seconds, a fraction allowed', async t => {
		await allRefusedOnState(
			t,
			badNumbers.map(
				(text): Case => [
					['--integrate', `--interval=${text}`],
					new RegExp(`^ham-tui: --interval must be a number of seconds from 0 to 86400, not "${shown(text)}"$`),
				],
			),
		);
	});

	test('out of range: the range and the number, in the same words', async t => {
		await allRefusedOnState(t, [
			[['--integrate', '--attempts', '0'], /^ham-tui: --attempts must be from 1 to 1000, not 0$/],
			[['--integrate', '--attempts', '1001'], /^ham-tui: --attempts must be from 1 to 1000, not 1001$/],
			[
				['--integrate', '--attempts', '99999999999999999999999'],
				/^ham-tui: --attempts must be from 1 to 1000, not 99999999999999999999999$/,
			],
			[['--integrate', '--interval', '86400.5'], /^ham-tui: --interval must be a number of seconds from 0 to 86400, not 86400\.5$/],
			[['--reset', '--seed', '4294967296'], /^ham-tui: --seed must be from 0 to 4294967295, not 4294967296$/],
			// A negative number after a space is a value, and a number: told the range, not the syntax.
			[['--integrate', '--attempts', '-1'], /^ham-tui: --attempts must be from 1 to 1000, not -1$/],
			[['--integrate', '--attempts=-1'], /^ham-tui: --attempts must be from 1 to 1000, not -1$/],
			[['--integrate', '--attempts', '-0'], /^ham-tui: --attempts must be from 1 to 1000, not -0$/],
			[['--integrate', '--attempts', '-1.5'], /^ham-tui: --attempts must be a whole number from 1 to 1000, not "-1\.5"$/],
			[['--integrate', '--interval', '-0.5'], /^ham-tui: --interval must be a number of seconds from 0 to 86400, not -0\.5$/],
			[['--reset', '--seed', '-1'], /^ham-tui: --seed must be from 0 to 4294967295, not -1$/],
			[['--reset', '--seed=-0'], /^ham-tui: --seed must be from 0 to 4294967295, not -0$/],
			// A slot past 2^53 cannot be told from its neighbours: refused as a size that large is.
			[['--unplug', '99999999999999999999'], /^ham-tui: SLOT 99999999999999999999 is too large$/],
			[['--plug', '9007199254740992:1G'], /^ham-tui: SLOT 9007199254740992 is too large$/],
		]);
	});

	test('the accepted forms: digits, leading zeros, a fraction of a second', async t => {
		const target = await stateTarget(t);
		for (const args of [
			['--integrate', '--interval', '0.25', '--attempts', '002'],
			['--integrate', '--interval', '86400'],
			['--integrate', '--interval', '0'],
			['--reset', '--seed', '4294967295'],
			['--reset', '--seed', '0'],
		]) {
			const result = await cli(target.args(args));
			assert.notEqual(result.code, 2, `${JSON.stringify(args)}: ${result.stderr}`);
		}
	});

	test('HAM_TUI_NOW: the same digits, one clean line', async t => {
		const target = await stateTarget(t);
		const bad = [
			' 12',
			'12 ',
			'12\n',
			'+12',
			'1e3',
			'0x10',
			'1_000',
			'Infinity',
			'NaN',
			'-1',
			'12.',
			'.5',
			'12\u001B[31m',
			'1\n2',
			'\uFF11',
		];
		await allRefused(
			target,
			bad.map(
				(text): Case => [
					['--status'],
					new RegExp(`^ham-tui: HAM_TUI_NOW must be seconds since the epoch, from 0 to \\d+, not "${shown(text)}"$`),
					{HAM_TUI_NOW: text},
				],
			),
		);
		for (const text of ['0', '1000000.5', '0001000000']) {
			assert.equal((await cli(target.args(['--status']), {HAM_TUI_NOW: text})).code, 0, text);
		}
	});
});

// ---------------------------------------------------------------------------------------------
// Item 17d: --integrate prints one line per region and attempt, however long the waits.

/** The attempt lines' (attempt, region) pairs, in order. */
function attemptPairs(stdout: string): Array<[number, number]> {
	return [...stdout.matchAll(/^attempt (\d+)\/\d+: region (\d+) /gm)].map(match => [Number(match[1]), Number(match[2])]);
}

describe("--integrate with a fixed clock: each attempt's lines once, numbered in order", {concurrency: 2}, () => {
	// Two modules still being scrubbed under peak load: the scrubs end during the simulated waits
	// (or before the first attempt), and the driver's own try then must not show as a second line.
	for (const [interval, later] of [
		['86400', 0],
		['600', 0],
		['1', 0],
		['10', 100_000],
	] as const) {
		test(`--attempts 5 --interval ${interval}${later ? `, ${later} s after the plugs` : ''}`, async t => {
			const dir = tempDir();
			t.after(() => fs.rmSync(dir, {recursive: true, force: true}));
			const state = path.join(dir, 'machine.json');
			for (const args of [
				['--plug', '2:1G'],
				['--plug', '3:1G'],
				['--workload', 'peak'],
			]) {
				assert.equal((await cli([...args, '--state', state])).code, 0);
			}

			const result = await cli(['--integrate', '--attempts', '5', '--interval', interval, '--state', state], {
				HAM_TUI_NOW: String(now + later),
			});
			assert.ok([0, 1, 64].includes(result.code!), result.stderr);
			const pairs = attemptPairs(result.stdout);
			const keys = pairs.map(([attempt, region]) => `${attempt}/${region}`);
			assert.deepEqual(keys, [...new Set(keys)], `a region shown twice in one attempt:\n${result.stdout}`);
			const numbers = [...new Set(pairs.map(([attempt]) => attempt))];
			assert.deepEqual(
				numbers,
				numbers.map((_, index) => index + 1),
				`attempts numbered 1, 2, ... in order:\n${result.stdout}`,
			);
			const enabled = result.stdout.split('\n').filter(line => line.startsWith('attempt ') && line.endsWith(': ENABLED')).length;
			assert.match(
				result.stdout,
				new RegExp(`^integrate: ${enabled} region\\(s\\) enabled, `, 'm'),
				'the summary counts the ENABLED lines',
			);
		});
	}
});
