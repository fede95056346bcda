// The command line, parsed without a process: -h and -V, unknown flags, the one number syntax
// (a negative number is told the range), slot numbers (their range is the machine's), the usage
// error's two lines, and the help's exit codes, made from source/exit.ts and printed as the README's.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {describe, test} from 'node:test';
import {parseArgv} from '../../source/cli/argv.js';
import {parseCommand} from '../../source/cli/command.js';
import {parseNumber, parseSlot} from '../../source/cli/number.js';
import {helpText} from '../../source/cli/options.js';
import {helpHint, usageLines} from '../../source/cli/usage.js';
import {exit, exitCodes, signalMeaning} from '../../source/exit.js';

/** The command a command line asks for, or its usage error. */
function command(...argv: string[]) {
	const line = parseArgv(argv);
	assert.equal(line.kind, 'flags', JSON.stringify(line));
	return line.kind === 'flags' ? parseCommand(line.flags, line.input) : undefined;
}

describe('parseArgv', () => {
	test('-h and --help, -V and --version, wherever they are', () => {
		for (const argv of [['-h'], ['--help'], ['--status', '-h'], ['--bogus', '--help'], ['-h', '-V']]) {
			assert.deepEqual(parseArgv(argv), {kind: 'help'}, JSON.stringify(argv));
		}

		for (const argv of [['-V'], ['--version'], ['--plug', '2:1G', '-V'], ['-V', '-h']]) {
			assert.deepEqual(parseArgv(argv), {kind: 'version'}, JSON.stringify(argv));
		}
	});

	test('an unknown flag is named, lower-case like every other message; -hV is not a bundle', () => {
		for (const flag of ['--frob', '-x', '-hV', '--Status', '--no-status']) {
			assert.deepEqual(parseArgv(['--status', flag]), {kind: 'error', error: `unknown flag "${flag}"`});
		}

		assert.deepEqual(parseArgv(['--boot', '-x']), {
			kind: 'error',
			error: 'unknown flag "-x" (a value starting with "-" is written --boot=-x)',
		});
	});

	test('a negative number after a space is a value, not a flag', () => {
		assert.deepEqual(parseArgv(['--integrate', '--attempts', '-1']), {kind: 'flags', flags: {integrate: true, attempts: '-1'}, input: []});
		assert.deepEqual(parseArgv(['--unplug', '-1']), {kind: 'flags', flags: {unplug: '-1'}, input: []});
	});
});

describe('numbers', () => {
	const attempts = {what: '--attempts', min: 1, max: 1000};
	const interval = {what: '--interval', min: 0, max: 86_400, unit: 'seconds'};

	test('a negative number is a number out of range, as 0 is: the range, not the syntax', () => {
		assert.deepEqual(parseNumber('-1', attempts), {ok: false, error: '--attempts must be from 1 to 1000, not -1'});
		assert.deepEqual(parseNumber('0', attempts), {ok: false, error: '--attempts must be from 1 to 1000, not 0'});
		assert.deepEqual(parseNumber('-0', {...attempts, min: 0}), {ok: false, error: '--attempts must be from 0 to 1000, not -0'});
		assert.deepEqual(parseNumber('-0.5', interval), {ok: false, error: '--interval must be a number of seconds from 0 to 86400, not -0.5'});
	});

	test('what is not a number is told the syntax and the range', () => {
		for (const text of ['x', '1.5', '-1.5', '-', '--1', '+1', '1e3', '0x10', ' 1', '']) {
			assert.deepEqual(parseNumber(text, attempts), {ok: false, error: `--attempts must be a whole number from 1 to 1000, not "${text}"`});
		}

		assert.deepEqual(parseNumber('002', attempts), {ok: true, value: 2});
		assert.deepEqual(parseNumber('0.25', interval), {ok: true, value: 0.25});
	});

	test("a slot is any whole number: its range is the machine's, which the controller checks", () => {
		for (const [text, value] of [
			['9', 9],
			['0', 0],
			['-1', -1],
			['65537', 65_537],
			['9007199254740991', Number.MAX_SAFE_INTEGER],
		] as const) {
			assert.deepEqual(parseSlot(text), {ok: true, value}, text);
		}

		for (const text of ['x', '1.5', '', '-', '+2', '0x2']) {
			assert.deepEqual(parseSlot(text), {ok: false, error: `SLOT must be a whole number, not "${text}"`});
		}

		assert.deepEqual(parseSlot('9007199254740992'), {ok: false, error: 'SLOT 9007199254740992 is too large'});
		assert.deepEqual(command('--plug', '9:1G'), {
			ok: true,
			value: {command: {kind: 'plug', slot: 9, size: 1024 ** 3, mode: 'hot-add'}, statePath: undefined},
		});
		assert.deepEqual(command('--unplug', '-1'), {ok: true, value: {command: {kind: 'unplug', slot: -1}, statePath: undefined}});
	});

	test('--attempts, --interval and --seed through parseCommand', () => {
		assert.deepEqual(command('--integrate', '--attempts', '-1'), {ok: false, error: '--attempts must be from 1 to 1000, not -1'});
		assert.deepEqual(command('--integrate', '--interval=-5'), {
			ok: false,
			error: '--interval must be a number of seconds from 0 to 86400, not -5',
		});
		assert.deepEqual(command('--reset', '--seed', '-1'), {ok: false, error: '--seed must be from 0 to 4294967295, not -1'});
	});

	test('a value that is not one of the choices: "takes" names what "needs" names, in the same words', () => {
		assert.deepEqual(command('--workload', 'crazy'), {
			ok: false,
			error: '--workload takes drop-caches, idle, normal, heavy or peak, not "crazy"',
		});
		assert.deepEqual(parseArgv(['--workload']), {kind: 'error', error: '--workload needs drop-caches, idle, normal, heavy or peak'});
		assert.deepEqual(command('--driver', 'restart'), {ok: false, error: '--driver takes start, stop or reinstall, not "restart"'});
		assert.deepEqual(parseArgv(['--driver']), {kind: 'error', error: '--driver needs start, stop or reinstall'});
	});
});

describe('usage errors and the help', () => {
	test("a usage error: one `ham-tui:` line, then util-linux's pointer to --help", () => {
		assert.equal(helpHint, "Try 'ham-tui --help' for more information.");
		assert.equal(usageLines('unknown flag "--frob"'), `ham-tui: unknown flag "--frob"\n${helpHint}\n`);
		assert.equal(usageLines('a\nham-tui: forged').split('\n').length, 3, 'a message is one line, whatever it holds');
	});

	/** The help's "Exit codes" section, each entry's lines joined into one [code, meaning]. */
	function helpExitCodes(): Array<[string, string]> {
		const section = helpText.slice(helpText.indexOf('  Exit codes\n') + '  Exit codes\n'.length);
		const entries: Array<[string, string]> = [];
		for (const line of section.trimEnd().split('\n')) {
			const match = /^ {4}\s*(\S+) {2}(.*)$/.exec(line);
			const last = entries.at(-1);
			if (match && /^[\d+N]+$/.test(match[1]!)) {
				entries.push([match[1]!, match[2]!]);
			} else if (last) {
				last[1] += ` ${line.trim()}`;
			}
		}

		return entries;
	}

	const table: Array<[string, string]> = [
		...Object.values(exitCodes).map(({code, means}): [string, string] => [String(code), means]),
		[signalMeaning.code, signalMeaning.means],
	];

	test("--help's exit codes are exit.ts's table, every code, in its words and order", () => {
		assert.deepEqual(helpExitCodes(), table);
		assert.deepEqual(Object.values(exit), [0, 1, 2, 3, 64]);
		for (const line of helpText.split('\n')) {
			assert.ok(line.length <= 100, `a help line past 100 columns: ${line}`);
		}
	});

	test("the README's exit-code table is the same", () => {
		const readme = fs.readFileSync('README.md', 'utf8');
		const rows = [...readme.matchAll(/^\| (\d+|128\+N) \| (.*) \|$/gm)].map(match => [match[1], match[2]]);
		assert.deepEqual(rows, table);
	});

	test('the help names -h, --help, -V and --version', () => {
		assert.match(helpText, /^ {4}-h, --help {8}/m);
		assert.match(helpText, /^ {4}-V, --version {5}/m);
	});
});
