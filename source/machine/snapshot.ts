// What the console shows, whatever the machine behind it: the embedded model or a real machine's
// memory blocks. Presentation-ready rows, computed once per change or clock tick, not per keypress.

export type SlotRow = {
	slot: number;
	/** "4G", or "" when empty. */
	size: string;
	mode: string;
	/** A VM's DIMM slot: plugged, or ejecting (device_del asked, the guest has not let go yet). */
	state: 'boot' | 'empty' | 'scrubbing' | 'ready' | 'mirror' | 'plugged' | 'ejecting';
	/** Seconds of scrubbing left, when scrubbing. */
	scrubLeft: number | null;
	regionId: number | null;
	label: string;
	/** Why unplugging this slot would be refused; null when it may be unplugged. */
	unplugRefusal: string | null;
};

export type RegionRow = {
	id: number;
	start: string;
	size: number;
	flags: string;
	status: string;
	slot: number | null;
	/** Why the last attempt failed (a short code and the full line), and whether a retry can help. */
	code: string | null;
	reason: string | null;
	retry: boolean | null;
	/** The lowmem its hot-add needs (mem_map), for the resources pane. */
	needBytes: number | null;
	/** A real machine's range: its blocks, node and zones, shown when it has no failure to explain. */
	detail?: string;
	/** A real machine's range: its first and last block, what `o` offlines. */
	blocks?: {first: number; last: number};
};

export type ResourcesView = {
	lowmem: {totalBytes: number; freeBytes: number; watermarkBytes: number; workloadBytes: number};
	vmalloc: {totalBytes: number; usedBytes: number} | null;
	memory: {bootBytes: number; hotAddedBytes: number};
	load: string;
};

/** What every machine shows: who it is, its clock, its regions (a real machine's: ranges of blocks), its log. */
type SnapshotBase = {
	name: string;
	kernel: string;
	time: number;
	/** Null for a sysroot: a tree read from disk has nobody's uptime. */
	uptimeSeconds: number | null;
	regions: RegionRow[];
	log: string[];
};

/** The embedded 2003 machine: slots, the ham driver, lowmem and vmalloc. */
export type SimulatedSnapshot = SnapshotBase & {
	kind: 'simulated';
	driver: {loaded: boolean; major: number | null; builtFor: string};
	slots: SlotRow[];
	resources: ResourcesView;
	/** Sizes the controller takes, for the plug form. */
	moduleSizes: number[];
};

/** A real machine's memory blocks: nodes instead of slots, online and offline memory instead of lowmem. */
export type SysfsSnapshot = SnapshotBase & {kind: 'sysfs'; sysfs: SysfsView};

/** A running QEMU (--qmp): its DIMM slots where the simulated machine has slots, the guest's blocks (--qga) as ranges. */
export type VmSnapshot = SnapshotBase & {kind: 'vm'; slots: SlotRow[]; vm: VmView};

export type Snapshot = SimulatedSnapshot | SysfsSnapshot | VmSnapshot;

/** What the console knows of a VM: QEMU's side over QMP, the guest's through its agent, and whether each answers. */
export type VmView = {
	qmp: string;
	qga: string | null;
	/** QEMU's version from its greeting. */
	qemu: string;
	/** true, or why QMP is not connected now (the console connects again every few seconds). */
	connected: true | string;
	/** null without --qga; true while it answers; or why it does not. */
	agent: true | string | null;
	memory: {baseBytes: number; pluggedBytes: number; maxBytes: number; freeBytes: number; slots: number} | null;
	virtioMem: Array<{id: string; sizeBytes: number; requestedBytes: number; maxBytes: number; blockBytes: number; node: number}>;
	/** The guest's blocks as its agent lists them; null when they cannot be seen. */
	guest: {blockSizeBytes: number; online: number; offline: number; toOnline: number; leftAlone: number} | null;
	/** The sizes the plug form offers (QEMU refuses those that do not fit), and the NUMA nodes it offers. */
	plugSizes: number[];
	nodes: number[];
	/** What QEMU or the agent is answering now. */
	busy: string | null;
};

export type SysfsView = {
	/** The memory directory read: <sysroot>/sys/devices/system/memory. */
	root: string;
	blockSizeBytes: number;
	/** `auto_online_blocks`, null when the kernel has none. */
	autoOnline: string | null;
	blocks: number;
	online: {blocks: number; bytes: number};
	offline: {blocks: number; bytes: number};
	/** going-offline or unreadable. */
	other: {blocks: number; bytes: number};
	/** What `i` writes to each offline block's state. */
	onlineType: string;
	/** true, or why onlining cannot be tried here (needs root). */
	writable: true | string;
	/** Problems met by the last full read. */
	problems: number;
	nodes: Array<{node: number | null; online: number; offline: number; other: number}>;
	/** How a full read went, and how long a rolling re-read of every block takes. */
	readMs: number;
	/** The first read while it runs (blocks read of those listed); null once the tree is read. */
	reading?: {read: number; total: number} | null;
	sweepSeconds: number | null;
	/**
	 * What `i` would write now (sysfs/plan.ts): the zones the offline blocks go to, how many of
	 * each, and the boot blocks left offline; null with nothing offline to online.
	 */
	plan: {zones: Array<{zone: string; blocks: number}>; leftAlone: number} | null;
	/** auto_movable_ratio the zone rule weighs by, percent (the kernel's 301 when the file is missing). */
	ratio: number;
	/** The offline `o` started and that is still writing (one block at a time, highest first); null or absent when none runs. */
	offlining?: {first: number; last: number; done: number; total: number; stopping: boolean} | null;
};

/** "reading 45,056 of 100,000 blocks": SysfsView.reading in words, for the memory pane and the keys' reasons. */
export function readingWords(read: number, total: number): string {
	return `reading ${read.toLocaleString('en')} of ${total.toLocaleString('en')} blocks`;
}

export type OutcomeRow = {
	id: number;
	slot: number | null;
	status: string;
	reason: string | null;
	retry: boolean | null;
	/** What the outcome is about, when not "region <id>" (a real machine: "blocks 8-15"). */
	label?: string;
};

export type ActResult = {
	ok: boolean;
	message: string;
	outcomes: OutcomeRow[];
	/** A check made before an action (`o`'s): the question to ask, when the checks let it be asked; `message` is what they saw. */
	question?: string;
};
