// The console's one interface to a machine: read a snapshot, notice changes made elsewhere, act.
// The embedded model implements it here; a real machine's sysfs implements it too.
import type {Action} from '../model/machine.js';
import {createMachine, step} from '../model/machine.js';
import {defaultPreset, presets} from '../model/presets.js';
import {defaultSeed} from '../cli/command.js';
import {safeText} from '../model/sanitize.js';
import type {Machine} from '../model/state.js';
import {readMachine, stateVersion, updateMachine} from '../store/store.js';
import {simulatedSnapshot} from './simulated.js';
import type {ActResult, Snapshot} from './snapshot.js';

export type ConsoleAction = Extract<Action, {type: 'plug' | 'unplug' | 'integrate' | 'driver' | 'workload'}>;

export type MachineSource = {
	/** The machine at time t, re-read from disk only when it changed there. */
	snapshot(t: number): Snapshot;
	/** Cheap: has someone else changed the machine since the last snapshot? */
	changed(): boolean;
	/** Acts on the current machine (never a stale copy) and returns what happened. */
	act(action: ConsoleAction, t: number): ActResult;
};

export function simulatedSource(statePath: string): MachineSource {
	let cached: Machine | undefined;
	let version = '';
	const load = (t: number): Machine => {
		const current = stateVersion(statePath);
		if (!cached || current !== version) {
			// The version is taken before reading: a write in between shows as a change next poll.
			cached = readMachine(statePath) ?? updateMachine(statePath, existing => {
				const machine = existing ?? createMachine(presets[defaultPreset]!, defaultSeed, t);
				return {machine: existing ? undefined : machine, result: machine};
			});
			version = current;
		}

		return cached;
	};

	return {
		snapshot: t => simulatedSnapshot(load(t), t),
		changed: () => stateVersion(statePath) !== version,
		act(action, t) {
			const result = updateMachine(statePath, stored => {
				const stepped = step(stored ?? createMachine(presets[defaultPreset]!, defaultSeed, t), action, t);
				return {machine: stepped.machine, result: stepped};
			});
			// Re-read at the next snapshot: another process may have written right after us.
			cached = result.machine;
			version = '';
			return {
				ok: result.ok,
				message: safeText(result.message),
				outcomes: result.outcomes.map(outcome => ({
					id: outcome.id,
					slot: outcome.slot,
					status: outcome.after,
					reason: outcome.failure ? safeText(outcome.failure.text) : null,
					retry: outcome.failure?.retry ?? null,
				})),
			};
		},
	};
}
