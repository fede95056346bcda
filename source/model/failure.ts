// Why a region fails to hot-add: every rule in one place, checked in this order. The first rule
// that holds is the reason the operator reads. Each rule says whether running ham_integrate again
// can ever help. Sources for each rule are in docs/MODEL.md ("Why a hot-add fails").

import {formatBytes} from './format-bytes.js';
import {conflictingResource, memmapBytes, resourcesAt} from './kernel.js';
import type {Failure, Machine, Region} from './state.js';
import {formatAddress, formatSize} from './units.js';

export function whyRegionFails(machine: Machine, region: Region, t: number): Failure | null {
	const module = machine.slots.find(slot => slot.slot === region.slot)?.module;
	const {kernel} = machine.spec;
	const end = region.start + region.size;

	// Hot-Mirror: the board mirrors other memory; the ROM never offers it to the OS.
	if (module?.mode === 'mirror') {
		return never('mirror', `slot ${region.slot} holds a Hot-Mirror module: mirrored memory is never given to the OS`);
	}

	// Until the controller has scrubbed the module, the OS may only write to it (FLAGS WRITE).
	if (module && t < module.scrubbedAt) {
		return later('scrubbing', `module in slot ${region.slot} is still being scrubbed (FLAGS WRITE); ham adds it when the scrub ends`);
	}

	// memhotadd adds whole sections; a misaligned range can never be added.
	if (region.start % kernel.sectionBytes !== 0 || region.size % kernel.sectionBytes !== 0) {
		return never(
			'misaligned',
			`range ${formatAddress(region.start)}+${formatSize(region.size)} is not aligned to the kernel's ${formatSize(kernel.sectionBytes)} sections`,
		);
	}

	// Past the physical limit (36-bit PAE: 64 GiB) the kernel has no page frames to describe it.
	if (end > kernel.physLimitBytes) {
		return never(
			'beyond-limit',
			`range ends at ${formatAddress(end)}, past the kernel's physical limit ${formatAddress(kernel.physLimitBytes)} (${formatSize(kernel.physLimitBytes)})`,
		);
	}

	// request_resource() refuses an overlap with anything already in iomem.
	const conflict = conflictingResource(machine, region.start, region.size);
	if (conflict) {
		return never(
			'resource-conflict',
			`range conflicts with "${conflict.name}" at ${formatAddress(conflict.start)}-${formatAddress(conflict.start + conflict.size - 1)}`,
		);
	}

	const needed = memmapBytes(machine, region.size);
	const resources = resourcesAt(machine, t);
	// The mem_map is stitched into one virtual array in vmalloc space, which nothing gives back.
	if (resources.vmallocBytes !== null && resources.vmallocUsedBytes + needed > resources.vmallocBytes) {
		const free = resources.vmallocBytes - resources.vmallocUsedBytes;
		return never(
			'vmalloc-exhausted',
			`vmalloc exhausted: mem_map needs ${formatBytes(needed)}, ${formatBytes(free)} of ${formatBytes(resources.vmallocBytes)} free`,
		);
	}

	// The mem_map comes out of lowmem, and must leave the zone's high watermark free.
	if (resources.lowmemFreeBytes < needed + resources.watermarkBytes) {
		return later(
			'lowmem-short',
			`lowmem short: mem_map needs ${formatBytes(needed)} + ${formatBytes(resources.watermarkBytes)} reserve, ${formatBytes(resources.lowmemFreeBytes)} free`,
		);
	}

	return null;
}

function never(code: Failure['code'], text: string): Failure {
	return {code, text, retry: false};
}

function later(code: Failure['code'], text: string): Failure {
	return {code, text, retry: true};
}
