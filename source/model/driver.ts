// The ham driver: the conduit between the controller and the kernel. It keeps the region table
// that /proc/ham/status prints, hands each new module's range to the kernel (add_memory), and
// ham_integrate tries every FAILED region again.
import {whyRegionFails} from './failure.js';
import {formatBytes} from './format-bytes.js';
import {memmapBytes} from './kernel.js';
import {log} from './log.js';
import {nextRandom} from './rng.js';
import type {Machine, Region, Status} from './state.js';
import {formatAddress, formatSize} from './units.js';

export type RegionOutcome = {id: number; slot: number; before: Status; after: Status; failure: Region['failure']};

/** One add_memory() for the region: ENABLED, or FAILED with the reason. Mutates machine. */
export function attemptRegion(machine: Machine, region: Region, t: number): RegionOutcome {
	const before = region.status;
	const failure = whyRegionFails(machine, region, t);
	region.attempts += 1;
	region.changedAt = t;
	const range = `${formatAddress(region.start)}-${formatAddress(region.start + region.size - 1)}`;
	if (failure) {
		region.status = 'FAILED';
		region.failure = failure;
		log(machine, t, 'ham', `region ${region.id} ${range} hot-add failed: ${failure.text}${failure.retry ? '' : ' (no retry can help)'}`);
	} else {
		region.status = 'ENABLED';
		region.failure = null;
		log(
			machine,
			t,
			'kernel',
			`hot-add: System RAM ${range} (${formatSize(region.size)}), mem_map ${formatBytes(memmapBytes(machine, region.size))} from lowmem`,
		);
		log(machine, t, 'ham', `region ${region.id} ENABLED`);
	}

	return {id: region.id, slot: region.slot, before, after: region.status, failure: region.failure};
}

/** The controller reported a module in a slot: give it a region and try to add it. */
export function registerModule(machine: Machine, slot: number, t: number): RegionOutcome | undefined {
	const module = machine.slots.find(candidate => candidate.slot === slot)?.module;
	if (!module || !machine.driver.loaded || machine.regions.some(region => region.slot === slot)) {
		return undefined;
	}

	const region: Region = {
		id: machine.driver.nextRegionId++,
		slot,
		start: module.start,
		size: module.size,
		flags: module.mode === 'mirror' ? 'READ' : t < module.scrubbedAt ? 'WRITE' : 'READ/WRITE',
		status: 'FAILED',
		failure: null,
		attempts: 0,
		changedAt: t,
	};
	machine.regions.push(region);
	machine.regions.sort((a, b) => a.id - b.id);
	log(machine, t, 'ham', `region ${region.id}: slot ${slot}, ${formatAddress(region.start)}, ${formatSize(region.size)}, ${region.flags}`);
	return attemptRegion(machine, region, t);
}

/** ham_integrate: every FAILED region tried again, in ID order. */
export function integrate(machine: Machine, t: number): RegionOutcome[] {
	const failed = machine.regions.filter(region => region.status === 'FAILED');
	return failed.map(region => attemptRegion(machine, region, t));
}

/**
 * Loading ham (its init script): refused when the module was built for another kernel. Registers
 * every module that has no region yet, and tries again the regions that were waiting for a scrub
 * that ended while ham was unloaded (their outcomes are returned; new regions are in the table).
 */
export function loadDriver(machine: Machine, t: number): {ok: boolean; message: string; retried: RegionOutcome[]} {
	const {driver, kernel} = machine;
	if (driver.loaded) {
		return {ok: false, message: `ham is already loaded (major ${driver.major})`, retried: []};
	}

	if (driver.builtFor !== kernel.version) {
		const message = `ham.o was built for kernel ${driver.builtFor}, running ${kernel.version}: reinstall the ham package`;
		log(machine, t, 'ham', message);
		return {ok: false, message, retried: []};
	}

	// register_chrdev(0, ...) hands out the highest free major; other drivers may hold a few.
	const [value, next] = nextRandom(machine.rng);
	machine.rng = next;
	driver.major = 254 - Math.floor(value * 8);
	driver.loaded = true;
	log(machine, t, 'ham', `Hot Add Memory driver 1.0 loaded, /dev/ham major ${driver.major}`);
	const waiting = machine.regions.filter(
		region =>
			region.status === 'FAILED' &&
			region.failure?.code === 'scrubbing' &&
			t >= (machine.slots[region.slot - 1]?.module?.scrubbedAt ?? Number.POSITIVE_INFINITY),
	);
	const retried = waiting.map(region => attemptRegion(machine, region, t));
	for (const slot of machine.slots) {
		registerModule(machine, slot.slot, t);
	}

	return {ok: true, message: `ham loaded, /dev/ham major ${driver.major}`, retried};
}

export function unloadDriver(machine: Machine, t: number): {ok: boolean; message: string} {
	if (!machine.driver.loaded) {
		return {ok: false, message: 'ham is not loaded'};
	}

	machine.driver.loaded = false;
	machine.driver.major = null;
	log(machine, t, 'ham', 'driver unloaded; /proc/ham/status is gone, hot-added memory stays');
	return {ok: true, message: 'ham unloaded'};
}
