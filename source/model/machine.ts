// The machine as a deterministic state machine: step(machine, action, t) returns a new machine
// and what happened. Time is an input; randomness is the seeded generator kept in the state.
// Nothing here reads a clock, a file or Math.random.
import {cloneMachine, clonePlain} from './clone.js';
import {decodeModule} from './controller.js';
import {attemptRegion, integrate, loadDriver, type RegionOutcome, registerModule, unloadDriver} from './driver.js';
import {formatBytes} from './format-bytes.js';
import {resourcesAt} from './kernel.js';
import {log} from './log.js';
import {defaultPreset, defaultSeed, presets} from './presets.js';
import {seedRng} from './rng.js';
import type {LoadLevel, MachineSpec, ModuleMode} from './spec.js';
import {type Machine, type Slot, stateFormat} from './state.js';
import {formatAddress, formatSize} from './units.js';
import {reclaimableBytes} from './workload.js';

export type Action =
	| {type: 'plug'; slot: number; size: number; mode: ModuleMode; label?: string}
	| {type: 'unplug'; slot: number}
	| {type: 'integrate'}
	| {type: 'driver'; op: 'start' | 'stop' | 'reinstall'}
	| {type: 'workload'; op: 'drop-caches' | LoadLevel}
	| {type: 'boot'; version: string}
	| {type: 'tick'};

export type StepResult = {
	machine: Machine;
	ok: boolean;
	/** One line for the operator: what was done, or why it was refused. */
	message: string;
	/** Every hot-add attempt the step made (integrate, a plug, scrub completions). */
	outcomes: RegionOutcome[];
};

/** The machine of a state file not made yet: the default preset, booted at t. */
export function defaultMachine(t: number): Machine {
	return createMachine(presets[defaultPreset], defaultSeed, t);
}

export function createMachine(spec: MachineSpec, seed: number, t: number): Machine {
	const machine: Machine = {
		format: stateFormat,
		spec: clonePlain(spec),
		seed,
		rng: seedRng(seed),
		now: t,
		kernel: {version: spec.kernel.version, bootedAt: t},
		driver: {builtFor: spec.driver.builtFor, loaded: false, major: null, nextRegionId: 0},
		slots: Array.from({length: spec.controller.slots}, (_, index) => ({slot: index + 1, boot: index === 0, module: null})),
		regions: [],
		workload: {load: spec.workload.initial, drops: []},
		log: [],
	};
	log(
		machine,
		t,
		'kernel',
		`Linux version ${spec.kernel.version} (${spec.kernel.arch}), ${formatSize(spec.boot.moduleBytes)} boot memory in slot 1`,
	);
	log(
		machine,
		t,
		'controller',
		`${spec.controller.name}: ${spec.controller.slots} slots, up to ${formatSize(spec.controller.maxMemoryBytes)}`,
	);
	if (spec.driver.loaded) {
		loadDriver(machine, t);
	}

	for (const plugged of spec.plugged) {
		plug(machine, plugged.slot, plugged.size, plugged.mode, t, plugged.label);
	}

	return machine;
}

/**
 * Brings the machine's clock to t, running what fell due on the way in time order: modules whose
 * scrubbing ended turn READ/WRITE and the driver tries to add them. Time never goes back. The
 * input is left as it was; when nothing fell due, the result shares everything but its clock
 * with the input (no copy: a read of 10,000 regions would spend more on the copy than on the
 * rest), so treat the result as read-only, as every reader does.
 */
export function advance(machine: Machine, t: number): {machine: Machine; outcomes: RegionOutcome[]} {
	const target = Math.max(t, machine.now);
	if (dueScrubs(machine, target).length === 0) {
		return {machine: target === machine.now ? machine : {...machine, now: target}, outcomes: []};
	}

	const next = cloneMachine(machine);
	const outcomes = advanceInPlace(next, t);
	return {machine: next, outcomes};
}

/** When the next scrub after the machine's clock ends, if one does: until then advance only moves the clock. */
export function nextScrubEnd(machine: Machine): number | undefined {
	let next: number | undefined;
	for (const {module} of machine.slots) {
		if (module && module.scrubbedAt > machine.now && (next === undefined || module.scrubbedAt < next)) {
			next = module.scrubbedAt;
		}
	}

	return next;
}

/** Modules whose scrub ends after the machine's clock and by `target`, in the order they end. */
function dueScrubs(machine: Machine, target: number) {
	return machine.slots
		.flatMap(({slot, module}) => (module && module.scrubbedAt > machine.now && module.scrubbedAt <= target ? [{slot, module}] : []))
		.sort((a, b) => a.module.scrubbedAt - b.module.scrubbedAt || a.slot - b.slot);
}

function advanceInPlace(machine: Machine, t: number): RegionOutcome[] {
	const target = Math.max(t, machine.now);
	const outcomes: RegionOutcome[] = [];
	for (const {slot, module} of dueScrubs(machine, target)) {
		const at = module.scrubbedAt;
		machine.now = at;
		log(machine, at, 'controller', `slot ${slot}: scrub complete, ${formatSize(module.size)} ready`);
		const region = machine.regions.find(candidate => candidate.slot === slot);
		if (region && module.mode !== 'mirror') {
			region.flags = 'READ/WRITE';
			if (region.status === 'FAILED' && region.failure?.code === 'scrubbing' && machine.driver.loaded) {
				outcomes.push(attemptRegion(machine, region, at));
			}
		}
	}

	machine.now = target;
	return outcomes;
}

/** Applies one action at time t (after advancing to t). The input machine is left as it was. */
export function step(input: Machine, action: Action, t: number): StepResult {
	return applyInPlace(cloneMachine(input), action, t);
}

/** Applies actions in order, each at its time, cloning the machine once (for long replays). */
export function replay(input: Machine, actions: ReadonlyArray<{action: Action; t: number}>): Machine {
	const machine = cloneMachine(input);
	for (const {action, t} of actions) {
		applyInPlace(machine, action, t);
	}

	return machine;
}

function applyInPlace(machine: Machine, action: Action, t: number): StepResult {
	const outcomes = advanceInPlace(machine, t);
	const now = machine.now;
	const done = (ok: boolean, message: string, more: RegionOutcome[] = []): StepResult => ({
		machine,
		ok,
		message,
		outcomes: [...outcomes, ...more],
	});
	switch (action.type) {
		case 'plug': {
			const result = plug(machine, action.slot, action.size, action.mode, now, action.label);
			return done(result.ok, result.message, result.outcome ? [result.outcome] : []);
		}

		case 'unplug': {
			const result = unplug(machine, action.slot, now);
			return done(result.ok, result.message);
		}

		case 'integrate': {
			if (!machine.driver.loaded) {
				return done(false, 'ham is not loaded: start it first');
			}

			const tried = integrate(machine, now);
			const enabled = tried.filter(outcome => outcome.after === 'ENABLED').length;
			// The same words as --integrate's when there is nothing to do.
			return done(
				true,
				tried.length === 0
					? 'integrate: no FAILED region, nothing to do'
					: `integrate: ${enabled} of ${tried.length} FAILED region(s) enabled`,
				tried,
			);
		}

		case 'driver': {
			if (action.op === 'start') {
				const before = machine.regions.length;
				const result = loadDriver(machine, now);
				return done(result.ok, result.message, [...result.retried, ...newOutcomes(machine, before)]);
			}

			if (action.op === 'stop') {
				const result = unloadDriver(machine, now);
				return done(result.ok, result.message);
			}

			// rpm -e ham; rebuild and install for the running kernel. The install loads it at the end.
			machine.driver.builtFor = machine.kernel.version;
			log(machine, now, 'ham', `reinstalled for kernel ${machine.kernel.version}`);
			if (machine.driver.loaded) {
				return done(true, `ham reinstalled for ${machine.kernel.version}`);
			}

			const before = machine.regions.length;
			const result = loadDriver(machine, now);
			return done(result.ok, `ham reinstalled for ${machine.kernel.version}; ${result.message}`, [
				...result.retried,
				...newOutcomes(machine, before),
			]);
		}

		case 'workload': {
			return done(true, workload(machine, action.op, now));
		}

		case 'boot': {
			const before = machine.regions.length;
			const message = boot(machine, action.version, now);
			return done(true, message, newOutcomes(machine, before));
		}

		case 'tick': {
			return done(true, '');
		}
	}
}

function newOutcomes(machine: Machine, before: number): RegionOutcome[] {
	return machine.regions
		.slice(before)
		.map(region => ({id: region.id, slot: region.slot, before: 'FAILED', after: region.status, failure: region.failure}));
}

function plug(
	machine: Machine,
	slot: number,
	size: number,
	mode: ModuleMode,
	t: number,
	label = '',
): {ok: boolean; message: string; outcome?: RegionOutcome} {
	const decoded = decodeModule(machine, slot, size, mode, t, label);
	if (!decoded.ok) {
		// "slot 2 is busy: ..." and "no such slot: 9 ..." name their slot; "size 3G not supported" does not.
		log(machine, t, 'controller', /\bslot:? \d+\b/.test(decoded.error) ? decoded.error : `slot ${slot}: ${decoded.error}`);
		return {ok: false, message: decoded.error};
	}

	const module = decoded.value;
	slotEntry(machine, slot).module = module;
	const range = `${formatAddress(module.start)}-${formatAddress(module.start + module.size - 1)}`;
	log(
		machine,
		t,
		'controller',
		`slot ${slot}: ${formatSize(size)} ${mode} module inserted, decoded at ${range}${module.scrubbedAt > t ? ', scrubbing' : ''}`,
	);
	if (!machine.driver.loaded) {
		return {
			ok: true,
			message: `slot ${slot}: ${formatSize(size)} module at ${formatAddress(module.start)}; ham is not loaded, nothing hands it to the kernel`,
		};
	}

	const outcome = registerModule(machine, slot, t);
	if (!outcome) {
		throw new Error(`slot ${slot}: ham did not register the module just plugged (loaded, and the slot had no region)`);
	}

	const state = outcome.after === 'ENABLED' ? 'ENABLED' : `FAILED: ${outcome.failure?.text ?? ''}`;
	return {
		ok: true,
		message: `slot ${slot}: ${formatSize(size)} module at ${formatAddress(module.start)}, region ${outcome.id} ${state}`,
		outcome,
	};
}

/**
 * Why a slot's module cannot be unplugged now, or undefined when it can. `region`: the slot's
 * region, when the caller has it at hand (a console deriving every slot: no search per slot).
 */
export function unplugRefusal(
	machine: Machine,
	slot: number,
	region = machine.regions.find(candidate => candidate.slot === slot),
): string | undefined {
	// slots[i] is slot i + 1 in every machine the invariants pass; found by search otherwise.
	const entry = machine.slots[slot - 1];
	const target = entry?.slot === slot ? entry : machine.slots.find(candidate => candidate.slot === slot);
	if (!target) {
		return `no such slot: ${slot} (slots are 1-${machine.slots.length})`;
	}

	if (target.boot) {
		return `slot ${slot} holds the boot memory: ham 1.0 has no hot-remove`;
	}

	if (!target.module) {
		return `slot ${slot} is empty`;
	}

	if (region?.status === 'ENABLED') {
		return `slot ${slot}: region ${region.id} is ENABLED and ham 1.0 has no hot-remove`;
	}

	return undefined;
}

function unplug(machine: Machine, slot: number, t: number): {ok: boolean; message: string} {
	const refusal = unplugRefusal(machine, slot);
	if (refusal) {
		return {ok: false, message: refusal};
	}

	const target = slotEntry(machine, slot);
	const region = machine.regions.find(candidate => candidate.slot === slot);
	target.module = null;
	machine.regions = machine.regions.filter(candidate => candidate.slot !== slot);
	log(machine, t, 'controller', `slot ${slot}: module removed${region ? `, region ${region.id} dropped` : ''}`);
	return {ok: true, message: `slot ${slot}: module removed${region ? `, region ${region.id} dropped` : ''}`};
}

/** Slot `slot`'s entry (slots[i] is slot i + 1, as the invariants hold), for a slot a check has found. */
function slotEntry(machine: Machine, slot: number): Slot {
	const entry = machine.slots[slot - 1];
	if (entry?.slot !== slot) {
		throw new Error(`slot ${slot} was checked, but is not the machine's slot entry ${slot - 1}`);
	}

	return entry;
}

function workload(machine: Machine, op: 'drop-caches' | LoadLevel, t: number): string {
	if (op === 'drop-caches') {
		const held = resourcesAt(machine, t).workloadBytes;
		const bytes = reclaimableBytes(machine, held);
		// Older drops have faded to nothing after a few time constants; keep the list short.
		machine.workload.drops = [
			...machine.workload.drops.filter(drop => t - drop.at < 5 * machine.spec.workload.refillSeconds),
			{at: t, bytes},
		];
		log(machine, t, 'workload', `caches dropped: ${formatBytes(bytes)} of lowmem freed, refilling over minutes`);
		return `caches dropped: ${formatBytes(bytes)} of lowmem freed`;
	}

	machine.workload.load = op;
	log(machine, t, 'workload', `load set to ${op}`);
	return `load set to ${op}`;
}

/**
 * A reboot into `version`: hot-added memory is gone from the kernel, the controller reports every
 * module still in a slot again, and the init script loads ham only if it was built for this kernel.
 */
function boot(machine: Machine, version: string, t: number): string {
	machine.kernel = {version, bootedAt: t};
	machine.driver.loaded = false;
	machine.driver.major = null;
	machine.regions = [];
	machine.workload.drops = [];
	log(machine, t, 'kernel', `Linux version ${version} booted`);
	const result = loadDriver(machine, t);
	return `booted ${version}; ${result.message}`;
}
