// The built CLI on a real machine's memory blocks, run as a process on generated trees:
// --status, --all, --json, --integrate with retries and chmem's exit codes, --dry-run, the
// "needs root" line, odd trees and bad flags. A test double (HAM_TUI_TEST_WRITE_ERRORS) stands
// in for the kernel where a write must fail.
import assert from 'node:assert/strict';
import {execFileSync, spawnSync} from 'node:child_process';
import {chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, unlinkSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, test} from 'node:test';
import {parseStatus} from '../source/model/status.js';
import {cliPath, runCli} from './helpers/cli.js';
import {makeMemoryTree, randomTreeSpec, run, type TreeSpec, tempSysroot} from './helpers/sysfs-tree.js';

const scratch = tempSysroot('ham-sysfs-cli-');
after(scratch.remove);
const lsmemPath = '/usr/bin/lsmem';
const hasLsmem = existsSync(lsmemPath);
const now = {HAM_TUI_NOW: '1000000'};
const G = 1024 ** 3;

let count = 0;
function tree(spec: TreeSpec): {sysroot: string; memory: string} {
	const sysroot = path.join(scratch.sysroot, `tree${count++}`);
	return {sysroot, memory: makeMemoryTree(sysroot, spec)};
}

/** A VM after a hot-add nobody onlined: 8 blocks online, 8 offline, 4 online on node 1. */
const hotAdded: TreeSpec = {
	blocks: [...run(0, 8), ...run(8, 8, {state: 'offline', zones: 'Normal Movable'}), ...run(16, 4, {node: 1, zones: 'Movable'})],
};

function states(memory: string, blocks: number[]): string[] {
	return blocks.map(block => readFileSync(path.join(memory, `memory${block}/state`), 'utf8').trim());
}

const range = (first: number, last: number) => Array.from({length: last - first + 1}, (_, i) => first + i);

describe('--status --sysroot', () => {
	test('ranges in the /proc/ham/status shape: ID = first block, ENABLED / OFFLINE, READ/WRITE', () => {
		const {sysroot} = tree(hotAdded);
		const result = runCli(['--status', '--sysroot', sysroot]);
		assert.equal(result.code, 0, result.stderr);
		// stdout is /proc/ham/status alone; the policy, where it matters, is a note on stderr.
		assert.equal(
			result.stderr,
			'ham-tui: note: 8 blocks (1G) offline; auto_online_blocks is offline, so hot-added memory stays offline until onlined: ham-tui --integrate onlines it\n',
		);
		assert.equal(
			result.stdout,
			[
				'0\t0x00000000\t1073741824\tREAD/WRITE\tENABLED',
				'8\t0x40000000\t1073741824\tREAD/WRITE\tOFFLINE',
				'16\t0x80000000\t536870912\tREAD/WRITE\tENABLED',
				'',
			].join('\n'),
		);
		// The same shape scripts parse for the simulated machine.
		assert.equal(parseStatus(result.stdout).length, 3);
	});

	test('--sysroot=DIR and --sysroot DIR, in any order', () => {
		const {sysroot} = tree(hotAdded);
		const expected = runCli(['--status', '--sysroot', sysroot]).stdout;
		assert.equal(runCli(['--status', `--sysroot=${sysroot}`]).stdout, expected);
		assert.equal(runCli(['--sysroot', sysroot, '--status']).stdout, expected);
	});

	test('--all: one line per block', () => {
		const {sysroot} = tree({blocks: [...run(0, 2), {index: 2, state: 'offline'}, {index: 5}]});
		const result = runCli(['--status', '--all', '--sysroot', sysroot]);
		assert.equal(
			result.stdout,
			[
				'0\t0x00000000\t134217728\tREAD/WRITE\tENABLED',
				'1\t0x08000000\t134217728\tREAD/WRITE\tENABLED',
				'2\t0x10000000\t134217728\tREAD/WRITE\tOFFLINE',
				'5\t0x28000000\t134217728\tREAD/WRITE\tENABLED',
				'',
			].join('\n'),
		);
	});

	test('going-offline and unreadable states show as OFFLINING and UNKNOWN', () => {
		const {sysroot} = tree({
			blocks: [
				{index: 0, state: 'going-offline'},
				{index: 1, omit: ['state']},
			],
		});
		const result = runCli(['--status', '--sysroot', sysroot]);
		assert.equal(result.stdout, '0\t0x00000000\t134217728\tREAD/WRITE\tOFFLINING\n1\t0x08000000\t134217728\tREAD/WRITE\tUNKNOWN\n');
		assert.match(result.stderr, /memory1\/state: missing/);
	});

	test("the ranges are lsmem's, on a random tree with holes", {skip: !hasLsmem && 'lsmem is not installed'}, () => {
		const {sysroot} = tree(randomTreeSpec(99, 800));
		const ours = parseStatus(runCli(['--status', '--sysroot', sysroot]).stdout);
		const lsmem = JSON.parse(execFileSync(lsmemPath, ['--sysroot', sysroot, '-b', '-J'], {encoding: 'utf8'})) as {
			memory: Array<{range: string; size: number; state: string; block: string}>;
		};
		const names: Record<string, string> = {online: 'ENABLED', offline: 'OFFLINE', 'on->off': 'OFFLINING', '?': 'UNKNOWN'};
		assert.deepEqual(
			ours.map(row => [row.id, row.start, row.size, row.status]),
			lsmem.memory.map(row => [Number(row.block.split('-')[0]), Number.parseInt(row.range.slice(2, 18), 16), row.size, names[row.state]]),
		);
	});

	test('this machine (--sysfs): the same ranges as lsmem', {
		skip: (!hasLsmem || !existsSync('/sys/devices/system/memory')) && 'no lsmem or no /sys memory blocks',
	}, () => {
		const ours = parseStatus(runCli(['--status', '--sysfs']).stdout);
		const lsmem = JSON.parse(execFileSync(lsmemPath, ['-b', '-J'], {encoding: 'utf8'})) as {memory: Array<{range: string; size: number}>};
		assert.deepEqual(
			ours.map(row => [row.start, row.size]),
			lsmem.memory.map(row => [Number.parseInt(row.range.slice(2, 18), 16), row.size]),
		);
	});
});

describe('--json --sysroot', () => {
	test('ranges with state, removable, node and zones; totals; auto_online_blocks', () => {
		const {sysroot} = tree(hotAdded);
		const result = runCli(['--json', '--sysroot', sysroot]);
		assert.equal(result.code, 0, result.stderr);
		const report = JSON.parse(result.stdout);
		assert.equal(report.source, 'sysfs');
		assert.equal(report.blockSizeBytes, 128 * 1024 * 1024);
		assert.equal(report.autoOnlineBlocks, 'offline');
		assert.deepEqual(report.totals, {
			blocks: 20,
			onlineBlocks: 12,
			onlineBytes: 1.5 * G,
			offlineBlocks: 8,
			offlineBytes: G,
			otherBlocks: 0,
			otherBytes: 0,
		});
		assert.deepEqual(
			report.ranges.map((row: {id: number; blocks: string; state: string; removable: boolean | null; node: number; zones: string[]}) => [
				row.id,
				row.blocks,
				row.state,
				row.removable,
				row.node,
				row.zones,
			]),
			[
				[0, '0-7', 'online', true, 0, ['Normal']],
				[8, '8-15', 'offline', null, 0, ['Normal', 'Movable']],
				[16, '16-19', 'online', true, 1, ['Movable']],
			],
		);
		assert.deepEqual(report.problems, []);
	});

	test('a range shown with node and zones never spans two: split as lsmem -o ...,NODE,ZONES', {
		skip: !hasLsmem && 'lsmem is not installed',
	}, () => {
		// Consecutive online blocks, node 0 Normal, node 0 Movable, node 1 Movable: --status's lsmem grouping makes one range of them.
		const {sysroot} = tree({blocks: [...run(0, 4), ...run(4, 2, {zones: 'Movable'}), ...run(6, 3, {node: 1, zones: 'Movable'})]});
		assert.equal(parseStatus(runCli(['--status', '--sysroot', sysroot]).stdout).length, 1);
		const report = JSON.parse(runCli(['--json', '--sysroot', sysroot]).stdout);
		const lsmem = JSON.parse(
			execFileSync(lsmemPath, ['--sysroot', sysroot, '-b', '-J', '-o', 'RANGE,SIZE,STATE,REMOVABLE,BLOCK,NODE,ZONES'], {encoding: 'utf8'}),
		) as {memory: Array<{block: string; size: number; node: number; zones: string}>};
		const ours = report.ranges.map((row: {blocks: string; size: number; node: number; zones: string[]}) => [
			row.blocks,
			row.size,
			row.node,
			row.zones.join('/'),
		]);
		assert.deepEqual(ours, [
			['0-3', 4 * 128 * 1024 * 1024, 0, 'Normal'],
			['4-5', 2 * 128 * 1024 * 1024, 0, 'Movable'],
			['6-8', 3 * 128 * 1024 * 1024, 1, 'Movable'],
		]);
		assert.deepEqual(
			ours,
			lsmem.memory.map(row => [row.block, row.size, row.node, row.zones]),
		);
	});

	test('removable is read once on a kernel of 5.7 or later (it answers alike for every block), per block on an older or unknown one, as lsmem', () => {
		// Blocks 0-3 say removable, 4-7 not: only a kernel before 5.7 could say so.
		const spec: TreeSpec = {blocks: [...run(0, 4), ...run(4, 4, {removable: false})]};
		const grouped = (release: string | 'fifo' | undefined) => {
			const {sysroot} = tree(spec);
			const kernel = path.join(sysroot, 'proc/sys/kernel');
			mkdirSync(kernel, {recursive: true});
			if (release === 'fifo') {
				execFileSync('mkfifo', [path.join(kernel, 'osrelease')]);
			} else if (release !== undefined) {
				writeFileSync(path.join(kernel, 'osrelease'), `${release}\n`);
			}

			const status = runCli(['--status', '--sysroot', sysroot]);
			assert.equal(status.code, 0, status.stderr);
			const json = JSON.parse(runCli(['--json', '--sysroot', sysroot]).stdout);
			const ranges = json.ranges.map((row: {blocks: string; removable: boolean}) => `${row.blocks} ${row.removable}`);
			assert.equal(status.stdout.trim().split('\n').length, ranges.length, status.stdout);
			return ranges;
		};

		const perBlock = ['0-3 true', '4-7 false'];
		assert.deepEqual(grouped(undefined), perBlock, 'a generated tree names no kernel');
		assert.deepEqual(grouped('5.4.0-150-generic'), perBlock);
		assert.deepEqual(grouped('fifo'), perBlock, 'an osrelease that is not a file is no kernel, and does not hang');
		assert.deepEqual(grouped('5.7.0'), ['0-7 true'], "block 0's answer is every block's");
		assert.deepEqual(grouped('6.1.0-18-amd64'), ['0-7 true']);
	});

	test('--json --all: one entry per block', () => {
		const {sysroot} = tree({blocks: run(0, 3, {removable: false})});
		const report = JSON.parse(runCli(['--json', '--all', '--sysroot', sysroot]).stdout);
		assert.equal(report.grouping, 'block');
		assert.deepEqual(
			report.ranges.map((row: {blocks: string; removable: boolean}) => [row.blocks, row.removable]),
			[
				['0', false],
				['1', false],
				['2', false],
			],
		);
	});
});

describe('odd trees: a message per problem on stderr, the rest still shown, never a crash', () => {
	test('missing, unreadable and odd files, a vanished block and a file in place of a block', () => {
		const {sysroot, memory} = tree({
			blocks: [
				...run(0, 2),
				{index: 2, omit: ['removable']},
				{index: 3, state: 'sleeping'},
				{index: 4, removable: 'maybe\n'},
				...run(5, 2),
				...run(9, 2),
			],
		});
		unlinkSync(path.join(memory, 'memory5/state'));
		mkdirSync(path.join(memory, 'memory5/state'));
		symlinkSync('gone', path.join(memory, 'memory7'));
		writeFileSync(path.join(memory, 'memory8'), 'not a block\n');
		const result = runCli(['--status', '--sysroot', sysroot]);
		assert.equal(result.code, 0);
		assert.deepEqual(result.stderr.trim().split('\n'), [
			`ham-tui: ${memory}/memory2/removable: missing`,
			`ham-tui: ${memory}/memory3/state: unexpected state "sleeping" (expected online, offline or going-offline)`,
			`ham-tui: ${memory}/memory4/removable: "maybe" is not 0 or 1`,
			`ham-tui: ${memory}/memory5/state: unreadable (EISDIR)`,
			`ham-tui: ${memory}/memory7: vanished while reading; block left out`,
			`ham-tui: ${memory}/memory8: not a directory; block left out`,
		]);
		assert.deepEqual(
			parseStatus(result.stdout).map(row => [row.id, row.status]),
			[
				[0, 'ENABLED'],
				[2, 'ENABLED'],
				[3, 'UNKNOWN'],
				[4, 'ENABLED'],
				[5, 'UNKNOWN'],
				[6, 'ENABLED'],
				[9, 'ENABLED'],
			],
		);
	});

	test('control characters in a file never reach the terminal', () => {
		const {sysroot} = tree({blocks: [{index: 0, state: 'on\u001B[2Jline'}]});
		const result = runCli(['--status', '--sysroot', sysroot]);
		assert.doesNotMatch(result.stderr, /\u001B/);
		assert.match(result.stderr, /unexpected state "on\\u001b\[2Jline"/);
	});

	test('an unusable tree: one line naming the path, exit 1', () => {
		const bare = path.join(scratch.sysroot, 'bare');
		mkdirSync(bare);
		const missing = runCli(['--status', '--sysroot', bare]);
		assert.equal(missing.code, 1);
		assert.equal(missing.stdout, '');
		assert.equal(missing.stderr, `ham-tui: cannot list memory blocks in ${bare}/sys/devices/system/memory: ENOENT\n`);
		const {sysroot, memory} = tree({blockSize: 'zz\n', blocks: run(0, 1)});
		const bad = runCli(['--json', '--sysroot', sysroot]);
		assert.equal(bad.code, 1);
		assert.equal(bad.stderr, `ham-tui: ${memory}/block_size_bytes: "zz" is not a memory block size (expected a positive hex number)\n`);
		assert.equal(runCli(['--integrate', '--sysroot', bare]).code, 1);
	});

	test('a tree with no blocks: nothing to show, and said so', () => {
		const {sysroot, memory} = tree({blocks: []});
		const result = runCli(['--status', '--sysroot', sysroot]);
		assert.equal(result.code, 0);
		assert.equal(result.stdout, '');
		assert.equal(result.stderr, `ham-tui: ${memory}: no memoryN block directories\n`);
	});
});

describe('--integrate --sysroot', () => {
	test('onlines every offline block: exit 0; then nothing to do, exit 0', () => {
		const {sysroot, memory} = tree(hotAdded);
		// `online` as the kernel reads it back (a generated tree keeps online_movable as written).
		const result = runCli(['--integrate', '--online-type', 'online', '--sysroot', sysroot], now);
		assert.equal(result.code, 0, result.stderr);
		assert.equal(
			result.stdout,
			['attempt 1/1: blocks 8-15 (0x40000000-0x7fffffff): online', 'integrate: 8 of 8 offline block(s) onlined (1G of 1G)', ''].join('\n'),
		);
		assert.deepEqual(
			states(memory, range(8, 15)),
			Array.from({length: 8}, () => 'online'),
		);
		// One range now: lsmem's default grouping does not split on the node.
		assert.equal(runCli(['--status', '--sysroot', sysroot]).stdout, '0\t0x00000000\t2684354560\tREAD/WRITE\tENABLED\n');
		const again = runCli(['--integrate', '--sysroot', sysroot], now);
		assert.equal(again.code, 0);
		assert.equal(again.stdout, 'integrate: no offline memory block, nothing to do\n');
	});

	test('EBUSY for the first two attempts: the third onlines it, exit 0', () => {
		const {sysroot, memory} = tree(hotAdded);
		const result = runCli(['--integrate', '--attempts', '5', '--interval', '30', '--sysroot', sysroot], {
			...now,
			HAM_TUI_TEST_WRITE_ERRORS: '10-11=EBUSY*2',
		});
		assert.equal(result.code, 0, result.stderr);
		assert.equal(
			result.stdout,
			[
				'attempt 1/5: blocks 8-9 (0x40000000-0x4fffffff): online',
				'attempt 1/5: blocks 10-11 (0x50000000-0x5fffffff): FAILED: EBUSY (resource busy or locked) [retry can help]',
				'attempt 1/5: blocks 12-15 (0x60000000-0x7fffffff): online',
				'attempt 2/5: blocks 10-11 (0x50000000-0x5fffffff): FAILED: EBUSY (resource busy or locked) [retry can help]',
				'attempt 3/5: blocks 10-11 (0x50000000-0x5fffffff): online',
				'integrate: 8 of 8 offline block(s) onlined (1G of 1G)',
				'',
			].join('\n'),
		);
		assert.deepEqual(
			states(memory, range(8, 15)),
			Array.from({length: 8}, () => 'online_movable'),
		);
	});

	test("some blocks never online: exit 64, the kernel's errors named", () => {
		const {sysroot, memory} = tree(hotAdded);
		const result = runCli(['--integrate', '--attempts', '3', '--sysroot', sysroot], {
			...now,
			HAM_TUI_TEST_WRITE_ERRORS: '9=ENOMEM,14=EINVAL',
		});
		assert.equal(result.code, 64, result.stderr);
		assert.match(result.stdout, /^attempt 1\/3: block 9 \(0x48000000-0x4fffffff\): FAILED: ENOMEM \(.+\) \[retry can help\]$/m);
		assert.match(
			result.stdout,
			/^attempt 1\/3: block 14 \(0x70000000-0x77ffffff\): FAILED: EINVAL \(invalid argument\) \[no retry can help\]$/m,
		);
		// Later attempts try only what a retry can help.
		assert.match(result.stdout, /^attempt 3\/3: block 9 .*ENOMEM/m);
		assert.doesNotMatch(result.stdout, /^attempt [23]\/3: block 14/m);
		assert.match(
			result.stdout,
			/integrate: 6 of 8 offline block\(s\) onlined \(768M of 1G\), 2 still offline \(blocks 9, 14: EINVAL, ENOMEM\)\n$/,
		);
		assert.deepEqual(states(memory, [8, 9, 14, 15]), ['online_movable', 'offline', 'offline', 'online_movable']);
	});

	test('no block onlines: exit 1, and no retry when none can help', () => {
		const {sysroot} = tree(hotAdded);
		const result = runCli(['--integrate', '--attempts', '4', '--sysroot', sysroot], {...now, HAM_TUI_TEST_WRITE_ERRORS: '8-15=EINVAL'});
		assert.equal(result.code, 1);
		assert.equal(
			result.stdout,
			[
				'attempt 1/4: blocks 8-15 (0x40000000-0x7fffffff): FAILED: EINVAL (invalid argument) [no retry can help]',
				'integrate: stopping, no retry can help the 8 block(s) left offline',
				'integrate: 0 of 8 offline block(s) onlined (0 of 1G), 8 still offline (blocks 8-15: EINVAL)',
				'',
			].join('\n'),
		);
	});

	test('--interval is slept without HAM_TUI_NOW', () => {
		const {sysroot} = tree({blocks: run(0, 1, {state: 'offline'})});
		const started = Date.now();
		const result = runCli(['--integrate', '--attempts', '2', '--interval', '0.5', '--sysroot', sysroot], {
			HAM_TUI_TEST_WRITE_ERRORS: '0=EAGAIN*1',
		});
		assert.equal(result.code, 0, result.stderr);
		assert.ok(Date.now() - started >= 500, 'the retry waited for the interval');
		assert.match(result.stdout, /attempt 2\/2: block 0 .*: online/);
	});

	test('--online-type movable writes online_movable', () => {
		const {sysroot, memory} = tree({blocks: run(0, 2, {state: 'offline'})});
		assert.equal(runCli(['--integrate', '--online-type', 'movable', '--sysroot', sysroot], now).code, 0);
		// A generated tree keeps what was written; the kernel would then read "online".
		assert.deepEqual(states(memory, [0, 1]), ['online_movable', 'online_movable']);
	});

	test('--dry-run shows each write and makes none', () => {
		const {sysroot, memory} = tree(hotAdded);
		const result = runCli(['--integrate', '--dry-run', '--online-type', 'online_kernel', '--sysroot', sysroot], now);
		assert.equal(result.code, 0);
		assert.equal(
			result.stdout,
			[
				...range(8, 15).map(block => `echo online_kernel > ${memory}/memory${block}/state  # Normal: --online-type online_kernel`),
				'dry run: would write online_kernel to 8 offline block(s) (1G): 8-15; nothing written',
				'',
			].join('\n'),
		);
		assert.deepEqual(
			states(memory, range(8, 15)),
			Array.from({length: 8}, () => 'offline'),
		);
	});

	const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find(file => existsSync(file));
	test('without write permission: "needs root" on one line before anything is tried, exit 1', {
		skip: (!setpriv || process.getuid?.() !== 0) && 'needs setpriv and root to run ham-tui as nobody',
	}, () => {
		const {sysroot, memory} = tree(hotAdded);
		// nobody must be able to read the tree (mkdtemp makes it 0700) and not write it.
		chmodSync(scratch.sysroot, 0o755);
		chmodSync(sysroot, 0o755);
		const result = spawnSync(
			setpriv!,
			[
				'--reuid=65534',
				'--regid=65534',
				'--clear-groups',
				process.execPath,
				cliPath,
				'--integrate',
				'--attempts',
				'3',
				'--sysroot',
				sysroot,
			],
			{
				encoding: 'utf8',
				env: {...process.env, ...now, NO_COLOR: '1'},
			},
		);
		assert.equal(result.status, 1, result.stderr);
		assert.equal(result.stdout, '');
		assert.equal(result.stderr, `ham-tui: onlining memory needs root: cannot write ${memory}/memory8/state (EACCES)\n`);
		assert.deepEqual(
			states(memory, range(8, 15)),
			Array.from({length: 8}, () => 'offline'),
		);
		// Reading needs no root.
		const status = spawnSync(
			setpriv!,
			['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, cliPath, '--status', '--sysroot', sysroot],
			{encoding: 'utf8'},
		);
		assert.equal(status.status, 0, status.stderr);
		assert.equal(parseStatus(status.stdout).length, 3);
	});
});

describe('flags on a real machine', () => {
	const cases: Array<[string[], RegExp]> = [
		[['--plug', '2:1G', '--sysfs'], /--plug works on the simulated machine only, not with --sysfs/],
		[['--driver', 'stop', '--sysroot', '/tmp'], /--driver works on the simulated machine only, not with --sysroot/],
		[['--status', '--sysroot', '/tmp', '--state', '/tmp/x.json'], /--state is the simulated machine's file; it does not go with --sysroot/],
		[['--status', '--sysroot', '/tmp', '--sysfs'], /--sysroot and --sysfs cannot be used together/],
		[['--status', '--all'], /--all works on a real machine: add --sysroot DIR or --sysfs/],
		[['--integrate', '--dry-run'], /--dry-run works on a real machine/],
		[['--status', '--dry-run', '--sysfs'], /--dry-run goes with --integrate/],
		[['--integrate', '--all', '--sysfs'], /--all goes with --status, --json or --watch/],
		[
			['--integrate', '--online-type', 'sideways', '--sysfs'],
			/--online-type takes auto, online, online_movable or online_kernel, not "sideways"/,
		],
		[['--status', '--sysroot', ''], /--sysroot needs a directory/],
	];
	for (const [args, message] of cases) {
		test(args.join(' '), () => {
			const result = runCli(args);
			assert.equal(result.code, 2);
			assert.match(result.stderr, message);
			assert.equal(result.stdout, '');
		});
	}

	test('a malformed HAM_TUI_TEST_WRITE_ERRORS is a usage error, and nothing is written', () => {
		const {sysroot, memory} = tree({blocks: run(0, 1, {state: 'offline'})});
		const result = runCli(['--integrate', '--sysroot', sysroot], {HAM_TUI_TEST_WRITE_ERRORS: 'seven=EBUSY'});
		assert.equal(result.code, 2);
		assert.match(result.stderr, /HAM_TUI_TEST_WRITE_ERRORS: "seven=EBUSY" is not BLOCK\[-BLOCK\]=ECODE\[\*COUNT\]/);
		assert.deepEqual(states(memory, [0]), ['offline']);
	});

	test('--help lists the real-machine flags', () => {
		const help = runCli(['--help']).stdout;
		for (const flag of ['--sysroot DIR', '--sysfs', '--all', '--dry-run', '--online-type']) {
			assert.ok(help.includes(flag), `help lacks ${flag}`);
		}
	});
});
