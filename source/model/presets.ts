import type {MachineSpec} from './spec.js';
import {GiB, KiB, MiB, TiB} from './units.js';

// The default: a 2003 ProLiant DL760 G2-class i386 server with PAE, running a Red Hat AS 2.1-era
// 2.4 kernel with the memhotadd patch and ham 1.0. Sources for each figure are in docs/MODEL.md.
const dl760: MachineSpec = {
	name: 'dl760-g2',
	description: 'ProLiant DL760 G2-class i386 PAE server, 2.4 kernel with memhotadd, ham 1.0',
	kernel: {
		version: '2.4.9-e.3-memhotadd',
		arch: 'i386-pae',
		pageBytes: 4 * KiB,
		structPageBytes: 64,
		directMapBytes: 896 * MiB,
		reservedLowmemBytes: 24 * MiB,
		vmallocBytes: 128 * MiB,
		vmallocBootUsedBytes: 40 * MiB,
		physLimitBytes: 64 * GiB,
		sectionBytes: 256 * MiB,
	},
	boot: {
		moduleBytes: 4 * GiB,
		// 4 GiB installed: the PCI hole takes 3.5-4 GiB, the firmware remaps that 512 MiB above 4 GiB.
		ram: [
			{start: 0, size: 640 * KiB},
			{start: 1 * MiB, size: 3.5 * GiB - 1 * MiB},
			{start: 4 * GiB, size: 512 * MiB},
		],
		resources: [
			{name: 'Video ROM / BIOS', start: 640 * KiB, size: 384 * KiB},
			{name: 'PCI Bus', start: 3.5 * GiB, size: 512 * MiB},
		],
	},
	controller: {
		name: 'Hot-Plug RAID Memory controller',
		slots: 8,
		moduleSizes: [256 * MiB, 512 * MiB, 1 * GiB, 2 * GiB, 4 * GiB],
		maxMemoryBytes: 32 * GiB,
		hotaddBaseBytes: 4.5 * GiB,
		alignmentBytes: 256 * MiB,
		addressLimitBytes: 64 * GiB,
		scrubSecondsPerGiB: 2,
		slotBases: {},
	},
	workload: {
		levels: {idle: 480 * MiB, normal: 755 * MiB, heavy: 785 * MiB, peak: 800 * MiB},
		initial: 'normal',
		swingBytes: 24 * MiB,
		periodSeconds: 600,
		noiseBytes: 10 * MiB,
		noiseSeconds: 30,
		reclaimablePercent: 30,
		refillSeconds: 300,
	},
	driver: {builtFor: '2.4.9-e.3-memhotadd', loaded: true},
	plugged: [],
};

// A modern x86_64 guest: 2 GiB at boot, QEMU-like DIMM slots (-m 2G,slots=8,maxmem=256G),
// 128 MiB memory blocks. Lowmem is all of RAM, so the mem_map of a large DIMM competes with the
// workload for the small boot memory: the classic reason big hot-adds fail in small VMs.
const modern: MachineSpec = {
	name: 'x86_64',
	description: 'x86_64 guest, 2 GiB boot memory, QEMU-like DIMM slots, 128 MiB blocks',
	kernel: {
		version: '6.8.0-generic',
		arch: 'x86_64',
		pageBytes: 4 * KiB,
		structPageBytes: 64,
		directMapBytes: null,
		reservedLowmemBytes: 120 * MiB,
		vmallocBytes: null,
		vmallocBootUsedBytes: 64 * MiB,
		physLimitBytes: 64 * TiB,
		sectionBytes: 128 * MiB,
	},
	boot: {
		moduleBytes: 2 * GiB,
		ram: [
			{start: 0, size: 640 * KiB},
			{start: 1 * MiB, size: 2 * GiB - 1 * MiB},
		],
		resources: [
			{name: 'Video ROM / BIOS', start: 640 * KiB, size: 384 * KiB},
			{name: 'PCI Bus', start: 3 * GiB, size: 1 * GiB},
		],
	},
	controller: {
		name: 'pc-dimm slots (ACPI memory hotplug)',
		slots: 9,
		moduleSizes: [512 * MiB, 1 * GiB, 2 * GiB, 4 * GiB, 8 * GiB, 16 * GiB, 32 * GiB, 64 * GiB],
		maxMemoryBytes: 256 * GiB,
		hotaddBaseBytes: 4 * GiB,
		alignmentBytes: 1 * GiB,
		addressLimitBytes: 1 * TiB,
		scrubSecondsPerGiB: 0,
		slotBases: {},
	},
	workload: {
		levels: {idle: 700 * MiB, normal: 1500 * MiB, heavy: 1680 * MiB, peak: 1830 * MiB},
		initial: 'normal',
		swingBytes: 60 * MiB,
		periodSeconds: 900,
		noiseBytes: 20 * MiB,
		noiseSeconds: 30,
		reclaimablePercent: 40,
		refillSeconds: 300,
	},
	driver: {builtFor: '6.8.0-generic', loaded: true},
	plugged: [],
};

/** The presets' names: each is its spec's `name`. */
export type PresetName = 'dl760-g2' | 'x86_64';

export const presets: Readonly<Record<PresetName, MachineSpec>> = {'dl760-g2': dl760, x86_64: modern};
export const defaultPreset: PresetName = 'dl760-g2';

/** Whether `name` is a preset's (an own key: "constructor" and "__proto__" are not). */
export function isPresetName(name: string): name is PresetName {
	return Object.hasOwn(presets, name);
}

/** The seed of a machine nobody chose one for: the year of ham 1.0. */
export const defaultSeed = 2003;
