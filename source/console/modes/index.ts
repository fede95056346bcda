// Every mode's binding table, by the mode's kind: the controller, the key bar and the ? screen
// all look a mode's keys up here.
import type {ModeSpec} from '../bindings.js';
import type {Mode} from '../ui-state.js';
import {autoOnline, confirmAutoOnline} from './auto-online.js';
import {browse} from './browse.js';
import {confirmDriver} from './confirm-driver.js';
import {confirmOffline} from './confirm-offline.js';
import {confirmUnplug} from './confirm-unplug.js';
import {detail} from './detail.js';
import {filter} from './filter.js';
import {help} from './help.js';
import {plug} from './plug.js';
import {retrySetup} from './retry-setup.js';
import {vmPlug} from './vm-plug.js';
import {vmResize} from './vm-resize.js';
import {workload} from './workload.js';

export const modes: {[K in Mode['kind']]: ModeSpec<Extract<Mode, {kind: K}>>} = {
	browse,
	help,
	plug,
	'vm-plug': vmPlug,
	'vm-resize': vmResize,
	'confirm-unplug': confirmUnplug,
	'confirm-driver': confirmDriver,
	'confirm-offline': confirmOffline,
	'auto-online': autoOnline,
	'confirm-auto-online': confirmAutoOnline,
	detail,
	workload,
	filter,
	'retry-setup': retrySetup,
};

/** A mode's table, for code that handles any mode (the key bar, the ? screen). */
export function specOf(mode: Mode): ModeSpec<Mode> {
	// Each table takes its own mode only; `modes` is keyed so that the pair always matches.
	return modes[mode.kind] as ModeSpec<Mode>;
}
