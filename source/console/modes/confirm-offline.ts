// o's question on a real machine, asked once --offline's checks passed (the notice above says what
// they saw). The default is No: only y offlines, Enter or any other key writes nothing.
import {blockSpan} from '../../sysfs/integrate.js';
import {type ModeSpec, step} from '../bindings.js';
import type {Mode} from '../ui-state.js';

type Confirm = Extract<Mode, {kind: 'confirm-offline'}>;

export const confirmOffline: ModeSpec<Confirm> = {
	title: 'Keys of the offline question',
	prompt: mode => `${mode.question} [y/N]  `,
	bindings: [
		{
			keys: ['y', 'Y'],
			description: 'offline the blocks, highest first',
			bar: 'offlines',
			run: ({ui, mode}) =>
				step({...ui, mode: {kind: 'browse'}, notice: null}, [
					{action: {type: 'offline', first: mode.first, last: mode.last}, purpose: 'offline'},
				]),
		},
		{
			keys: [],
			match: {test: () => true, shown: 'any other key'},
			description: 'keep them online',
			bar: 'keeps them',
			run: ({ui, mode}) =>
				step({
					...ui,
					mode: {kind: 'browse'},
					notice: {
						title: 'Offline',
						lines: [
							`Not offlined: ${blockSpan(mode.first, mode.last)} stay${mode.first === mode.last ? 's' : ''} online, nothing written.`,
						],
						error: false,
					},
				}),
		},
	],
};
