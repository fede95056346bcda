import {useEffect, useRef, useState} from 'react';
import type {Snapshot} from '../machine/snapshot.js';
import type {MachineSource} from '../machine/source.js';

export type ConsoleClock = {now: () => number};

/** How often the console looks for changes made elsewhere and for due work (the retry loop). */
export const pollMs = 250;

/**
 * The machine as the console shows it: re-read when another process changed it, re-derived once
 * a second as the clock runs (scrubs finish, the workload moves). `onTick` runs on every poll.
 */
export function useMachine(source: MachineSource, clock: ConsoleClock, onTick: (t: number) => void) {
	const [snapshot, setSnapshot] = useState<Snapshot>(() => source.snapshot(clock.now()));
	const [problem, setProblem] = useState<string | null>(null);
	const last = useRef(clock.now());
	const tick = useRef(onTick);
	tick.current = onTick;
	useEffect(() => {
		const timer = setInterval(() => {
			const t = clock.now();
			tick.current(t);
			if (source.changed() || Math.floor(t) !== Math.floor(last.current)) {
				last.current = t;
				try {
					setSnapshot(source.snapshot(t));
					setProblem(null);
				} catch (error) {
					// A state file damaged under us: keep showing the last good machine, and say so.
					setProblem((error as Error).message);
				}
			}
		}, pollMs);
		return () => {
			clearInterval(timer);
		};
	}, [source, clock]);
	return {snapshot, setSnapshot, problem};
}
