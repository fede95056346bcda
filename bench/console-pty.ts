// The built console (dist/cli.js) in a real terminal (node-pty, headless xterm at 80x24), its
// clock running, against baselines measured in the same run:
//   first full frame at 100, 10,000 and BENCH_LARGE regions, against `node -e 0` in the same pty;
//   idle CPU, RSS and bytes written a second at 3 and 10,000 regions, against bench/idle-floor.cjs
//     (a stat every 250 ms and a clock line once a second);
//   key-to-frame (j/k in the regions pane, the time to the frame that shows the cursor moved) at
//     10,000 and BENCH_LARGE regions.
// BENCH_FRAME_RUNS (8), BENCH_IDLE_SECONDS (10), BENCH_IDLE_SETTLE (60), BENCH_PRESSES (60), BENCH_LARGE, BENCH_CLI (dist/cli.js).
import path from 'node:path';
import {keys, type PtySession, startInPty} from '../test/helpers/pty.js';
import {largeRegions, now, regionsLabel, stateWithRegions} from './fixtures.js';
import {sleep} from './key-to-frame.js';
import {cpuTicks, rssBytes, ticksPerSecond, until} from './pty-measure.js';
import {median, percentile} from './stats.js';

const frameRuns = Number(process.env.BENCH_FRAME_RUNS ?? 8);
const idleSeconds = Number(process.env.BENCH_IDLE_SECONDS ?? 10);
const settleSeconds = Number(process.env.BENCH_IDLE_SETTLE ?? 60);
const presses = Number(process.env.BENCH_PRESSES ?? 60);
const cli = path.resolve(process.env.BENCH_CLI ?? 'dist/cli.js');
const floor = path.resolve('bench/idle-floor.cjs');
const env = {HAM_TUI_NOW: String(now)};

function start(args: string[]): PtySession {
	return startInPty(process.execPath, args, {cols: 80, rows: 24, env});
}

const fullFrame = (screen: string) => screen.includes('q quit');

async function firstFrame(state: string): Promise<number> {
	const started = performance.now();
	const session = start([cli, '--state', state]);
	try {
		await until(session, fullFrame, 120_000, 'first frame');
		return performance.now() - started;
	} finally {
		session.dispose();
		await session.exited;
	}
}

async function nodeExit(): Promise<number> {
	const started = performance.now();
	const session = start(['-e', '0']);
	await session.exited;
	const elapsed = performance.now() - started;
	session.dispose();
	return elapsed;
}

/** The console, drawn and reading keys (Ink takes raw mode after its first frame). */
async function openConsole(state: string): Promise<PtySession> {
	const session = start([cli, '--state', state]);
	await until(session, fullFrame, 120_000, 'first frame');
	for (let tries = 0; ; tries++) {
		session.press('?');
		try {
			await until(session, screen => screen.includes('Keys · ? or Esc closes'), 2000, 'help');
			break;
		} catch (error) {
			if (tries >= 30) {
				throw error;
			}
		}
	}

	session.press(keys.escape);
	await until(session, fullFrame, 30_000, 'the console after the help');
	return session;
}

type Idle = {cpuPercent: number; rssBytes: number; bytesPerSecond: number};

/**
 * CPU, the largest RSS seen and the bytes written over idleSeconds, after settleSeconds: idle is the
 * steady state, not what follows a 10,000-region first frame (V8's memory reducer runs major
 * collections for ~25 s after it, and 10 s after start read 1.2% where 60 s after reads 0.4%).
 */
async function idle(session: PtySession): Promise<Idle> {
	await sleep(settleSeconds * 1000);
	const ticks = cpuTicks(session.pid);
	const written = session.raw().length;
	let rss = rssBytes(session.pid);
	const started = performance.now();
	while (performance.now() - started < idleSeconds * 1000) {
		await sleep(250);
		rss = Math.max(rss, rssBytes(session.pid));
	}

	const seconds = (performance.now() - started) / 1000;
	return {
		cpuPercent: ((cpuTicks(session.pid) - ticks) / ticksPerSecond / seconds) * 100,
		rssBytes: rss,
		bytesPerSecond: Buffer.byteLength(session.raw().slice(written)) / seconds,
	};
}

const selectedRegion = (screen: string) => /›\s*(\d+) +0x/.exec(screen)?.[1];

async function keyToFrame(session: PtySession, what: string): Promise<number[]> {
	const timings: number[] = [];
	for (let index = 0; index < presses; index++) {
		const before = selectedRegion(session.screen());
		const pressed = performance.now();
		session.press(index % 2 === 0 ? 'j' : 'k');
		await until(session, screen => selectedRegion(screen) !== before, 30_000, `frame after a key ${what}`);
		timings.push(performance.now() - pressed);
		await sleep(40);
	}

	return timings;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const over = (value: number, budget: number) => (value > budget ? '  OVER BUDGET' : '');
const timing = (label: string, values: number[]) =>
	`  ${label.padEnd(30)} median ${median(values).toFixed(1).padStart(7)} ms  p95 ${percentile(values, 95).toFixed(1).padStart(7)} ms`;

console.log(`console in a pty, 80x24, clock running (${frameRuns} starts each, interleaved with node -e 0 in the same pty)`);
const states = new Map<number, string>();
const stateFor = (count: number) => {
	let state = states.get(count);
	if (!state) {
		state = stateWithRegions(count);
		states.set(count, state);
	}

	return state;
};

for (const [count, budget] of [
	[100, 3],
	[10_000, 5],
	[largeRegions, 5],
] as const) {
	const state = stateFor(count);
	const ours: number[] = [];
	const baseline: number[] = [];
	await nodeExit();
	await firstFrame(state);
	for (let index = 0; index < frameRuns; index++) {
		baseline.push(await nodeExit());
		ours.push(await firstFrame(state));
	}

	const ratio = median(ours) / median(baseline);
	console.log(`first full frame at ${regionsLabel(count)}`);
	console.log(timing('node -e 0 (to its exit)', baseline));
	console.log(timing('ham-tui (to the key bar)', ours));
	console.log(
		`  ${'ratio'.padEnd(30)} ${ratio.toFixed(2)}${count === largeRegions ? ' (no budget at this size)' : ` (budget ${budget.toFixed(2)})${over(ratio, budget)}`}`,
	);
}

const floorSession = start([floor, stateFor(3)]);
await until(floorSession, screen => /\d\d:\d\d:\d\dZ/.test(screen), 10_000, 'floor clock');
const floorIdle = await idle(floorSession);
floorSession.dispose();
console.log(`idle over ${idleSeconds} s (after a ${settleSeconds} s settle)`);
const idleLine = (label: string, figures: Idle) =>
	`  ${label.padEnd(30)} CPU ${figures.cpuPercent.toFixed(2).padStart(5)}% of a core  RSS ${mib(figures.rssBytes).padStart(10)}  ${figures.bytesPerSecond.toFixed(0).padStart(6)} B/s written`;
console.log(idleLine('floor (stat 4/s, clock 1/s)', floorIdle));
for (const count of [3, 10_000]) {
	const session = await openConsole(stateFor(count));
	const figures = await idle(session);
	console.log(idleLine(`ham-tui at ${regionsLabel(count)}`, figures));
	if (count === 10_000) {
		console.log(
			`  ${'budget at 10,000'.padEnd(30)} CPU under 1% (${figures.cpuPercent.toFixed(2)}%${over(figures.cpuPercent, 1)}), RSS under 150 MiB (${(figures.rssBytes / floorIdle.rssBytes).toFixed(2)}x the floor's${over(figures.rssBytes, 150 * 1024 * 1024)})`,
		);
	}

	console.log(
		`  ${''.padEnd(30)} bytes a second ${(figures.bytesPerSecond / Math.max(1, floorIdle.bytesPerSecond)).toFixed(1)}x the floor's (budget 300 B/s${over(figures.bytesPerSecond, 300)})`,
	);
	session.dispose();
	await session.exited;
}

console.log(`key-to-frame in the pty (${presses} keys each, clock running; a frame at 60 fps is 16.7 ms)`);
for (const count of [10_000, largeRegions]) {
	const session = await openConsole(stateFor(count));
	await sleep(1000);
	const timings = await keyToFrame(session, `at ${regionsLabel(count)}`);
	session.dispose();
	await session.exited;
	console.log(timing(regionsLabel(count), timings));
	console.log(`  ${''.padEnd(30)} budget median 16 ms${over(median(timings), 16)}, p95 33 ms${over(percentile(timings, 95), 33)}`);
}
