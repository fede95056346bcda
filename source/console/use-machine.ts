import {useEffect, useRef, useState} from 'react';
import type {Snapshot} from '../machine/snapshot.js';
import type {MachineSource} from '../machine/source.js';

/** The console's time: the model's seconds, and a timer. Tests give one they move by hand. */
export type ConsoleClock = {
	now: () => number;
	/** Calls `callback` every `ms` milliseconds until the returned function is called. */
	every: (ms: number, callback: () => void) => () => void;
};

/** A clock on the wall: `now` in seconds from wherever the caller says, timers from setInterval. */
export function wallClock(now: () => number): ConsoleClock {
	return {
		now,
		every(ms, callback) {
			const timer = setInterval(callback, ms);
			return () => {
				clearInterval(timer);
			};
		},
	};
}

/** How often the console looks for changes made elsewhere and for due work (the retry loop). */
export const pollMs = 250;

/**
 * The machine as the console shows it, polled every pollMs: re-read when another process changed
 * it, re-derived once a second as the clock runs (scrubs finish, the workload moves). `onTick`
 * runs after every poll, with the poll's time.
 */
export function useMachine(source: MachineSource, clock: ConsoleClock, onTick: (t: number) => void) {
	const [snapshot, setSnapshot] = useState<Snapshot>(() => source.latest());
	const [problem, setProblem] = useState<string | null>(null);
	const tick = useRef(onTick);
	tick.current = onTick;
	useEffect(
		() =>
			clock.every(pollMs, () => {
				const t = clock.now();
				try {
					// The same object when nothing changed: React then draws nothing.
					setSnapshot(source.poll(t));
					setProblem(null);
				} catch (error) {
					// A state file damaged under us: keep showing the last good machine, and say so.
					setProblem(error instanceof Error ? error.message : String(error));
				}

				tick.current(t);
			}),
		[source, clock],
	);
	return {snapshot, setSnapshot, problem};
}
