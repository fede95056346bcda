// One-shot start-to-exit times against baselines measured in the same run, interleaved so that
// machine load hits both alike. Prints medians, p95s and the ratios:
//   --status at 3, 10,000 and BENCH_LARGE regions, against `node -e 0`;
//   --plug at 10,000 regions, against bench/floor-plug.cjs (read, change, atomic write of a copy of
//   the same file: no checks, no lock).
// BENCH_RUNS (40 at 3 regions; a third of it, at least 5, for the big files), BENCH_LARGE,
// BENCH_CLI (another build to time, dist/cli.js by default).
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {largeRegions, now, regionsLabel, stateWithRegions} from './fixtures.js';
import {median, percentile} from './stats.js';

const runs = Number(process.env.BENCH_RUNS ?? 40);
const bigRuns = Math.max(5, Math.round(runs / 3));
const cli = path.resolve(process.env.BENCH_CLI ?? 'dist/cli.js');
const floor = path.resolve('bench/floor-plug.cjs');
const env = {...process.env, HAM_TUI_NOW: String(now)};

function time(args: string[]): number {
	const started = process.hrtime.bigint();
	const result = spawnSync(process.execPath, args, {env, stdio: ['ignore', 'ignore', 'inherit']});
	if (result.status !== 0) {
		throw new Error(`${args.join(' ')} exited ${result.status}`);
	}

	return Number(process.hrtime.bigint() - started) / 1e6;
}

function line(label: string, values: number[]): string {
	return `  ${label.padEnd(34)} median ${median(values).toFixed(1).padStart(7)} ms  p95 ${percentile(values, 95).toFixed(1).padStart(7)} ms`;
}

function ratioLine(ours: number[], baseline: number[], budget: number): string {
	const ratio = median(ours) / median(baseline);
	return `  ${'ratio'.padEnd(34)} ${ratio.toFixed(2)} (budget ${budget.toFixed(2)})${ratio > budget ? '  OVER BUDGET' : ''}`;
}

/** `ours` and `baseline` run in turn, `count` times each, after one warm-up run of each. */
function compare(count: number, ours: () => string[], baseline: () => string[]): {ours: number[]; baseline: number[]} {
	time(baseline());
	time(ours());
	const result = {ours: [] as number[], baseline: [] as number[]};
	for (let index = 0; index < count; index++) {
		result.baseline.push(time(baseline()));
		result.ours.push(time(ours()));
	}

	return result;
}

console.log(`one-shots (interleaved with their baselines; ${runs} runs at 3 regions, ${bigRuns} on the big files)`);

// A machine with a few regions, as a monitor would read it.
const smallDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ham-bench-'));
const small = path.join(smallDir, 'machine.json');
for (const plug of ['2:1G', '3:2G', '4:512M:mirror']) {
	spawnSync(process.execPath, [cli, '--plug', plug, '--state', small], {env});
}

for (const [count, state, repeat, budget] of [
	[3, small, runs, 1.5],
	[10_000, stateWithRegions(10_000), bigRuns, 2],
	[largeRegions, stateWithRegions(largeRegions), bigRuns, 5],
] as const) {
	const {ours, baseline} = compare(
		repeat,
		() => [cli, '--status', '--state', state],
		() => ['-e', '0'],
	);
	console.log(`--status at ${regionsLabel(count)}`);
	console.log(line('node -e 0', baseline));
	console.log(line('ham-tui --status', ours));
	console.log(ratioLine(ours, baseline, budget));
}

// --plug into a new empty slot each time; the floor changes its own copy of the same file.
const plugState = stateWithRegions(10_000, bigRuns + 1);
const floorDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ham-bench-floor-'));
const floorState = path.join(floorDir, 'machine.json');
fs.copyFileSync(plugState, floorState);
let slot = 10_002;
const {ours, baseline} = compare(
	bigRuns,
	() => [cli, '--plug', `${slot++}:128M`, '--state', plugState],
	() => [floor, floorState, String(slot)],
);
console.log(`--plug at ${regionsLabel(10_000)}`);
console.log(line('floor (read, change, atomic write)', baseline));
console.log(line('ham-tui --plug', ours));
console.log(ratioLine(ours, baseline, 2));
fs.rmSync(smallDir, {recursive: true, force: true});
fs.rmSync(floorDir, {recursive: true, force: true});
