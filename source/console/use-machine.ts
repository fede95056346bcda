import {useEffect, useRef, useState} from 'react';
import type {Snapshot} from '../machine/snapshot.js';
import type {MachineSource} from '../machine/source.js';
import {drawNow} from './redraw.js';

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

/** What redraw.ts needs to know of the screen as it is drawn now. */
export type Screen = {counting: () => boolean; shows: (snapshot: Snapshot) => string};

/** How often the console looks for changes made elsewhere and for due work (the retry loop). */
export const pollMs = 500;

/**
 * The machine as the console shows it, polled every pollMs: re-read when another process changed
 * it, re-derived as the clock runs (scrubs finish, the workload moves), and drawn when redraw.ts
 * says so. `onTick` runs after every poll, with the poll's time. `offer` hands in a snapshot made
 * elsewhere (a key's result: drawn at once when `now`); `screen` says what redraw.ts asks of the
 * screen as it is: whether it counts seconds, and what the clock fields look like on it.
 */
export function useMachine(source: MachineSource, clock: ConsoleClock, onTick: (t: number) => void, screen: Screen) {
	const [snapshot, setSnapshot] = useState<Snapshot>(() => source.latest());
	const [problem, setProblem] = useState<string | null>(null);
	const shown = useRef(snapshot);
	const tick = useRef(onTick);
	tick.current = onTick;
	const current = useRef(screen);
	current.current = screen;
	const offer = useRef((next: Snapshot, now: boolean) => {
		if (now ? next !== shown.current : drawNow(shown.current, next, current.current.counting(), current.current.shows)) {
			shown.current = next;
			setSnapshot(next);
		}
	}).current;
	useEffect(
		() =>
			clock.every(pollMs, () => {
				const t = clock.now();
				try {
					offer(source.poll(t), false);
					setProblem(null);
				} catch (error) {
					// A state file damaged under us: keep showing the last good machine, and say so.
					setProblem(error instanceof Error ? error.message : String(error));
				}

				tick.current(t);
			}),
		[source, clock, offer],
	);
	return {snapshot, offer, problem};
}
