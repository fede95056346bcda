// What must hold of every machine the model can reach, and of every step between two of them.
// Pure: the property tests call these after every step of random sequences (test/invariants.test.ts),
// a simulator-style run can call them after each action, and the store checks `stateProblems` of
// every state file it reads, so a file edited into a state the real system could not be in is
// refused like any other unusable file (docs/STATE.md).
// Each check returns one line per violation, naming what was expected and what was found.
import {installedBytes} from './controller.js';
import {memmapBytes, resourcesAt} from './kernel.js';
import {type Action, advance, type StepResult} from './machine.js';
import {type Failure, logLimit, type Machine, type Module, type Region} from './state.js';
import {formatStatus, parseStatus, regionRows} from './status.js';
import {formatAddress, formatSize, overlaps} from './units.js';

const retryable: Record<Failure['code'], boolean> = {
	mirror: false,
	scrubbing: true,
	misaligned: false,
	'beyond-limit': false,
	'resource-conflict': false,
	'vmalloc-exhausted': false,
	'lowmem-short': true,
};

const controlCharacter = /[\u0000-\u001F\u007F-\u009F]/;

function range(start: number, size: number): string {
	return `${formatAddress(start)}+${formatSize(size)}`;
}

/** Overlapping pairs among ranges, found in one sort (the state may hold thousands of regions). */
function overlapping<T extends {start: number; size: number}>(items: readonly T[]): Array<[T, T]> {
	const sorted = [...items].sort((a, b) => a.start - b.start);
	const pairs: Array<[T, T]> = [];
	let reach: T | undefined;
	for (const item of sorted) {
		if (reach && item.start < reach.start + reach.size) {
			pairs.push([reach, item]);
		}

		if (!reach || item.start + item.size > reach.start + reach.size) {
			reach = item;
		}
	}

	return pairs;
}

/** Where the first string holding a control character is (a path such as `log[3].text`), if any. */
function controlAt(value: unknown): string | undefined {
	if (typeof value === 'string') {
		return controlCharacter.test(value) ? '' : undefined;
	}

	if (typeof value !== 'object' || value === null) {
		return undefined;
	}

	if (Array.isArray(value)) {
		for (let index = 0; index < value.length; index++) {
			const inner = controlAt(value[index]);
			if (inner !== undefined) {
				return `[${index}]${inner}`;
			}
		}

		return undefined;
	}

	// for-in visits a plain object's own keys in Object.entries' order, without making the pairs.
	for (const key in value) {
		const inner = controlCharacter.test(key) ? ' (a name)' : controlAt((value as Record<string, unknown>)[key]);
		if (inner !== undefined) {
			return `.${key}${inner}`;
		}
	}

	return undefined;
}

const statusFlags = new Set(['READ/WRITE', 'READ', 'WRITE']);

/**
 * Whether /proc/ham/status certainly prints these regions so that they parse back the same: IDs
 * in increasing order, whole numbers formatStatus writes in full, and words parseStatus takes.
 * When it says no, the round trip itself is run, to name what does not come back.
 */
function statusRoundTrips(regions: readonly Region[]): boolean {
	let last = -1;
	for (const {id, start, size, flags, status} of regions) {
		if (
			!(Number.isSafeInteger(id) && id > last) ||
			!(Number.isSafeInteger(start) && start >= 0) ||
			!(Number.isSafeInteger(size) && size >= 0) ||
			!statusFlags.has(flags) ||
			(status !== 'ENABLED' && status !== 'FAILED')
		) {
			return false;
		}

		last = id;
	}

	return true;
}

/** What must hold of any one machine, at its own clock (`machine.now`). */
export function stateProblems(machine: Machine): string[] {
	const problems: string[] = [];
	const {spec} = machine;
	const {controller, kernel} = spec;
	const now = machine.now;

	// Slots: numbered 1..n in order, slot 1 the boot memory and only it.
	if (machine.slots.length !== controller.slots) {
		problems.push(`${machine.slots.length} slots, the controller has ${controller.slots}`);
	}

	for (const [index, slot] of machine.slots.entries()) {
		if (slot.slot !== index + 1 || slot.boot !== (index === 0) || (slot.boot && slot.module)) {
			problems.push(`slot entry ${index} is slot ${slot.slot}${slot.boot ? ' (boot)' : ''}${slot.module ? ' with a module' : ''}`);
		}
	}

	// Modules: sizes the controller takes, inside what it decodes, never on top of each other.
	const modules: Array<Module & {slot: number}> = [];
	for (const {slot, module} of machine.slots) {
		if (module) {
			modules.push({slot, ...module});
		}
	}

	for (const module of modules) {
		const base = controller.slotBases[String(module.slot)];
		if (!controller.moduleSizes.includes(module.size)) {
			problems.push(`slot ${module.slot}: module of ${formatSize(module.size)}, a size the controller does not take`);
		}

		if (module.start < 0 || module.start + module.size > controller.addressLimitBytes) {
			problems.push(`slot ${module.slot}: module at ${range(module.start, module.size)} is outside what the controller decodes`);
		}

		if (base !== undefined && module.start !== base) {
			problems.push(`slot ${module.slot} is wired to ${formatAddress(base)}, its module is at ${formatAddress(module.start)}`);
		}

		if (module.pluggedAt > now || module.scrubbedAt < module.pluggedAt) {
			problems.push(`slot ${module.slot}: plugged at ${module.pluggedAt}, scrubbed at ${module.scrubbedAt}, now ${now}`);
		}
	}

	for (const [a, b] of overlapping(modules)) {
		problems.push(`modules in slots ${a.slot} and ${b.slot} overlap: ${range(a.start, a.size)}, ${range(b.start, b.size)}`);
	}

	const installed = installedBytes(machine);
	if (installed > controller.maxMemoryBytes) {
		problems.push(`${formatSize(installed)} installed, past the controller's maximum ${formatSize(controller.maxMemoryBytes)}`);
	}

	// The region table: ID order, IDs unique and below the next one, each region its module's.
	const reservedRanges = [...spec.boot.ram.map(ram => ({...ram, name: 'boot System RAM'})), ...spec.boot.resources];
	const seenSlots = new Set<number>();
	let lastId = -1;
	for (const region of machine.regions) {
		const where = `region ${region.id}`;
		if (region.id <= lastId) {
			problems.push(`${where} follows region ${lastId}: the table is not in ID order, or an ID repeats`);
		}

		lastId = Math.max(lastId, region.id);
		if (region.id >= machine.driver.nextRegionId) {
			problems.push(`${where}: the next ID to give is ${machine.driver.nextRegionId}`);
		}

		if (seenSlots.has(region.slot)) {
			problems.push(`${where}: slot ${region.slot} has more than one region`);
		}

		seenSlots.add(region.slot);
		const module = machine.slots[region.slot - 1]?.module;
		if (!module) {
			problems.push(`${where}: slot ${region.slot} holds no module`);
			continue;
		}

		if (module.start !== region.start || module.size !== region.size) {
			problems.push(`${where} is ${range(region.start, region.size)}, its module ${range(module.start, module.size)}`);
		}

		const flags = module.mode === 'mirror' ? 'READ' : now < module.scrubbedAt ? 'WRITE' : 'READ/WRITE';
		if (region.flags !== flags) {
			problems.push(`${where}: FLAGS ${region.flags}, the module says ${flags}`);
		}

		if (region.attempts < 1 || region.changedAt > now) {
			problems.push(`${where}: ${region.attempts} attempts, changed at ${region.changedAt}, now ${now}`);
		}

		if (region.status === 'ENABLED') {
			if (region.failure !== null) {
				problems.push(`${where} is ENABLED with a failure: ${region.failure.code}`);
			}

			// What can never be added: the failure rules that no retry can help.
			if (module.mode === 'mirror') {
				problems.push(`${where} is ENABLED but holds a Hot-Mirror module`);
			}

			if (now < module.scrubbedAt) {
				problems.push(`${where} is ENABLED while its module is still being scrubbed`);
			}

			if (region.start % kernel.sectionBytes !== 0 || region.size % kernel.sectionBytes !== 0) {
				problems.push(
					`${where} is ENABLED but ${range(region.start, region.size)} is not aligned to ${formatSize(kernel.sectionBytes)} sections`,
				);
			}

			if (region.start + region.size > kernel.physLimitBytes) {
				problems.push(`${where} is ENABLED but ends past the physical limit ${formatAddress(kernel.physLimitBytes)}`);
			}

			for (const reserved of reservedRanges) {
				if (overlaps(region.start, region.size, reserved.start, reserved.size)) {
					problems.push(`${where} is ENABLED over "${reserved.name}" at ${range(reserved.start, reserved.size)}`);
				}
			}
		} else if (region.failure === null) {
			problems.push(`${where} is FAILED without a reason`);
		} else if (retryable[region.failure.code] !== region.failure.retry) {
			problems.push(`${where}: ${region.failure.code} says retry ${region.failure.retry ? 'can' : 'cannot'} help`);
		} else if ((region.failure.code === 'mirror') !== (module.mode === 'mirror')) {
			problems.push(`${where}: failure ${region.failure.code} for a ${module.mode} module`);
		} else if (region.failure.code === 'scrubbing' && now >= module.scrubbedAt && machine.driver.loaded) {
			// ham adds a module when its scrub ends: with ham loaded, the reason cannot outlive the scrub.
			problems.push(`${where} still fails for "scrubbing", though the scrub ended at ${module.scrubbedAt} (now ${now})`);
		}
	}

	const enabled = machine.regions.filter(region => region.status === 'ENABLED');
	for (const [a, b] of overlapping(enabled)) {
		problems.push(`ENABLED regions ${a.id} and ${b.id} overlap`);
	}

	problems.push(...accountingProblems(machine, enabled));

	// The driver: a major while loaded, and loaded only on the kernel it was built for.
	const {driver} = machine;
	if (driver.loaded !== (driver.major !== null) || (driver.major !== null && (driver.major < 247 || driver.major > 254))) {
		problems.push(`driver loaded ${driver.loaded} with major ${driver.major}`);
	}

	if (driver.loaded && driver.builtFor !== machine.kernel.version) {
		problems.push(`ham built for ${driver.builtFor} is loaded on ${machine.kernel.version}`);
	}

	// Time and the log.
	if (machine.kernel.bootedAt > now) {
		problems.push(`booted at ${machine.kernel.bootedAt}, after now (${now})`);
	}

	if (machine.log.length > logLimit) {
		problems.push(`${machine.log.length} log lines, more than ${logLimit}`);
	}

	for (const [index, line] of machine.log.entries()) {
		const before = machine.log[index - 1];
		if (before && line.t < before.t) {
			problems.push(`log line ${index} goes back in time`);
			break;
		}
	}

	if (machine.log.some(line => line.t > now)) {
		problems.push('a log line is later than now');
	}

	// /proc/ham/status: what is printed parses back to the same regions.
	if (!statusRoundTrips(machine.regions)) {
		const rows = regionRows(machine.regions);
		try {
			const parsed = parseStatus(formatStatus(rows));
			if (JSON.stringify(parsed) !== JSON.stringify(rows)) {
				problems.push(`/proc/ham/status does not parse back to its regions: ${JSON.stringify(parsed)}`);
			}
		} catch (error) {
			problems.push(`/proc/ham/status does not parse: ${error instanceof Error ? error.message : String(error)}`);
		}
	}

	// No text the machine holds may carry a control character to a terminal.
	const control = controlAt(machine);
	if (control !== undefined) {
		problems.push(`machine${control} holds a control character`);
	}

	return problems;
}

/** Lowmem and vmalloc add up: every ENABLED region's mem_map counted once, nothing negative. */
function accountingProblems(machine: Machine, enabled: readonly Region[]): string[] {
	const problems: string[] = [];
	const {kernel} = machine.spec;
	const resources = resourcesAt(machine, machine.now);
	const bootRam = machine.spec.boot.ram.reduce((sum, ram) => sum + ram.size, 0);
	const hotAdded = enabled.reduce((sum, region) => sum + region.size, 0);
	const memmap = memmapBytes(machine, bootRam) + enabled.reduce((sum, region) => sum + memmapBytes(machine, region.size), 0);
	if (resources.memmapBytes !== memmap) {
		problems.push(`mem_map is ${resources.memmapBytes} B, boot memory's and each ENABLED region's once make ${memmap} B`);
	}

	if (resources.hotAddedBytes !== hotAdded || resources.bootRamBytes !== bootRam) {
		problems.push(
			`memory: boot ${resources.bootRamBytes} hot-added ${resources.hotAddedBytes}, the regions make ${bootRam} and ${hotAdded}`,
		);
	}

	const zoned = resources.zones.reduce((sum, zone) => sum + zone.presentBytes, 0);
	if (zoned !== bootRam + hotAdded) {
		problems.push(`the zones hold ${zoned} B of RAM, there are ${bootRam + hotAdded} B`);
	}

	if (resources.lowmemFreeBytes < 0 || resources.lowmemFreeBytes > resources.lowmemBytes) {
		problems.push(`free lowmem ${resources.lowmemFreeBytes} B is outside 0..${resources.lowmemBytes} B`);
	}

	// The clamps in resourcesAt must not hide an overdraft: each hot-add left pages_high free.
	const unclamped = resources.lowmemBytes - kernel.reservedLowmemBytes - resources.memmapBytes;
	if (enabled.length > 0 && unclamped < 0) {
		problems.push(
			`lowmem overdrawn: ${resources.lowmemBytes} B present, ${kernel.reservedLowmemBytes} B reserved, ${resources.memmapBytes} B of mem_map`,
		);
	}

	if (resources.vmallocBytes !== null) {
		const used = kernel.vmallocBootUsedBytes + enabled.reduce((sum, region) => sum + memmapBytes(machine, region.size), 0);
		if (resources.vmallocUsedBytes !== used || used > resources.vmallocBytes) {
			problems.push(`vmalloc: ${resources.vmallocUsedBytes} B used of ${resources.vmallocBytes} B, the regions make ${used} B`);
		}
	}

	return problems;
}

/** The parts of a machine that only the log may change when an action is refused. */
function withoutLog(machine: Machine): string {
	return JSON.stringify({...machine, log: []});
}

/**
 * What must hold of one step: `result` is step(before, action, t). Includes stateProblems of the
 * machine after. `noRetry` carries, across a whole run, the IDs of regions that failed for a
 * reason no retry can help (IDs are never reused, so a boot, which clears the table, cannot hide one).
 */
export function checkInvariants(before: Machine, action: Action, t: number, result: StepResult, noRetry = new Set<number>()): string[] {
	const after = result.machine;
	const problems = stateProblems(after);
	// The machine before the action, brought to t (what fell due ran): computed only when needed.
	let advancedMachine: Machine | undefined;
	const advancedAt = () => (advancedMachine ??= advance(before, t).machine);
	if (after.now !== Math.max(before.now, t)) {
		problems.push(`the clock is ${after.now}, expected ${Math.max(before.now, t)}`);
	}

	if (after.driver.nextRegionId < before.driver.nextRegionId) {
		problems.push(`the next region ID went back from ${before.driver.nextRegionId} to ${after.driver.nextRegionId}`);
	}

	const previous = new Map(before.regions.map(region => [region.id, region]));
	for (const region of after.regions) {
		const old = previous.get(region.id);
		if (!old && region.id < before.driver.nextRegionId) {
			problems.push(`region ${region.id} appeared with an ID given before: IDs are never reused`);
		}

		if (old && (old.slot !== region.slot || old.start !== region.start || old.size !== region.size)) {
			problems.push(`region ${region.id} changed its slot or range`);
		}

		if (old?.failure && !old.failure.retry && (region.status === 'ENABLED' || region.failure?.code !== old.failure.code)) {
			problems.push(
				`region ${region.id} failed for ${old.failure.code} (no retry can help), now ${region.status} ${region.failure?.code ?? ''}`.trimEnd(),
			);
		}
	}

	for (const region of after.regions) {
		if (region.failure && !region.failure.retry) {
			noRetry.add(region.id);
		} else if (region.status === 'ENABLED' && noRetry.has(region.id)) {
			problems.push(`region ${region.id} once failed for a reason no retry can help, and is now ENABLED`);
		}
	}

	// A hot-add leaves the zone's high watermark free: at the moment of the last one, it still is
	// (unless the action then raised the workload: a scrub may end, and its module be added, at the
	// very moment of a --workload, just before it).
	const addedNow =
		action.type !== 'workload' &&
		after.regions.some(
			region => region.status === 'ENABLED' && region.changedAt === after.now && previous.get(region.id)?.status !== 'ENABLED',
		);
	if (addedNow) {
		const resources = resourcesAt(after, after.now);
		if (resources.lowmemFreeBytes < resources.watermarkBytes) {
			problems.push(`after a hot-add, free lowmem ${resources.lowmemFreeBytes} B is below pages_high ${resources.watermarkBytes} B`);
		}
	}

	// ham 1.0 has no hot-remove: only a reboot takes ENABLED memory away.
	if (action.type !== 'boot') {
		for (const old of before.regions.filter(region => region.status === 'ENABLED')) {
			const now = after.regions.find(region => region.id === old.id);
			if (now?.status !== 'ENABLED' || after.slots[old.slot - 1]?.module?.start !== old.start) {
				problems.push(`ENABLED region ${old.id} (slot ${old.slot}) is ${now ? now.status : 'gone'} after ${action.type}`);
			}
		}
	}

	// A refused action changes nothing but the log (and what fell due while the clock moved).
	if (!result.ok && withoutLog(after) !== withoutLog(advancedAt())) {
		problems.push(`${action.type} was refused (${result.message}) but changed the machine`);
	}

	switch (action.type) {
		case 'plug': {
			const advanced = advancedAt();
			const slot = after.slots[action.slot - 1];
			if (
				result.ok &&
				(slot?.module?.size !== action.size || slot.module.mode !== action.mode || advanced.slots[action.slot - 1]?.module)
			) {
				problems.push(`plug into slot ${action.slot} reported done, the slot holds ${JSON.stringify(slot?.module ?? null)}`);
			}

			if (
				result.ok &&
				after.driver.loaded &&
				!after.regions.some(region => region.slot === action.slot && region.id === before.driver.nextRegionId)
			) {
				problems.push(`plug into slot ${action.slot} with ham loaded registered no region ${before.driver.nextRegionId}`);
			}

			break;
		}

		case 'unplug': {
			const advanced = advancedAt();
			const old = advanced.regions.find(region => region.slot === action.slot);
			if (
				result.ok &&
				(after.slots[action.slot - 1]?.module || old?.status === 'ENABLED' || after.regions.some(region => region.slot === action.slot))
			) {
				problems.push(`unplug of slot ${action.slot} reported done, but the module or its region is still there (or was ENABLED)`);
			}

			if (!result.ok && old?.status !== 'ENABLED' && advanced.slots[action.slot - 1]?.module && action.slot > 1) {
				problems.push(`unplug of slot ${action.slot} refused (${result.message}) though its region is not ENABLED`);
			}

			break;
		}

		case 'integrate': {
			if (result.ok) {
				for (const region of advancedAt().regions.filter(candidate => candidate.status === 'FAILED')) {
					if (after.regions.find(candidate => candidate.id === region.id)?.attempts !== region.attempts + 1) {
						problems.push(`integrate did not try FAILED region ${region.id} exactly once`);
					}
				}
			}

			break;
		}

		case 'boot': {
			if (after.kernel.version !== action.version || after.kernel.bootedAt !== after.now) {
				problems.push(`boot into ${action.version}: running ${after.kernel.version}, booted at ${after.kernel.bootedAt}`);
			}

			if (after.regions.some(region => region.id < before.driver.nextRegionId)) {
				problems.push('a region from before the boot is still in the table');
			}

			break;
		}

		case 'driver':
		case 'workload':
		case 'tick': {
			break;
		}
	}

	return problems;
}
