// Typing a filter for the regions list: it applies as it is typed.
import {type ModeSpec, step} from '../bindings.js';
import type {Mode, UiState} from '../ui-state.js';
import {clearFilter} from './browse.js';

type Filter = Extract<Mode, {kind: 'filter'}>;

const typed = (ui: UiState, text: string): UiState => ({
	...ui,
	filter: text,
	mode: {kind: 'filter', text},
	cursor: {...ui.cursor, regions: 0},
	offset: {...ui.offset, regions: 0},
});

export const filter: ModeSpec<Filter> = {
	title: 'Keys of the regions filter',
	prompt: mode => `/ filter regions: ${mode.text}▏  `,
	bindings: [
		{keys: ['enter'], description: 'keep the filter', bar: 'keeps it', run: ({ui}) => step({...ui, mode: {kind: 'browse'}})},
		{keys: ['escape'], description: 'clear the filter', bar: 'clears', run: ({ui}) => step({...clearFilter(ui), mode: {kind: 'browse'}})},
		{keys: ['backspace'], description: 'delete a character', run: ({ui, mode}) => step(typed(ui, mode.text.slice(0, -1)))},
		{
			keys: [],
			// One printable character; named keys (arrows, Tab) do nothing here.
			match: {test: key => [...key].length === 1, shown: 'text'},
			description: 'filter by it (id, address, size, flags, status, why)',
			run: ({ui, mode, key}) => step(typed(ui, mode.text + key)),
		},
	],
};
