// Bindings several modes share, written once: ? opens the help for the mode, Esc/q cancels a form,
// any other key answers No to a question.
import {type Binding, step} from '../bindings.js';
import type {Help, Mode} from '../ui-state.js';

/** ? : the help for this mode; Esc there comes back to it as it was. */
export function helpKey<M extends Exclude<Mode, Help>>(): Binding<M> {
	return {keys: ['?'], description: 'this help', run: ({ui, mode}) => step({...ui, mode: {kind: 'help', back: mode}})};
}

/** Esc or q: closes the form, asking for nothing. */
export function cancelKeys<M extends Mode>(): Binding<M> {
	return {
		keys: ['escape', 'q'],
		description: 'cancel',
		bar: 'cancels',
		barKeys: ['escape', 'q'],
		run: ({ui}) => step({...ui, mode: {kind: 'browse'}}),
	};
}

/** A question's default, No: any key but its yes. */
export function keepsIt<M extends Mode>(description: string): Binding<M> {
	return {
		keys: [],
		match: {test: () => true, shown: 'any other key'},
		description,
		bar: 'keeps it',
		run: ({ui}) => step({...ui, mode: {kind: 'browse'}}),
	};
}

/** ↑ ↓ Tab S-Tab: a form's previous or next of its `count` fields, wrapping; its refusal cleared. */
export function fieldKeys<M extends Extract<Mode, {field: number; error: string | null}>>(count: number): Binding<M> {
	return {
		keys: ['up', 'down', 'tab', 'shift-tab'],
		description: 'previous / next field',
		bar: 'field',
		barKeys: ['up', 'down'],
		run: ({ui, mode, key}) => {
			const by = key === 'up' || key === 'shift-tab' ? -1 : 1;
			// The modulo keeps the field one of the form's own.
			const next = {...mode, error: null, field: (mode.field + by + count) % count} as M;
			return step({...ui, mode: next});
		},
	};
}
