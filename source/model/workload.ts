// The workload's demand for lowmem at time t. It is a pure function of the machine's seed, the
// time and the operator's levers (load level, dropped caches), so free lowmem at any moment is
// recomputed, never stored, and a FAILED region can integrate later when the demand falls.
import {hashUnit} from './rng.js';
import type {Machine} from './state.js';

/** What the workload would like to hold at time t, before the kernel clamps it. */
export function workloadDemand(machine: Machine, t: number): number {
	const spec = machine.spec.workload;
	const base = spec.levels[machine.workload.load];
	const phase = hashUnit(machine.seed, -1) * 2 * Math.PI;
	const swing = spec.swingBytes * Math.sin((2 * Math.PI * t) / spec.periodSeconds + phase);
	const noise = spec.noiseBytes * smoothNoise(machine.seed, t / spec.noiseSeconds);
	let dropped = 0;
	for (const drop of machine.workload.drops) {
		if (t >= drop.at) {
			dropped += drop.bytes * Math.exp(-(t - drop.at) / spec.refillSeconds);
		}
	}

	return Math.max(0, Math.round(base + swing + noise - dropped));
}

/** What dropping caches frees at time t: the reclaimable share of what the workload holds. */
export function reclaimableBytes(machine: Machine, held: number): number {
	return Math.round((held * machine.spec.workload.reclaimablePercent) / 100);
}

/** Value noise in [-1, 1]: seeded values at whole steps, cosine-interpolated between them. */
function smoothNoise(seed: number, x: number): number {
	const k = Math.floor(x);
	const f = (1 - Math.cos((x - k) * Math.PI)) / 2;
	const a = hashUnit(seed, k) * 2 - 1;
	const b = hashUnit(seed, k + 1) * 2 - 1;
	return a + (b - a) * f;
}
