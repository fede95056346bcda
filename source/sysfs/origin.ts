// Where each memory block came from, as far as the machine itself says: the answer to "why was this
// block (not) onlined", since what onlines a block (the kernel's auto-online, a udev rule, a driver,
// ham-tui) and in which zone often depends on who added it.
//
// The rule, first match wins:
//
// 1. `<sysroot>/proc/iomem` has a resource named `System RAM (virtio_mem)` overlapping the block:
//    'virtio-mem'; `System RAM (kmem)`: 'kmem' (a dax device given to the kernel). Both are
//    "driver managed" memory (add_memory_driver_managed), at whatever depth they sit: virtio-mem
//    nests its RAM under the device's own resource (`virtio0`, the device's whole address space)
//    and dax kmem under the dax range (`dax0.0`). As non-root the kernel prints every address as
//    0: then iomem says nothing, and a note says why ("run as root to read /proc/iomem").
// 2. The block directory's `firmware_node` link (read with readlink(2), never followed) ends in
//    `PNP0C80:<n>`, an ACPI memory device: 'acpi-dimm'. A 6.12 guest under QEMU links each block
//    of a hot-added pc-dimm there (`../../../LNXSYSTM:00/LNXSYBUS:00/PNP0A06:04/PNP0C80:00`);
//    boot memory has no such link.
// 3. `<sysroot>/sys/firmware/memmap/N/{start,end,type}` (the firmware's map, end inclusive) has a
//    `System RAM` entry overlapping the block: 'boot'. Overlapping, not containing: the first and
//    last boot blocks hold firmware holes. Linux also adds such an entry for memory an ACPI DIMM
//    hot-adds (firmware_map_add_hotplug; the same 6.12 guest lists both hot-added DIMMs there),
//    which is why rule 2 comes first. Driver-managed memory (rule 1) gets none.
// 4. Otherwise 'unknown' (no root for iomem and memmap, a kernel without them, a fake tree).
//
// Cost: iomem and the memmap are read once per readOrigins call; firmware_node is one readlink per
// block, made only when origin(index) is asked for that block and iomem did not already answer
// (and never with {firmwareNodes: false}). Each file is read as read.ts reads one: no link
// followed, nothing that can block, bounded, control characters replaced.
//
// virtio-mem: a guest sees the device's address space (its iomem resource, the most it can plug)
// and the memory added in it (its `System RAM (virtio_mem)` resources, whole memory blocks, so at
// least what is plugged), but not the size the hypervisor requested: that is not in the guest's
// sysfs or procfs, and is not guessed here.
import {closeSync, constants, fstatSync, openSync, readdirSync, readlinkSync, readSync} from 'node:fs';
import path from 'node:path';
import {safeText} from '../model/sanitize.js';
import {errorCode, kindOf, type MemoryTree, OddFile, readKernelFile} from './read.js';

export type BlockOrigin = 'boot' | 'acpi-dimm' | 'virtio-mem' | 'kmem' | 'unknown';

/** One line of /proc/iomem: `start-end : name`, nested two spaces a level. */
export type IomemResource = {
	/** Nesting level: 0 for a top-level resource. */
	depth: number;
	start: number;
	/** Inclusive. */
	end: number;
	/** Control characters replaced. */
	name: string;
};

export type Iomem = {
	resources: IomemResource[];
	/** Every range reads 0-0: the kernel hides addresses from non-root readers; nothing can be learnt. */
	hidden: boolean;
};

/** One entry of /sys/firmware/memmap. */
export type MemmapEntry = {
	/** N of the entry's directory. */
	index: number;
	start: number;
	/** Inclusive. */
	end: number;
	type: string;
};

/** A virtio-mem device as the guest sees it in iomem. */
export type VirtioMemDevice = {
	/** The device's iomem resource (its device name, e.g. `virtio0`); empty when its RAM sits at the top level. */
	name: string;
	/** The device's address space, end inclusive: where it can plug memory. */
	start: number;
	end: number;
	/** The size of that address space: the most the device can plug. */
	regionBytes: number;
	/** The `System RAM (virtio_mem)` ranges in it: memory added, in whole blocks (what is plugged, rounded up to blocks). */
	addedBytes: number;
	/** Blocks of the tree in the address space, and how many of them are online. */
	blocks: number;
	onlineBlocks: number;
};

export type OriginMap = {
	/** The block's origin by the rule above (cached: a block's firmware_node is read at most once). */
	origin(index: number): BlockOrigin;
	/** Which rule decided, in words: `iomem: System RAM (virtio_mem) in virtio0`, `firmware_node PNP0C80:00`... */
	why(index: number): string;
	virtioMem: VirtioMemDevice[];
	/** Why a source said nothing, when that is normal (not root): one line each, not problems. */
	notes: string[];
	/** iomem was read and shows addresses. */
	iomemUsable: boolean;
	/** memmap entries were read. */
	memmapUsable: boolean;
};

export type OriginOptions = {
	/** Read each block's firmware_node link when asked for its origin (default true). */
	firmwareNodes?: boolean;
};

export const virtioMemRam = 'System RAM (virtio_mem)';
export const kmemRam = 'System RAM (kmem)';
export const acpiMemoryDevice = 'PNP0C80:';

/** /proc/iomem can be longer than a page (many PCI devices); past this it is not the kernel's. */
export const iomemLimit = 256 * 1024;
/** More memmap entries than any firmware map has (e820 has at most 128 on x86; hot-added DIMMs add one each). */
export const memmapLimit = 4096;

export function readOrigins(sysroot: string, tree: MemoryTree, problems: string[], options: OriginOptions = {}): OriginMap {
	const notes: string[] = [];
	const iomem = readIomem(sysroot, problems, notes);
	const memmap = readMemmap(sysroot, problems, notes);
	const facts = originFacts(iomem, memmap);
	const blockSize = tree.blockSizeBytes;
	const byIndex = new Map(tree.blocks.map(block => [block.index, block]));
	const cache = new Map<number, {origin: BlockOrigin; why: string}>();
	const readLinks = options.firmwareNodes !== false;

	const decide = (index: number): {origin: BlockOrigin; why: string} => {
		let decided = cache.get(index);
		if (decided === undefined) {
			const start = index * blockSize;
			const end = start + blockSize - 1;
			decided = classifyBlock(facts, start, end, () => {
				const block = readLinks ? byIndex.get(index) : undefined;
				// Read with the tree by its threads when asked (read.ts's firmwareNodes), else here.
				return block === undefined
					? null
					: block.firmwareNode !== undefined
						? block.firmwareNode
						: readFirmwareNode(tree.root, index, problems);
			});
			cache.set(index, decided);
		}

		return decided;
	};

	return {
		origin: index => decide(index).origin,
		why: index => decide(index).why,
		virtioMem: facts.iomemUsable && iomem !== undefined ? virtioMemDevices(iomem.resources, tree) : [],
		notes,
		iomemUsable: facts.iomemUsable,
		memmapUsable: memmap !== undefined,
	};
}

/**
 * Where a block's range is not System RAM in /proc/iomem (a firmware-reserved range at the top of
 * boot RAM, an ACPI table, a PCI hole): the kernel's offline_pages walks the same resources
 * (walk_system_ram_range) and refuses a block with any such hole with EINVAL ("memory holes"), and
 * valid_zones does not show it for an online block. Undefined when iomem cannot be read or shows
 * no addresses (not root): then nothing is known.
 */
export function readRamHoles(
	sysroot: string,
	problems: string[],
): ((start: number, end: number) => {start: number; end: number} | undefined) | undefined {
	const iomem = readIomem(sysroot, problems);
	return iomem === undefined || iomem.hidden ? undefined : ramHoles(iomem.resources);
}

/** The first gap in start..end (inclusive) not covered by a `System RAM...` resource at any depth. */
export function ramHoles(resources: readonly IomemResource[]): (start: number, end: number) => {start: number; end: number} | undefined {
	const ram = resources
		.filter(resource => resource.name.startsWith('System RAM'))
		.map(resource => ({start: resource.start, end: resource.end}))
		.sort((a, b) => a.start - b.start);
	const merged: Array<{start: number; end: number}> = [];
	for (const range of ram) {
		const last = merged.at(-1);
		if (last && range.start <= last.end + 1) {
			last.end = Math.max(last.end, range.end);
		} else {
			merged.push({...range});
		}
	}

	return (start, end) => {
		let at = start;
		for (const range of merged) {
			if (range.end < at) {
				continue;
			}

			if (range.start > at) {
				return {start: at, end: Math.min(end, range.start - 1)};
			}

			at = range.end + 1;
			if (at > end) {
				return undefined;
			}
		}

		return {start: at, end};
	};
}

// ---- The pure part -------------------------------------------------------------------------

/** What the rule looks at besides the block: iomem's driver-managed RAM and the memmap's System RAM. */
export type OriginFacts = {
	iomemUsable: boolean;
	driverManaged: RangeIndex<{origin: 'virtio-mem' | 'kmem'; why: string}>;
	bootRam: RangeIndex<MemmapEntry>;
};

export function originFacts(iomem: Iomem | undefined, memmap: readonly MemmapEntry[] | undefined): OriginFacts {
	const usable = iomem !== undefined && !iomem.hidden;
	const resources = usable ? iomem.resources : [];
	const driverManaged: Array<Range<{origin: 'virtio-mem' | 'kmem'; why: string}>> = [];
	for (const [position, resource] of resources.entries()) {
		const origin = resource.name === virtioMemRam ? 'virtio-mem' : resource.name === kmemRam ? 'kmem' : undefined;
		if (origin !== undefined) {
			const parent = parentOf(resources, position);
			const where = parent === undefined ? '' : ` in ${parent.name}`;
			driverManaged.push({start: resource.start, end: resource.end, value: {origin, why: `iomem: ${resource.name}${where}`}});
		}
	}

	const bootRam = (memmap ?? [])
		.filter(entry => entry.type === 'System RAM')
		.map(entry => ({start: entry.start, end: entry.end, value: entry}));
	return {iomemUsable: usable, driverManaged: new RangeIndex(driverManaged), bootRam: new RangeIndex(bootRam)};
}

/**
 * The rule for one block (start and end inclusive, in bytes). `firmwareNode` gives the target of
 * the block's firmware_node link, or null for none; it is called only when iomem did not decide.
 */
export function classifyBlock(
	facts: OriginFacts,
	start: number,
	end: number,
	firmwareNode: () => string | null,
): {origin: BlockOrigin; why: string} {
	const managed = facts.driverManaged.find(start, end);
	if (managed !== undefined) {
		return managed;
	}

	const target = firmwareNode();
	if (target !== null) {
		const device = lastComponent(target);
		if (device.startsWith(acpiMemoryDevice)) {
			return {origin: 'acpi-dimm', why: `firmware_node ${quote(device)} (an ACPI memory device)`};
		}
	}

	const entry = facts.bootRam.find(start, end);
	if (entry !== undefined) {
		return {origin: 'boot', why: `memmap ${entry.index}: System RAM from the firmware`};
	}

	if (target !== null) {
		return {origin: 'unknown', why: `firmware_node ${quote(lastComponent(target))} is not an ACPI memory device, and no memmap entry`};
	}

	return {origin: 'unknown', why: 'no iomem, firmware_node or memmap entry names it'};
}

/**
 * /proc/iomem's text as resources. Lines that are not `start-end : name` are left out, told in
 * one problem line; ranges past 2^53 - 1 are cut there (no memory block lies beyond).
 */
export function parseIomem(text: string, problems: string[], file = '/proc/iomem'): Iomem {
	const resources: IomemResource[] = [];
	let bad = 0;
	let firstBad = '';
	let allZero = true;
	for (const line of text.split('\n')) {
		if (line === '') {
			continue;
		}

		const match = /^( *)([\da-f]{1,16})-([\da-f]{1,16}) : (.*)$/i.exec(line);
		const start = match ? hexNumber(match[2] ?? '') : Number.NaN;
		const end = match ? hexNumber(match[3] ?? '') : Number.NaN;
		if (!match || start > end || Number.isNaN(start) || Number.isNaN(end)) {
			bad++;
			firstBad ||= line;
			continue;
		}

		allZero &&= start === 0 && end === 0;
		if (start <= Number.MAX_SAFE_INTEGER) {
			const indent = match[1]?.length ?? 0;
			resources.push({depth: Math.floor(indent / 2), start, end: Math.min(end, Number.MAX_SAFE_INTEGER), name: safeText(match[4] ?? '')});
		}
	}

	if (bad > 0) {
		problems.push(`${file}: ${bad} line(s) not "start-end : name", left out (first: "${quote(firstBad)}")`);
	}

	return {resources, hidden: resources.length > 0 && allZero};
}

/** One memmap entry from its three files' texts (newline dropped), or a problem line. */
export function parseMemmapEntry(
	index: number,
	start: string,
	end: string,
	type: string,
	directory = `memmap/${index}`,
): MemmapEntry | string {
	const from = parseHex(start);
	const to = parseHex(end);
	if (from === undefined || to === undefined) {
		return `${directory}: start "${quote(start)}" and end "${quote(end)}" are not both 0x hex numbers below 2^53; entry left out`;
	}

	if (from > to) {
		return `${directory}: start ${start} is past end ${end}; entry left out`;
	}

	return {index, start: from, end: to, type: safeText(type)};
}

/** The virtio-mem devices iomem shows: each resource holding `System RAM (virtio_mem)`, with the tree's blocks in it. */
export function virtioMemDevices(
	resources: readonly IomemResource[],
	tree: Pick<MemoryTree, 'blocks' | 'blockSizeBytes'>,
): VirtioMemDevice[] {
	const devices = new Map<number, VirtioMemDevice>();
	for (const [position, resource] of resources.entries()) {
		if (resource.name !== virtioMemRam) {
			continue;
		}

		const parentPosition = parentPositionOf(resources, position);
		const key = parentPosition ?? -1 - position;
		let device = devices.get(key);
		if (device === undefined) {
			const region = parentPosition === undefined ? resource : (resources[parentPosition] ?? resource);
			device = {
				name: parentPosition === undefined ? '' : region.name,
				start: region.start,
				end: region.end,
				regionBytes: region.end - region.start + 1,
				addedBytes: 0,
				blocks: 0,
				onlineBlocks: 0,
			};
			devices.set(key, device);
		}

		device.addedBytes += resource.end - resource.start + 1;
	}

	const list = [...devices.values()].sort((a, b) => a.start - b.start);
	if (list.length > 0) {
		for (const block of tree.blocks) {
			const start = block.index * tree.blockSizeBytes;
			const device = list.find(candidate => candidate.start <= start + tree.blockSizeBytes - 1 && start <= candidate.end);
			if (device !== undefined) {
				device.blocks++;
				device.onlineBlocks += block.state === 'online' ? 1 : 0;
			}
		}
	}

	return list;
}

type Range<T> = {start: number; end: number; value: T};

/** Ranges sorted by start, asked which one overlaps a given range: O(log n) unless ranges nest deeply. */
export class RangeIndex<T> {
	private readonly ranges: Array<Range<T>>;
	/** The highest end among ranges[0..i]: lets find() stop walking back early. */
	private readonly reach: number[];

	constructor(ranges: ReadonlyArray<Range<T>>) {
		this.ranges = [...ranges].sort((a, b) => a.start - b.start || a.end - b.end);
		let reach = -1;
		this.reach = this.ranges.map(range => {
			reach = Math.max(reach, range.end);
			return reach;
		});
	}

	get size(): number {
		return this.ranges.length;
	}

	/** The value of the first range (by start) that overlaps start..end (inclusive), if any. */
	find(start: number, end: number): T | undefined {
		// The last range starting at or before `end`.
		let low = 0;
		let high = this.ranges.length - 1;
		let last = -1;
		while (low <= high) {
			const middle = (low + high) >> 1;
			if ((this.ranges[middle]?.start ?? 0) <= end) {
				last = middle;
				low = middle + 1;
			} else {
				high = middle - 1;
			}
		}

		let found: T | undefined;
		for (let i = last; i >= 0 && (this.reach[i] ?? -1) >= start; i--) {
			const range = this.ranges[i];
			if (range !== undefined && range.end >= start) {
				found = range.value;
			}
		}

		return found;
	}
}

function parentPositionOf(resources: readonly IomemResource[], position: number): number | undefined {
	const depth = resources[position]?.depth ?? 0;
	if (depth === 0) {
		return undefined;
	}

	for (let i = position - 1; i >= 0; i--) {
		if ((resources[i]?.depth ?? 0) < depth) {
			return i;
		}
	}

	return undefined;
}

function parentOf(resources: readonly IomemResource[], position: number): IomemResource | undefined {
	const parent = parentPositionOf(resources, position);
	return parent === undefined ? undefined : resources[parent];
}

/** 1 to 16 hex digits without 0x (iomem): exact below 2^53, and any larger value as 2^53. */
function hexNumber(digits: string): number {
	const value = BigInt(`0x${digits}`);
	return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER + 1 : Number(value);
}

/** `0x...` as the memmap prints it, exact (below 2^53), else undefined. */
function parseHex(text: string): number | undefined {
	if (!/^0x[\da-f]{1,14}$/i.test(text)) {
		return undefined;
	}

	const value = Number.parseInt(text.slice(2), 16);
	return Number.isSafeInteger(value) ? value : undefined;
}

function lastComponent(target: string): string {
	const parts = target.split('/').filter(part => part !== '');
	return parts.at(-1) ?? '';
}

/** Text from outside quoted in a message: one line, no control characters, at most 60 characters. */
function quote(text: string): string {
	const safe = safeText(text).replaceAll('"', "'");
	return safe.length > 60 ? `${safe.slice(0, 60)}…` : safe;
}

// ---- Reading ---------------------------------------------------------------------------------

/** `<sysroot>/proc/iomem`, or undefined (with a problem, or a note when that is normal). */
export function readIomem(sysroot: string, problems: string[], notes: string[] = []): Iomem | undefined {
	const file = path.join(sysroot, 'proc/iomem');
	let text: string;
	try {
		text = readBounded(file, iomemLimit);
	} catch (error) {
		const code = errorCode(error);
		if (code === 'ENOENT') {
			notes.push(`${file}: missing, so virtio-mem and dax kmem memory are not told apart`);
		} else if (code === 'EACCES' || code === 'EPERM') {
			notes.push(`run as root to read /proc/iomem (${file}: ${code})`);
		} else {
			problems.push(`${file}: unreadable (${code})`);
		}

		return undefined;
	}

	const iomem = parseIomem(text, problems, file);
	if (iomem.hidden) {
		notes.push('run as root to read /proc/iomem: its addresses read as 0 here, so virtio-mem and dax kmem memory are not told apart');
	}

	return iomem;
}

/** `<sysroot>/sys/firmware/memmap/N/*`, sorted by N; undefined when the directory cannot be read. */
export function readMemmap(sysroot: string, problems: string[], notes: string[] = []): MemmapEntry[] | undefined {
	const directory = path.join(sysroot, 'sys/firmware/memmap');
	let names: string[];
	try {
		names = readdirSync(directory, {withFileTypes: true})
			.sort((a, b) => Number(a.name) - Number(b.name) || (a.name < b.name ? -1 : 1))
			.filter(entry => {
				if (!/^\d{1,9}$/.test(entry.name)) {
					return false;
				}

				if (!entry.isDirectory()) {
					problems.push(
						`${directory}/${quote(entry.name)}: not a directory (${entry.isSymbolicLink() ? 'a symbolic link, not followed' : 'a file'}); entry left out`,
					);
					return false;
				}

				return true;
			})
			.map(entry => entry.name);
	} catch (error) {
		const code = errorCode(error);
		if (code === 'ENOENT') {
			notes.push(`${directory}: missing, so boot memory is not told apart from unknown`);
		} else if (code === 'EACCES' || code === 'EPERM') {
			notes.push(`run as root to read ${directory} (${code})`);
		} else {
			problems.push(`${directory}: cannot be listed (${code})`);
		}

		return undefined;
	}

	if (names.length > memmapLimit) {
		problems.push(`${directory}: ${names.length} entries, more than a firmware map holds; the first ${memmapLimit} read`);
		names = names.slice(0, memmapLimit);
	}

	const entries: MemmapEntry[] = [];
	let denied = 0;
	for (const name of names) {
		const entryDirectory = `${directory}/${name}`;
		const texts: string[] = [];
		for (const field of ['start', 'end', 'type']) {
			try {
				texts.push(readKernelFile(`${entryDirectory}/${field}`));
			} catch (error) {
				const code = errorCode(error);
				if (code === 'EACCES' || code === 'EPERM') {
					denied++;
				} else {
					problems.push(`${entryDirectory}/${field}: ${code === 'ENOENT' ? 'missing' : `unreadable (${code})`}; entry left out`);
				}

				break;
			}
		}

		const [start, end, type] = texts;
		if (start !== undefined && end !== undefined && type !== undefined) {
			const entry = parseMemmapEntry(Number(name), start, end, type, entryDirectory);
			if (typeof entry === 'string') {
				problems.push(entry);
			} else {
				entries.push(entry);
			}
		}
	}

	if (denied > 0) {
		notes.push(`run as root to read ${directory} (${denied} entries: EACCES)`);
		if (entries.length === 0) {
			return undefined;
		}
	}

	return entries;
}

/**
 * The target of a block's firmware_node link (readlink: the link itself, never what it points
 * at), or null when the block has none; a firmware_node that is not a link is a problem.
 */
export function readFirmwareNode(memory: string, index: number, problems: string[]): string | null {
	const link = path.join(memory, `memory${index}`, 'firmware_node');
	try {
		return safeText(readlinkSync(link, 'utf8'));
	} catch (error) {
		const code = errorCode(error);
		if (code !== 'ENOENT' && code !== 'ENOTDIR') {
			problems.push(`${link}: ${code === 'EINVAL' ? 'not a symbolic link' : `unreadable (${code})`}`);
		}

		return null;
	}
}

const readFlags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;

/**
 * A procfs file of more than a page, read whole but bounded: a link is refused (O_NOFOLLOW), as
 * anything but a regular file (looked at before reading, so a FIFO never blocks), and a file past
 * `limit` bytes. procfs files have size 0, so the bound is on what the reads return.
 */
function readBounded(file: string, limit: number): string {
	let fd: number;
	try {
		fd = openSync(file, readFlags);
	} catch (error) {
		throw errorCode(error) === 'ELOOP' ? oddFile('a symbolic link, not followed') : error;
	}

	try {
		const stats = fstatSync(fd);
		if (!stats.isFile()) {
			throw oddFile(`${kindOf(stats)}, not a regular file`);
		}

		if (stats.size > limit) {
			throw oddFile(`over ${limit} bytes, more than the kernel's file holds`);
		}

		const buffer = Buffer.allocUnsafe(limit + 1);
		let length = 0;
		for (;;) {
			const count = readSync(fd, buffer, length, buffer.length - length, null);
			if (count === 0) {
				break;
			}

			length += count;
			if (length > limit) {
				throw oddFile(`over ${limit} bytes, more than the kernel's file holds`);
			}
		}

		return buffer.toString('utf8', 0, length);
	} finally {
		closeSync(fd);
	}
}

function oddFile(reason: string): OddFile {
	return new OddFile(reason);
}
