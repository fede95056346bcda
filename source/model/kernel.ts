// The kernel VM's resource accounting: RAM, zones, lowmem, vmalloc and the iomem resources.
// All of it is derived from the spec, the ENABLED regions and the workload at time t, so each
// region's mem_map is counted exactly once, by construction.
import type {Range, ResourceSpec} from './spec.js';
import type {Machine} from './state.js';
import {MiB, overlaps} from './units.js';
import {workloadDemand} from './workload.js';

export type Zone = {name: string; start: number; end: number; presentBytes: number};

export type Resources = {
	/** Lowmem (direct-mapped zones) present, and what of it is free. */
	lowmemBytes: number;
	lowmemFreeBytes: number;
	/** The high watermark a hot-add must leave free (2.4: pages_high). */
	watermarkBytes: number;
	/** What the workload holds of lowmem right now. */
	workloadBytes: number;
	/** mem_map of boot memory and of every ENABLED region. */
	memmapBytes: number;
	vmallocBytes: number | null;
	vmallocUsedBytes: number;
	bootRamBytes: number;
	hotAddedBytes: number;
	zones: Zone[];
};

export function memmapBytes(machine: Machine, size: number): number {
	const {pageBytes, structPageBytes} = machine.spec.kernel;
	return Math.ceil(size / pageBytes) * structPageBytes;
}

export function enabledRanges(machine: Machine): Range[] {
	return machine.regions.filter(region => region.status === 'ENABLED');
}

export function ramRanges(machine: Machine): Range[] {
	return [...machine.spec.boot.ram, ...enabledRanges(machine)];
}

/** iomem as /proc/iomem would list it: RAM, holes and firmware ranges, in address order. */
export function iomemResources(machine: Machine): ResourceSpec[] {
	return [
		...ramRanges(machine).map(range => ({name: 'System RAM', start: range.start, size: range.size})),
		...machine.spec.boot.resources,
	].sort((a, b) => a.start - b.start);
}

export function zoneLayout(machine: Machine): Array<{name: string; start: number; end: number}> {
	const {arch, directMapBytes} = machine.spec.kernel;
	const top = Number.MAX_SAFE_INTEGER;
	if (arch === 'i386-pae') {
		const lowEnd = directMapBytes ?? 896 * MiB;
		return [
			{name: 'DMA', start: 0, end: 16 * MiB},
			{name: 'Normal', start: 16 * MiB, end: lowEnd},
			{name: 'HighMem', start: lowEnd, end: top},
		];
	}

	return [
		{name: 'DMA', start: 0, end: 16 * MiB},
		{name: 'DMA32', start: 16 * MiB, end: 4096 * MiB},
		{name: 'Normal', start: 4096 * MiB, end: top},
	];
}

function bytesWithin(ranges: Range[], start: number, end: number): number {
	let total = 0;
	for (const range of ranges) {
		total += Math.max(0, Math.min(end, range.start + range.size) - Math.max(start, range.start));
	}

	return total;
}

/** What of a machine's resources does not move with time: all of them but the workload's share. */
export type ResourceBase = Omit<Resources, 'lowmemFreeBytes' | 'workloadBytes'> & {availableBytes: number; minFreeBytes: number};

/** The resources that depend only on the machine (RAM, zones, mem_map, vmalloc): O(regions), once per change. */
export function resourceBase(machine: Machine): ResourceBase {
	const {kernel} = machine.spec;
	const ram = ramRanges(machine);
	const bootRamBytes = machine.spec.boot.ram.reduce((sum, range) => sum + range.size, 0);
	const hotAddedBytes = enabledRanges(machine).reduce((sum, range) => sum + range.size, 0);
	const lowmemBytes = bytesWithin(ram, 0, kernel.directMapBytes ?? Number.MAX_SAFE_INTEGER);
	// On i386 every page's struct page lives in lowmem, highmem pages' included.
	const memmap = memmapBytes(machine, bootRamBytes + hotAddedBytes);
	const watermark = watermarkBytes(machine, lowmemBytes);
	const zones = zoneLayout(machine).map(zone => ({...zone, presentBytes: bytesWithin(ram, zone.start, zone.end)}));
	return {
		lowmemBytes,
		availableBytes: Math.max(0, lowmemBytes - kernel.reservedLowmemBytes - memmap),
		minFreeBytes: watermark / 3,
		watermarkBytes: watermark,
		memmapBytes: memmap,
		vmallocBytes: kernel.vmallocBytes,
		vmallocUsedBytes: kernel.vmallocBootUsedBytes + memmapBytes(machine, hotAddedBytes),
		bootRamBytes,
		hotAddedBytes,
		zones: zones.filter(zone => zone.presentBytes > 0 || zone.name !== 'HighMem'),
	};
}

/** The resources at time t, from the machine's base (resourceBase of the same machine): O(1) but the dropped caches. */
export function resourcesFrom(base: ResourceBase, machine: Machine, t: number): Resources {
	const {availableBytes, minFreeBytes, ...fixed} = base;
	// Under pressure the kernel reclaims until pages_min is free: the workload gets the rest.
	const workloadBytes = Math.min(workloadDemand(machine, t), Math.max(0, availableBytes - minFreeBytes));
	return {...fixed, lowmemFreeBytes: availableBytes - workloadBytes, workloadBytes};
}

export function resourcesAt(machine: Machine, t: number): Resources {
	return resourcesFrom(resourceBase(machine), machine, t);
}

/**
 * 2.4's zone watermarks (mm/page_alloc.c): pages_min = zone pages / 128, clamped to 20..255
 * pages; pages_high = 3 x pages_min. A hot-add must leave pages_high of lowmem free.
 */
export function watermarkBytes(machine: Machine, lowmemBytes: number): number {
	const pages = lowmemBytes / machine.spec.kernel.pageBytes;
	const min = Math.min(255, Math.max(20, Math.floor(pages / 128)));
	return 3 * min * machine.spec.kernel.pageBytes;
}

/**
 * The first iomem resource (in iomemResources' order: by address, ties in list order) a range
 * would overlap, if any. One pass, no list made: a plug on 10,000 regions asks this once.
 */
export function conflictingResource(machine: Machine, start: number, size: number): ResourceSpec | undefined {
	let first: ResourceSpec | undefined;
	const consider = (name: string, range: Range) => {
		if (overlaps(start, size, range.start, range.size) && (first === undefined || range.start < first.start)) {
			first = {name, start: range.start, size: range.size};
		}
	};
	for (const range of machine.spec.boot.ram) {
		consider('System RAM', range);
	}

	for (const region of machine.regions) {
		if (region.status === 'ENABLED') {
			consider('System RAM', region);
		}
	}

	for (const resource of machine.spec.boot.resources) {
		if (overlaps(start, size, resource.start, resource.size) && (first === undefined || resource.start < first.start)) {
			first = resource;
		}
	}

	return first;
}
