// The ? screen: it lists the keys of the mode it was opened from, and goes back to it.
import {type ModeSpec, step} from '../bindings.js';
import type {Help} from '../ui-state.js';

export const help: ModeSpec<Help> = {
	title: 'Keys of the help screen',
	prompt: () => '',
	bindings: [
		{
			keys: ['?', 'escape', 'q', 'enter'],
			description: 'close the help',
			bar: 'closes the help',
			barKeys: ['?', 'escape', 'q'],
			run: ({ui, mode}) => step({...ui, mode: mode.back}),
		},
	],
};
