// Offlining memory blocks, chmem -d done more carefully: the checks made before a block's
// `state` is written (the kernel's refusal known in advance, the node that would be left empty,
// MemAvailable that would fall below a floor), the reading of /proc/meminfo for the last, and
// what each errno the kernel answers means (diagnoseOffline). The writing loop is the one-shot's
// (commands/offline.ts). Pure but for readMeminfo and rereadOffline.
import path from 'node:path';
import {errnoText} from '../errno.js';
import {formatBytes as formatHuman} from '../model/format-bytes.js';
import {formatAddress, formatSize} from '../model/units.js';
import {fail, ok, type Result} from '../result.js';
import {retryCanHelp} from './integrate.js';
import {errorCode, type MemoryBlock, type MemoryTree, readKernelFile, rereadBlock} from './read.js';

export type Meminfo = {totalBytes: number; availableBytes: number};

/** `<sysroot>/proc/meminfo`, the file MemAvailable comes from. */
export function meminfoPath(sysroot: string): string {
	return path.join(sysroot, 'proc/meminfo');
}

/**
 * MemTotal and MemAvailable from `<sysroot>/proc/meminfo`, read as read.ts reads kernel files
 * (no link followed, no FIFO waited on, one page at most, every text through safeText). Lines
 * that do not parse are skipped; a failure is the reason, in words.
 */
export function readMeminfo(sysroot: string): Result<Meminfo> {
	const file = meminfoPath(sysroot);
	let text: string;
	try {
		text = readKernelFile(file);
	} catch (error) {
		return fail(`cannot read ${file}: ${errorCode(error)}`);
	}

	return parseMeminfo(text, file);
}

/** The fields wanted, looked up in a Map: a `__proto__:` line is just a line. */
const meminfoFields: ReadonlyMap<string, keyof Meminfo> = new Map([
	['MemTotal', 'totalBytes'],
	['MemAvailable', 'availableBytes'],
]);

/**
 * `MemTotal:  3019172 kB` lines. The text came through safeText, which turned each newline (and
 * any other control character) into U+FFFD: lines split there, and a line with a control byte
 * inside splits in two that no longer parse. The first line of a field counts, as the kernel
 * writes each once.
 */
export function parseMeminfo(text: string, file = 'meminfo'): Result<Meminfo> {
	const found = new Map<keyof Meminfo, number>();
	for (const line of text.split('\uFFFD')) {
		const [, name, kib] = /^([A-Za-z]+):\s+(\d{1,15}) kB$/.exec(line.trim()) ?? [];
		const field = name === undefined ? undefined : meminfoFields.get(name);
		if (field !== undefined && !found.has(field) && Number.isSafeInteger(Number(kib) * 1024)) {
			found.set(field, Number(kib) * 1024);
		}
	}

	const totalBytes = found.get('totalBytes');
	const availableBytes = found.get('availableBytes');
	if (totalBytes === undefined || availableBytes === undefined) {
		const missing = [totalBytes === undefined ? 'MemTotal' : '', availableBytes === undefined ? 'MemAvailable' : ''].filter(Boolean);
		return fail(`${file}: no ${missing.join(' or ')} line (MemAvailable needs Linux 3.14 or later)`);
	}

	return ok({totalBytes, availableBytes});
}

const floorMinimum = 128 * 2 ** 20;

/**
 * The least MemAvailable an offline may leave: 5% of MemTotal, and never under 128 MiB. Offlining
 * takes the block's pages away and migrates what was in them into the rest, so MemAvailable falls
 * by about the block's size. Below a few percent the kernel reclaims hard, the page cache of the
 * running system thrashes and the OOM killer comes next; 5% scales with the machine, 128 MiB keeps
 * a small guest, where 5% is a few MiB, above its min_free_kbytes watermark and working set.
 */
export function availableFloor(totalBytes: number): number {
	// Rounded up to a whole MiB: the floor reads as 410M, not 429496730.
	return Math.max(Math.ceil((totalBytes * 0.05) / 2 ** 20) * 2 ** 20, floorMinimum);
}

/** Online, and what a fake tree's state file holds after ham-tui onlined it (zone.ts's rule). */
export function isOnline(state: string): boolean {
	return state === 'online' || state === 'online_movable' || state === 'online_kernel';
}

/**
 * The check that does not depend on the other blocks: the kernel never offlines a block whose
 * valid_zones is `none` (it spans zones or holes: test_pages_in_a_zone fails, EINVAL "multizone
 * range" in mm/memory_hotplug.c), nor one not online. Never skipped, not even with --force: the
 * kernel refuses anyway, and refusing first keeps an explicit selection all or nothing. Boot memory
 * is no reason to refuse: the kernel offlines it when its pages can move, and says EBUSY when not.
 */
export function blockRefusal(block: MemoryBlock, hole?: {start: number; end: number}): string | undefined {
	if (block.zones.some(zone => zone.toLowerCase() === 'none')) {
		return 'valid_zones is none: the block spans zones or has holes, the kernel will never offline it';
	}

	if (hole !== undefined) {
		return `${formatAddress(hole.start)}-${formatAddress(hole.end)} in it is not System RAM (/proc/iomem): the kernel never offlines a block with holes`;
	}

	if (block.state === 'going-offline') {
		return 'it is going-offline: another offline of it is under way';
	}

	if (!isOnline(block.state)) {
		return `its state is ${block.state}, not online`;
	}

	return undefined;
}

/**
 * The safety checks --force skips, for the blocks chosen so far: the running sums of what the
 * offline leaves. `refuse(block)` says why this block may not join the ones already taken, or
 * takes it (undefined). Without NUMA nodes in sysfs the whole machine counts as one node.
 */
export class SafetyBudget {
	/** Online blocks per node (null: no node), as they will be once the blocks taken are offline. */
	private readonly online = new Map<number | null, number>();
	private takenBytes = 0;

	constructor(
		tree: MemoryTree,
		private readonly meminfo: Meminfo | undefined,
		private readonly blockSize = tree.blockSizeBytes,
	) {
		for (const block of tree.blocks) {
			if (isOnline(block.state)) {
				this.online.set(block.node, (this.online.get(block.node) ?? 0) + 1);
			}
		}
	}

	/** Why `block` may not be offlined after those taken, or undefined: then it is taken. */
	refuse(block: MemoryBlock): string | undefined {
		const left = (this.online.get(block.node) ?? 0) - 1;
		if (left < 1) {
			return block.node === null
				? 'it is the last online memory block: the machine would have no memory'
				: `node ${block.node} would have no online memory left (a node without memory loses its CPUs' local allocations)`;
		}

		const floor = this.floorProblem();
		if (floor !== undefined) {
			return floor;
		}

		this.online.set(block.node, left);
		this.takenBytes += this.blockSize;
		return undefined;
	}

	/** A block taken but not offlined after all (the write failed): it still counts as online. */
	giveBack(block: MemoryBlock): void {
		this.online.set(block.node, (this.online.get(block.node) ?? 0) + 1);
		this.takenBytes -= this.blockSize;
	}

	/** Why one more block would push MemAvailable below the floor, or undefined. */
	floorProblem(): string | undefined {
		if (this.meminfo === undefined) {
			return undefined;
		}

		const {availableBytes, totalBytes} = this.meminfo;
		const floor = availableFloor(totalBytes);
		const after = availableBytes - this.takenBytes - this.blockSize;
		return after < floor
			? `MemAvailable would fall to ${formatBytes(after)}, below the floor of ${formatSize(floor)} (5% of MemTotal ${formatSize(totalBytes)}, at least 128M)`
			: undefined;
	}

	/** For the dry run: what the checks saw for this block, once it was taken. */
	describe(block: MemoryBlock): string {
		const left = this.online.get(block.node) ?? 0;
		const node = block.node === null ? `${left} online block(s) left` : `node ${block.node} keeps ${left} online block(s)`;
		if (this.meminfo === undefined) {
			return node;
		}

		const {availableBytes, totalBytes} = this.meminfo;
		return `${node}, MemAvailable would be ${formatBytes(availableBytes - this.takenBytes)}, at or above the floor of ${formatSize(availableFloor(totalBytes))}`;
	}
}

/** An amount of memory for people ("1 GiB", "-12 MiB"): MemAvailable is never a round size. */
function formatBytes(bytes: number): string {
	return bytes < 0 ? `-${formatHuman(-bytes)}` : formatHuman(bytes);
}

export type Diagnosis = {text: string; retry: boolean};

/**
 * What the kernel's answer to `echo offline > state` means for this block, and whether a retry
 * can help. From mm/memory_hotplug.c (offline_pages and its failure reasons), drivers/base/memory.c
 * (state_store) and Documentation/admin-guide/mm/memory-hotplug.rst ("Memory Offlining and
 * ZONE_MOVABLE"):
 * - EBUSY: the range could not be isolated ("failure to isolate range": has_unmovable_pages found
 *   a page that cannot move) or huge pages could not be dissolved. In a kernel zone (Normal, DMA32)
 *   that is unmovable kernel memory (slab, page tables, pinned pages): it stays until its owner
 *   frees it, a retry will not help. ZONE_MOVABLE holds only movable pages, so there it is pages
 *   pinned for now (long-term pins: vfio, RDMA) or under migration: a retry can help, dropping caches
 *   or compaction may.
 * - EINTR: a signal arrived while pages were migrating ("signal backoff"): the isolation is undone,
 *   the block stays online. ETIMEDOUT is ours (timed-write.ts), the same thing after SIGKILL.
 * - EINVAL: the block spans zones or holes ("multizone range"), or it is not online (state_store
 *   answers EINVAL for a block already offline: the caller reads it again first).
 * - ENOMEM: memory ran short for migration targets or for a notifier. EAGAIN: kernels before 4.15
 *   gave up after 120 s or 5 failed migrations. EPERM/EACCES: needs root. ENOENT: the block is gone.
 */
export function diagnoseOffline(code: string, block: Pick<MemoryBlock, 'state' | 'zones'> | undefined, timeoutSeconds?: number): Diagnosis {
	switch (code) {
		case 'EBUSY': {
			return busy(block?.zones ?? []);
		}

		case 'EINTR': {
			return {text: 'interrupted while migrating its pages: the block stays online; a retry can help', retry: true};
		}

		case 'ETIMEDOUT': {
			const after = timeoutSeconds === undefined ? '' : ` after ${timeoutSeconds} s`;
			return {
				text: `still migrating pages${after}: stopped, the block stays online; a retry or a longer time limit can help`,
				retry: true,
			};
		}

		case 'EINVAL': {
			if (block !== undefined && block.state === 'offline') {
				return {text: 'it is offline now: someone else offlined it', retry: false};
			}

			// offline_pages: "memory holes" (firmware-reserved ranges inside; valid_zones does not show
			// them for an online block), "multizone range" (valid_zones none), or not online.
			return {
				text: 'the kernel will not offline it: it has holes (ranges that are not System RAM) or spans zones, or it is not online',
				retry: false,
			};
		}

		case 'ENOMEM': {
			return {text: 'memory ran short while moving its pages elsewhere: free some memory, then a retry can help', retry: true};
		}

		case 'EAGAIN':
		case 'EWOULDBLOCK': {
			return {text: 'the kernel gave up migrating its pages for now (kernels before 4.15 stop after 120 s): a retry can help', retry: true};
		}

		case 'EPERM':
		case 'EACCES': {
			return {text: 'offlining memory needs root (CAP_SYS_ADMIN)', retry: false};
		}

		case 'EROFS': {
			return {text: 'sysfs is mounted read-only here', retry: false};
		}

		case 'ENOENT': {
			return {text: 'the block is gone: removed since it was read', retry: false};
		}

		default: {
			return errnoText(code) === undefined
				? {text: 'nothing was written', retry: false}
				: {text: 'the kernel refused it (no diagnosis for this answer)', retry: retryCanHelp(code)};
		}
	}
}

/** EBUSY by the block's zone: valid_zones of an online block names the zone it is in. */
function busy(zones: readonly string[]): Diagnosis {
	const lower = zones.map(zone => zone.toLowerCase());
	const drop = 'dropping caches (echo 3 > /proc/sys/vm/drop_caches) or compaction (echo 1 > /proc/sys/vm/compact_memory) may too';
	if (lower.length > 0 && lower.every(zone => zone === 'movable')) {
		return {text: `pages in zone Movable pinned or being migrated: a retry can help, ${drop}`, retry: true};
	}

	const kernelZone = zones.find(zone => zone.toLowerCase() !== 'movable' && zone.toLowerCase() !== 'none');
	if (kernelZone !== undefined) {
		return {
			text: `unmovable kernel memory in zone ${kernelZone} (slab, page tables, pinned pages): the kernel cannot move it, a retry will not help`,
			retry: false,
		};
	}

	return {
		text: `pages that could not be isolated or moved (zone unknown): unmovable kernel memory in a kernel zone, where a retry will not help; pinned pages in Movable, where it can, and ${drop}`,
		retry: true,
	};
}

/** The block as it is now, after a refused write (undefined when it is gone). */
export function rereadOffline(tree: MemoryTree, block: MemoryBlock): MemoryBlock | undefined {
	return rereadBlock(tree, block, [], {zones: false});
}
