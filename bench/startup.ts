// Start-to-exit time of `ham-tui --status` against `node -e 0`, measured in the
// same run, interleaved so that machine load hits both alike. Prints medians and the ratio.
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {median, percentile} from './stats.js';

const runs = Number(process.env.BENCH_RUNS ?? 40);
const cli = path.resolve('dist/cli.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ham-bench-'));
const state = path.join(dir, 'machine.json');
const env = {...process.env, HAM_TUI_NOW: '1000000'};

function time(args: string[]): number {
	const started = process.hrtime.bigint();
	const result = spawnSync(process.execPath, args, {env, stdio: ['ignore', 'ignore', 'inherit']});
	if (result.status !== 0) {
		throw new Error(`${args.join(' ')} exited ${result.status}`);
	}

	return Number(process.hrtime.bigint() - started) / 1e6;
}

// A machine with a few regions, as a monitor would read it.
for (const args of [
	['--plug', '2:1G'],
	['--plug', '3:2G'],
	['--plug', '4:512M:mirror'],
]) {
	spawnSync(process.execPath, [cli, ...args, '--state', state], {env});
}

time([cli, '--status', '--state', state]);
const status: number[] = [];
const baseline: number[] = [];
for (let index = 0; index < runs; index++) {
	baseline.push(time(['-e', '0']));
	status.push(time([cli, '--status', '--state', state]));
}

const ratio = median(status) / median(baseline);
console.log(`startup (${runs} runs each, interleaved)`);
console.log(`  node -e 0            median ${median(baseline).toFixed(1)} ms  p95 ${percentile(baseline, 95).toFixed(1)} ms`);
console.log(`  ham-tui --status     median ${median(status).toFixed(1)} ms  p95 ${percentile(status, 95).toFixed(1)} ms`);
console.log(`  ratio                ${ratio.toFixed(2)} (budget 1.50)${ratio > 1.5 ? '  OVER BUDGET' : ''}`);
fs.rmSync(dir, {recursive: true, force: true});
