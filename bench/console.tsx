// Key-to-frame latency of the console: the time from a key (j/k in the regions pane) to the
// frame that shows the cursor moved, at 100 and at 10,000 regions. Only the visible rows are
// rendered, so the ratio between the two should stay near 1.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {render} from 'ink-testing-library';
import {App} from '../source/console/app.js';
import {wallClock} from '../source/console/use-machine.js';
import {simulatedSource} from '../source/machine/source.js';
import {writeMachine} from '../source/store/store.js';
import {machineWithRegions} from '../test/helpers/big.js';
import {keyToFrame, sleep} from './key-to-frame.js';
import {median, ms, percentile} from './stats.js';

const presses = Number(process.env.BENCH_PRESSES ?? 60);

async function latencies(count: number): Promise<number[]> {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ham-bench-console-'));
	const state = path.join(dir, 'machine.json');
	const machine = machineWithRegions(count);
	writeMachine(state, machine);
	const source = simulatedSource(state);
	source.poll(machine.now);
	const app = render(<App source={source} clock={wallClock(() => machine.now)} />);
	await sleep(300);
	const timings = await keyToFrame(app, {presses, pauseMs: 40, timeoutMs: 2000, what: `at ${count} regions`});
	app.unmount();
	fs.rmSync(dir, {recursive: true, force: true});
	return timings;
}

const small = await latencies(100);
const large = await latencies(10_000);
console.log(`console key-to-frame (${presses} keys each; a frame at 30 fps is 33.3 ms)`);
console.log(`  100 regions          median ${ms(median(small))}  p95 ${ms(percentile(small, 95))}`);
console.log(`  10,000 regions       median ${ms(median(large))}  p95 ${ms(percentile(large, 95))}`);
console.log(`  ratio 10,000 / 100   ${(median(large) / median(small)).toFixed(2)} (median)`);
