// The retry loop's setup: how many attempts, how far apart; Enter starts it.
import {type ModeSpec, step} from '../bindings.js';
import {clamp} from '../lists.js';
import type {RetrySetup, UiState} from '../ui-state.js';
import {cancelKeys, helpKey} from './common.js';

const set = (ui: UiState, setup: RetrySetup, changes: Partial<RetrySetup>): UiState => ({...ui, mode: {...setup, ...changes}});

/** Attempts 1-1000, interval 1 s to an hour. */
const change = (ui: UiState, setup: RetrySetup, delta: number): UiState =>
	setup.field === 0
		? set(ui, setup, {attempts: clamp(setup.attempts + delta, 1, 1000)})
		: set(ui, setup, {interval: clamp(setup.interval + delta, 1, 3600)});

export const retrySetup: ModeSpec<RetrySetup> = {
	title: 'Keys of the retry loop setup',
	prompt: () => '',
	bindings: [
		{
			keys: ['left', 'right'],
			description: 'value −1 / +1',
			bar: '±1',
			barKeys: ['left', 'right'],
			run: ({ui, mode, key}) => step(change(ui, mode, key === 'right' ? 1 : -1)),
		},
		{
			keys: ['pageup', 'pagedown'],
			description: 'value +10 / −10',
			bar: '±10',
			barKeys: ['pageup', 'pagedown'],
			run: ({ui, mode, key}) => step(change(ui, mode, key === 'pageup' ? 10 : -10)),
		},
		{
			keys: ['up', 'down', 'tab', 'shift-tab'],
			description: 'other field',
			bar: 'field',
			barKeys: ['up', 'down'],
			run: ({ui, mode}) => step(set(ui, mode, {field: mode.field === 0 ? 1 : 0})),
		},
		{
			keys: ['enter'],
			description: 'start the loop (its first attempt now)',
			bar: 'starts',
			run({ui, mode, env}) {
				const loop = {attempts: mode.attempts, interval: mode.interval, done: 0, nextAt: env.now, history: [], ended: null};
				return step({...ui, mode: {kind: 'browse'}, notice: null, loop});
			},
		},
		cancelKeys(),
		helpKey(),
	],
};
