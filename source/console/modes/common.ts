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
