// The memory hot-plug controller: slots, modules, and decoding a module to a physical range.
// Its refusals are the ones real controllers give (ProLiant ROM messages, QEMU's pc-dimm checks).
import {fail, ok, type Result} from '../result.js';
import type {ModuleMode} from './spec.js';
import type {Machine, Module} from './state.js';
import {alignUp, formatAddress, formatSize, GiB, overlaps} from './units.js';

export function installedBytes(machine: Machine): number {
	return machine.slots.reduce((sum, slot) => sum + (slot.boot ? machine.spec.boot.moduleBytes : (slot.module?.size ?? 0)), 0);
}

/** Checks a plug the way the controller does, and returns the module it would decode, or the controller's refusal. */
export function decodeModule(machine: Machine, slot: number, size: number, mode: ModuleMode, t: number, label: string): Result<Module> {
	const {controller} = machine.spec;
	const target = machine.slots.find(candidate => candidate.slot === slot);
	if (!target) {
		return fail(`no such slot: ${slot} (slots are 1-${controller.slots})`);
	}

	if (target.boot) {
		return fail(`slot ${slot} is busy: it holds the boot memory`);
	}

	if (target.module) {
		return fail(`slot ${slot} is busy: it holds a ${formatSize(target.module.size)} ${target.module.mode} module`);
	}

	if (!controller.moduleSizes.includes(size)) {
		return fail(`size ${formatSize(size)} not supported: modules of ${controller.moduleSizes.map(bytes => formatSize(bytes)).join(', ')}`);
	}

	const installed = installedBytes(machine);
	if (installed + size > controller.maxMemoryBytes) {
		return fail(
			`maximum memory exhausted: ${formatSize(installed)} installed + ${formatSize(size)} > ${formatSize(controller.maxMemoryBytes)}`,
		);
	}

	const start = decodeAddress(machine, slot, size);
	if (start === undefined) {
		return fail(`address space exhausted: no free ${formatSize(size)} window below ${formatAddress(controller.addressLimitBytes)}`);
	}

	const scrubSeconds = (controller.scrubSecondsPerGiB * size) / GiB;
	return ok({size, mode, start, pluggedAt: t, scrubbedAt: t + scrubSeconds, label});
}

/** A slot wired to a fixed window decodes there; others take the lowest free aligned window. */
function decodeAddress(machine: Machine, slot: number, size: number): number | undefined {
	const {controller} = machine.spec;
	const taken = machine.slots.flatMap(other => (other.module ? [other.module] : []));
	const fixed = controller.slotBases[String(slot)];
	if (fixed !== undefined) {
		const free = fixed + size <= controller.addressLimitBytes && !taken.some(module => overlaps(fixed, size, module.start, module.size));
		return free ? fixed : undefined;
	}

	// One sweep up the address space: every module in the way pushes the window past its end.
	const alignment = Math.max(controller.alignmentBytes, 1);
	let start = alignUp(controller.hotaddBaseBytes, alignment);
	for (const module of taken.sort((a, b) => a.start - b.start)) {
		if (overlaps(start, size, module.start, module.size)) {
			start = alignUp(module.start + module.size, alignment);
		}
	}

	return start + size <= controller.addressLimitBytes ? start : undefined;
}
