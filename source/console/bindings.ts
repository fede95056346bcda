// What a key binding is (lazygit's way: data, one table per mode, in modes/), and everything derived
// from the tables: the key bar, the ? screen, the README's key table. Nothing lists keys elsewhere.
import type {Snapshot, SysfsView, VmView} from '../machine/snapshot.js';
import type {ConsoleAction} from '../machine/source.js';
import {keyLabel} from './key-names.js';
import type {Mode, Pane, UiState} from './ui-state.js';

/** What a key handler sees besides the console state: the machine, the clock, the lists' heights. */
export type Env = {
	snapshot: Snapshot;
	now: number;
	/** Visible list rows per pane, for paging and keeping the cursor on screen. */
	rows: Record<Pane, number>;
};

/** What an action is for: how its result changes the console when it comes back (controller.ts). */
export type Purpose =
	| 'plug'
	| 'unplug'
	| 'integrate'
	| 'driver'
	| 'workload'
	| 'loop-attempt'
	| 'offline-check'
	| 'offline'
	| 'auto-online'
	| 'resize';

/** An action a key asks for; the runner does it, the controller reads its result. */
export type Request = {action: ConsoleAction; purpose: Purpose};

/** A key's whole effect: the next console state and the actions to run, in order. */
export type Step = {ui: UiState; requests: Request[]};

/** What the bindings' conditions look at. */
export type View = {
	snapshot: Pick<Snapshot, 'kind'> & {sysfs?: Pick<SysfsView, 'offlining' | 'reading'>; vm?: Pick<VmView, 'agent' | 'virtioMem' | 'guest'>};
	ui: UiState;
};

export type KeyInput<M extends Mode> = {ui: UiState; mode: M; key: string; env: Env};

export type Binding<M extends Mode> = {
	/** The keys, by name (key-names.ts). */
	keys: readonly string[];
	/** For keys no list can hold (typed text, digits): which keys, and how the help writes them. */
	match?: {test: (key: string) => boolean; shown: string};
	/** The ? screen's words; bindings of one row share them ("move up / down"). */
	description: string;
	/** The key bar's word; absent or undefined: not on the key bar. */
	bar?: string | ((view: View) => string | undefined);
	/** The keys the bar names (default: the first). */
	barKeys?: readonly string[];
	/** Shown on the key bar only when it has room. */
	barSpare?: true;
	/** Why it does nothing here, in a line or two that a notice shows when pressed; null: it acts. */
	disabled?: (view: View) => readonly string[] | null;
	run: (input: KeyInput<M>) => Step;
};

export type ModeSpec<M extends Mode> = {
	/** The ? screen's heading for this mode. */
	title: string;
	bindings: ReadonlyArray<Binding<M>>;
	/** The key bar's text before the keys (the question asked, the text typed); absent: the main view's bar. */
	prompt?: (mode: M, view: View & {snapshot: Snapshot}) => string;
};

/** The binding of a key in a mode: listed keys first, then the catch-alls in table order. */
export function bindingFor<M extends Mode>(spec: ModeSpec<M>, key: string): Binding<M> | undefined {
	return spec.bindings.find(binding => binding.keys.includes(key)) ?? spec.bindings.find(binding => binding.match?.test(key));
}

/** How the help and the bar write a binding's keys. */
function keysShown<M extends Mode>(binding: Binding<M>, keys: readonly string[] = binding.keys): string[] {
	return [...keys.map(key => keyLabel(key)), ...(binding.match ? [binding.match.shown] : [])];
}

/** The title a disabled key's notice gets: its bar word, or its description. */
export function bindingTitle<M extends Mode>(binding: Binding<M>, view: View): string {
	const word = typeof binding.bar === 'function' ? binding.bar(view) : binding.bar;
	return (word ?? binding.description).replace(/^./, first => first.toUpperCase());
}

export type BarItem = {keys: string; word: string; spare: boolean};

/** The key bar: each binding that acts here and has a word, as "keys word". */
export function barItems<M extends Mode>(spec: ModeSpec<M>, view: View): BarItem[] {
	return spec.bindings.flatMap(binding => {
		const word = typeof binding.bar === 'function' ? binding.bar(view) : binding.bar;
		if (word === undefined || binding.disabled?.(view)) {
			return [];
		}

		const labels = keysShown(binding, binding.barKeys ?? binding.keys.slice(0, 1));
		// Arrows read as one glyph pair ("←→"); named keys are split ("PgUp/PgDn").
		const keys = labels.every(label => [...label].length === 1) ? labels.join('') : labels.join('/');
		return [{keys, word, spare: binding.barSpare === true}];
	});
}

export type HelpRow = {key: string; does: string};

/** The ? screen's rows for a mode and machine: every key that acts here, grouped by row; and those that do not. */
export function helpRows<M extends Mode>(spec: ModeSpec<M>, view: View): {rows: HelpRow[]; disabled: string[]} {
	const rows = new Map<string, string[]>();
	const disabled: string[] = [];
	for (const binding of spec.bindings) {
		if (binding.disabled?.(view)) {
			disabled.push(...keysShown(binding).slice(0, 1));
			continue;
		}

		rows.set(binding.description, [...(rows.get(binding.description) ?? []), ...keysShown(binding)]);
	}

	return {rows: [...rows].map(([does, keys]) => ({key: keys.join(' '), does})), disabled};
}

/** A help table as Markdown (the README's, by scripts/key-table.ts; test/unit/keys.test.ts checks it). */
export function keyTable<M extends Mode>(spec: ModeSpec<M>, view: View): string {
	const rows = helpRows(spec, view).rows.map(
		({key, does}) =>
			`| ${key
				.split(' ')
				.map(label => `\`${label}\``)
				.join(' ')} | ${does} |`,
	);
	return ['| key | does |', '| --- | --- |', ...rows].join('\n');
}

/** A step that asks for nothing, or for these actions. */
export function step(ui: UiState, requests: Request[] = []): Step {
	return {ui, requests};
}

/** The key bar's items as one plain line: "Esc gives up, q quits". */
export function barText(items: readonly BarItem[], separator = ', '): string {
	return items.map(item => `${item.keys} ${item.word}`).join(separator);
}
