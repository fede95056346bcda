// The three lists (slots or nodes, regions, log): how long each is, moving the cursor, which slot
// is selected. Pure: console state and snapshot in, console state out.
import type {Snapshot} from '../machine/snapshot.js';
import type {Env} from './bindings.js';
import {filterRegions} from './rows.js';
import type {Pane, UiState} from './ui-state.js';

export type Movement = 'up' | 'down' | 'page-up' | 'page-down' | 'top' | 'bottom';

export function listLength(ui: UiState, pane: Pane, snapshot: Snapshot): number {
	switch (pane) {
		case 'slots': {
			return snapshot.kind === 'sysfs' ? snapshot.sysfs.nodes.length : snapshot.slots.length;
		}

		case 'regions': {
			return filterRegions(snapshot.regions, ui.filter).length;
		}

		case 'log': {
			return snapshot.log.length;
		}
	}
}

/** Moves the focused pane's cursor (the log: its view) and keeps it on screen. */
export function move(ui: UiState, movement: Movement, env: Env): UiState {
	const pane = ui.pane;
	const length = listLength(ui, pane, env.snapshot);
	const height = env.rows[pane];
	if (pane === 'log') {
		const last = Math.max(0, length - height);
		const current = ui.logFollow ? last : Math.min(ui.offset.log, last);
		const next = clamp(stepBy(current, movement, height, last), 0, last);
		return {...ui, logFollow: next >= last, offset: {...ui.offset, log: next}};
	}

	const cursor = clamp(stepBy(ui.cursor[pane], movement, height, length - 1), 0, Math.max(0, length - 1));
	const offset = clamp(ui.offset[pane], cursor - height + 1, cursor);
	return {...ui, cursor: {...ui.cursor, [pane]: cursor}, offset: {...ui.offset, [pane]: Math.max(0, offset)}};
}

function stepBy(value: number, movement: Movement, page: number, last: number): number {
	switch (movement) {
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
		case 'bottom':
			return last;
	}
}

export function clamp(value: number, min: number, max: number): number {
	return Math.min(Math.max(value, min), max);
}

/** The slot an unplug means: the one selected in the slots pane, or the selected region's; none from the log. */
export function selectedSlot(ui: UiState, snapshot: Snapshot): number | undefined {
	if (snapshot.kind === 'sysfs' || ui.pane === 'log') {
		return undefined;
	}

	if (ui.pane === 'regions') {
		return filterRegions(snapshot.regions, ui.filter)[ui.cursor.regions]?.slot ?? undefined;
	}

	return snapshot.slots[ui.cursor.slots]?.slot;
}

/**
 * Every list's cursor and window fitted to its rows now: after a resize, an unplug, a filter, a
 * block gone. The cursor stays on a row, the window shows it and ends at the list's end rather
 * than on blank rows. The same object when nothing moves.
 */
export function clampLists(ui: UiState, snapshot: Snapshot, rows: Record<Pane, number>): UiState {
	let cursor = ui.cursor;
	let offset = ui.offset;
	for (const pane of ['slots', 'regions'] as const) {
		const length = listLength(ui, pane, snapshot);
		const height = Math.max(1, rows[pane]);
		const at = clamp(cursor[pane], 0, Math.max(0, length - 1));
		const top = clamp(clamp(offset[pane], at - height + 1, at), 0, Math.max(0, length - height));
		if (at !== cursor[pane] || top !== offset[pane]) {
			cursor = {...cursor, [pane]: at};
			offset = {...offset, [pane]: top};
		}
	}

	const last = Math.max(0, snapshot.log.length - Math.max(1, rows.log));
	if (!ui.logFollow && offset.log > last) {
		offset = {...offset, log: last};
	}

	return cursor === ui.cursor && offset === ui.offset ? ui : {...ui, cursor, offset};
}
