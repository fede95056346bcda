// An idle console draws a snapshot that the clock alone moved only when what it shows differs:
// the header's time to the minute, the kernel's figures as the pane prints them; anything else
// that changed is drawn at once (source/console/redraw.ts).
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {drawNow} from '../../source/console/redraw.js';
import {resourceLines} from '../../source/console/resource-lines.js';
import {clock, headerTime, uptime} from '../../source/console/time-text.js';
import {simulatedView} from '../../source/machine/simulated.js';
import type {Snapshot} from '../../source/machine/snapshot.js';
import {machineWith, run, t0} from '../helpers/machine.js';

const view = simulatedView(machineWith());
/** What an 80-column console shows of the clock fields, no region selected. */
const shows = (snapshot: Snapshot) =>
	`${headerTime(snapshot)}\n${snapshot.kind === 'simulated' ? JSON.stringify(resourceLines(snapshot.resources, undefined, 0, 44)) : ''}`;
const pane = (t: number) => JSON.stringify(resourceLines(view(t).resources, undefined, 0, 44));

describe('what an idle console draws', () => {
	test('the workload moves free lowmem every second; a second that prints the same is not drawn, one that prints differently is', () => {
		let same = 0;
		let moved = 0;
		for (let t = t0; t < t0 + 600; t++) {
			const [shown, next] = [view(t), view(t + 1)];
			if (headerTime(shown) !== headerTime(next)) {
				continue; // A new minute on the clock or the uptime: drawn, below.
			}

			assert.notEqual(next.resources.lowmem.freeBytes, shown.resources.lowmem.freeBytes, `the workload holds still at ${t}`);
			const drawn = drawNow(shown, next, false, shows);
			assert.equal(drawn, pane(t) !== pane(t + 1), `at ${t}:\n${pane(t)}\nthen\n${pane(t + 1)}`);
			same += drawn ? 0 : 1;
			moved += drawn ? 1 : 0;
		}

		assert.ok(same > 0 && moved > 0, `both kinds of second are seen (${same} unchanged, ${moved} moved)`);
	});

	test("the header's clock is drawn at each new minute", () => {
		// t0 is 13:46:40Z: t0 + 20 begins the next minute.
		const quiet = simulatedView(machineWith({workload: {swingBytes: 0, noiseBytes: 0, initial: 'idle'}}));
		assert.equal(drawNow(quiet(t0 + 18), quiet(t0 + 19), false, shows), false);
		assert.equal(drawNow(quiet(t0 + 19), quiet(t0 + 20), false, shows), true, '13:46Z becomes 13:47Z');
	});

	test('while the screen counts seconds (the retry loop, a wait for the lock), every second is drawn', () => {
		assert.equal(drawNow(view(t0), view(t0 + 1), true, shows), true);
	});

	test("a scrub's countdown and a changed machine are drawn at once", () => {
		const plugged = run(machineWith(), [{type: 'plug', slot: 4, size: 4 * 1024 ** 3, mode: 'hot-add'}]);
		const scrubbing = simulatedView(plugged);
		const shown = scrubbing(plugged.now);
		const next = scrubbing(plugged.now + 1);
		assert.notEqual(next.slots, shown.slots, 'the countdown moved');
		assert.equal(drawNow(shown, next, false, shows), true);
		assert.equal(drawNow(view(t0), simulatedView(plugged)(t0 + 1), false, shows), true);
	});

	test('the same snapshot is never drawn twice', () => {
		const shown = view(t0);
		assert.equal(drawNow(shown, shown, true, shows), false);
	});
});

describe('the header, to the minute', () => {
	test('the clock in UTC without seconds', () => {
		assert.equal(clock(t0 + 19), '13:46Z');
		assert.equal(clock(t0 + 20), '13:47Z');
	});

	test('the uptime as uptime(1) says it', () => {
		assert.equal(uptime(59), '0 min');
		assert.equal(uptime(32 * 60 + 5), '32 min');
		assert.equal(uptime(3 * 3600 + 4 * 60), '3:04');
		assert.equal(uptime(86_400 + 3 * 3600 + 4 * 60), '1 day, 3:04');
		assert.equal(uptime(2 * 86_400 + 60), '2 days, 1 min');
	});
});
