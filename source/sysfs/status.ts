// A real machine's memory in the shapes ham-tui prints: /proc/ham/status lines (`--status`,
// ranges grouped as lsmem groups them, or one line per block with `--all`) and the `--json`
// document. Pure: a MemoryTree in, rows and plain objects out.
import {formatAddress, formatSize} from '../model/units.js';
import type {BlockOrigin, OriginMap} from './origin.js';
import {describePolicy, type HotplugPolicy, memmapBytes} from './policy.js';
import {groupRanges, lsmemZoneName, type MemoryRange, type RangeState, shownSplit, stateClass} from './ranges.js';
import type {BlockSet, MemoryTree} from './read.js';

/** STATUS of a block or range: ENABLED is online (in use by the kernel), as ham's ENABLED was. */
export type BlockStatus = 'ENABLED' | 'OFFLINE' | 'OFFLINING' | 'UNKNOWN';

const statusByState: Record<RangeState, BlockStatus> = {
	online: 'ENABLED',
	offline: 'OFFLINE',
	'going-offline': 'OFFLINING',
	unknown: 'UNKNOWN',
};

export function blockStatus(state: string): BlockStatus {
	return statusByState[stateClass(state)];
}

/**
 * FLAGS of a block: always READ/WRITE. In ham FLAGS was the controller's view of the module
 * (WRITE while scrubbing, READ for a Hot-Mirror board, READ/WRITE once usable) and STATUS the
 * kernel's (a FAILED region was READ/WRITE too). Sysfs lists present, usable RAM and has neither
 * a scrub nor a mirror state, so only STATUS changes with a block's state (docs/SYSFS.md).
 */
export const blockFlags = 'READ/WRITE';

export type SysfsStatusRow = {id: number; start: number; size: number; flags: string; status: BlockStatus};

/** Ranges as lsmem groups them (or one per block), as /proc/ham/status rows: ID = first block. */
export function statusRows(tree: BlockSet, options: {all?: boolean} = {}): SysfsStatusRow[] {
	return groupRanges(tree, {all: options.all}).map(range => ({
		id: range.firstBlock,
		start: range.start,
		size: range.size,
		flags: blockFlags,
		status: statusByState[range.state],
	}));
}

/** The same text as the simulated machine's `--status`: tab-separated, ID order, no header. */
export function formatStatusRows(rows: readonly SysfsStatusRow[]): string {
	let text = '';
	for (const row of rows) {
		text += `${row.id}\t${formatAddress(row.start)}\t${row.size}\t${row.flags}\t${row.status}\n`;
	}

	return text;
}

export type MemoryTotals = {
	blocks: number;
	online: {blocks: number; bytes: number};
	offline: {blocks: number; bytes: number};
	/** going-offline and unknown states. */
	other: {blocks: number; bytes: number};
};

export function memoryTotals(tree: BlockSet): MemoryTotals {
	const totals: MemoryTotals = {
		blocks: 0,
		online: {blocks: 0, bytes: 0},
		offline: {blocks: 0, bytes: 0},
		other: {blocks: 0, bytes: 0},
	};
	for (const block of tree.blocks) {
		const bucket = block.state === 'online' ? totals.online : block.state === 'offline' ? totals.offline : totals.other;
		bucket.blocks++;
		totals.blocks++;
	}

	for (const bucket of [totals.online, totals.offline, totals.other]) {
		bucket.bytes = bucket.blocks * tree.blockSizeBytes;
	}

	return totals;
}

export const sysfsReportFormat = 1;

export type RangeReport = {
	id: number;
	start: string;
	end: string;
	size: number;
	flags: string;
	status: BlockStatus;
	state: RangeState;
	removable: boolean | null;
	blocks: string;
	firstBlock: number;
	lastBlock: number;
	count: number;
	node: number | null;
	zones: string[] | null;
	/** Where its blocks came from (origin.ts), each once, in block order; null when not asked. */
	origins: BlockOrigin[] | null;
};

/** One range for --json: the status columns plus what lsmem shows (its first block's node and zones). */
export function rangeReport(tree: MemoryTree, range: MemoryRange, origins?: OriginMap): RangeReport {
	return {
		id: range.firstBlock,
		start: formatAddress(range.start),
		end: formatAddress(range.end),
		size: range.size,
		flags: blockFlags,
		status: statusByState[range.state],
		state: range.state,
		removable: range.removable,
		blocks: range.blocks === 1 ? `${range.firstBlock}` : `${range.firstBlock}-${range.lastBlock}`,
		firstBlock: range.firstBlock,
		lastBlock: range.lastBlock,
		count: range.blocks,
		node: tree.hasNodes ? (range.node ?? -1) : null,
		zones: tree.hasZones ? range.zones.slice(0, 8).map(zone => lsmemZoneName(zone)) : null,
		origins: origins ? rangeOrigins(range, origins) : null,
	};
}

function rangeOrigins(range: MemoryRange, origins: OriginMap): BlockOrigin[] {
	const seen = new Set<BlockOrigin>();
	for (let block = range.firstBlock; block <= range.lastBlock; block++) {
		seen.add(origins.origin(block));
	}

	return [...seen];
}

/** What the machine's hot-plug policy is, for --json: the files as read, and the memmap's cost. */
export type PolicyReport = {
	autoOnlineBlocks: string | null;
	onlinePolicy: string | null;
	autoMovableRatio: number | null;
	autoMovableNumaAware: boolean | null;
	memmapOnMemory: boolean | string | null;
	/** The memmap (struct pages) one block needs: 64 bytes per 4 KiB page. */
	memmapBytesPerBlock: number;
	/**
	 * The memmap the offline blocks hold already: the kernel allocates it when it adds memory,
	 * not when it onlines it, from the node's other memory unless memmap_on_memory carved it
	 * from the block. Onlining needs no more; a hot-add of S needs S/64 free.
	 */
	offlineMemmapBytes: number;
	/** describePolicy's lines: what each setting means for the next block added. */
	says: string[];
};

export function policyReport(tree: MemoryTree, policy: HotplugPolicy): PolicyReport {
	const perBlock = memmapBytes(tree.blockSizeBytes);
	return {
		autoOnlineBlocks: policy.autoOnlineBlocks,
		onlinePolicy: policy.onlinePolicy,
		autoMovableRatio: policy.autoMovableRatio,
		autoMovableNumaAware: policy.autoMovableNumaAware,
		memmapOnMemory: policy.memmapOnMemory,
		memmapBytesPerBlock: perBlock,
		offlineMemmapBytes: memoryTotals(tree).offline.blocks * perBlock,
		says: describePolicy(policy),
	};
}

/** The --json document for a real machine (docs/SYSFS.md). */
export function sysfsReport(
	tree: MemoryTree,
	details: {sysroot: string; autoOnline: string | null; all: boolean; policy?: HotplugPolicy; origins?: OriginMap},
) {
	const totals = memoryTotals(tree);
	const {origins} = details;
	return {
		format: sysfsReportFormat,
		source: 'sysfs',
		sysroot: details.sysroot,
		directory: tree.root,
		blockSizeBytes: tree.blockSizeBytes,
		blockSize: formatSize(tree.blockSizeBytes),
		autoOnlineBlocks: details.autoOnline,
		totals: {
			blocks: totals.blocks,
			onlineBlocks: totals.online.blocks,
			onlineBytes: totals.online.bytes,
			offlineBlocks: totals.offline.blocks,
			offlineBytes: totals.offline.bytes,
			otherBlocks: totals.other.blocks,
			otherBytes: totals.other.bytes,
		},
		grouping: details.all ? 'block' : 'lsmem',
		ranges: groupRanges(tree, {all: details.all, split: shownSplit}).map(range => rangeReport(tree, range, origins)),
		...(details.policy ? {policy: policyReport(tree, details.policy)} : {}),
		...(origins ? {virtioMem: origins.virtioMem, notes: origins.notes} : {}),
		problems: tree.problems,
	};
}
