// The built CLI, run as a process: the /proc/ham/status format, exit codes and bad input.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {describe, test} from 'node:test';
import {cliSession, runCli} from './helpers/cli.js';

const statusLine = /^\d+\t0x[\da-f]{8,}\t\d+\t(READ\/WRITE|READ|WRITE)\t(ENABLED|FAILED)$/;
const scenario = (name: string) => path.resolve('scenarios', name);

describe('ham-tui --status', () => {
	test('a fresh machine has no hot-added region: nothing printed, exit 0', () => {
		const session = cliSession();
		const result = session.run('--status');
		assert.equal(result.code, 0);
		assert.equal(result.stdout, '');
		assert.deepEqual(fs.readdirSync(session.dir), [], 'a read writes nothing, not even a fresh machine');
	});

	test('--plug 2:1G then --status shows the region, scrubbing first, then ENABLED', () => {
		const session = cliSession();
		session.run('--workload', 'idle');
		const plugged = session.run('--plug', '2:1G');
		assert.equal(plugged.code, 0);
		assert.match(plugged.stdout, /slot 2: 1G module at 0x120000000, region 0 FAILED: .*scrubbed/);
		assert.equal(session.run('--status').stdout, '0\t0x120000000\t1073741824\tWRITE\tFAILED\n');
		session.wait(2);
		const status = session.run('--status');
		assert.equal(status.stdout, '0\t0x120000000\t1073741824\tREAD/WRITE\tENABLED\n');
		for (const line of status.stdout.trimEnd().split('\n')) {
			assert.match(line, statusLine);
		}
	});

	test('the same seed, actions and times give the same bytes', () => {
		const outputs = [1, 2].map(() => {
			const session = cliSession(1_234_567);
			session.run('--reset', '--seed', '42');
			for (const [slot, size] of [
				['2', '4G'],
				['3', '2G'],
				['4', '1G'],
				['5', '4G'],
			]) {
				session.run('--plug', `${slot}:${size}`);
				session.wait(37);
			}

			session.run('--integrate', '--attempts', '3', '--interval', '20');
			return session.run('--status').stdout + session.run('--json').stdout;
		});
		assert.ok(outputs[0]!.includes('\t'));
		assert.equal(outputs[0], outputs[1]);
	});

	test('with the driver stopped there is no /proc/ham/status: a message and exit 1', () => {
		const session = cliSession();
		assert.equal(session.run('--driver', 'stop').code, 0);
		const result = session.run('--status');
		assert.equal(result.code, 1);
		assert.equal(result.stdout, '');
		assert.match(result.stderr, /driver is not loaded.*--driver start/);
		assert.equal(session.run('--driver', 'start').code, 0);
		assert.equal(session.run('--status').code, 0);
	});
});

describe('ham-tui --integrate', () => {
	test('the training scenario: a FAILED region a later integrate enables, and ones no retry can help', () => {
		const session = cliSession();
		assert.equal(session.run('--reset', '--scenario', scenario('training-failures.json')).code, 0);
		const before = session.run('--status').stdout;
		assert.equal(before.match(/FAILED/g)?.length, 3);
		const stuck = session.run('--integrate', '--attempts', '3', '--interval', '10');
		assert.equal(stuck.code, 1, 'heavy load: nothing could be integrated');
		assert.match(stuck.stdout, /attempt 3\/3: region 0 \(slot 2\): FAILED: lowmem short.*\[retry can help\]/);
		assert.match(
			stuck.stdout,
			/region 1 \(slot 8\): FAILED: range ends at 0x1020000000, past the kernel's physical limit.*\[no retry can help\]/,
		);
		session.wait(60);
		session.run('--workload', 'drop-caches');
		const partial = session.run('--integrate', '--attempts', '5');
		assert.equal(partial.code, 64, "some enabled, some left: chmem's 64");
		assert.match(partial.stdout, /attempt 1\/5: region 0 \(slot 2\): ENABLED/);
		assert.match(partial.stdout, /stopping, no retry can help the 2 FAILED region\(s\) left/);
		assert.doesNotMatch(partial.stdout, /attempt 2\//, 'stops early');
		assert.match(session.run('--status').stdout, /^0\t0x120000000\t4294967296\tREAD\/WRITE\tENABLED$/m);
	});

	test('exit 0 when everything is ENABLED, and when there is nothing to do', () => {
		const session = cliSession();
		assert.equal(session.run('--integrate').code, 0);
		session.run('--workload', 'peak');
		session.run('--plug', '2:4G');
		session.wait(10);
		assert.match(session.run('--status').stdout, /FAILED/);
		session.run('--workload', 'idle');
		const result = session.run('--integrate');
		assert.equal(result.code, 0);
		assert.match(result.stdout, /region 0 \(slot 2\): ENABLED/);
	});
});

describe('controller and driver refusals', () => {
	test('busy slot, unsupported size, maximum memory, unplugging ENABLED memory: one line, exit 1', () => {
		const session = cliSession();
		session.run('--workload', 'idle');
		assert.equal(session.run('--plug', '2:1G').code, 0);
		const cases: Array<[string[], RegExp]> = [
			[['--plug', '1:1G'], /slot 1 is busy: it holds the boot memory/],
			[['--plug', '2:1G'], /slot 2 is busy/],
			[['--plug', '3:3G'], /size 3G not supported: modules of 256M, 512M, 1G, 2G, 4G/],
			[['--unplug', '1'], /boot memory: ham 1.0 has no hot-remove/],
			[['--unplug', '3'], /slot 3 is empty/],
		];
		const refused = (args: string[], message: RegExp) => {
			const result = session.run(...args);
			assert.equal(result.code, 1, args.join(' '));
			assert.match(result.stderr, message);
		};

		for (const [args, message] of cases) {
			refused(args, message);
		}

		session.wait(5);
		refused(['--unplug', '2'], /region 0 is ENABLED and ham 1.0 has no hot-remove/);
	});

	test("maximum memory and address space exhausted: exit 1, the controller's words", () => {
		const session = cliSession();
		const file = path.join(session.dir, 'small.json');
		fs.writeFileSync(file, JSON.stringify({base: 'dl760-g2', controller: {maxMemoryBytes: '7G', addressLimitBytes: '6G'}}));
		assert.equal(session.run('--reset', '--scenario', file).code, 0);
		assert.equal(session.run('--plug', '2:1G').code, 0);
		const space = session.run('--plug', '3:1G');
		assert.equal(space.code, 1);
		assert.match(space.stderr, /address space exhausted: no free 1G window below 0x180000000/);
		const full = session.run('--plug', '3:4G');
		assert.equal(full.code, 1);
		assert.match(full.stderr, /maximum memory exhausted: 5G installed \+ 4G > 7G/);
	});

	test("a FAILED region's module can be unplugged, and its region goes", () => {
		const session = cliSession();
		session.run('--plug', '2:1G:mirror');
		assert.match(session.run('--status').stdout, /^0\t.*\tREAD\tFAILED$/m);
		assert.equal(session.run('--unplug', '2').code, 0);
		assert.equal(session.run('--status').stdout, '');
	});

	test('a driver built for another kernel refuses to load until reinstalled', () => {
		const session = cliSession();
		const booted = session.run('--boot', '2.4.9-e.10');
		assert.match(booted.stdout, /built for kernel 2.4.9-e.3-memhotadd, running 2.4.9-e.10: reinstall/);
		assert.equal(session.run('--status').code, 1);
		assert.equal(session.run('--driver', 'start').code, 1);
		assert.equal(session.run('--driver', 'reinstall').code, 0);
		assert.equal(session.run('--status').code, 0);
	});
});

describe('the one-shots as every other tool (lsmem, chmem): -h, -V, the usage line, one code per kind of refusal', () => {
	const hint = "Try 'ham-tui --help' for more information.";
	const version = (JSON.parse(fs.readFileSync('package.json', 'utf8')) as {version: string}).version;

	test('-h and --help print the same help, with the exit codes; -V and --version the version; exit 0', () => {
		const help = runCli(['--help']);
		assert.equal(help.code, 0);
		assert.match(help.stdout, /^ {2}Usage$/m);
		assert.match(help.stdout, /^ {2}Exit codes\n {8}0 {2}done/m);
		assert.deepEqual(runCli(['-h']), help);
		assert.deepEqual(runCli(['-V']), {code: 0, stdout: `${version}\n`, stderr: ''});
		assert.deepEqual(runCli(['--version']), {code: 0, stdout: `${version}\n`, stderr: ''});
	});

	test('an unknown flag: one `ham-tui:` line, then the pointer to --help; exit 2', () => {
		for (const flag of ['--frob', '-x', '--Status']) {
			const result = runCli(['--status', flag]);
			assert.equal(result.code, 2, flag);
			assert.equal(result.stdout, '');
			assert.equal(result.stderr, `ham-tui: unknown flag "${flag}"\n${hint}\n`);
		}
	});

	test("a slot the machine does not have is the controller's refusal, as a size it does not take: exit 1, its words", () => {
		const session = cliSession();
		const refused = (args: string[], message: string) => {
			const result = session.run(...args);
			assert.deepEqual(result, {code: 1, stdout: '', stderr: `ham-tui: ${message}\n`}, args.join(' '));
		};

		refused(['--plug', '2:3G'], 'size 3G not supported: modules of 256M, 512M, 1G, 2G, 4G');
		refused(['--plug', '9:1G'], 'no such slot: 9 (slots are 1-8)');
		refused(['--plug', '0:1G'], 'no such slot: 0 (slots are 1-8)');
		refused(['--plug=-1:1G'], 'no such slot: -1 (slots are 1-8)');
		refused(['--plug', '4096:3G'], 'no such slot: 4096 (slots are 1-8)');
		refused(['--unplug', '9'], 'no such slot: 9 (slots are 1-8)');
		refused(['--unplug', '-1'], 'no such slot: -1 (slots are 1-8)');
		// Refused plugs are logged, as the console's are: the same words.
		const log = (JSON.parse(session.run('--json').stdout) as {log: string[]}).log.join('\n');
		assert.match(log, /controller: no such slot: 9 \(slots are 1-8\)/);
		assert.match(log, /controller: slot 2: size 3G not supported/);
	});

	test("the slot range is the machine's, not a constant", () => {
		const session = cliSession();
		const file = path.join(session.dir, 'four.json');
		fs.writeFileSync(file, JSON.stringify({base: 'dl760-g2', controller: {slots: 4}}));
		assert.equal(session.run('--reset', '--scenario', file).code, 0);
		for (const args of [
			['--plug', '5:1G'],
			['--unplug', '5'],
		]) {
			assert.deepEqual(session.run(...args), {code: 1, stdout: '', stderr: 'ham-tui: no such slot: 5 (slots are 1-4)\n'});
		}

		assert.equal(session.run('--plug', '4:1G').code, 0);
	});

	test('--attempts -1 is told the range (it is a whole number), as --attempts 0 is', () => {
		for (const value of ['-1', '0']) {
			const result = runCli(['--integrate', '--attempts', value]);
			assert.deepEqual(result, {code: 2, stdout: '', stderr: `ham-tui: --attempts must be from 1 to 1000, not ${value}\n${hint}\n`});
		}

		assert.match(
			runCli(['--integrate', '--attempts', 'x']).stderr,
			/^ham-tui: --attempts must be a whole number from 1 to 1000, not "x"$/m,
		);
	});
});

describe('bad input: one clear line, exit 2, nothing changed', () => {
	const cases: Array<[string[], RegExp]> = [
		[['--bogus'], /unknown flag "--bogus"/],
		[['--plug', '2'], /--plug takes SLOT:SIZE/],
		[['--plug', '2:0'], /zero/],
		[['--plug', '2:-1G'], /not a size/],
		[['--plug', '2:1.5G'], /not a size/],
		[['--plug', '2:99999999999T'], /too large/],
		[['--plug', '2:1G:turbo'], /unknown module mode "turbo"/],
		[['--plug', 'x:1G'], /SLOT must be a whole number/],
		[['--unplug', '99999999999999999999'], /SLOT 99999999999999999999 is too large/],
		[['--driver', 'restart'], /--driver takes start, stop or reinstall/],
		[['--workload', 'crazy'], /--workload takes drop-caches/],
		[['--integrate', '--attempts', '0'], /--attempts must be from 1/],
		[['--integrate', '--attempts', 'many'], /--attempts must be a whole number/],
		[['--integrate', '--interval', '-5'], /--interval must be a number of seconds/],
		[['--status', '--plug', '2:1G'], /cannot be used together/],
		[['--attempts', '3'], /--attempts goes with --integrate/],
		[['--reset', '--preset', 'vax'], /unknown preset "vax"/],
		[['--reset', '--preset', 'x86_64', '--scenario', 'a.json'], /cannot be used together/],
		[['--reset', '--seed', '-1'], /--seed must be from 0 to 4294967295, not -1/],
		[['--boot', 'a b'], /--boot needs a kernel version/],
		[['extra'], /unexpected argument "extra"/],
	];
	for (const [args, message] of cases) {
		test(args.join(' '), () => {
			const session = cliSession();
			session.run('--plug', '2:1G');
			const before = fs.readFileSync(session.state);
			const result = session.run(...args);
			assert.equal(result.code, 2);
			assert.match(result.stderr, message);
			assert.equal(result.stdout, '');
			assert.deepEqual(fs.readFileSync(session.state), before);
		});
	}

	test('HAM_TUI_NOW that is not a time', () => {
		const result = runCli(['--status'], {HAM_TUI_NOW: 'yesterday'});
		assert.equal(result.code, 2);
		assert.match(result.stderr, /HAM_TUI_NOW must be seconds since the epoch/);
	});
});

describe('state and scenario files that cannot be used', () => {
	const bad: Array<[string, (file: string) => void, RegExp]> = [
		['garbage', file => fs.writeFileSync(file, 'not json at all'), /not valid JSON/],
		['truncated', file => fs.writeFileSync(file, '{"format":1,"spec":{"na'), /not valid JSON.*truncated/],
		['empty', file => fs.writeFileSync(file, ''), /is empty/],
		['a newer format', file => fs.writeFileSync(file, '{"format": 9}'), /newer ham-tui \(state format 9/],
		['the wrong shape', file => fs.writeFileSync(file, '{"format": 1, "seed": "x"}'), /not a ham-tui state file/],
	];
	for (const [what, make, message] of bad) {
		test(`${what}: exit 3, the file named, left as it was; --reset keeps it aside`, () => {
			const session = cliSession();
			make(session.state);
			const snapshot = () => (fs.statSync(session.state).isFile() ? fs.readFileSync(session.state, 'utf8') : 'dir');
			const before = snapshot();
			const result = session.run('--status');
			assert.equal(result.code, 3);
			assert.ok(result.stderr.includes(session.state), result.stderr);
			assert.match(result.stderr, message);
			assert.equal(session.run('--plug', '2:1G').code, 3);
			assert.equal(snapshot(), before);
			const reset = session.run('--reset');
			assert.equal(reset.code, 0, reset.stderr);
			assert.match(reset.stderr, /kept as .*machine\.json\.bad-/);
			const kept = fs.readdirSync(session.dir).filter(name => name.includes('.bad-'));
			assert.equal(kept.length, 1);
			assert.equal(session.run('--status').code, 0);
		});
	}

	test('a directory: exit 3 for reads, changes and --reset alike; never moved aside', () => {
		const session = cliSession();
		fs.mkdirSync(session.state);
		for (const args of [['--status'], ['--plug', '2:1G'], ['--reset']]) {
			const result = session.run(...args);
			assert.equal(result.code, 3, `${args.join(' ')}: ${result.stderr}`);
			assert.match(result.stderr, /not a regular file \(a directory\)/);
		}

		assert.ok(fs.statSync(session.state).isDirectory());
		assert.deepEqual(fs.readdirSync(session.dir), ['machine.json']);
	});

	test('an invalid scenario is refused with the field and the reason; the machine is kept', () => {
		const session = cliSession();
		session.run('--plug', '2:1G');
		const file = path.join(session.dir, 'bad.json');
		const before = fs.readFileSync(session.state);
		const cases: Array<[unknown, RegExp]> = [
			[{base: 'dl760-g2', controller: {slots: 'eight'}}, /controller\.slots: /],
			[{base: 'dl760-g2', workload: {initial: 'frantic'}}, /workload\.initial: /],
			[{base: 'dl760-g2', kernel: {pageBytes: '3000'}}, /kernel\.pageBytes: must be a power of two/],
			[{base: 'dl760-g2', plugged: [{slot: 12, size: '1G', mode: 'hot-add'}]}, /plugged: slot 12 is past the last slot/],
			[{base: 'dl760-g2', colour: 'blue'}, /colour/],
			[{base: 'pdp-11'}, /base: unknown preset "pdp-11"/],
			[[1, 2], /a scenario is a JSON object/],
		];
		for (const [content, message] of cases) {
			fs.writeFileSync(file, JSON.stringify(content));
			const result = session.run('--reset', '--scenario', file);
			assert.equal(result.code, 3, JSON.stringify(content));
			assert.match(result.stderr, message);
			assert.ok(result.stderr.includes(file));
		}

		assert.deepEqual(fs.readFileSync(session.state), before);
	});
});
