// A real machine's memory blocks at scale: a generated tree of 100,000 blocks, read by
// `ham-tui --status --sysroot DIR` and by `lsmem --sysroot DIR` in the same run, interleaved so
// that machine load and caches hit both alike; then the console's key-to-frame latency on that
// tree. ham-tui must take less wall time than lsmem (ratio below 1).
//   BENCH_SYSFS_BLOCKS (100000), BENCH_SYSFS_RUNS (7), BENCH_SYSFS_PRESSES (40),
//   BENCH_SYSFS_TREE=DIR: reuse a sysroot built before (kept when given), else built and removed.
import {spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import path from 'node:path';
import {render} from 'ink-testing-library';
import {createElement} from 'react';
import {App} from '../source/console/app.js';
import {wallClock} from '../source/console/use-machine.js';
import {sysfsSource} from '../source/machine/sysfs.js';
import {makeMemoryTree, run, tempSysroot} from '../test/helpers/sysfs-tree.js';
import {keyToFrame, sleep} from './key-to-frame.js';
import {median, ms, percentile} from './stats.js';

const blocks = Number(process.env.BENCH_SYSFS_BLOCKS ?? 100_000);
const runs = Number(process.env.BENCH_SYSFS_RUNS ?? 7);
const presses = Number(process.env.BENCH_SYSFS_PRESSES ?? 40);
const cli = path.resolve('dist/cli.js');
const lsmem = ['/usr/bin/lsmem', '/bin/lsmem'].find(file => existsSync(file));

/** A big machine after a hot-add nobody onlined: half online on node 0, a quarter offline, a hole, the rest on node 1. */
function buildTree(sysroot: string): void {
	const half = Math.floor(blocks / 2);
	const quarter = Math.floor(blocks / 4);
	makeMemoryTree(sysroot, {
		nodeEntry: 'link',
		blocks: [
			...run(0, half, {zones: 'Normal'}),
			...run(half, quarter, {state: 'offline', zones: 'Normal Movable'}),
			...run(half + quarter + 8, blocks - half - quarter, {node: 1, zones: 'Movable'}),
		],
	});
}

function time(command: string, args: string[]): number {
	const started = process.hrtime.bigint();
	const result = spawnSync(command, args, {stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8'});
	if (result.status !== 0) {
		throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
	}

	return Number(process.hrtime.bigint() - started) / 1e6;
}

/** The ranges both print, as "start size state" lines, to check that the timings compare like with like. */
function sameRanges(sysroot: string): void {
	const ours = spawnSync(process.execPath, [cli, '--status', '--sysroot', sysroot], {encoding: 'utf8', maxBuffer: 64 * 1024 * 1024});
	const theirs = spawnSync(lsmem!, ['--sysroot', sysroot, '-b', '-J', '-o', 'RANGE,SIZE,STATE'], {
		encoding: 'utf8',
		maxBuffer: 64 * 1024 * 1024,
	});
	const status: Record<string, string> = {ENABLED: 'online', OFFLINE: 'offline', OFFLINING: 'on->off', UNKNOWN: '?'};
	const a = ours.stdout
		.trim()
		.split('\n')
		.map(line => {
			const [, start, size, , state] = line.split('\t');
			return `${BigInt(start!)} ${size} ${status[state!]}`;
		});
	const b = (JSON.parse(theirs.stdout) as {memory: Array<{range: string; size: number; state: string}>}).memory.map(
		row => `${BigInt(row.range.split('-')[0]!)} ${row.size} ${row.state}`,
	);
	if (a.join('\n') !== b.join('\n')) {
		throw new Error(`ham-tui and lsmem disagree on the ranges:\n${a.join('\n')}\n---\n${b.join('\n')}`);
	}
}

async function consoleLatency(sysroot: string) {
	const started = performance.now();
	const source = sysfsSource(sysroot);
	const firstRead = performance.now() - started;
	source.poll(Date.now() / 1000);
	const app = render(createElement(App, {source, clock: wallClock(() => Date.now() / 1000)}));
	await sleep(500);
	// A longer pause: now and then a poll re-reads blocks meanwhile, as in use.
	const timings = await keyToFrame(app, {presses, pauseMs: 60, timeoutMs: 3000, what: 'on the sysfs tree'});

	app.unmount();
	return {firstRead, timings};
}

const given = process.env.BENCH_SYSFS_TREE;
const scratch = given ? undefined : tempSysroot('ham-bench-sysfs-');
const sysroot = given ?? scratch!.sysroot;
try {
	if (!existsSync(path.join(sysroot, 'sys/devices/system/memory/block_size_bytes'))) {
		const started = performance.now();
		buildTree(sysroot);
		console.log(
			`sysfs: built ${blocks.toLocaleString('en')} blocks in ${((performance.now() - started) / 1000).toFixed(1)} s (${sysroot})`,
		);
	}

	if (lsmem) {
		sameRanges(sysroot);
		// One of each first, so that both find the tree in the kernel's caches.
		time(lsmem, ['--sysroot', sysroot]);
		time(process.execPath, [cli, '--status', '--sysroot', sysroot]);
		const ours: number[] = [];
		const theirs: number[] = [];
		for (let index = 0; index < runs; index++) {
			theirs.push(time(lsmem, ['--sysroot', sysroot]));
			ours.push(time(process.execPath, [cli, '--status', '--sysroot', sysroot]));
		}

		const ratio = median(ours) / median(theirs);
		console.log(`sysfs --status on ${blocks.toLocaleString('en')} blocks (${runs} runs each, interleaved; same ranges checked)`);
		console.log(`  lsmem --sysroot            median ${ms(median(theirs))}  p95 ${ms(percentile(theirs, 95))}`);
		console.log(`  ham-tui --status --sysroot median ${ms(median(ours))}  p95 ${ms(percentile(ours, 95))}`);
		console.log(`  ratio                      ${ratio.toFixed(2)} (must be below 1)${ratio >= 1 ? '  SLOWER THAN LSMEM' : ''}`);
	} else {
		console.log('sysfs: lsmem is not installed (util-linux): nothing to compare --status with');
	}

	const {firstRead, timings} = await consoleLatency(sysroot);
	console.log(`sysfs console on ${blocks.toLocaleString('en')} blocks (${presses} keys; a frame at 30 fps is 33.3 ms)`);
	console.log(`  first read                 ${ms(firstRead)}`);
	console.log(
		`  key-to-frame (j/k)         median ${ms(median(timings))}  p95 ${ms(percentile(timings, 95))}  max ${ms(Math.max(...timings))}`,
	);
} finally {
	scratch?.remove();
}
