// Every key binding of the console's main view, in one table (as lazygit keeps them): what a key
// does, what the key bar and the ? screen call it, and when it does nothing here, why.
import type {Key} from 'ink';
import type {Snapshot as FullSnapshot} from '../machine/snapshot.js';

/** What the bindings look at: only which kind of machine is in front of the console. */
type Snapshot = Pick<FullSnapshot, 'kind'>;

export type Command =
	| 'up'
	| 'down'
	| 'page-up'
	| 'page-down'
	| 'top'
	| 'bottom'
	| 'next-pane'
	| 'previous-pane'
	| 'plug'
	| 'unplug'
	| 'integrate'
	| 'retry-loop'
	| 'workload'
	| 'driver'
	| 'filter'
	| 'escape'
	| 'help'
	| 'quit';

/**
 * One key binding of the main view: its keys, what the key bar and the ? screen call it, and when
 * it does nothing on the machine in front of the console, why. The key bar, the ? screen and the
 * notice a disabled key gives are all derived from this table; nothing lists keys anywhere else.
 */
export type Binding = {
	keys: string[];
	command: Command;
	/** The key bar's word for it; absent: not on the key bar. */
	bar?: string;
	/** The key bar's word on a real machine, where it differs. */
	barReal?: string;
	/** Bindings of one help row share it: "move up / down". */
	help: string;
	/** Why it does nothing on this machine (a notice says so when pressed); null: it acts. */
	disabled?: (snapshot: Snapshot) => string[] | null;
};

/** What the keys that change the simulated machine say on a real one (sysfs), instead of acting. */
const onRealMachine = (lines: string[]) => (snapshot: Snapshot) => (snapshot.kind === 'simulated' ? null : lines);

export const bindings: Binding[] = [
	{keys: ['up', 'k'], command: 'up', help: 'move up / down'},
	{keys: ['down', 'j'], command: 'down', help: 'move up / down'},
	{keys: ['pageup'], command: 'page-up', help: 'page up / down'},
	{keys: ['pagedown'], command: 'page-down', help: 'page up / down'},
	{keys: ['home', 'g'], command: 'top', help: 'first / last row'},
	{keys: ['end', 'G'], command: 'bottom', help: 'first / last row'},
	{keys: ['tab', 'right', 'l'], command: 'next-pane', bar: 'pane', help: 'next / previous pane'},
	{keys: ['shift-tab', 'left', 'h'], command: 'previous-pane', help: 'next / previous pane'},
	{
		keys: ['p'],
		command: 'plug',
		bar: 'plug',
		help: 'plug a module',
		disabled: onRealMachine([
			'A real machine has no modelled slots to plug into: its memory is added',
			'by its hardware or hypervisor, then shows here as offline blocks.',
		]),
	},
	{
		keys: ['u'],
		command: 'unplug',
		bar: 'unplug',
		help: 'unplug a slot (asks)',
		disabled: onRealMachine([
			'A real machine has no slots to unplug here,',
			'and ham-tui never offlines memory (ham 1.0 had no hot-remove).',
		]),
	},
	{keys: ['i'], command: 'integrate', bar: 'integrate', barReal: 'online', help: 'integrate once'},
	{keys: ['r'], command: 'retry-loop', bar: 'retry', help: 'integrate retry loop'},
	{
		keys: ['w'],
		command: 'workload',
		bar: 'workload',
		help: 'workload lever',
		disabled: onRealMachine(["A real machine's load is its own: there is no workload lever.", 'Free memory yourself, then i or r.']),
	},
	{
		keys: ['d'],
		command: 'driver',
		bar: 'driver',
		help: 'start / stop ham',
		disabled: onRealMachine([
			'A real machine has no ham driver to start or stop: the kernel does its job.',
			'auto_online_blocks says what the kernel does with a new block.',
		]),
	},
	{keys: ['/'], command: 'filter', bar: 'filter', help: 'filter regions'},
	{keys: ['escape'], command: 'escape', help: 'cancel, close, clear'},
	{keys: ['?'], command: 'help', bar: 'help', help: 'this help / quit'},
	{keys: ['q'], command: 'quit', bar: 'quit', help: 'this help / quit'},
];

const byKey = new Map(bindings.flatMap(binding => binding.keys.map(key => [key, binding] as const)));

export function bindingFor(key: string): Binding | undefined {
	return byKey.get(key);
}

/** How a key name is written for a person. */
const keyLabels = new Map([
	['up', '↑'],
	['down', '↓'],
	['left', '←'],
	['right', '→'],
	['pageup', 'PgUp'],
	['pagedown', 'PgDn'],
	['home', 'Home'],
	['end', 'End'],
	['tab', 'Tab'],
	['shift-tab', 'S-Tab'],
	['escape', 'Esc'],
	['enter', 'Enter'],
]);

export function keyLabel(key: string): string {
	return keyLabels.get(key) ?? key;
}

/** The key bar of the main view for this machine: the first key and word of each binding that acts here. */
export function keyBar(snapshot: Snapshot): Array<{key: string; word: string}> {
	const real = snapshot.kind !== 'simulated';
	const order = ['plug', 'unplug', 'integrate', 'retry-loop', 'workload', 'driver', 'filter', 'next-pane', 'help', 'quit'];
	return bindings
		.filter(binding => binding.bar !== undefined && !binding.disabled?.(snapshot) && (binding.command !== 'next-pane' || real))
		.sort((a, b) => order.indexOf(a.command) - order.indexOf(b.command))
		.map(binding => ({key: keyLabel(binding.keys[0]!), word: (real ? binding.barReal : undefined) ?? binding.bar!}));
}

/** The ? screen's rows for this machine: every key that acts here, grouped; and those that do not. */
export function helpRows(snapshot: Snapshot): {rows: Array<{key: string; does: string}>; disabled: string[]} {
	const rows = new Map<string, string[]>();
	const disabled: string[] = [];
	for (const binding of bindings) {
		if (binding.disabled?.(snapshot)) {
			disabled.push(keyLabel(binding.keys[0]!));
			continue;
		}

		rows.set(binding.help, [...(rows.get(binding.help) ?? []), ...binding.keys.map(key => keyLabel(key))]);
	}

	return {rows: [...rows].map(([does, keys]) => ({key: keys.join(' '), does})), disabled};
}

const controlKeys: Record<string, string> = {
	'\r': 'enter',
	'\n': 'enter',
	'\t': 'tab',
	'\u007F': 'backspace',
	'\b': 'backspace',
	'\u001B': 'escape',
	'\u0003': 'ctrl-c',
};

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

/** The README's key table, made from the bindings (test/keys.test.ts checks the README holds it). */
export function keyTable(snapshot: Snapshot): string {
	const rows = helpRows(snapshot).rows.map(
		({key, does}) =>
			`| ${key
				.split(' ')
				.map(label => `\`${label}\``)
				.join(' ')} | ${does} |`,
	);
	return ['| key | does |', '| --- | --- |', ...rows].join('\n');
}
