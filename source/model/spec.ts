// What a machine is made of: the fixed description that a preset or a scenario file gives.
// Everything here is hardware or kernel configuration; nothing changes while the machine runs.
// The numbers of the presets, and where they come from, are explained in docs/MODEL.md.

export type Arch = 'i386-pae' | 'x86_64';
export type LoadLevel = 'idle' | 'normal' | 'heavy' | 'peak';
export const loadLevels: readonly LoadLevel[] = ['idle', 'normal', 'heavy', 'peak'];
export type ModuleMode = 'hot-add' | 'mirror';
export const moduleModes: readonly ModuleMode[] = ['hot-add', 'mirror'];

export type Range = {start: number; size: number};
export type ResourceSpec = Range & {name: string};

export type KernelSpec = {
	version: string;
	arch: Arch;
	pageBytes: number;
	/** sizeof(struct page): the mem_map cost of every page hot-added. */
	structPageBytes: number;
	/** End of the direct-mapped zones (lowmem); null when all RAM is direct-mapped (x86_64). */
	directMapBytes: number | null;
	/** Lowmem the kernel holds for itself at boot (image, bootmem, page tables). */
	reservedLowmemBytes: number;
	/** Size of the vmalloc area; null when it is too large to matter (x86_64). */
	vmallocBytes: number | null;
	/** vmalloc in use after boot (modules, ioremap). */
	vmallocBootUsedBytes: number;
	/** Highest physical address the kernel can map (+1): 64 GiB with PAE. */
	physLimitBytes: number;
	/** Hot-add granularity; a range not aligned to it is refused. */
	sectionBytes: number;
};

export type ControllerSpec = {
	name: string;
	slots: number;
	/** Module sizes the controller accepts. */
	moduleSizes: number[];
	/** Most memory the board takes, boot memory included. */
	maxMemoryBytes: number;
	/** Where the controller starts decoding hot-added modules. */
	hotaddBaseBytes: number;
	alignmentBytes: number;
	/** Highest address the controller can decode (+1). */
	addressLimitBytes: number;
	/** Seconds a new module spends being scrubbed (FLAGS WRITE) per GiB. */
	scrubSecondsPerGiB: number;
	/** Slots wired to a fixed address window (decode ignores the free-space search). */
	slotBases: Record<string, number>;
};

export type WorkloadSpec = {
	/** Lowmem the workload wants at each load level (slab, buffer heads, page tables, cache). */
	levels: Record<LoadLevel, number>;
	initial: LoadLevel;
	/** Slow swing of the demand (a sine) and its period. */
	swingBytes: number;
	periodSeconds: number;
	/** Faster seeded noise, a new value every noiseSeconds, interpolated. */
	noiseBytes: number;
	noiseSeconds: number;
	/** Share of the demand that dropping caches frees, in percent. */
	reclaimablePercent: number;
	/** Time constant with which dropped caches fill up again. */
	refillSeconds: number;
};

export type PluggedSpec = {slot: number; size: number; mode: ModuleMode; label?: string};

export type MachineSpec = {
	name: string;
	description: string;
	kernel: KernelSpec;
	boot: {
		/** Size of the boot memory module in slot 1. */
		moduleBytes: number;
		/** The firmware's memory map: RAM the kernel boots with. */
		ram: Range[];
		/** Other iomem resources present at boot (holes, firmware, PCI). */
		resources: ResourceSpec[];
	};
	controller: ControllerSpec;
	workload: WorkloadSpec;
	driver: {builtFor: string; loaded: boolean};
	/** Modules already in their slots when the machine is created (scenarios). */
	plugged: PluggedSpec[];
};
