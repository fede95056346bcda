// Turns parsed flags into one command, or one clear usage error. Nothing is read or changed here,
// so bad input never touches the machine.
import {presets} from '../model/presets.js';
import {type LoadLevel, loadLevels, type ModuleMode} from '../model/spec.js';
import {parseSize} from '../model/units.js';
import type {Flags} from './options.js';

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
export const defaultSeed = 2003;
const modeNames: Record<string, ModuleMode> = {'hot-add': 'hot-add', add: 'hot-add', mirror: 'mirror', 'hot-mirror': 'mirror'};

function wholeNumber(text: string, what: string, min: number, max: number): number | string {
	if (!/^\d+$/.test(text.trim())) {
		return `${what} must be a whole number, not "${text}"`;
	}

	const value = Number(text);
	return value < min || value > max ? `${what} must be from ${min} to ${max}, not ${text}` : value;
}

function seconds(text: string, what: string): number | string {
	const value = Number(text);
	if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 86_400) {
		return `${what} must be a number of seconds from 0 to 86400, not "${text}"`;
	}

	return value;
}

export function parseCommand(flags: Flags, input: readonly string[]): Parsed {
	if (input.length > 0) {
		return {ok: false, error: `unexpected argument "${input[0]}"`};
	}

	const given = actions.filter(name => flags[name] !== undefined && flags[name] !== false);
	if (given.length > 1) {
		return {ok: false, error: `--${given[0]} and --${given[1]} cannot be used together: one action at a time`};
	}

	const action = given[0];
	const modifiers: Array<[keyof Flags, string]> = [['attempts', 'integrate'], ['interval', 'integrate'], ['seed', 'reset'], ['preset', 'reset'], ['scenario', 'reset']];
	for (const [flag, owner] of modifiers) {
		if (flags[flag] !== undefined && action !== owner) {
			return {ok: false, error: `--${flag} goes with --${owner}`};
		}
	}

	if (flags.state === '') {
		return {ok: false, error: '--state needs a path'};
	}

	if (flags.scenario === '') {
		return {ok: false, error: '--scenario needs a path'};
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

const onlineTypes: Record<string, SysfsTarget['onlineType']> = {
	online: 'online', online_movable: 'online_movable', online_kernel: 'online_kernel', movable: 'online_movable', kernel: 'online_kernel',
};

/** The real machine's flags: checked together, so that none is silently ignored. */
function sysfsTarget(action: (typeof actions)[number] | undefined, flags: Flags): SysfsTarget | undefined | string {
	const real = flags.sysroot === undefined ? flags.sysfs ? '--sysfs' : undefined : '--sysroot';
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
		return '--sysroot needs a directory (/ for this machine, as --sysfs)';
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

	const onlineType = onlineTypes[flags.onlineType ?? 'online'];
	if (!onlineType) {
		return `--online-type takes online, online_movable or online_kernel, not "${flags.onlineType}"`;
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
			const attempts = wholeNumber(flags.attempts ?? '1', '--attempts', 1, 1000);
			const interval = seconds(flags.interval ?? '10', '--interval');
			if (typeof attempts === 'string') {
				return attempts;
			}

			return typeof interval === 'string' ? interval : {kind: 'integrate', attempts, interval};
		}

		case 'plug': {
			return plugCommand(flags.plug!);
		}

		case 'unplug': {
			const slot = wholeNumber(flags.unplug!, 'SLOT', 1, 65_536);
			return typeof slot === 'string' ? slot : {kind: 'unplug', slot};
		}

		case 'driver': {
			const op = flags.driver!;
			return op === 'start' || op === 'stop' || op === 'reinstall' ? {kind: 'driver', op} : `--driver takes start, stop or reinstall, not "${op}"`;
		}

		case 'workload': {
			const op = flags.workload!;
			return op === 'drop-caches' || (loadLevels as readonly string[]).includes(op)
				? {kind: 'workload', op: op as LoadLevel | 'drop-caches'}
				: `--workload takes drop-caches, ${loadLevels.join(', ')}; not "${op}"`;
		}

		case 'boot': {
			const version = flags.boot!.trim();
			return /^[\w.+-]{1,64}$/.test(version) ? {kind: 'boot', version} : `--boot needs a kernel version such as 2.4.9-e.10, not "${flags.boot}"`;
		}

		case 'reset': {
			if (flags.preset !== undefined && flags.scenario !== undefined) {
				return '--preset and --scenario cannot be used together';
			}

			if (flags.preset !== undefined && !Object.hasOwn(presets, flags.preset)) {
				return `unknown preset "${flags.preset}" (presets: ${Object.keys(presets).join(', ')})`;
			}

			const seed = wholeNumber(flags.seed ?? String(defaultSeed), '--seed', 0, 4_294_967_295);
			return typeof seed === 'string' ? seed : {kind: 'reset', seed, preset: flags.preset, scenario: flags.scenario};
		}
	}
}

function plugCommand(text: string): Command | string {
	const parts = text.split(':');
	if (parts.length < 2 || parts.length > 3) {
		return `--plug takes SLOT:SIZE[:MODE], e.g. 2:1G or 3:512M:mirror, not "${text}"`;
	}

	const slot = wholeNumber(parts[0]!, 'SLOT', 1, 65_536);
	if (typeof slot === 'string') {
		return slot;
	}

	const size = parseSize(parts[1]!);
	if (!size.ok) {
		return size.error;
	}

	const mode = modeNames[(parts[2] ?? 'hot-add').toLowerCase()];
	if (!mode) {
		return `unknown module mode "${parts[2]}": hot-add or mirror`;
	}

	return {kind: 'plug', slot, size: size.bytes, mode};
}
