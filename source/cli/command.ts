// Turns parsed flags into one command, or one clear usage error. Nothing is read or changed here,
// so bad input never touches the machine.
import {defaultSeed, presets} from '../model/presets.js';
import {type LoadLevel, loadLevels, type ModuleMode} from '../model/spec.js';
import {parseSize} from '../model/units.js';
import {parseNumber} from './number.js';
import {type Flags, needsValue} from './options.js';
import {quote} from './usage.js';

export type Command =
	| {kind: 'console'}
	| {kind: 'status'}
	| {kind: 'json'}
	| {kind: 'integrate'; attempts: number; interval: number}
	| {kind: 'plug'; slot: number; size: number; mode: ModuleMode}
	| {kind: 'unplug'; slot: number}
	| {kind: 'driver'; op: 'start' | 'stop' | 'reinstall'}
	| {kind: 'workload'; op: 'drop-caches' | LoadLevel}
	| {kind: 'boot'; version: string}
	| {kind: 'reset'; seed: number; preset: string | undefined; scenario: string | undefined};

/** A real machine's memory blocks (--sysroot DIR or --sysfs) instead of the simulated machine. */
export type SysfsTarget = {
	sysroot: string;
	/** --all: one line per block. */
	all: boolean;
	/** What --integrate (and the console's i and r) write to each offline block's state. */
	onlineType: 'online' | 'online_movable' | 'online_kernel';
	dryRun: boolean;
};

export type Parsed = {ok: true; command: Command; statePath: string | undefined; sysfs?: SysfsTarget} | {ok: false; error: string};

const actions = ['status', 'json', 'integrate', 'plug', 'unplug', 'driver', 'workload', 'boot', 'reset'] as const;
// Names from the command line are looked up in Maps: a plain object would also find
// "constructor" or "__proto__" (Object.prototype's) and let them through as a mode.
const modeNames: ReadonlyMap<string, ModuleMode> = new Map([
	['hot-add', 'hot-add'],
	['add', 'hot-add'],
	['mirror', 'mirror'],
	['hot-mirror', 'mirror'],
]);
const driverOps = ['start', 'stop', 'reinstall'] as const;

/** A slot's real bound is the machine's slot count, checked when the state is read. */
const slotNumber = {what: 'SLOT', min: 1, max: 65_536, looseBound: true};

export function parseCommand(flags: Flags, input: readonly string[]): Parsed {
	if (input.length > 0) {
		return {ok: false, error: `unexpected argument ${quote(input[0]!)}`};
	}

	const given = actions.filter(name => flags[name] !== undefined && flags[name] !== false);
	if (given.length > 1) {
		return {ok: false, error: `--${given[0]} and --${given[1]} cannot be used together: one action at a time`};
	}

	const action = given[0];
	const modifiers: Array<[keyof Flags, string]> = [
		['attempts', 'integrate'],
		['interval', 'integrate'],
		['seed', 'reset'],
		['preset', 'reset'],
		['scenario', 'reset'],
	];
	for (const [flag, owner] of modifiers) {
		if (flags[flag] !== undefined && action !== owner) {
			return {ok: false, error: `--${flag} goes with --${owner}`};
		}
	}

	for (const flag of ['state', 'scenario'] as const) {
		if (flags[flag] === '') {
			return {ok: false, error: needsValue(flag)};
		}
	}

	const sysfs = sysfsTarget(action, flags);
	if (typeof sysfs === 'string') {
		return {ok: false, error: sysfs};
	}

	const command = toCommand(action, flags);
	if (typeof command === 'string') {
		return {ok: false, error: command};
	}

	return sysfs ? {ok: true, command, statePath: undefined, sysfs} : {ok: true, command, statePath: flags.state};
}

const onlineTypes: ReadonlyMap<string, SysfsTarget['onlineType']> = new Map([
	['online', 'online'],
	['online_movable', 'online_movable'],
	['online_kernel', 'online_kernel'],
	['movable', 'online_movable'],
	['kernel', 'online_kernel'],
]);

/** The real machine's flags: checked together, so that none is silently ignored. */
function sysfsTarget(action: (typeof actions)[number] | undefined, flags: Flags): SysfsTarget | undefined | string {
	const real = flags.sysroot === undefined ? (flags.sysfs ? '--sysfs' : undefined) : '--sysroot';
	if (flags.sysroot !== undefined && flags.sysfs) {
		return '--sysroot and --sysfs cannot be used together (--sysfs is --sysroot /)';
	}

	if (real === undefined) {
		for (const flag of ['all', 'dryRun', 'onlineType'] as const) {
			if (flags[flag] !== undefined && flags[flag] !== false) {
				return `--${flag === 'dryRun' ? 'dry-run' : flag === 'onlineType' ? 'online-type' : flag} works on a real machine: add --sysroot DIR or --sysfs`;
			}
		}

		return undefined;
	}

	if (flags.sysroot !== undefined && flags.sysroot.trim() === '') {
		return needsValue('sysroot');
	}

	if (action !== undefined && action !== 'status' && action !== 'json' && action !== 'integrate') {
		return `--${action} works on the simulated machine only, not with ${real}: a real machine's memory is added by its hardware or hypervisor`;
	}

	if (flags.state !== undefined) {
		return `--state is the simulated machine's file; it does not go with ${real}`;
	}

	if (flags.all && action !== 'status' && action !== 'json') {
		return '--all goes with --status or --json';
	}

	if (flags.dryRun && action !== 'integrate') {
		return '--dry-run goes with --integrate';
	}

	const onlineType = onlineTypes.get(flags.onlineType ?? 'online');
	if (!onlineType) {
		return `--online-type takes online, online_movable or online_kernel, not ${quote(flags.onlineType ?? '')}`;
	}

	if (flags.onlineType !== undefined && action !== 'integrate' && action !== undefined) {
		return '--online-type goes with --integrate or the console';
	}

	return {sysroot: flags.sysroot ?? '/', all: flags.all === true, onlineType, dryRun: flags.dryRun === true};
}

function toCommand(action: (typeof actions)[number] | undefined, flags: Flags): Command | string {
	switch (action) {
		case undefined: {
			return {kind: 'console'};
		}

		case 'status':
		case 'json': {
			return {kind: action};
		}

		case 'integrate': {
			const attempts = parseNumber(flags.attempts ?? '1', {what: '--attempts', min: 1, max: 1000});
			const interval = parseNumber(flags.interval ?? '10', {what: '--interval', min: 0, max: 86_400, unit: 'seconds'});
			if (typeof attempts === 'string') {
				return attempts;
			}

			return typeof interval === 'string' ? interval : {kind: 'integrate', attempts, interval};
		}

		case 'plug': {
			return plugCommand(flags.plug!);
		}

		case 'unplug': {
			const slot = parseNumber(flags.unplug!, slotNumber);
			return typeof slot === 'string' ? slot : {kind: 'unplug', slot};
		}

		case 'driver': {
			const op = driverOps.find(name => name === flags.driver);
			return op ? {kind: 'driver', op} : `--driver takes start, stop or reinstall, not ${quote(flags.driver!)}`;
		}

		case 'workload': {
			const op = flags.workload!;
			return op === 'drop-caches' || (loadLevels as readonly string[]).includes(op)
				? {kind: 'workload', op: op as LoadLevel | 'drop-caches'}
				: `--workload takes drop-caches, ${loadLevels.join(', ')}; not ${quote(op)}`;
		}

		case 'boot': {
			const version = flags.boot!.trim();
			return /^[\w.+-]{1,64}$/.test(version)
				? {kind: 'boot', version}
				: `--boot needs a kernel version such as 2.4.9-e.10, not ${quote(flags.boot!)}`;
		}

		case 'reset': {
			if (flags.preset !== undefined && flags.scenario !== undefined) {
				return '--preset and --scenario cannot be used together';
			}

			if (flags.preset !== undefined && !Object.hasOwn(presets, flags.preset)) {
				return `unknown preset ${quote(flags.preset)} (presets: ${Object.keys(presets).join(', ')})`;
			}

			const seed = parseNumber(flags.seed ?? String(defaultSeed), {what: '--seed', min: 0, max: 4_294_967_295});
			return typeof seed === 'string' ? seed : {kind: 'reset', seed, preset: flags.preset, scenario: flags.scenario};
		}
	}
}

function plugCommand(text: string): Command | string {
	const parts = text.split(':');
	if (parts.length < 2 || parts.length > 3) {
		return `--plug takes SLOT:SIZE[:MODE], e.g. 2:1G or 3:512M:mirror, not ${quote(text)}`;
	}

	const slot = parseNumber(parts[0]!, slotNumber);
	if (typeof slot === 'string') {
		return slot;
	}

	const size = parseSize(parts[1]!);
	if (!size.ok) {
		return size.error;
	}

	const mode = modeNames.get((parts[2] ?? 'hot-add').toLowerCase());
	if (!mode) {
		return `unknown module mode ${quote(parts[2] ?? '')}: hot-add or mirror`;
	}

	return {kind: 'plug', slot, size: size.bytes, mode};
}
