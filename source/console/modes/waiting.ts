// While a change waits for the state file's lock, only these keys act (the app gives the waiting
// change up first, then runs them); every other key waits too.
import {type ModeSpec, step} from '../bindings.js';
import type {Mode} from '../ui-state.js';

export const waitingKeys: ModeSpec<Mode> = {
	title: 'Keys while a change waits for the lock',
	prompt: () => '',
	bindings: [
		{keys: ['escape'], description: 'give the change up', bar: 'gives up', run: ({ui}) => step(ui)},
		{keys: ['q', 'ctrl-c'], description: 'give it up and quit', bar: 'quits', run: ({ui}) => step({...ui, quit: true})},
	],
};
