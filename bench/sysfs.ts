// A real machine's memory blocks at scale, on generated trees (test/helpers/sysfs-tree.ts), each
// figure against baselines measured in the same run:
//   --status: `ham-tui --status --sysroot T` against `lsmem --sysroot T` and bench/floor-sysfs.cjs
//     (Node reading the same files as cheaply as one thread can, printing nothing), interleaved so
//     that load and caches hit all three alike; the same ranges checked; each one's peak memory
//     (GNU time's %M) and system calls (strace -c -f), when those tools are there;
//   --integrate of BENCH_SYSFS_INTEGRATE offline blocks: time per block against a shell loop
//     writing `online` to each state file, every block read back online after each;
//   the console: its first frame over the largest tree in a real terminal (node-pty, 80x24)
//     against `node -e 0` there, its idle CPU, and key-to-frame latency (j/k).
// Goals (issue 14): --status at most 0.8x lsmem at 10,000 blocks and 0.5x from 100,000 on, within
// 1.3x of the floor script; the console's first frame over 100,000 blocks within 1.5 s, idle under 1%.
//   BENCH_SYSFS_SIZES (10000,100000); BENCH_SYSFS_HUGE=1 adds 1,000,000 (building it takes many
//   minutes and about 7 million inodes, reading it a minute a run: 3 runs); BENCH_SYSFS_RUNS (7);
//   BENCH_SYSFS_INTEGRATE (100000, 0 skips); BENCH_SYSFS_IDLE_SECONDS (10, after 20 s settling);
//   BENCH_SYSFS_PRESSES (40); BENCH_SYSFS_TREES: where the trees are kept between runs (default
//   ham-tui-bench-trees in the temporary directory: 100,000 blocks take about 35 s to build).
import {spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {render} from 'ink-testing-library';
import {createElement} from 'react';
import {App} from '../source/console/app.js';
import {wallClock} from '../source/console/use-machine.js';
import {busyForMs, sysfsSource} from '../source/machine/sysfs.js';
import {startInPty} from '../test/helpers/pty.js';
import {makeMemoryTree, run} from '../test/helpers/sysfs-tree.js';
import {keyToFrame, sleep} from './key-to-frame.js';
import {cpuTicks, ticksPerSecond, until} from './pty-measure.js';
import {median, ms, percentile} from './stats.js';

const sizes = [
	...(process.env.BENCH_SYSFS_SIZES ?? '10000,100000').split(',').map(Number),
	...(process.env.BENCH_SYSFS_HUGE === '1' ? [1_000_000] : []),
];
const runs = Number(process.env.BENCH_SYSFS_RUNS ?? 7);
const integrateBlocks = Number(process.env.BENCH_SYSFS_INTEGRATE ?? 100_000);
const idleSeconds = Number(process.env.BENCH_SYSFS_IDLE_SECONDS ?? 10);
const presses = Number(process.env.BENCH_SYSFS_PRESSES ?? 40);
const trees = path.resolve(process.env.BENCH_SYSFS_TREES ?? path.join(tmpdir(), 'ham-tui-bench-trees'));
const cli = path.resolve('dist/cli.js');
const floor = path.resolve('bench/floor-sysfs.cjs');
const tool = (name: string) => [`/usr/bin/${name}`, `/bin/${name}`].find(file => existsSync(file));
const lsmem = tool('lsmem');
const gnuTime = tool('time');
const strace = tool('strace');
// The trees' shape; a tree built with another shape (or half built) is built again.
const shape = 'v1';

/** A big machine after a hot-add nobody onlined: half online on node 0, a quarter offline, a hole, the rest on node 1. */
function hotAdded(blocks: number) {
	const half = Math.floor(blocks / 2);
	const quarter = Math.floor(blocks / 4);
	return [
		...run(0, half, {zones: 'Normal'}),
		...run(half, quarter, {state: 'offline', zones: 'Normal Movable'}),
		...run(half + quarter + 8, blocks - half - quarter, {node: 1, zones: 'Movable'}),
	];
}

/** The tree `name`, built unless a complete one of this shape is there (its marker is written last). */
function tree(name: string, build: (sysroot: string) => void): string {
	const sysroot = path.join(trees, name);
	const marker = path.join(sysroot, 'built');
	if (existsSync(marker) && readFileSync(marker, 'utf8') === shape) {
		return sysroot;
	}

	rmSync(sysroot, {recursive: true, force: true});
	mkdirSync(sysroot, {recursive: true});
	const started = performance.now();
	build(sysroot);
	writeFileSync(marker, shape);
	console.log(`  built ${name} in ${((performance.now() - started) / 1000).toFixed(0)} s (${sysroot})`);
	return sysroot;
}

const statusTree = (blocks: number) =>
	tree(`status-${blocks}`, root => makeMemoryTree(root, {nodeEntry: 'link', blocks: hotAdded(blocks)}));

/**
 * The same blocks as a kernel of 5.7 or later shows them: a sysroot beside the tree whose `sys` is
 * the tree's and whose proc/sys/kernel/osrelease says 6.12, where --status reads removable once.
 */
function modernKernel(sysroot: string): string {
	const modern = `${sysroot}-6.12`;
	rmSync(modern, {recursive: true, force: true});
	mkdirSync(path.join(modern, 'proc/sys/kernel'), {recursive: true});
	symlinkSync(path.join(sysroot, 'sys'), path.join(modern, 'sys'));
	writeFileSync(path.join(modern, 'proc/sys/kernel/osrelease'), '6.12.0\n');
	return modern;
}

type Command = {label: string; file: string; args: string[]; env?: NodeJS.ProcessEnv};

function time(command: Command): number {
	const started = process.hrtime.bigint();
	const result = spawnSync(command.file, command.args, {
		stdio: ['ignore', 'ignore', 'pipe'],
		encoding: 'utf8',
		env: {...process.env, ...command.env},
	});
	if (result.status !== 0) {
		throw new Error(`${command.label} exited ${result.status}: ${result.stderr}`);
	}

	return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Peak memory in MB, by GNU time; undefined without it. */
function peakMb(command: Command): number | undefined {
	if (!gnuTime) {
		return undefined;
	}

	const result = spawnSync(gnuTime, ['-f', '%M', command.file, ...command.args], {
		stdio: ['ignore', 'ignore', 'pipe'],
		encoding: 'utf8',
		env: {...process.env, ...command.env},
	});
	return Number(result.stderr.trim().split('\n').at(-1)) / 1024;
}

const counted = ['openat', 'read', 'close', 'getdents64', 'newfstatat', 'statx', 'fstat', 'fcntl'] as const;

/** System calls by name (strace -c -f), all threads; undefined without strace. */
function syscalls(command: Command, scratch: string): Map<string, number> | undefined {
	if (!strace) {
		return undefined;
	}

	const output = path.join(scratch, 'strace.txt');
	spawnSync(strace, ['-f', '-c', '-o', output, command.file, ...command.args], {stdio: 'ignore', env: {...process.env, ...command.env}});
	const calls = new Map<string, number>();
	for (const line of readFileSync(output, 'utf8').split('\n')) {
		// "% time seconds usecs/call calls errors syscall": calls is the 4th column, the name the last.
		const fields = line.trim().split(/\s+/);
		const name = fields.at(-1);
		if (fields.length >= 5 && name && /^\d/.test(fields[0] ?? '') && name !== 'total') {
			calls.set(name, Number(fields[3]));
		}
	}

	return calls;
}

/** The ranges both print, as "start size state" lines, to check that the timings compare like with like. */
function sameRanges(sysroot: string): void {
	const ours = spawnSync(process.execPath, [cli, '--status', '--sysroot', sysroot], {encoding: 'utf8', maxBuffer: 64 * 1024 * 1024});
	const theirs = spawnSync(lsmem ?? 'lsmem', ['--sysroot', sysroot, '-b', '-J', '-o', 'RANGE,SIZE,STATE'], {
		encoding: 'utf8',
		maxBuffer: 64 * 1024 * 1024,
	});
	const status: Record<string, string> = {ENABLED: 'online', OFFLINE: 'offline', OFFLINING: 'on->off', UNKNOWN: '?'};
	const a = ours.stdout
		.trim()
		.split('\n')
		.map(line => {
			const [, start, size, , state] = line.split('\t');
			return `${BigInt(start ?? '0')} ${size} ${status[state ?? '']}`;
		});
	const b = (JSON.parse(theirs.stdout) as {memory: Array<{range: string; size: number; state: string}>}).memory.map(
		row => `${BigInt(row.range.split('-')[0] ?? '0')} ${row.size} ${row.state}`,
	);
	if (a.join('\n') !== b.join('\n')) {
		throw new Error(`ham-tui and lsmem disagree on the ranges:\n${a.join('\n')}\n---\n${b.join('\n')}`);
	}
}

const ratio = (value: number, goal?: number) => `${value.toFixed(2)}x${goal !== undefined && value > goal ? ' MISSED' : ''}`;
const pad = (text: string, width: number) => text.padStart(width);

function statusTable(): string {
	const scratch = path.join(trees, 'scratch');
	mkdirSync(scratch, {recursive: true});
	const rows: string[] = [];
	const details: string[] = [];
	for (const blocks of sizes) {
		const sysroot = statusTree(blocks);
		const commands: Command[] = [
			{label: 'lsmem', file: lsmem ?? 'lsmem', args: ['--sysroot', sysroot]},
			{label: 'floor', file: process.execPath, args: [floor, sysroot]},
			{label: 'ham-tui', file: process.execPath, args: [cli, '--status', '--sysroot', sysroot]},
			{label: 'ham-tui, 1 thread', file: process.execPath, args: [cli, '--status', '--sysroot', sysroot], env: {HAM_TUI_READ_THREADS: '1'}},
			{label: 'ham-tui, 6.12', file: process.execPath, args: [cli, '--status', '--sysroot', modernKernel(sysroot)]},
		];
		sameRanges(sysroot);
		const times = new Map(commands.map(command => [command.label, [] as number[]]));
		// One of each first, so that all find the tree in the kernel's caches.
		for (const command of commands) {
			time(command);
		}

		const count = blocks >= 1_000_000 ? Math.min(runs, 3) : runs;
		for (let index = 0; index < count; index++) {
			for (const command of commands) {
				times.get(command.label)?.push(time(command));
			}
		}

		const at = (label: string) => median(times.get(label) ?? []);
		const [ours, theirs, floorMs, one, modern] = [at('ham-tui'), at('lsmem'), at('floor'), at('ham-tui, 1 thread'), at('ham-tui, 6.12')];
		rows.push(
			`${pad(blocks.toLocaleString('en'), 10)} ${pad(ms(theirs), 11)} ${pad(ms(floorMs), 11)} ${pad(ms(ours), 11)} ${pad(ratio(ours / theirs, blocks >= 100_000 ? 0.5 : 0.8), 12)} ${pad(ratio(ours / floorMs, 1.3), 12)}   (1 thread ${ms(one)}, ${ratio(one / theirs)} lsmem; a 6.12 kernel's tree, removable read once: ${ms(modern)}, ${ratio(modern / theirs)} lsmem)`,
		);
		const memory = commands.slice(0, 3).map(command => `${command.label} ${peakMb(command)?.toFixed(0) ?? '?'} MB`);
		details.push(`  ${blocks.toLocaleString('en')} blocks, peak memory: ${gnuTime ? memory.join(', ') : 'skipped (no GNU time)'}`);
		if (strace) {
			details.push(`  ${blocks.toLocaleString('en')} blocks, system calls (strace -c -f):`);
			for (const command of commands.slice(0, 3)) {
				const calls = syscalls(command, scratch);
				const total = [...(calls?.values() ?? [])].reduce((sum, value) => sum + value, 0);
				details.push(
					`    ${command.label.padEnd(8)} ${pad(total.toLocaleString('en'), 10)} in all; ${counted.map(name => `${name} ${(calls?.get(name) ?? 0).toLocaleString('en')}`).join(', ')}`,
				);
			}
		} else {
			details.push('  system calls: skipped (no strace)');
		}
	}

	rmSync(scratch, {recursive: true, force: true});
	for (const blocks of sizes) {
		rmSync(`${statusTree(blocks)}-6.12`, {recursive: true, force: true});
	}

	return [
		`--status over sysfs (medians of ${runs} interleaved runs; same ranges as lsmem checked; goals 0.8x lsmem at 10k, 0.5x from 100k, 1.3x floor)`,
		`${pad('blocks', 10)} ${pad('lsmem', 11)} ${pad('floor', 11)} ${pad('ham-tui', 11)} ${pad('/lsmem', 12)} ${pad('/floor', 12)}`,
		...rows,
		...details,
	].join('\n');
}

/** Every block of the memory directory offline again (not timed). */
function allOffline(memory: string, blocks: number): void {
	for (let index = 0; index < blocks; index++) {
		writeFileSync(path.join(memory, `memory${index}/state`), 'offline\n');
	}
}

function onlineCount(memory: string, blocks: number): number {
	let online = 0;
	for (let index = 0; index < blocks; index++) {
		online += readFileSync(path.join(memory, `memory${index}/state`), 'utf8').startsWith('online') ? 1 : 0;
	}

	return online;
}

function integrateTable(): string {
	const sysroot = tree(`offline-${integrateBlocks}`, root =>
		makeMemoryTree(root, {blocks: run(0, integrateBlocks, {state: 'offline', zones: 'Normal Movable'})}),
	);
	const memory = path.join(sysroot, 'sys/devices/system/memory');
	const audit = path.join(trees, 'audit.log');
	const commands: Command[] = [
		{label: 'shell loop', file: 'bash', args: ['-c', `cd '${memory}' && for f in memory*/state; do echo online > "$f"; done`]},
		{
			label: 'ham-tui --integrate',
			file: process.execPath,
			args: [cli, '--integrate', '--sysroot', sysroot],
			env: {HAM_TUI_AUDIT_LOG: audit},
		},
	];
	const times = new Map(commands.map(command => [command.label, [] as number[]]));
	for (let index = 0; index < 3; index++) {
		for (const command of commands) {
			allOffline(memory, integrateBlocks);
			times.get(command.label)?.push(time(command));
			const online = onlineCount(memory, integrateBlocks);
			if (online !== integrateBlocks) {
				throw new Error(`${command.label} left ${integrateBlocks - online} block(s) offline`);
			}
		}
	}

	rmSync(audit, {force: true});
	const perBlock = (label: string) => (median(times.get(label) ?? []) * 1000) / integrateBlocks;
	const [shell, ours] = [perBlock('shell loop'), perBlock('ham-tui --integrate')];
	return [
		`--integrate of ${integrateBlocks.toLocaleString('en')} offline blocks (medians of 3; every block read back online)`,
		`  shell loop (bash, echo online > state)  ${shell.toFixed(1)} µs/block`,
		`  ham-tui --integrate --sysroot           ${ours.toFixed(1)} µs/block  ${ratio(ours / shell)} the shell loop (with its audit log line per block)`,
	].join('\n');
}

async function consoleFigures(): Promise<string> {
	const blocks = Math.max(...sizes.filter(size => size <= 100_000));
	const sysroot = statusTree(blocks);
	const lines = [`the console over ${blocks.toLocaleString('en')} blocks (80x24 pty)`];
	const nodeStarted = performance.now();
	const node = startInPty(process.execPath, ['-e', '0']);
	await node.exited;
	const nodeMs = performance.now() - nodeStarted;
	node.dispose();
	const started = performance.now();
	const session = startInPty(process.execPath, [cli, '--sysroot', sysroot], {cols: 80, rows: 24});
	try {
		// The first frame comes while the threads read (the memory pane counts the blocks read); the
		// ranges come once every block is read.
		await until(session, screen => screen.includes('q quit'), 120_000, 'first frame');
		const first = performance.now() - started;
		await until(session, screen => /0x[0-9a-f]{8}/.test(screen) && !screen.includes('reading '), 120_000, 'every block read');
		const whole = performance.now() - started;
		lines.push(`  first frame                ${ms(first)}  (node -e 0 ${ms(nodeMs)}; goal 1.5 s${first > 1500 ? ' MISSED' : ''})`);
		lines.push(
			`  every block read and shown ${ms(whole)}  (--status reads less: state and removable; this reads zones, nodes, firmware_node too)`,
		);
		// Idle is after the faster minute that follows a change (machine/sysfs.ts busyForMs).
		await sleep(busyForMs + 10_000);
		const ticks = cpuTicks(session.pid);
		const idleStarted = performance.now();
		await sleep(idleSeconds * 1000);
		const cpu = ((cpuTicks(session.pid) - ticks) / ticksPerSecond / ((performance.now() - idleStarted) / 1000)) * 100;
		lines.push(
			`  idle CPU (${idleSeconds} s, ${(busyForMs + 10_000) / 1000} s after the read)   ${cpu.toFixed(2)}% of a core  (goal under 1%${cpu >= 1 ? ' MISSED' : ''})`,
		);
	} finally {
		session.dispose();
		await session.exited;
	}

	// Key-to-frame in this process (ink-testing-library), the rolling re-read running meanwhile.
	const source = sysfsSource(sysroot);
	for (let snapshot = source.poll(Date.now() / 1000); snapshot.kind === 'sysfs' && snapshot.sysfs.reading; ) {
		await sleep(50);
		snapshot = source.poll(Date.now() / 1000);
	}

	const app = render(createElement(App, {source, clock: wallClock(() => Date.now() / 1000)}));
	await sleep(500);
	const timings = await keyToFrame(app, {presses, pauseMs: 60, timeoutMs: 3000, what: 'on the sysfs tree'});
	app.unmount();
	lines.push(
		`  key-to-frame (j/k)         median ${ms(median(timings))}  p95 ${ms(percentile(timings, 95))}  (${presses} keys; a frame at 30 fps is 33.3 ms)`,
	);
	return lines.join('\n');
}

if (lsmem) {
	console.log(statusTable());
} else {
	console.log('sysfs: lsmem is not installed (util-linux): nothing to compare --status with');
}

console.log('');
console.log(integrateBlocks > 0 ? integrateTable() : '--integrate: skipped (BENCH_SYSFS_INTEGRATE=0)');
console.log('');
console.log(await consoleFigures());
