// Key-to-frame latency of the console in-process (ink-testing-library: React and Ink's layout,
// no terminal): the time from a key (j/k in the regions pane) to the frame that shows the cursor
// moved, at 100, 10,000 and BENCH_LARGE regions, with the clock running, so that the console's
// polls and its once-a-second re-derivation run between and during the keys. Only the visible
// rows are rendered, so the ratio between sizes should stay near 1. BENCH_PRESSES (60), BENCH_LARGE.
import {render} from 'ink-testing-library';
import {App} from '../source/console/app.js';
import {wallClock} from '../source/console/use-machine.js';
import {simulatedSource} from '../source/machine/source.js';
import {largeRegions, now, regionsLabel, stateWithRegions} from './fixtures.js';
import {keyToFrame, sleep} from './key-to-frame.js';
import {median, ms, percentile} from './stats.js';

const presses = Number(process.env.BENCH_PRESSES ?? 60);

async function latencies(count: number): Promise<number[]> {
	const state = stateWithRegions(count);
	const source = simulatedSource(state);
	const started = Date.now();
	const clock = wallClock(() => now + (Date.now() - started) / 1000);
	source.poll(clock.now());
	const app = render(<App source={source} clock={clock} />);
	await sleep(1300);
	const timings = await keyToFrame(app, {presses, pauseMs: 40, timeoutMs: 30_000, what: `at ${count} regions`});
	app.unmount();
	return timings;
}

console.log(`console key-to-frame in-process (${presses} keys each, clock running; a frame at 60 fps is 16.7 ms)`);
const small = await latencies(100);
console.log(`  ${regionsLabel(100).padEnd(20)} median ${ms(median(small))}  p95 ${ms(percentile(small, 95))}`);
for (const count of [10_000, largeRegions]) {
	const large = await latencies(count);
	console.log(
		`  ${regionsLabel(count).padEnd(20)} median ${ms(median(large))}  p95 ${ms(percentile(large, 95))}  ratio to 100: ${(median(large) / median(small)).toFixed(2)} (median)`,
	);
}
