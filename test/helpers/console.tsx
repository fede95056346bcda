// Renders the console (ink-testing-library) on a machine in a temporary state file, with a clock
// the test moves by hand.
import path from 'node:path';
import {render} from 'ink-testing-library';
import {App} from '../../source/console/app.js';
import {type MachineSource, simulatedSource} from '../../source/machine/source.js';
import type {Machine} from '../../source/model/state.js';
import {writeMachine} from '../../source/store/store.js';
import {tempDir} from './cli.js';
import {t0} from './machine.js';

export const keys = {up: '\u001B[A', down: '\u001B[B', left: '\u001B[D', right: '\u001B[C', escape: '\u001B', enter: '\r', tab: '\t'};

export function sleep(ms: number) {
	return new Promise(resolve => {
		setTimeout(resolve, ms);
	});
}

export function startConsole(machine: Machine) {
	const state = path.join(tempDir(), 'machine.json');
	writeMachine(state, machine);
	const clock = testClock(Math.max(t0, machine.now));
	return {state, ...renderConsole(simulatedSource(state), clock)};
}

/**
 * A clock the test moves by hand: its timers fire only when the test says (advance), never on the
 * wall clock, so a test sees exactly the polls it asked for.
 */
export function testClock(start: number) {
	let now = start;
	const timers = new Set<() => void>();
	return {
		now: () => now,
		every(_ms: number, callback: () => void) {
			timers.add(callback);
			return () => {
				timers.delete(callback);
			};
		},
		add(seconds: number) {
			now += seconds;
		},
		/** One poll of every timer, as the console's interval would. */
		fire() {
			for (const callback of [...timers]) {
				callback();
			}
		},
	};
}

/** Renders the console on any machine source, with keys, a clock to move, and waiting for text. */
export function renderConsole(source: MachineSource, clock: ReturnType<typeof testClock>) {
	source.poll(clock.now()); // As run.tsx does: the first read happens before the screen is drawn.
	const app = render(<App source={source} clock={clock} />);
	const frame = () => app.lastFrame() ?? '';
	return {
		frame,
		/** Types keys as a burst, then lets Ink draw. */
		async press(...sequence: string[]) {
			for (const key of sequence) {
				app.stdin.write(key);
				await sleep(5);
			}

			await sleep(20);
		},
		/** Moves the clock, runs one poll, and lets Ink draw. */
		async advance(seconds: number) {
			clock.add(seconds);
			clock.fire();
			await sleep(20);
		},
		async waitFor(text: string | RegExp, timeoutMs = 3000) {
			const started = Date.now();
			while (Date.now() - started < timeoutMs) {
				// The console keeps polling while the operator looks; the clock stands still.
				clock.fire();
				await sleep(5);
				const current = frame();
				if (typeof text === 'string' ? current.includes(text) : text.test(current)) {
					return current;
				}

				await sleep(25);
			}

			throw new Error(`timed out waiting for ${String(text)}; the screen:\n${frame()}`);
		},
		unmount: () => {
			app.unmount();
		},
	};
}
