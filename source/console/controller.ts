// What each key does: turns (console state, key) into the next console state, calling the machine
// source for actions. Bindings come from keys.ts; rendering knows nothing of this.

import type {ActResult, OutcomeRow, Snapshot} from '../machine/snapshot.js';
import type {ConsoleAction} from '../machine/source.js';
import {nextAttempt, type StopReason, type TargetOutcome} from '../model/retry.js';
import type {LoadLevel} from '../model/spec.js';
import {bindingFor} from './keys.js';
import {filterRegions} from './rows.js';
import {type Pane, type PlugForm, panes, type RetrySetup, type UiState} from './ui-state.js';

export type Context = {
	snapshot: Snapshot;
	now: number;
	/** Visible list rows per pane, for paging and keeping the cursor on screen. */
	rows: Record<Pane, number>;
	act: (action: ConsoleAction) => ActResult;
};

export function handleKey(ui: UiState, key: string, context: Context): UiState {
	if (key === 'ctrl-c') {
		return {...ui, quit: true};
	}

	switch (ui.mode.kind) {
		case 'help': {
			return ['?', 'escape', 'q', 'enter'].includes(key) ? {...ui, mode: {kind: 'browse'}} : ui;
		}

		case 'plug': {
			return plugKey(ui, ui.mode, key, context);
		}

		case 'confirm-unplug': {
			// The default is No: only y unplugs.
			if (key === 'y' || key === 'Y') {
				const result = context.act({type: 'unplug', slot: ui.mode.slot});
				return {...ui, mode: {kind: 'browse'}, notice: notice('Unplug', result)};
			}

			return {...ui, mode: {kind: 'browse'}};
		}

		case 'workload': {
			const levers: Record<string, 'drop-caches' | LoadLevel> = {d: 'drop-caches', i: 'idle', n: 'normal', h: 'heavy', p: 'peak'};
			const op = levers[key];
			if (op) {
				const result = context.act({type: 'workload', op});
				return {...ui, mode: {kind: 'browse'}, notice: ui.loop && !ui.loop.ended ? ui.notice : notice('Workload', result)};
			}

			return key === 'escape' || key === 'q' ? {...ui, mode: {kind: 'browse'}} : ui;
		}

		case 'filter': {
			return filterKey(ui, ui.mode.text, key);
		}

		case 'retry-setup': {
			return retrySetupKey(ui, ui.mode, key, context);
		}

		case 'browse': {
			return browseKey(ui, key, context);
		}
	}
}

function browseKey(ui: UiState, key: string, context: Context): UiState {
	const binding = bindingFor(key);
	// A key that does nothing on this machine says why (the reason is the binding table's).
	const disabled = binding?.disabled?.(context.snapshot);
	if (binding && disabled) {
		return {
			...ui,
			notice: {title: (binding.bar ?? binding.command).replace(/^./, first => first.toUpperCase()), lines: disabled, error: true},
		};
	}

	const command = binding?.command;
	switch (command) {
		case undefined: {
			return ui;
		}

		case 'up':
		case 'down':
		case 'page-up':
		case 'page-down':
		case 'top':
		case 'bottom': {
			return move(ui, command, context);
		}

		case 'next-pane':
		case 'previous-pane': {
			const index = panes.indexOf(ui.pane) + (command === 'next-pane' ? 1 : panes.length - 1);
			return {...ui, pane: panes[index % panes.length]!};
		}

		case 'plug': {
			return {...ui, mode: plugForm(ui, context.snapshot)};
		}

		case 'unplug': {
			const slot = selectedSlot(ui, context);
			if (slot === undefined) {
				return {...ui, notice: {title: 'Unplug', lines: ['Select a slot first (Tab to the slots pane).'], error: true}};
			}

			const row = context.snapshot.slots.find(candidate => candidate.slot === slot);
			if (row?.unplugRefusal) {
				return {...ui, notice: {title: 'Unplug refused', lines: [row.unplugRefusal], error: true}};
			}

			return {...ui, mode: {kind: 'confirm-unplug', slot}};
		}

		case 'integrate': {
			const result = context.act({type: 'integrate'});
			return {...ui, notice: notice('Integrate', result)};
		}

		case 'retry-loop': {
			if (ui.loop && !ui.loop.ended) {
				return ui;
			}

			return {...ui, mode: {kind: 'retry-setup', field: 0, attempts: ui.loop?.attempts ?? 10, interval: ui.loop?.interval ?? 5}};
		}

		case 'workload': {
			return {...ui, mode: {kind: 'workload'}};
		}

		case 'driver': {
			const result = context.act({type: 'driver', op: context.snapshot.driver.loaded ? 'stop' : 'start'});
			return {...ui, notice: notice('Driver', result)};
		}

		case 'filter': {
			return {...ui, mode: {kind: 'filter', text: ui.filter}};
		}

		case 'help': {
			return {...ui, mode: {kind: 'help'}};
		}

		case 'quit': {
			return {...ui, quit: true};
		}

		case 'escape': {
			// Esc peels one layer at a time: a running loop, a message, a finished loop, the filter.
			if (ui.loop && !ui.loop.ended) {
				return {...ui, loop: {...ui.loop, ended: `cancelled after ${ui.loop.done} of ${ui.loop.attempts} attempts`}};
			}

			if (ui.notice) {
				return {...ui, notice: null};
			}

			if (ui.loop) {
				return {...ui, loop: null};
			}

			return {...ui, filter: '', cursor: {...ui.cursor, regions: 0}, offset: {...ui.offset, regions: 0}};
		}
	}
}

function listLength(ui: UiState, pane: Pane, context: Context): number {
	if (pane === 'slots') {
		return context.snapshot.slots.length;
	}

	if (pane === 'regions') {
		return filterRegions(context.snapshot.regions, ui.filter).length;
	}

	return context.snapshot.log.length;
}

function move(ui: UiState, command: 'up' | 'down' | 'page-up' | 'page-down' | 'top' | 'bottom', context: Context): UiState {
	const pane = ui.pane;
	const length = listLength(ui, pane, context);
	const height = context.rows[pane];
	if (pane === 'log') {
		const last = Math.max(0, length - height);
		const current = ui.logFollow ? last : Math.min(ui.offset.log, last);
		const next = clamp(step(current, command, height, last), 0, last);
		return {...ui, logFollow: next >= last, offset: {...ui.offset, log: next}};
	}

	const cursor = clamp(step(ui.cursor[pane], command, height, length - 1), 0, Math.max(0, length - 1));
	const offset = clamp(ui.offset[pane], cursor - height + 1, cursor);
	return {...ui, cursor: {...ui.cursor, [pane]: cursor}, offset: {...ui.offset, [pane]: Math.max(0, offset)}};
}

function step(value: number, command: string, page: number, last: number): number {
	switch (command) {
		case 'up':
			return value - 1;
		case 'down':
			return value + 1;
		case 'page-up':
			return value - page;
		case 'page-down':
			return value + page;
		case 'top':
			return 0;
		default:
			return last;
	}
}

function clamp(value: number, min: number, max: number): number {
	return Math.min(Math.max(value, min), max);
}

/** The slot an unplug means: the one selected in the slots pane, or the selected region's. */
function selectedSlot(ui: UiState, context: Context): number | undefined {
	if (ui.pane === 'regions') {
		return filterRegions(context.snapshot.regions, ui.filter)[ui.cursor.regions]?.slot ?? undefined;
	}

	return context.snapshot.slots[ui.cursor.slots]?.slot;
}

function plugForm(ui: UiState, snapshot: Snapshot): PlugForm {
	const selected = snapshot.slots[ui.cursor.slots];
	const empty = snapshot.slots.find(slot => slot.state === 'empty');
	const slot = selected?.state === 'empty' ? selected.slot : (empty?.slot ?? 2);
	const oneGiB = snapshot.moduleSizes.indexOf(1024 ** 3);
	return {kind: 'plug', field: 0, slot, sizeIndex: Math.max(oneGiB, 0), mode: 'hot-add', error: null};
}

function plugKey(ui: UiState, form: PlugForm, key: string, context: Context): UiState {
	const {slots, moduleSizes} = context.snapshot;
	const set = (changes: Partial<PlugForm>): UiState => ({...ui, mode: {...form, error: null, ...changes}});
	switch (key) {
		case 'escape':
		case 'q': {
			return {...ui, mode: {kind: 'browse'}};
		}

		case 'up':
		case 'shift-tab': {
			return set({field: ((form.field + 2) % 3) as PlugForm['field']});
		}

		case 'down':
		case 'tab': {
			return set({field: ((form.field + 1) % 3) as PlugForm['field']});
		}

		case 'left':
		case 'right': {
			const delta = key === 'right' ? 1 : -1;
			if (form.field === 0) {
				return set({slot: wrap(form.slot - 1 + delta, slots.length) + 1});
			}

			if (form.field === 1) {
				return set({sizeIndex: wrap(form.sizeIndex + delta, moduleSizes.length)});
			}

			return set({mode: form.mode === 'hot-add' ? 'mirror' : 'hot-add'});
		}

		case 'enter': {
			const result = context.act({type: 'plug', slot: form.slot, size: moduleSizes[form.sizeIndex]!, mode: form.mode});
			return result.ok ? {...ui, mode: {kind: 'browse'}, notice: notice('Plug', result)} : {...ui, mode: {...form, error: result.message}};
		}

		default: {
			if (form.field === 0 && /^[1-9]$/.test(key) && Number(key) <= slots.length) {
				return set({slot: Number(key)});
			}

			return ui;
		}
	}
}

function wrap(value: number, length: number): number {
	return ((value % length) + length) % length;
}

function filterKey(ui: UiState, text: string, key: string): UiState {
	const reset = {cursor: {...ui.cursor, regions: 0}, offset: {...ui.offset, regions: 0}};
	if (key === 'escape') {
		return {...ui, ...reset, filter: '', mode: {kind: 'browse'}};
	}

	if (key === 'enter') {
		return {...ui, mode: {kind: 'browse'}};
	}

	const next = key === 'backspace' ? text.slice(0, -1) : key.length === 1 ? text + key : text;
	return {...ui, ...reset, filter: next, mode: {kind: 'filter', text: next}};
}

function retrySetupKey(ui: UiState, setup: RetrySetup, key: string, context: Context): UiState {
	const set = (changes: Partial<RetrySetup>): UiState => ({...ui, mode: {...setup, ...changes}});
	switch (key) {
		case 'escape':
		case 'q': {
			return {...ui, mode: {kind: 'browse'}};
		}

		case 'up':
		case 'down':
		case 'tab':
		case 'shift-tab': {
			return set({field: setup.field === 0 ? 1 : 0});
		}

		case 'left':
		case 'right':
		case 'pageup':
		case 'pagedown': {
			const delta = {left: -1, right: 1, pageup: 10, pagedown: -10}[key];
			return setup.field === 0
				? set({attempts: clamp(setup.attempts + delta, 1, 1000)})
				: set({interval: clamp(setup.interval + delta, 1, 3600)});
		}

		case 'enter': {
			const loop = {attempts: setup.attempts, interval: setup.interval, done: 0, nextAt: context.now, history: [], ended: null};
			return tickLoop({...ui, mode: {kind: 'browse'}, notice: null, loop}, context);
		}

		default: {
			return ui;
		}
	}
}

/**
 * Runs the retry loop's next attempt when it is due. Each attempt is one integrate on the current
 * machine, so lowmem freed meanwhile (the workload lever, another session) counts.
 */
export function tickLoop(ui: UiState, context: Context): UiState {
	const loop = ui.loop;
	if (!loop || loop.ended || context.now < loop.nextAt) {
		return ui;
	}

	const result = context.act({type: 'integrate'});
	const done = loop.done + 1;
	const history = [...loop.history, {attempt: done, time: context.now, outcomes: result.outcomes.map(outcomeOf)}];
	const next = nextAttempt(result.ok ? result.outcomes.map(rowOutcome) : {error: result.message}, done, loop.attempts, loop.interval);
	const ended = 'stop' in next ? loopEnded(next, result, done, context.snapshot.kind !== 'simulated') : null;
	return {...ui, loop: {...loop, done, history, nextAt: context.now + ('wait' in next ? next.wait : 0), ended}};
}

/** An outcome row's answer for the retry rule: only FAILED is left to do (a block gone is not); unknown means retry. */
function rowOutcome(outcome: OutcomeRow): TargetOutcome {
	return outcome.status === 'FAILED' ? {ok: false, retry: outcome.retry !== false} : {ok: true};
}

/** Why the loop ended, in the panel's words. A real machine's outcomes are runs of blocks, not regions. */
function loopEnded(reason: StopReason, result: ActResult, done: number, real: boolean): string {
	const failed = result.outcomes.filter(outcome => outcome.status === 'FAILED');
	switch (reason.stop) {
		case 'error': {
			return reason.error;
		}

		case 'nothing': {
			return real ? result.message : 'no FAILED region: nothing to do';
		}

		case 'done': {
			return `every ${real ? 'offline block online' : 'region ENABLED'} after ${done} attempt${done === 1 ? '' : 's'}`;
		}

		case 'no-retry': {
			return real
				? `stopped: no retry can help ${failed.map(outcome => outcome.label ?? `region ${outcome.id}`).join(', ')}`
				: `stopped: no retry can help the ${reason.left} FAILED region${reason.left === 1 ? '' : 's'} left`;
		}

		case 'attempts': {
			return `${done} attempts made, ${reason.left} still FAILED`;
		}
	}
}

function outcomeOf(outcome: OutcomeRow) {
	return {
		id: outcome.id,
		status: outcome.status,
		reason: outcome.reason,
		retry: outcome.retry,
		...(outcome.label === undefined ? {} : {label: outcome.label}),
	};
}

function notice(title: string, result: ActResult): UiState['notice'] {
	const lines = [
		result.message,
		...result.outcomes
			.filter(outcome => !result.message.includes(`region ${outcome.id} `))
			.map(outcome => `${outcome.label ?? `region ${outcome.id}`}: ${outcome.status}${outcome.reason ? ` — ${outcome.reason}` : ''}`),
	];
	return {title, lines: lines.filter(line => line !== ''), error: !result.ok};
}
