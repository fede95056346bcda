// The embedded model, seen as a Snapshot.

import {resourcesAt} from '../model/kernel.js';
import {formatLogLine} from '../model/log.js';
import {advance, unplugRefusal} from '../model/machine.js';
import {regionReport, slotState} from '../model/report.js';
import {safeText} from '../model/sanitize.js';
import type {Machine} from '../model/state.js';
import {formatSize} from '../model/units.js';
import type {SimulatedSnapshot} from './snapshot.js';

export function simulatedSnapshot(stored: Machine, t: number): SimulatedSnapshot {
	const machine = advance(stored, t).machine;
	const resources = resourcesAt(machine, machine.now);
	return {
		kind: 'simulated',
		name: safeText(machine.spec.name),
		kernel: safeText(machine.kernel.version),
		driver: {loaded: machine.driver.loaded, major: machine.driver.major, builtFor: safeText(machine.driver.builtFor)},
		time: machine.now,
		uptimeSeconds: machine.now - machine.kernel.bootedAt,
		slots: machine.slots.map(slot => {
			const state = slotState(slot, machine.now);
			const size = slot.boot ? machine.spec.boot.moduleBytes : slot.module?.size;
			return {
				slot: slot.slot,
				size: size === undefined ? '' : formatSize(size),
				mode: slot.boot ? 'boot' : (slot.module?.mode ?? ''),
				state,
				scrubLeft: state === 'scrubbing' && slot.module ? Math.ceil(slot.module.scrubbedAt - machine.now) : null,
				regionId: machine.regions.find(region => region.slot === slot.slot)?.id ?? null,
				label: safeText(slot.module?.label ?? ''),
				unplugRefusal: unplugRefusal(machine, slot.slot) ?? null,
			};
		}),
		regions: machine.driver.loaded
			? machine.regions.map(region => {
					const report = regionReport(machine, region);
					return {
						...report,
						code: report.reason?.code ?? null,
						reason: report.reason?.text ?? null,
						retry: report.reason?.retry ?? null,
						needBytes: report.memmapBytes,
					};
				})
			: [],
		resources: {
			lowmem: {
				totalBytes: resources.lowmemBytes,
				freeBytes: resources.lowmemFreeBytes,
				watermarkBytes: resources.watermarkBytes,
				workloadBytes: resources.workloadBytes,
			},
			vmalloc: resources.vmallocBytes === null ? null : {totalBytes: resources.vmallocBytes, usedBytes: resources.vmallocUsedBytes},
			memory: {bootBytes: resources.bootRamBytes, hotAddedBytes: resources.hotAddedBytes},
			load: machine.workload.load,
		},
		log: machine.log.map(line => safeText(formatLogLine(machine, line))),
		moduleSizes: machine.spec.controller.moduleSizes,
	};
}
