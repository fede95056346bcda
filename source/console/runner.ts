// Runs keys against the live machine: each key through the controller, each action it asks for
// through the machine source, each result back through the controller. The one place actions run,
// so the one place their failures become notices. No React: the app calls it, tests call it.
import type {ActResult, Snapshot} from '../machine/snapshot.js';
import {ActionWaits, type MachineSource} from '../machine/source.js';
import type {Env, Step} from './bindings.js';
import {actionFailed, afterAction, handleKey, tick} from './controller.js';
import type {Pane, UiState} from './ui-state.js';

export type Run = {
	ui: UiState;
	snapshot: Snapshot;
	/** An action waits (the state file's lock, a VM's answer): run `keys` (none: the tick) again from `ui` later. */
	busy?: {waits: ActionWaits; keys: string[]};
};

/**
 * Runs a burst of keys, each followed by the retry loop's tick (no keys: the tick alone), so that
 * a loop started by Enter makes its first attempt at once. An action refreshes the snapshot, so
 * the next key of the burst sees its result.
 */
export function runKeys(source: MachineSource, ui: UiState, keys: readonly string[], now: number, rows: Record<Pane, number>): Run {
	let snapshot = source.latest();
	let state = ui;
	const env = (): Env => ({snapshot, now, rows});
	const apply = ({ui: next, requests}: Step) => {
		state = next;
		for (const request of requests) {
			let result: ActResult;
			try {
				result = source.act(request.action, now);
			} catch (error) {
				if (error instanceof ActionWaits) {
					throw error;
				}

				state = actionFailed(state, request, error);
				continue;
			}

			snapshot = source.latest();
			state = afterAction(state, request, result, env());
		}
	};

	const turns = keys.length === 0 ? [undefined] : keys;
	for (const [index, key] of turns.entries()) {
		const from = state;
		try {
			if (key !== undefined) {
				apply(handleKey(state, key, env()));
			}
		} catch (error) {
			return busyAt(error, from, keys.slice(index));
		}

		if (state.quit) {
			break;
		}

		const keyed = state;
		try {
			apply(tick(state, env()));
		} catch (error) {
			return busyAt(error, keyed, keys.slice(index + 1));
		}
	}

	return {ui: state, snapshot};

	function busyAt(error: unknown, from: UiState, left: string[]): Run {
		if (!(error instanceof ActionWaits)) {
			throw error;
		}

		return {ui: from, snapshot, busy: {waits: error, keys: left}};
	}
}
