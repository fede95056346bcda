import {createMachine, replay} from '../../source/model/machine.js';
import {parseScenario} from '../../source/model/schema.js';
import {type LogLine, logLimit, type Machine, type Region, type Slot} from '../../source/model/state.js';
import {formatAddress} from '../../source/model/units.js';

const moduleBytes = 128 * 1024 * 1024;

/** The plugs whose log lines are kept: enough of them to fill the log (at least 3 lines a plug, 500 kept). */
const loggedPlugs = 200;

function spec(count: number, free = 0) {
	const parsed = parseScenario({
		base: 'x86_64',
		name: `regions-${count}`,
		controller: {slots: count + 1 + free, moduleSizes: ['128M'], maxMemoryBytes: '64T', addressLimitBytes: '64T', alignmentBytes: '128M'},
	});
	if (!parsed.ok) {
		throw new Error(parsed.error);
	}

	return parsed.value;
}

const mirror = (index: number) => index % 7 === 6;

function plugs(from: number, to: number, t: number) {
	return Array.from({length: to - from}, (_, offset) => {
		const index = from + offset;
		return {action: {type: 'plug', slot: index + 2, size: moduleBytes, mode: mirror(index) ? 'mirror' : 'hot-add'} as const, t};
	});
}

/**
 * An x86_64 machine with `count` 128M modules plugged, one region each: a long regions list. The
 * model's own replay, for every plug (slow: each plug is O(n), so the whole is O(n²)).
 */
export function machineWithRegionsReplayed(count: number, t = 1_000_000): Machine {
	return replay(createMachine(spec(count), 7, t), plugs(0, count, t));
}

/**
 * The same machine as machineWithRegionsReplayed, in O(n): the slots, regions and log lines as the
 * model leaves them (modules packed from 4 GiB, every seventh a mirror that fails), written down
 * directly. test/unit/big.test.ts checks that both give the same machine. `free`: empty slots
 * after them, to plug into.
 */
export function machineWithRegions(count: number, t = 1_000_000, free = 0): Machine {
	const machine = createMachine(spec(count, free), 7, t);
	const base = 4 * 1024 * 1024 * 1024;
	const slots: Slot[] = machine.slots;
	const regions: Region[] = [];
	const log: LogLine[] = machine.log;
	for (let index = 0; index < count; index++) {
		const slot = index + 2;
		const start = base + index * moduleBytes;
		const mode = mirror(index) ? 'mirror' : 'hot-add';
		const failure = mode === 'mirror' ? `slot ${slot} holds a Hot-Mirror module: mirrored memory is never given to the OS` : undefined;
		slots[index + 1] = {slot, boot: false, module: {size: moduleBytes, mode, start, pluggedAt: t, scrubbedAt: t, label: ''}};
		regions.push({
			id: index,
			slot,
			start,
			size: moduleBytes,
			flags: failure ? 'READ' : 'READ/WRITE',
			status: failure ? 'FAILED' : 'ENABLED',
			failure: failure ? {code: 'mirror', text: failure, retry: false} : null,
			attempts: 1,
			changedAt: t,
		});
		if (index >= count - loggedPlugs) {
			const range = `${formatAddress(start)}-${formatAddress(start + moduleBytes - 1)}`;
			const line = (source: LogLine['source'], text: string) => log.push({t, source, text});
			line('controller', `slot ${slot}: 128M ${mode} module inserted, decoded at ${range}`);
			line('ham', `region ${index}: slot ${slot}, ${formatAddress(start)}, 128M, ${failure ? 'READ' : 'READ/WRITE'}`);
			if (failure) {
				line('ham', `region ${index} ${range} hot-add failed: ${failure} (no retry can help)`);
			} else {
				line('kernel', `hot-add: System RAM ${range} (128M), mem_map 2 MiB from lowmem`);
				line('ham', `region ${index} ENABLED`);
			}
		}
	}

	machine.regions = regions;
	machine.log = log.slice(-logLimit);
	machine.driver.nextRegionId = count;
	return machine;
}
