import {createMachine, replay} from '../../source/model/machine.js';
import {parseScenario} from '../../source/model/schema.js';
import type {Machine} from '../../source/model/state.js';

/** An x86_64 machine with `count` 128M modules plugged, one region each: a long regions list. */
export function machineWithRegions(count: number, t = 1_000_000): Machine {
	const spec = parseScenario({
		base: 'x86_64',
		name: `regions-${count}`,
		controller: {slots: count + 1, moduleSizes: ['128M'], maxMemoryBytes: '64T', addressLimitBytes: '64T', alignmentBytes: '128M'},
	});
	if (!spec.ok) {
		throw new Error(spec.error);
	}

	const plugs = Array.from({length: count}, (_, index) => ({
		action: {type: 'plug', slot: index + 2, size: 128 * 1024 * 1024, mode: index % 7 === 6 ? 'mirror' : 'hot-add'} as const,
		t,
	}));
	return replay(createMachine(spec.value, 7, t), plugs);
}
