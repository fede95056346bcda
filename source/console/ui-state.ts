// What the console remembers besides the machine: focus, cursors, the open form or prompt, the
// filter, the retry loop, the last message. Plain data, changed only by the mode controllers
// (modes/) and the results of their actions (controller.ts).
import type {AutoOnlineValue} from '../cli/command.js';

export type Pane = 'slots' | 'regions' | 'log';
export const panes: Pane[] = ['slots', 'regions', 'log'];

export type PlugForm = {kind: 'plug'; field: 0 | 1 | 2; slot: number; sizeIndex: number; mode: 'hot-add' | 'mirror'; error: string | null};
export type RetrySetup = {kind: 'retry-setup'; field: 0 | 1; attempts: number; interval: number};
/** A VM's plug form: slot (pc-dimm only), size, device kind, NUMA node; QEMU's refusal in `error`. */
export type VmPlugForm = {
	kind: 'vm-plug';
	field: 0 | 1 | 2 | 3;
	slot: number;
	sizeIndex: number;
	device: 'pc-dimm' | 'virtio-mem';
	node: number;
	error: string | null;
};
/** The virtio-mem size lever: the device, and the requested size the operator is setting (Enter asks QEMU). */
export type VmResize = {kind: 'vm-resize'; id: string; size: number};

/** The whole text of one row of a list (Enter on it), scrolled by `scroll` rows. */
export type Detail = {kind: 'detail'; pane: Pane; index: number; scroll: number};

/** The help screen, for the mode it was opened from (Esc goes back to it). */
export type Help = {kind: 'help'; back: Exclude<Mode, Help>};

export type Mode =
	| {kind: 'browse'}
	| Help
	| PlugForm
	| VmPlugForm
	| VmResize
	| {kind: 'confirm-unplug'; slot: number}
	| {kind: 'confirm-driver'; op: 'start' | 'stop' | 'reinstall'}
	/** o's question, asked once the checks passed: `question` is the machine's words ("Offline blocks 14-15 (256M, ...)?"). */
	| {kind: 'confirm-offline'; first: number; last: number; question: string}
	/** a's chooser of auto_online_blocks' values; `current` is the value when it opened. */
	| {kind: 'auto-online'; current: string}
	/** a's question: set auto_online_blocks to `value`, now `current`. */
	| {kind: 'confirm-auto-online'; value: AutoOnlineValue; current: string}
	| Detail
	| {kind: 'workload'}
	| {kind: 'filter'; text: string}
	| RetrySetup;

export type LoopAttempt = {
	attempt: number;
	time: number;
	outcomes: Array<{id: number; status: string; reason: string | null; retry: boolean | null; label?: string}>;
};

export type RetryLoop = {
	attempts: number;
	interval: number;
	/** Attempts made so far. */
	done: number;
	nextAt: number;
	history: LoopAttempt[];
	/** Why the loop ended; null while it runs. */
	ended: string | null;
};

/**
 * A message atop the log; `escape` says what Esc does to it (default: closes). An action's result
 * says when it was true (`at`) and is dropped once the machine's log moves past `logMark`, the log
 * line that was last when it was made: from then on the log says what is true.
 */
export type Notice = {title: string; lines: string[]; error: boolean; escape?: string; at?: number; logMark?: string | null};

export type UiState = {
	pane: Pane;
	cursor: Record<Pane, number>;
	offset: Record<Pane, number>;
	/** Log pane follows the newest line until the operator scrolls up. */
	logFollow: boolean;
	filter: string;
	mode: Mode;
	loop: RetryLoop | null;
	notice: Notice | null;
	quit: boolean;
};

export const initialUi: UiState = {
	pane: 'regions',
	cursor: {slots: 1, regions: 0, log: 0},
	offset: {slots: 0, regions: 0, log: 0},
	logFollow: true,
	filter: '',
	mode: {kind: 'browse'},
	loop: null,
	notice: null,
	quit: false,
};
