// The console's one interface to a machine: read a snapshot, notice changes made elsewhere, act.
// The embedded model implements it here; a real machine's sysfs implements it too.
import type {AutoOnlineValue} from '../cli/command.js';
import type {Action} from '../model/machine.js';
import {defaultMachine, type StepResult, step} from '../model/machine.js';
import {safeText} from '../model/sanitize.js';
import type {Machine} from '../model/state.js';
import {ChangeRefused, FileProblem, PendingChange, readMachine, stateVersion} from '../store/store.js';
import {simulatedView} from './simulated.js';
import type {ActResult, Snapshot} from './snapshot.js';

/**
 * What the console's keys ask a machine to do: the model's actions, and a real machine's offline
 * (`o`): its checks first, made and said without writing (offline-check), then the offline itself,
 * which runs on after act() returns, and the stop of one running (offline-stop); and its
 * auto_online_blocks set (`a`, as --auto-online does).
 */
export type ConsoleAction =
	| Extract<Action, {type: 'plug' | 'unplug' | 'integrate' | 'driver' | 'workload'}>
	| {type: 'offline-check' | 'offline'; first: number; last: number}
	| {type: 'offline-stop'}
	| {type: 'auto-online'; value: AutoOnlineValue}
	/** A VM's plug: a pc-dimm in `slot`, or a virtio-mem device (no slot), of `size` on `node`. */
	| {type: 'vm-plug'; device: 'pc-dimm' | 'virtio-mem'; slot: number; size: number; node: number}
	/** A VM's virtio-mem device asked to grow or shrink to `size` (requested-size). */
	| {type: 'vm-resize'; id: string; size: number};

/** The actions only a real machine (sysfs, a VM) has. */
export function isRealMachineAction(
	action: ConsoleAction,
): action is Exclude<ConsoleAction, Extract<ConsoleAction, {type: Action['type']}>> {
	return !['plug', 'unplug', 'integrate', 'driver', 'workload'].includes(action.type);
}

export type MachineSource = {
	/**
	 * Looks for changes (the state file re-read when another process wrote it; a real machine's
	 * blocks re-read a few at a time) and returns the machine at time t. The same object comes back
	 * while nothing changed within the second, so the console redraws only what moved. Throws a
	 * FileProblem when the state file cannot be read.
	 */
	poll(t: number): Snapshot;
	/** The snapshot the last poll or action made: free, no I/O. */
	latest(): Snapshot;
	/**
	 * Acts on the current machine (never a stale copy) and returns what happened; latest() is the
	 * machine after it. A file problem is a result that failed, never a throw. Throws ActionWaits
	 * (LockBusy: the state file's lock) when it cannot answer yet: call again later for the same
	 * change, or cancel().
	 */
	act(action: ConsoleAction, t: number): ActResult;
	/** Gives up waiting for a change: one waiting for the lock is not made; one a VM is answering is answered in the log. */
	cancel(): void;
};

/**
 * An action that has not finished yet: the console keeps the keys that asked for it and runs them
 * again at every poll until the machine answers (act() with the same action returns the answer),
 * or Esc gives it up (cancel()). `line` is what the console shows meanwhile, `gaveUp` what giving up means.
 */
export class ActionWaits extends Error {
	constructor(
		readonly waitFor: string,
		readonly line: string,
		readonly gaveUp: string,
		/** What goes on meanwhile, for the line under `line` (a change that runs in steps says so). */
		readonly meanwhile = 'Nothing changes until it does',
	) {
		super(line);
	}
}

/** The state file's lock is held by another process: the change waits, without blocking. */
export class LockBusy extends ActionWaits {
	constructor(waitFor: string) {
		super(waitFor, `Waiting for ${waitFor} to let go of the state file's lock`, 'nothing was changed');
	}
}

export function simulatedSource(statePath: string): MachineSource {
	let cached: Machine | undefined;
	let version = '';
	let pending: PendingChange | undefined;
	let latest: {snapshot: Snapshot; machine: Machine; view: (t: number) => Snapshot} | undefined;
	const load = (t: number): Machine => {
		// Re-read only when the file changed (the lock's generation, or its inode, size or mtime):
		// an idle console costs a readdir and a stat a poll.
		const current = stateVersion(statePath);
		if (!cached || current !== version) {
			// The version is taken before reading: a write in between shows as a change next poll.
			// A machine not made yet is shown fresh, and written by the first change: a look writes nothing.
			cached = readMachine(statePath) ?? defaultMachine(t);
			version = current;
		}

		return cached;
	};

	const snapshotAt = (machine: Machine, t: number): Snapshot => {
		if (latest?.machine !== machine) {
			// A machine read or changed: derived once (O(regions)); from then on each second costs
			// O(scrubbing slots) until a scrub ends (simulated.ts).
			const view = simulatedView(machine);
			latest = {machine, view, snapshot: view(t)};
		} else if (Math.floor(latest.snapshot.time) !== Math.floor(t)) {
			// The clock moved on a second: the header's time, the workload, scrub countdowns.
			latest.snapshot = latest.view(t);
		}

		return latest.snapshot;
	};

	return {
		poll: t => snapshotAt(load(t), t),
		latest() {
			if (!latest) {
				throw new Error('latest() before the first poll');
			}

			return latest.snapshot;
		},
		cancel() {
			pending?.cancel();
			pending = undefined;
		},
		act(action, t) {
			if (isRealMachineAction(action)) {
				// o and a are disabled here (browse.ts says why): only a real machine offlines memory or onlines it by itself.
				const message =
					action.type === 'auto-online'
						? 'the simulated machine has no auto-online: its 2003 kernel has no auto_online_blocks'
						: action.type === 'vm-plug' || action.type === 'vm-resize'
							? `${action.type}: a VM's (--qmp), not the simulated machine's`
							: 'the simulated machine has no hot-remove: ham 1.0 never offlined memory';
				return {ok: false, message, outcomes: []};
			}

			pending ??= new PendingChange(statePath);
			let result: StepResult;
			try {
				const attempt = pending.attempt(stored => {
					const stepped = step(stored ?? defaultMachine(t), action, t);
					return {machine: stepped.machine, result: stepped};
				});
				if (!attempt.done) {
					throw new LockBusy(attempt.waitFor);
				}

				pending = undefined;
				result = attempt.result;
			} catch (error) {
				if (error instanceof LockBusy) {
					throw error;
				}

				pending = undefined;
				if (error instanceof FileProblem || error instanceof ChangeRefused) {
					return {ok: false, message: error.message, outcomes: []};
				}

				throw error;
			}

			// Re-read at the next poll: another process may have written right after us.
			cached = result.machine;
			version = '';
			snapshotAt(result.machine, t);
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
