// Machines the model can reach, for property tests of what reads and derives them: both presets,
// with and without scrubbing, after random runs of every action at random times.
import fc from 'fast-check';
import {type Action, createMachine, step} from '../../source/model/machine.js';
import {parseScenario} from '../../source/model/schema.js';
import type {Machine} from '../../source/model/state.js';
import {GiB, MiB} from '../../source/model/units.js';

export const t0 = 1_000_000;

const action: fc.Arbitrary<Action> = fc.oneof(
	fc.record({
		type: fc.constant('plug' as const),
		slot: fc.integer({min: 2, max: 8}),
		size: fc.constantFrom(512 * MiB, GiB, 2 * GiB, 4 * GiB),
		mode: fc.constantFrom('hot-add' as const, 'hot-add' as const, 'mirror' as const),
		label: fc.constantFrom('', 'cartridge B', 'bay 3 · ü'),
	}),
	fc.record({type: fc.constant('unplug' as const), slot: fc.integer({min: 2, max: 8})}),
	fc.constant({type: 'integrate' as const}),
	fc.record({type: fc.constant('driver' as const), op: fc.constantFrom('start' as const, 'stop' as const, 'reinstall' as const)}),
	fc.record({type: fc.constant('workload' as const), op: fc.constantFrom('drop-caches' as const, 'idle' as const, 'peak' as const)}),
	fc.record({type: fc.constant('boot' as const), version: fc.constantFrom('2.4.9-e.3-memhotadd', '2.4.20-other')}),
);

/** A machine after up to 12 random actions, each 0-40 s after the last (scrubs end in between). */
export const reachableMachine: fc.Arbitrary<Machine> = fc
	.record({
		base: fc.constantFrom('dl760-g2', 'x86_64'),
		scrub: fc.constantFrom(0, 2, 30),
		seed: fc.integer({min: 0, max: 1000}),
		steps: fc.array(fc.record({gap: fc.double({min: 0, max: 40, noNaN: true}), action}), {maxLength: 12}),
	})
	.map(({base, scrub, seed, steps}) => {
		const spec = parseScenario({base, controller: {scrubSecondsPerGiB: scrub}});
		if (!spec.ok) {
			throw new Error(spec.error);
		}

		let machine = createMachine(spec.value, seed, t0);
		for (const {gap, action: next} of steps) {
			machine = step(machine, next, machine.now + gap).machine;
		}

		return machine;
	});
