// a on a real machine: a chooser of what auto_online_blocks takes, the value now marked, then the
// question, default No, with what the value chosen means above it (describePolicy's words); y
// writes it as --auto-online does, Enter or any other key leaves the file as it is.
import type {AutoOnlineValue} from '../../cli/command.js';
import {describePolicy} from '../../sysfs/policy.js';
import {type Binding, type ModeSpec, step} from '../bindings.js';
import type {Mode, UiState} from '../ui-state.js';
import {helpKey} from './common.js';

type Chooser = Extract<Mode, {kind: 'auto-online'}>;
type Confirm = Extract<Mode, {kind: 'confirm-auto-online'}>;

/** The values, by the chooser's key, with the key bar's word for each. */
const choices: ReadonlyMap<string, {value: AutoOnlineValue; word: string}> = new Map([
	['1', {value: 'offline', word: 'offline'}],
	['2', {value: 'online', word: 'online'}],
	['3', {value: 'online_kernel', word: 'kernel'}],
	['4', {value: 'online_movable', word: 'movable'}],
]);

/** What a value means for a block that arrives: describePolicy's line, without its "auto_online_blocks is X: ". */
export function autoOnlineMeaning(value: string | null): string {
	const [line = ''] = describePolicy({
		autoOnlineBlocks: value,
		onlinePolicy: null,
		autoMovableRatio: null,
		autoMovableNumaAware: null,
		memmapOnMemory: null,
		blockSizeBytes: null,
	});
	const prefix = `auto_online_blocks is ${value}: `;
	return line.startsWith(prefix) ? line.slice(prefix.length) : line;
}

/** a pressed on a real machine: the chooser, the value now and what it means in the notice; none without the file. */
export function openAutoOnline(ui: UiState, current: string | null): UiState {
	if (current === null) {
		return {...ui, notice: {title: 'Auto-online', lines: [autoOnlineMeaning(null), 'Nothing to set.'], error: true}};
	}

	// Four values' meanings would not fit atop the log on 80x24: the question says the one chosen.
	const lines = [`now ${current}: ${autoOnlineMeaning(current)}`, '1-4 choose a value (the question says what it means); Esc leaves it'];
	return {...ui, mode: {kind: 'auto-online', current}, notice: {title: 'Auto-online', lines, error: false}};
}

const choose = (key: string, value: AutoOnlineValue, word: string): Binding<Chooser> => ({
	keys: [key],
	description: `set auto_online_blocks to ${value} (asks)`,
	bar: ({ui}) => (ui.mode.kind === 'auto-online' && ui.mode.current === value ? `${word} (now)` : word),
	run({ui, mode}) {
		if (value === mode.current) {
			const lines = [`auto_online_blocks is ${value} already: nothing written.`];
			return step({...ui, mode: {kind: 'browse'}, notice: {title: 'Auto-online', lines, error: false}});
		}

		const lines = [`${value}: ${autoOnlineMeaning(value)}`, 'y writes it (the audit log records it); Enter or any other key: No'];
		return step({
			...ui,
			mode: {kind: 'confirm-auto-online', value, current: mode.current},
			notice: {title: 'Auto-online', lines, error: false},
		});
	},
});

export const autoOnline: ModeSpec<Chooser> = {
	title: 'Keys of the auto-online chooser',
	prompt: () => 'auto-online: ',
	bindings: [
		...[...choices].map(([key, {value, word}]) => choose(key, value, word)),
		{
			keys: ['escape', 'q'],
			description: 'cancel',
			bar: 'cancels',
			barKeys: ['escape', 'q'],
			run: ({ui}) => step({...ui, mode: {kind: 'browse'}, notice: null}),
		},
		helpKey(),
	],
};

export const confirmAutoOnline: ModeSpec<Confirm> = {
	title: 'Keys of the auto-online question',
	prompt: mode => `Set auto_online_blocks to ${mode.value} (now ${mode.current})? [y/N]  `,
	bindings: [
		{
			keys: ['y', 'Y'],
			description: 'write it to auto_online_blocks',
			bar: 'sets it',
			run: ({ui, mode}) =>
				step({...ui, mode: {kind: 'browse'}, notice: null}, [{action: {type: 'auto-online', value: mode.value}, purpose: 'auto-online'}]),
		},
		{
			keys: [],
			match: {test: () => true, shown: 'any other key'},
			description: 'leave it as it is',
			bar: 'keeps it',
			run: ({ui, mode}) =>
				step({
					...ui,
					mode: {kind: 'browse'},
					notice: {
						title: 'Auto-online',
						lines: [`Not changed: auto_online_blocks stays ${mode.current}, nothing written.`],
						error: false,
					},
				}),
		},
	],
};
