// The detail view: the whole text of one region, slot or log line, wrapped; it scrolls when long.
import {type ModeSpec, step} from '../bindings.js';
import type {Detail, UiState} from '../ui-state.js';
import {helpKey} from './common.js';

const scroll = (ui: UiState, detail: Detail, by: number): UiState => ({...ui, mode: {...detail, scroll: Math.max(0, detail.scroll + by)}});

export const detail: ModeSpec<Detail> = {
	title: 'Keys of the detail view',
	prompt: () => '',
	bindings: [
		{
			keys: ['up', 'k', 'down', 'j'],
			description: 'scroll a row',
			bar: 'scroll',
			barKeys: ['up', 'down'],
			run: ({ui, mode, key}) => step(scroll(ui, mode, key === 'up' || key === 'k' ? -1 : 1)),
		},
		{
			keys: ['pageup', 'pagedown'],
			description: 'scroll a page',
			run: ({ui, mode, key, env}) => step(scroll(ui, mode, (key === 'pageup' ? -1 : 1) * Math.max(1, env.rows.regions))),
		},
		{
			keys: ['escape', 'q', 'enter'],
			description: 'close it',
			bar: 'closes',
			barKeys: ['escape', 'q'],
			run: ({ui}) => step({...ui, mode: {kind: 'browse'}}),
		},
		helpKey(),
	],
};
