// Below 80x24 the console is hidden: only quitting acts, so no key changes a machine nobody sees.
import {type ModeSpec, step} from '../bindings.js';
import type {Mode} from '../ui-state.js';

export const tooSmallKeys: ModeSpec<Mode> = {
	title: 'Keys while the terminal is too small',
	prompt: () => '',
	bindings: [{keys: ['q', 'ctrl-c'], description: 'quit', bar: 'quits', barKeys: ['q'], run: ({ui}) => step({...ui, quit: true})}],
};
