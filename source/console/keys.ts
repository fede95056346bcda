// Every key binding of the console, in one place (as lazygit keeps them): what a key does in the
// main view, and the help text that the key bar and the ? screen show.
import type {Key} from 'ink';

export type Command =
	| 'up' | 'down' | 'page-up' | 'page-down' | 'top' | 'bottom' | 'next-pane' | 'previous-pane'
	| 'plug' | 'unplug' | 'integrate' | 'retry-loop' | 'workload' | 'driver' | 'filter' | 'escape' | 'help' | 'quit';

export type Binding = {keys: string[]; label: string; command: Command; help: string};

export const bindings: Binding[] = [
	{keys: ['up', 'k'], label: '↑/k', command: 'up', help: 'move up'},
	{keys: ['down', 'j'], label: '↓/j', command: 'down', help: 'move down'},
	{keys: ['pageup'], label: 'PgUp', command: 'page-up', help: 'page up'},
	{keys: ['pagedown'], label: 'PgDn', command: 'page-down', help: 'page down'},
	{keys: ['home', 'g'], label: 'g/Home', command: 'top', help: 'first row'},
	{keys: ['end', 'G'], label: 'G/End', command: 'bottom', help: 'last row'},
	{keys: ['tab', 'right', 'l'], label: 'Tab', command: 'next-pane', help: 'next pane (slots, regions, log)'},
	{keys: ['shift-tab', 'left', 'h'], label: 'S-Tab', command: 'previous-pane', help: 'previous pane'},
	{keys: ['p'], label: 'p', command: 'plug', help: 'plug a module into a slot'},
	{keys: ['u'], label: 'u', command: 'unplug', help: 'unplug the selected slot (asks first)'},
	{keys: ['i'], label: 'i', command: 'integrate', help: 'integrate once: try every FAILED region again'},
	{keys: ['r'], label: 'r', command: 'retry-loop', help: 'integrate retry loop: attempts, interval, watch it run'},
	{keys: ['w'], label: 'w', command: 'workload', help: 'workload lever: drop caches, set the load'},
	{keys: ['d'], label: 'd', command: 'driver', help: 'start or stop the ham driver'},
	{keys: ['/'], label: '/', command: 'filter', help: 'filter regions by text or status (Esc clears)'},
	{keys: ['escape'], label: 'Esc', command: 'escape', help: 'cancel: the retry loop, a filter, a message'},
	{keys: ['?'], label: '?', command: 'help', help: 'this list of keys'},
	{keys: ['q'], label: 'q', command: 'quit', help: 'quit'},
];

const byKey = new Map(bindings.flatMap(binding => binding.keys.map(key => [key, binding.command] as const)));

export function commandFor(key: string): Command | undefined {
	return byKey.get(key);
}

/** The key bar's short list, most used first. */
export const keyBar = ['p plug', 'u unplug', 'i integrate', 'r retry', 'w workload', 'd driver', '/ filter', '? help', 'q quit'];

const controlKeys: Record<string, string> = {'\r': 'enter', '\n': 'enter', '\t': 'tab', '\u007F': 'backspace', '\b': 'backspace', '\u001B': 'escape', '\u0003': 'ctrl-c'};

/**
 * Names the keys of one input event. Keys typed faster than frames, or sent by `tmux send-keys`,
 * arrive as one string ("jjq", "r\r"): Ink splits off escape sequences but passes such a run
 * whole, so each character counts, control characters included.
 */
export function keyNames(input: string, key: Key): string[] {
	if (input.length > 1) {
		return [...input].map(char => controlKeys[char] ?? char).filter(name => name.length > 1 || name >= ' ');
	}

	if (key.upArrow) return ['up'];
	if (key.downArrow) return ['down'];
	if (key.leftArrow) return ['left'];
	if (key.rightArrow) return ['right'];
	if (key.pageUp) return ['pageup'];
	if (key.pageDown) return ['pagedown'];
	if (key.home) return ['home'];
	if (key.end) return ['end'];
	if (key.tab) return [key.shift ? 'shift-tab' : 'tab'];
	if (key.return) return ['enter'];
	if (key.escape) return ['escape'];
	if (key.backspace || key.delete) return ['backspace'];
	if (key.ctrl) return [`ctrl-${input}`];
	return [...input].filter(char => char >= ' ' && char !== '\u007F');
}

/** The ? screen: every command above, grouped for reading. A test checks none is missing. */
export const helpRows: Array<{keys: string; does: string; commands: Command[]}> = [
	{keys: '↑↓ j k', does: 'move in the pane', commands: ['up', 'down']},
	{keys: 'PgUp PgDn', does: 'page up / down', commands: ['page-up', 'page-down']},
	{keys: 'g G', does: 'first / last row', commands: ['top', 'bottom']},
	{keys: 'Tab S-Tab', does: 'next / previous pane', commands: ['next-pane', 'previous-pane']},
	{keys: '/', does: 'filter regions', commands: ['filter']},
	{keys: 'Esc', does: 'cancel, close, clear', commands: ['escape']},
	{keys: '? q', does: 'this help / quit', commands: ['help', 'quit']},
	{keys: 'p', does: 'plug a module', commands: ['plug']},
	{keys: 'u', does: 'unplug a slot (asks)', commands: ['unplug']},
	{keys: 'i', does: 'integrate once', commands: ['integrate']},
	{keys: 'r', does: 'integrate retry loop', commands: ['retry-loop']},
	{keys: 'w', does: 'workload lever', commands: ['workload']},
	{keys: 'd', does: 'start / stop ham', commands: ['driver']},
];
