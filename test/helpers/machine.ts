import {type Action, createMachine, step} from '../../source/model/machine.js';
import {mergeDeep, parseScenario} from '../../source/model/schema.js';
import type {Machine} from '../../source/model/state.js';

export const t0 = 1_000_000;

/** A machine from a preset with scenario-style changes ({base} defaults to dl760-g2). */
export function machineWith(changes: Record<string, unknown> = {}, seed = 1): Machine {
	const spec = parseScenario({base: 'dl760-g2', ...changes});
	if (!spec.ok) {
		throw new Error(spec.error);
	}

	return createMachine(spec.value, seed, t0);
}

/** Applies actions one after another, each `gap` seconds after the last. */
export function run(machine: Machine, actions: Action[], gap = 1): Machine {
	let current = machine;
	for (const action of actions) {
		current = step(current, action, current.now + gap).machine;
	}

	return current;
}

export function region(machine: Machine, slot: number) {
	const found = machine.regions.find(candidate => candidate.slot === slot);
	if (!found) {
		throw new Error(`no region for slot ${slot}`);
	}

	return found;
}

/** A machine whose modules are ready at once and whose workload holds still, with changes. */
export function quietMachine(changes: Record<string, unknown> = {}, seed = 1): Machine {
	const quiet = {controller: {scrubSecondsPerGiB: 0}, workload: {swingBytes: 0, noiseBytes: 0, initial: 'idle'}};
	return machineWith(mergeDeep(quiet, changes) as Record<string, unknown>, seed);
}
