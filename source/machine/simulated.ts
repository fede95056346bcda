// The embedded model, seen as a Snapshot.
//
// A console shows the machine at every second: the clock moves, and with it only a few things
// until a scrub ends: the header's time, the workload's share of lowmem, and each scrubbing slot's
// seconds left. So a stored machine is derived once (O(regions)) into rows that are then kept,
// and each second only those few parts are made again (O(scrubbing slots)); the rest keeps its
// identity, so the console redraws only what moved. When a scrub ends, the machine is advanced
// past it and derived again.

import {type ResourceBase, type Resources, resourceBase, resourcesFrom} from '../model/kernel.js';
import {formatLogLine} from '../model/log.js';
import {advance, nextScrubEnd, unplugRefusal} from '../model/machine.js';
import {regionReport, slotState} from '../model/report.js';
import {safeText} from '../model/sanitize.js';
import type {Machine, Region} from '../model/state.js';
import {formatSize} from '../model/units.js';
import type {RegionRow, SimulatedSnapshot, SlotRow} from './snapshot.js';

/** The parts of a snapshot that stay as they are until a scrub ends or the machine changes. */
type Derived = {
	machine: Machine;
	/** The next scrub's end: from then on the machine must be advanced again. */
	until: number;
	base: ResourceBase;
	fixed: Omit<SimulatedSnapshot, 'time' | 'uptimeSeconds' | 'resources'>;
	/** Indices into fixed.slots of the slots being scrubbed, whose seconds left count down. */
	scrubbing: number[];
};

function derive(machine: Machine): Derived {
	const regionOf = new Map<number, Region>();
	for (const region of machine.regions) {
		regionOf.set(region.slot, region);
	}

	const scrubbing: number[] = [];
	// A machine has a few module sizes and thousands of modules.
	const sizes = new Map<number, string>();
	const sizeText = (bytes: number) => {
		let text = sizes.get(bytes);
		if (text === undefined) {
			text = formatSize(bytes);
			sizes.set(bytes, text);
		}

		return text;
	};
	const slots = machine.slots.map((slot, index): SlotRow => {
		const state = slotState(slot, machine.now);
		if (state === 'scrubbing') {
			scrubbing.push(index);
		}

		const size = slot.boot ? machine.spec.boot.moduleBytes : slot.module?.size;
		const region = regionOf.get(slot.slot);
		return {
			slot: slot.slot,
			size: size === undefined ? '' : sizeText(size),
			mode: slot.boot ? 'boot' : (slot.module?.mode ?? ''),
			state,
			scrubLeft: scrubLeft(slot.module, state, machine.now),
			regionId: region?.id ?? null,
			label: safeText(slot.module?.label ?? ''),
			unplugRefusal: unplugRefusal(machine, slot.slot, region) ?? null,
		};
	});
	const regions = machine.driver.loaded
		? machine.regions.map((region): RegionRow => {
				// regionReport's fields, written out (a spread of 10,000 reports costs more than the rest).
				const {id, start, size, flags, status, slot, memmapBytes, attempts, reason} = regionReport(machine, region);
				return {
					id,
					start,
					size,
					flags,
					status,
					slot,
					memmapBytes,
					attempts,
					reason: reason?.text ?? null,
					code: reason?.code ?? null,
					retry: reason?.retry ?? null,
					needBytes: memmapBytes,
				} as RegionRow;
			})
		: [];
	return {
		machine,
		until: nextScrubEnd(machine) ?? Number.POSITIVE_INFINITY,
		base: resourceBase(machine),
		scrubbing,
		fixed: {
			kind: 'simulated',
			name: safeText(machine.spec.name),
			kernel: safeText(machine.kernel.version),
			driver: {loaded: machine.driver.loaded, major: machine.driver.major, builtFor: safeText(machine.driver.builtFor)},
			slots,
			regions,
			log: machine.log.map(line => safeText(formatLogLine(machine, line))),
			moduleSizes: machine.spec.controller.moduleSizes,
		},
	};
}

function scrubLeft(module: Machine['slots'][number]['module'], state: SlotRow['state'], now: number): number | null {
	return state === 'scrubbing' && module ? Math.ceil(module.scrubbedAt - now) : null;
}

/** The snapshot at t from what was derived (t before the next scrub's end, so nothing fell due). */
function at(derived: Derived, t: number, previous: SimulatedSnapshot | undefined): SimulatedSnapshot {
	const machine = t === derived.machine.now ? derived.machine : {...derived.machine, now: t};
	let {slots} = derived.fixed;
	if (derived.scrubbing.length > 0) {
		// Only the scrubbing slots' countdown moves; the last second's array is kept while none did.
		const before = previous?.slots ?? slots;
		let changed: SlotRow[] | undefined;
		for (const index of derived.scrubbing) {
			const row = before[index];
			const slot = machine.slots[index];
			const left = slot && row ? scrubLeft(slot.module, row.state, t) : null;
			if (row && left !== row.scrubLeft) {
				changed ??= [...before];
				changed[index] = {...row, scrubLeft: left};
			}
		}

		slots = changed ?? before;
	}

	return {
		...derived.fixed,
		slots,
		time: t,
		uptimeSeconds: t - machine.kernel.bootedAt,
		resources: resourcesView(resourcesFrom(derived.base, machine, t), machine.workload.load),
	};
}

/** The kernel's accounting as the resources pane reads it. */
export function resourcesView(resources: Resources, load: SimulatedSnapshot['resources']['load']): SimulatedSnapshot['resources'] {
	return {
		lowmem: {
			totalBytes: resources.lowmemBytes,
			freeBytes: resources.lowmemFreeBytes,
			watermarkBytes: resources.watermarkBytes,
			workloadBytes: resources.workloadBytes,
		},
		vmalloc: resources.vmallocBytes === null ? null : {totalBytes: resources.vmallocBytes, usedBytes: resources.vmallocUsedBytes},
		memory: {bootBytes: resources.bootRamBytes, hotAddedBytes: resources.hotAddedBytes},
		load,
	};
}

/**
 * A stored machine's snapshots, at any time from its clock on: `(t) => snapshot`. Each call costs
 * O(scrubbing slots) but when a scrub has ended since the last, which advances the machine and
 * derives it again (O(regions)). Rows that did not change keep their identity from call to call.
 */
export function simulatedView(stored: Machine): (t: number) => SimulatedSnapshot {
	let derived: Derived | undefined;
	let previous: SimulatedSnapshot | undefined;
	return t => {
		// Time never goes back: a clock behind the machine's shows the machine at its own clock.
		const target = Math.max(t, stored.now);
		if (!derived || target >= derived.until || target < derived.machine.now) {
			// What fell due by then runs (a scrub ends, its region is added): the machine as it is at target.
			derived = derive(advance(stored, target).machine);
			previous = undefined;
		}

		previous = at(derived, target, previous);
		return previous;
	};
}

/** The machine at time t as the console shows it (one snapshot; a console keeps a simulatedView). */
export function simulatedSnapshot(stored: Machine, t: number): SimulatedSnapshot {
	return simulatedView(stored)(t);
}
