// Turns parsed flags into one command, or one clear usage error. Nothing is read or changed here,
// so bad input never touches the machine.
import {defaultSeed, isPresetName, type PresetName, presets} from '../model/presets.js';
import {type LoadLevel, loadLevels, type ModuleMode} from '../model/spec.js';
import {parseSize} from '../model/units.js';
import {fail, ok, type Result} from '../result.js';
import {parseAddressRange, parseBlockRange, parseSelectionSize, type Selection} from '../selection.js';
import {parseNumber, parseSlot} from './number.js';
import {type Flags, needsValue, takes} from './options.js';
import {quote} from './usage.js';

export type Command =
	| {kind: 'console'}
	| {kind: 'status'}
	| {kind: 'json'}
	| {kind: 'integrate'; attempts: number; interval: number}
	/** `node`: a VM's NUMA node for the DIMM (--qmp only, SLOT:SIZE:node=N). */
	| {kind: 'plug'; slot: number; size: number; mode: ModuleMode; node?: number}
	/** `timeout`: how long a VM's unplug waits for the guest's answer, in seconds (--qmp only). */
	| {kind: 'unplug'; slot: number; timeout?: number}
	| {kind: 'driver'; op: 'start' | 'stop' | 'reinstall'}
	| {kind: 'workload'; op: 'drop-caches' | LoadLevel}
	| {kind: 'boot'; version: string}
	| {kind: 'reset'; seed: number; preset: PresetName | undefined; scenario: string | undefined}
	/** A real machine's: offline the selected blocks (chmem -d), each write stopped after `timeout` seconds. */
	| {kind: 'offline'; timeout: number; force: boolean}
	/** A real machine's: print each change of its blocks, as JSON lines or /proc/ham/status frames. */
	| {kind: 'watch'; format: 'json' | 'status'; interval: number}
	/** A real machine's: write auto_online_blocks. */
	| {kind: 'auto-online'; value: AutoOnlineValue};

/** What auto_online_blocks takes (drivers/base/memory.c: the online types, and offline). */
export type AutoOnlineValue = 'offline' | 'online' | 'online_kernel' | 'online_movable';
const autoOnlineValues: ReadonlyMap<string, AutoOnlineValue> = new Map([
	['offline', 'offline'],
	['online', 'online'],
	['online_kernel', 'online_kernel'],
	['online_movable', 'online_movable'],
]);

/** A real machine's memory blocks (--sysroot DIR or --sysfs) instead of the simulated machine. */
export type SysfsTarget = {
	sysroot: string;
	/** --all: one line per block. */
	all: boolean;
	/**
	 * What --integrate (and the console's i and r) write to each offline block's state: `auto` is
	 * ham-tui's zone rule (sysfs/zone.ts: Movable while the kernel's auto_movable_ratio allows),
	 * the others go to the kernel as they are.
	 */
	onlineType: 'auto' | 'online' | 'online_movable' | 'online_kernel';
	dryRun: boolean;
	/** --blocks, --range or --size: the blocks an --integrate or --offline is about (else every hot-added offline block). */
	selection?: Selection;
};

/**
 * A running QEMU (--qmp SOCKET): its controller side over QMP, and with --qga SOCKET the guest's
 * memory blocks through the QEMU guest agent (docs/VM.md). `dryRun`: --integrate's, nothing written.
 */
export type VmTarget = {
	qmp: string;
	qga?: string;
	dryRun?: boolean;
	/** --blocks or --range: the guest's blocks an --integrate is about (else every offline block of a plugged device). */
	selection?: Selection;
};

/** What the command line asks for: the command, and the simulated machine's file, the real machine or a VM. */
export type ParsedCommand = {command: Command; statePath: string | undefined; sysfs?: SysfsTarget; vm?: VmTarget};

const actions = [
	'status',
	'json',
	'integrate',
	'offline',
	'watch',
	'auto-online',
	'plug',
	'unplug',
	'driver',
	'workload',
	'boot',
	'reset',
] as const;
type ActionName = (typeof actions)[number];
/** An action flag given: a switch (--status), or a flag with its value (--plug 2:1G). */
type ActionFlag =
	| {name: 'status' | 'json' | 'integrate' | 'reset' | 'offline' | 'watch'}
	| {name: 'plug' | 'unplug' | 'driver' | 'workload' | 'boot' | 'auto-online'; value: string};
// Names from the command line are looked up in Maps: a plain object would also find
// "constructor" or "__proto__" (Object.prototype's) and let them through as a mode.
const modeNames: ReadonlyMap<string, ModuleMode> = new Map([
	['hot-add', 'hot-add'],
	['add', 'hot-add'],
	['mirror', 'mirror'],
	['hot-mirror', 'mirror'],
]);
const driverOps = ['start', 'stop', 'reinstall'] as const;

export function parseCommand(flags: Flags, input: readonly string[]): Result<ParsedCommand> {
	const [unexpected] = input;
	if (unexpected !== undefined) {
		return fail(`unexpected argument ${quote(unexpected)}`);
	}

	// --watch --status: the watch, in the /proc/ham/status shape. The one pair of actions that composes.
	const given = actionFlags(flags);
	const [action, second] = flags.watch ? given.filter(flag => flag.name !== 'status') : given;
	if (action && second) {
		return fail(`--${action.name} and --${second.name} cannot be used together: one action at a time`);
	}

	const modifiers: Array<[keyof Flags, string, ...string[]]> = [
		['attempts', 'integrate'],
		['interval', 'integrate', 'watch'],
		['timeout', 'offline', 'unplug'],
		['force', 'offline'],
		['seed', 'reset'],
		['preset', 'reset'],
		['scenario', 'reset'],
	];
	for (const [flag, ...owners] of modifiers) {
		if (flags[flag] !== undefined && flags[flag] !== false && !owners.includes(action?.name ?? '')) {
			return fail(`--${flag} goes with ${owners.map(owner => `--${owner}`).join(' or ')}`);
		}
	}

	for (const flag of ['state', 'scenario'] as const) {
		if (flags[flag] === '') {
			return fail(needsValue(flag));
		}
	}

	if (flags.qmp !== undefined) {
		return vmCommand(action, flags);
	}

	if (flags.qga !== undefined) {
		return fail("--qga goes with --qmp SOCKET: the guest agent is a running QEMU's guest's side");
	}

	if (flags.timeout !== undefined && action?.name === 'unplug') {
		return fail('--timeout goes with --offline, or with --unplug and --qmp (how long to wait for the guest)');
	}

	const sysfs = sysfsTarget(action?.name, flags);
	if (!sysfs.ok) {
		return sysfs;
	}

	const command = toCommand(action, flags);
	if (!command.ok) {
		return command;
	}

	return ok(
		sysfs.value ? {command: command.value, statePath: undefined, sysfs: sysfs.value} : {command: command.value, statePath: flags.state},
	);
}

/** The action flags given, in the order of `actions` (the order a "cannot be used together" names them). */
function actionFlags(flags: Flags): ActionFlag[] {
	return actions.flatMap((name): ActionFlag[] => {
		switch (name) {
			case 'status':
			case 'json':
			case 'integrate':
			case 'reset':
			case 'offline':
			case 'watch': {
				return flags[name] ? [{name}] : [];
			}

			case 'auto-online': {
				return flags.autoOnline === undefined ? [] : [{name, value: flags.autoOnline}];
			}

			default: {
				const value = flags[name];
				return value === undefined ? [] : [{name, value}];
			}
		}
	});
}

const onlineTypes: ReadonlyMap<string, SysfsTarget['onlineType']> = new Map([
	['auto', 'auto'],
	['online', 'online'],
	['online_movable', 'online_movable'],
	['online_kernel', 'online_kernel'],
	['movable', 'online_movable'],
	['kernel', 'online_kernel'],
]);

/** The real machine's flags: checked together, so that none is silently ignored. */
function sysfsTarget(action: ActionName | undefined, flags: Flags): Result<SysfsTarget | undefined> {
	const real = flags.sysroot === undefined ? (flags.sysfs ? '--sysfs' : undefined) : '--sysroot';
	if (flags.sysroot !== undefined && flags.sysfs) {
		return fail('--sysroot and --sysfs cannot be used together (--sysfs is --sysroot /)');
	}

	if (real === undefined) {
		const realOnly = [
			['all', 'all'],
			['dryRun', 'dry-run'],
			['onlineType', 'online-type'],
			['blocks', 'blocks'],
			['range', 'range'],
			['size', 'size'],
		] as const;
		if (action === 'offline' || action === 'watch' || action === 'auto-online') {
			return fail(`--${action} works on a real machine: add --sysroot DIR or --sysfs`);
		}

		for (const [flag, name] of realOnly) {
			if (flags[flag] !== undefined && flags[flag] !== false) {
				return fail(`--${name} works on a real machine: add --sysroot DIR or --sysfs`);
			}
		}

		return ok(undefined);
	}

	if (flags.sysroot !== undefined && flags.sysroot.trim() === '') {
		return fail(needsValue('sysroot'));
	}

	if (action !== undefined && !realActions.has(action)) {
		return fail(
			`--${action} works on the simulated machine only, not with ${real}: a real machine's memory is added by its hardware or hypervisor`,
		);
	}

	if (flags.state !== undefined) {
		return fail(`--state is the simulated machine's file; it does not go with ${real}`);
	}

	if (flags.all && action !== 'status' && action !== 'json' && action !== 'watch') {
		return fail('--all goes with --status, --json or --watch');
	}

	if (flags.dryRun && action !== 'integrate' && action !== 'offline') {
		return fail('--dry-run goes with --integrate or --offline');
	}

	const onlineType = onlineTypes.get(flags.onlineType ?? 'auto');
	if (!onlineType) {
		return fail(takes('online-type', flags.onlineType ?? ''));
	}

	if (flags.onlineType !== undefined && action !== 'integrate' && action !== undefined) {
		return fail('--online-type goes with --integrate or the console');
	}

	const selection = selectionFrom(flags);
	if (!selection.ok) {
		return selection;
	}

	if (selection.value && action !== 'integrate' && action !== 'offline') {
		return fail(`--${selectionFlag(flags)} goes with --integrate or --offline`);
	}

	if (action === 'offline' && !selection.value) {
		// Offlining is never a default for every block, as with chmem -d.
		return fail('--offline needs the blocks to take offline: --blocks N[-M], --range 0xSTART-0xEND or --size SIZE');
	}

	const target: SysfsTarget = {sysroot: flags.sysroot ?? '/', all: flags.all === true, onlineType, dryRun: flags.dryRun === true};
	return ok(selection.value ? {...target, selection: selection.value} : target);
}

/** The actions a real machine has. */
const realActions: ReadonlySet<ActionName> = new Set(['status', 'json', 'integrate', 'offline', 'watch', 'auto-online']);

/** The one of --blocks, --range and --size given (chmem's BLOCKRANGE, RANGE and SIZE). */
function selectionFlag(flags: Flags): 'blocks' | 'range' | 'size' | undefined {
	return (['blocks', 'range', 'size'] as const).find(flag => flags[flag] !== undefined);
}

function selectionFrom(flags: Flags): Result<Selection | undefined> {
	const given = (['blocks', 'range', 'size'] as const).filter(flag => flags[flag] !== undefined);
	if (given.length > 1) {
		return fail(`--${given[0]} and --${given[1]} cannot be used together: choose blocks one way`);
	}

	switch (given[0]) {
		case 'blocks': {
			return parseBlockRange(flags.blocks ?? '');
		}

		case 'range': {
			return parseAddressRange(flags.range ?? '');
		}

		case 'size': {
			return parseSelectionSize(flags.size ?? '');
		}

		default: {
			return ok(undefined);
		}
	}
}

function toCommand(action: ActionFlag | undefined, flags: Flags): Result<Command> {
	if (action === undefined) {
		return ok({kind: 'console'});
	}

	switch (action.name) {
		case 'status':
		case 'json': {
			return ok({kind: action.name});
		}

		case 'integrate': {
			const attempts = parseNumber(flags.attempts ?? '1', {what: '--attempts', min: 1, max: 1000});
			const interval = parseNumber(flags.interval ?? '10', {what: '--interval', min: 0, max: 86_400, unit: 'seconds'});
			if (!attempts.ok) {
				return attempts;
			}

			return interval.ok ? ok({kind: 'integrate', attempts: attempts.value, interval: interval.value}) : interval;
		}

		case 'offline': {
			const timeout = parseNumber(flags.timeout ?? '60', {what: '--timeout', min: 1, max: 86_400, unit: 'seconds'});
			return timeout.ok ? ok({kind: 'offline', timeout: timeout.value, force: flags.force === true}) : timeout;
		}

		case 'watch': {
			const interval = parseNumber(flags.interval ?? '1', {what: '--interval', min: 0.1, max: 86_400, unit: 'seconds'});
			return interval.ok ? ok({kind: 'watch', format: flags.status ? 'status' : 'json', interval: interval.value}) : interval;
		}

		case 'auto-online': {
			const value = autoOnlineValues.get(action.value);
			return value ? ok({kind: 'auto-online', value}) : fail(takes('auto-online', action.value));
		}

		case 'plug': {
			return plugCommand(action.value);
		}

		case 'unplug': {
			const slot = parseSlot(action.value);
			return slot.ok ? ok({kind: 'unplug', slot: slot.value}) : slot;
		}

		case 'driver': {
			const op = driverOps.find(name => name === action.value);
			return op ? ok({kind: 'driver', op}) : fail(takes('driver', action.value));
		}

		case 'workload': {
			const op = action.value === 'drop-caches' ? 'drop-caches' : loadLevels.find(level => level === action.value);
			return op ? ok({kind: 'workload', op}) : fail(takes('workload', action.value));
		}

		case 'boot': {
			const version = action.value.trim();
			return /^[\w.+-]{1,64}$/.test(version)
				? ok({kind: 'boot', version})
				: fail(`--boot needs a kernel version such as 2.4.9-e.10, not ${quote(action.value)}`);
		}

		case 'reset': {
			const {preset, scenario} = flags;
			if (preset !== undefined && scenario !== undefined) {
				return fail('--preset and --scenario cannot be used together');
			}

			if (preset !== undefined && !isPresetName(preset)) {
				return fail(`unknown preset ${quote(preset)} (presets: ${Object.keys(presets).join(', ')})`);
			}

			const seed = parseNumber(flags.seed ?? String(defaultSeed), {what: '--seed', min: 0, max: 4_294_967_295});
			return seed.ok ? ok({kind: 'reset', seed: seed.value, preset, scenario}) : seed;
		}
	}
}

function plugCommand(text: string): Result<Command> {
	const [slotText, sizeText, modeText, ...rest] = text.split(':');
	if (slotText === undefined || sizeText === undefined || rest.length > 0) {
		return fail(`--plug takes SLOT:SIZE[:MODE], e.g. 2:1G or 3:512M:mirror, not ${quote(text)}`);
	}

	const slot = parseSlot(slotText);
	if (!slot.ok) {
		return slot;
	}

	const size = parseSize(sizeText);
	if (!size.ok) {
		return size;
	}

	const mode = modeNames.get((modeText ?? 'hot-add').toLowerCase());
	if (!mode) {
		return fail(`unknown module mode ${quote(modeText ?? '')}: hot-add or mirror`);
	}

	return ok({kind: 'plug', slot: slot.value, size: size.value, mode});
}

/** The actions a VM has: --integrate only with --qga (the guest agent), the rest over QMP alone. */
const vmActions: ReadonlySet<ActionName> = new Set(['status', 'json', 'plug', 'unplug', 'integrate']);

/** --qmp SOCKET: a VM's controller. Its own flags are checked here, so none is silently ignored. */
function vmCommand(action: ActionFlag | undefined, flags: Flags): Result<ParsedCommand> {
	const socket = flags.qmp ?? '';
	if (socket.trim() === '') {
		return fail(needsValue('qmp'));
	}

	if (flags.sysroot !== undefined || flags.sysfs) {
		return fail(`--qmp and --${flags.sysfs ? 'sysfs' : 'sysroot'} cannot be used together: one machine at a time`);
	}

	if (flags.state !== undefined) {
		return fail("--state is the simulated machine's file; it does not go with --qmp");
	}

	if (flags.qga !== undefined && flags.qga.trim() === '') {
		return fail(needsValue('qga'));
	}

	if (action === undefined) {
		// The console in front of the VM: only --qga goes with it.
		const given = (['all', 'dryRun', 'onlineType', 'blocks', 'range', 'size', 'attempts', 'interval', 'force', 'timeout'] as const).find(
			flag => flags[flag] !== undefined && flags[flag] !== false,
		);
		if (given !== undefined) {
			return fail(`--${given.replace(/[A-Z]/g, letter => `-${letter.toLowerCase()}`)} does not go with the console in front of a VM`);
		}

		return ok({
			command: {kind: 'console'},
			statePath: undefined,
			vm: flags.qga === undefined ? {qmp: socket} : {qmp: socket, qga: flags.qga},
		});
	}

	if (!vmActions.has(action.name)) {
		return fail(`--${action.name} does not go with --qmp: a VM has --status, --json, --plug, --unplug and --integrate (with --qga)`);
	}

	if (action.name === 'integrate' && flags.qga === undefined) {
		// Onlining is the guest kernel's: QMP reaches only the controller.
		return fail('--integrate with --qmp needs --qga SOCKET: onlining happens in the guest, through its agent');
	}

	// --integrate's own (--attempts, --interval, --dry-run, --blocks, --range) are checked with it; the rest are sysfs's.
	const integrating = action.name === 'integrate';
	const integrateOwn: ReadonlySet<string> = new Set(['dryRun', 'attempts', 'interval', 'blocks', 'range']);
	const vmOnly = ['all', 'dryRun', 'onlineType', 'blocks', 'range', 'size', 'attempts', 'interval', 'force'] as const;
	const given = vmOnly.find(flag => flags[flag] !== undefined && flags[flag] !== false && !(integrating && integrateOwn.has(flag)));
	if (given !== undefined) {
		return fail(`--${given.replace(/[A-Z]/g, letter => `-${letter.toLowerCase()}`)} does not go with --qmp`);
	}

	const vm: VmTarget = flags.qga === undefined ? {qmp: socket} : {qmp: socket, qga: flags.qga};
	switch (action.name) {
		case 'integrate': {
			const command = toCommand(action, flags);
			const selection = selectionFrom(flags);
			if (!selection.ok) {
				return selection;
			}

			const target: VmTarget = {...vm, dryRun: flags.dryRun === true, ...(selection.value ? {selection: selection.value} : {})};
			return command.ok ? ok({command: command.value, statePath: undefined, vm: target}) : command;
		}

		case 'plug': {
			const plug = vmPlug(action.value);
			return plug.ok ? ok({command: plug.value, statePath: undefined, vm}) : plug;
		}

		case 'unplug': {
			const slot = parseSlot(action.value);
			const timeout = parseNumber(flags.timeout ?? '10', {what: '--timeout', min: 0, max: 3600, unit: 'seconds'});
			if (!slot.ok) {
				return slot;
			}

			return timeout.ok ? ok({command: {kind: 'unplug', slot: slot.value, timeout: timeout.value}, statePath: undefined, vm}) : timeout;
		}

		default: {
			return ok({command: {kind: action.name === 'json' ? 'json' : 'status'}, statePath: undefined, vm});
		}
	}
}

/** A VM's --plug: SLOT:SIZE[:node=N]; a pc-dimm is hot-add, so a MODE of hot-add is accepted and mirror refused. */
function vmPlug(text: string): Result<Command> {
	const [slotText, sizeText, extra, ...rest] = text.split(':');
	if (slotText === undefined || sizeText === undefined || rest.length > 0) {
		return fail(`--plug takes SLOT:SIZE[:node=N] with --qmp, e.g. 1:1G or 2:512M:node=1, not ${quote(text)}`);
	}

	const slot = parseSlot(slotText);
	if (!slot.ok) {
		return slot;
	}

	if (slot.value < 0) {
		// QEMU takes slot -1 as "any free slot"; the operator names the slot, so it is refused.
		return fail(`SLOT must be 0 or more with --qmp (a VM's DIMM slots count from 0), not ${slot.value}`);
	}

	const size = parseSize(sizeText);
	if (!size.ok) {
		return size;
	}

	if (extra === undefined || modeNames.get(extra.toLowerCase()) === 'hot-add') {
		return ok({kind: 'plug', slot: slot.value, size: size.value, mode: 'hot-add'});
	}

	if (modeNames.get(extra.toLowerCase()) === 'mirror') {
		return fail("mirror is a mode of the simulated machine's modules; a VM's DIMM is plain hot-add memory");
	}

	const node = /^node=(.*)$/.exec(extra);
	if (!node) {
		return fail(`--plug takes SLOT:SIZE[:node=N] with --qmp, not ${quote(text)}`);
	}

	const number = parseNumber(node[1] ?? '', {what: 'node', min: 0, max: 1023});
	return number.ok ? ok({kind: 'plug', slot: slot.value, size: size.value, mode: 'hot-add', node: number.value}) : number;
}
