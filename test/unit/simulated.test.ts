// The console's snapshots of the embedded machine are derived once per machine and then only the
// parts the clock moves are made again (source/machine/simulated.ts). At every time they must be
// what deriving everything afresh gives (the oracle below is the derivation as it was before: the
// machine advanced to t, every row made again), and what did not change keeps its identity.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import fc from 'fast-check';
import {resourcesView, simulatedView} from '../../source/machine/simulated.js';
import type {SimulatedSnapshot} from '../../source/machine/snapshot.js';
import {resourcesAt} from '../../source/model/kernel.js';
import {formatLogLine} from '../../source/model/log.js';
import {advance, unplugRefusal} from '../../source/model/machine.js';
import {regionReport, slotState} from '../../source/model/report.js';
import {safeText} from '../../source/model/sanitize.js';
import type {Machine} from '../../source/model/state.js';
import {formatSize} from '../../source/model/units.js';
import {reachableMachine} from '../helpers/random-machines.js';

function oracle(stored: Machine, t: number): SimulatedSnapshot {
	const machine = advance(stored, t).machine;
	const resources = resourcesAt(machine, machine.now);
	return {
		kind: 'simulated',
		name: safeText(machine.spec.name),
		kernel: safeText(machine.kernel.version),
		driver: {loaded: machine.driver.loaded, major: machine.driver.major, builtFor: safeText(machine.driver.builtFor)},
		time: machine.now,
		uptimeSeconds: machine.now - machine.kernel.bootedAt,
		slots: machine.slots.map(slot => {
			const state = slotState(slot, machine.now);
			const size = slot.boot ? machine.spec.boot.moduleBytes : slot.module?.size;
			return {
				slot: slot.slot,
				size: size === undefined ? '' : formatSize(size),
				mode: slot.boot ? 'boot' : (slot.module?.mode ?? ''),
				state,
				scrubLeft: state === 'scrubbing' && slot.module ? Math.ceil(slot.module.scrubbedAt - machine.now) : null,
				regionId: machine.regions.find(region => region.slot === slot.slot)?.id ?? null,
				label: safeText(slot.module?.label ?? ''),
				unplugRefusal: unplugRefusal(machine, slot.slot) ?? null,
			};
		}),
		regions: machine.driver.loaded
			? machine.regions.map(region => {
					const report = regionReport(machine, region);
					return {
						...report,
						code: report.reason?.code ?? null,
						reason: report.reason?.text ?? null,
						retry: report.reason?.retry ?? null,
						needBytes: report.memmapBytes,
					};
				})
			: [],
		// The mapping into the pane's fields is shared; what the view keeps or makes again is what is checked.
		resources: resourcesView(resources, machine.workload.load),
		log: machine.log.map(line => safeText(formatLogLine(machine, line))),
		moduleSizes: machine.spec.controller.moduleSizes,
	};
}

test('a view of a machine, second after second and across scrub ends, is the machine derived afresh', () => {
	fc.assert(
		fc.property(reachableMachine, fc.array(fc.double({min: -2, max: 20, noNaN: true}), {minLength: 1, maxLength: 25}), (machine, gaps) => {
			const view = simulatedView(machine);
			let t = machine.now - 1;
			for (const gap of gaps) {
				t += gap;
				assert.deepStrictEqual(view(t), oracle(machine, t), `at ${t - machine.now} s after the machine's clock`);
			}
		}),
		{numRuns: 400},
	);
});

test('rows that did not change keep their identity from second to second', () => {
	const [machine] = fc.sample(
		reachableMachine.filter(
			candidate => candidate.regions.length > 0 && candidate.slots.every(slot => !slot.module || slot.module.scrubbedAt <= candidate.now),
		),
		{numRuns: 1, seed: 7},
	) as [Machine];
	const view = simulatedView(machine);
	const first = view(machine.now + 0.5);
	const next = view(machine.now + 1.5);
	assert.notEqual(next, first);
	assert.equal(next.time, machine.now + 1.5);
	assert.equal(next.slots, first.slots);
	assert.equal(next.regions, first.regions);
	assert.equal(next.log, first.log);
});
