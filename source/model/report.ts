// The --json document: a stable shape for scripts (documented in docs/JSON.md). Field names
// only ever get added; a change of meaning bumps "format".
import {iomemResources, memmapBytes, resourcesAt} from './kernel.js';
import {formatLogLine} from './log.js';
import {safeText} from './sanitize.js';
import type {Machine, Region} from './state.js';
import {formatAddress, formatSize} from './units.js';

export const reportFormat = 1;

export function slotState(slot: Machine['slots'][number], t: number): 'boot' | 'empty' | 'scrubbing' | 'mirror' | 'ready' {
	if (slot.boot) {
		return 'boot';
	}

	if (!slot.module) {
		return 'empty';
	}

	if (slot.module.mode === 'mirror') {
		return 'mirror';
	}

	return t < slot.module.scrubbedAt ? 'scrubbing' : 'ready';
}

/** One region as --json and the console show it: the status columns plus why it failed. */
export function regionReport(machine: Machine, region: Region) {
	return {
		id: region.id,
		start: formatAddress(region.start),
		size: region.size,
		flags: region.flags,
		status: region.status,
		slot: region.slot,
		memmapBytes: memmapBytes(machine, region.size),
		attempts: region.attempts,
		reason: region.failure && {code: region.failure.code, text: safeText(region.failure.text), retry: region.failure.retry},
	};
}

export function machineReport(machine: Machine, t: number) {
	const resources = resourcesAt(machine, t);
	return {
		format: reportFormat,
		time: t,
		machine: {
			name: safeText(machine.spec.name),
			description: safeText(machine.spec.description),
			arch: machine.spec.kernel.arch,
			kernel: safeText(machine.kernel.version),
			seed: machine.seed,
			uptimeSeconds: Math.round((t - machine.kernel.bootedAt) * 1000) / 1000,
			load: machine.workload.load,
		},
		driver: {
			builtFor: safeText(machine.driver.builtFor),
			loaded: machine.driver.loaded,
			major: machine.driver.major,
			device: '/dev/ham',
		},
		// What /proc/ham/status lists: null when the driver is not loaded (the file does not exist).
		regions: machine.driver.loaded ? machine.regions.map(region => regionReport(machine, region)) : null,
		slots: machine.slots.map(slot => ({
			slot: slot.slot,
			state: slotState(slot, t),
			size: slot.boot ? machine.spec.boot.moduleBytes : (slot.module?.size ?? null),
			mode: slot.boot ? 'boot' : (slot.module?.mode ?? null),
			start: slot.module ? formatAddress(slot.module.start) : null,
			label: slot.module?.label ? safeText(slot.module.label) : null,
			regionId: machine.regions.find(region => region.slot === slot.slot)?.id ?? null,
		})),
		kernel: {
			lowmem: {
				totalBytes: resources.lowmemBytes,
				freeBytes: resources.lowmemFreeBytes,
				watermarkBytes: resources.watermarkBytes,
				workloadBytes: resources.workloadBytes,
				memmapBytes: resources.memmapBytes,
			},
			vmalloc:
				resources.vmallocBytes === null
					? null
					: {
							totalBytes: resources.vmallocBytes,
							usedBytes: resources.vmallocUsedBytes,
							freeBytes: resources.vmallocBytes - resources.vmallocUsedBytes,
						},
			memory: {
				bootBytes: resources.bootRamBytes,
				hotAddedBytes: resources.hotAddedBytes,
				totalBytes: resources.bootRamBytes + resources.hotAddedBytes,
			},
			zones: resources.zones.map(zone => ({name: zone.name, start: formatAddress(zone.start), presentBytes: zone.presentBytes})),
			physLimit: formatSize(machine.spec.kernel.physLimitBytes),
			iomem: iomemResources(machine).map(resource => ({
				name: safeText(resource.name),
				start: formatAddress(resource.start),
				end: formatAddress(resource.start + resource.size - 1),
			})),
		},
		log: machine.log.slice(-50).map(line => safeText(formatLogLine(machine, line))),
	};
}
