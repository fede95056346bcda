// Groups memory blocks into ranges exactly as util-linux lsmem does (sys-utils/lsmem.c, checked
// against lsmem 2.38.1): walk the blocks in index order and extend the last range while the next
// block is numbered right after it and agrees with the range's FIRST block on every split column
// (is_mergeable). The range then shows its first block's attributes (add_scols_line), so an
// unsplit column shows that block's value, not a summary.
import type {BlockSet, MemoryBlock, MemoryTree} from './read.js';

export type SplitColumn = 'state' | 'removable' | 'node' | 'zones';

/** lsmem's split follows its output columns; the default columns hold STATE and REMOVABLE. */
export const defaultSplit: readonly SplitColumn[] = ['state', 'removable'];

/**
 * The split of every view that shows NODE or ZONES (--json, the console): lsmem's own when its
 * output holds those columns (`lsmem -o RANGE,SIZE,STATE,REMOVABLE,BLOCK,NODE,ZONES`), so a range
 * shown with a node or zones never spans two. --status keeps defaultSplit, as plain lsmem does.
 */
export const shownSplit: readonly SplitColumn[] = ['state', 'removable', 'node', 'zones'];

/** lsmem knows three states; every other `state` content (or none) is one class it prints as "?". */
export type RangeState = 'online' | 'offline' | 'going-offline' | 'unknown';

export type MemoryRange = {
	/** First byte: firstBlock × block size. */
	start: number;
	/** Last byte, inclusive, as lsmem's RANGE prints it. */
	end: number;
	size: number;
	state: RangeState;
	/** Only an online range has one: lsmem leaves REMOVABLE blank otherwise (false in its JSON). */
	removable: boolean | null;
	firstBlock: number;
	lastBlock: number;
	/** The first block's node (see MemoryTree.hasNodes for when lsmem shows it). */
	node: number | null;
	/** The first block's valid zones as the kernel names them (see MemoryTree.hasZones). */
	zones: string[];
	blocks: number;
};

export type GroupOptions = {
	/** Columns whose change starts a new range, like `lsmem --split`; [] merges every run of consecutive blocks. */
	split?: readonly SplitColumn[];
	/** One range per block, like `lsmem --all`. */
	all?: boolean;
};

export function groupRanges(tree: BlockSet, options: GroupOptions = {}): MemoryRange[] {
	const split = new Set(options.split ?? defaultSplit);
	const rules: MergeRules = {
		state: split.has('state'),
		removable: split.has('removable'),
		// lsmem ignores a NODE or ZONES split when it shows no such column (have_nodes, have_zones).
		node: split.has('node') && tree.hasNodes,
		zones: split.has('zones') && tree.hasZones,
	};
	const ranges: MemoryRange[] = [];
	let head: MemoryBlock | undefined;
	let current: MemoryRange | undefined;

	for (const block of tree.blocks) {
		if (current && head && !options.all && current.lastBlock + 1 === block.index && isMergeable(head, block, rules)) {
			current.lastBlock = block.index;
			current.blocks++;
			current.size += tree.blockSizeBytes;
			current.end += tree.blockSizeBytes;
			continue;
		}

		head = block;
		current = startRange(block, tree.blockSizeBytes);
		ranges.push(current);
	}

	return ranges;
}

type MergeRules = Record<SplitColumn, boolean>;

/** lsmem's is_mergeable, less the numbering check: does `block` agree with the range's first block? */
function isMergeable(head: MemoryBlock, block: MemoryBlock, rules: MergeRules): boolean {
	if (rules.state && stateClass(head.state) !== stateClass(block.state)) {
		return false;
	}

	// Compared for offline blocks too, though lsmem only prints REMOVABLE for online ones: two
	// offline blocks that differ here stay separate ranges that look alike.
	if (rules.removable && (head.removable === true) !== (block.removable === true)) {
		return false;
	}

	if (rules.node && head.node !== block.node) {
		return false;
	}

	return !rules.zones || sameZones(head.zones, block.zones);
}

function startRange(block: MemoryBlock, blockSize: number): MemoryRange {
	const state = stateClass(block.state);
	const start = block.index * blockSize;
	return {
		start,
		end: start + blockSize - 1,
		size: blockSize,
		state,
		removable: state === 'online' ? block.removable === true : null,
		firstBlock: block.index,
		lastBlock: block.index,
		node: block.node,
		zones: block.zones,
		blocks: 1,
	};
}

export function stateClass(state: string): RangeState {
	return state === 'online' || state === 'offline' || state === 'going-offline' ? state : 'unknown';
}

// lsmem's zone_names, in its enum order; a name it does not know is Unknown.
const zoneNames = ['DMA', 'DMA32', 'Normal', 'Highmem', 'Movable', 'Device', 'None', 'Unknown'] as const;
const zoneByLowerName = new Map(zoneNames.map(name => [name.toLowerCase(), name]));
/** lsmem keeps at most MAX_NR_ZONES (8) names per block. */
const maxZones = zoneNames.length;

/** A kernel zone name as lsmem prints it: matched without case ("none" is None), else Unknown. */
export function lsmemZoneName(zone: string): string {
	return zoneByLowerName.get(zone.toLowerCase()) ?? 'Unknown';
}

/** Same zones in the same order; a range whose first block has an Unknown zone never grows. */
function sameZones(head: string[], block: string[]): boolean {
	const count = Math.min(head.length, maxZones);
	if (count !== Math.min(block.length, maxZones)) {
		return false;
	}

	for (let i = 0; i < count; i++) {
		const name = lsmemZoneName(head[i] ?? '');
		if (name === 'Unknown' || name !== lsmemZoneName(block[i] ?? '')) {
			return false;
		}
	}

	return true;
}

/** One row of `lsmem -b -J --output-all`, for comparing with lsmem or printing what it would. */
export type LsmemJsonRow = {
	range: string;
	size: number;
	state: string;
	removable: boolean;
	block: string;
	node: number | null;
	zones: string | null;
};

const lsmemStateNames: Record<RangeState, string> = {
	online: 'online',
	offline: 'offline',
	'going-offline': 'on->off',
	unknown: '?',
};

/** Formats a range the way lsmem 2.38 prints it with `-b -J` (libsmartcols turns a blank boolean into false). */
export function toLsmemJson(tree: MemoryTree, range: MemoryRange): LsmemJsonRow {
	const zones = range.zones
		.slice(0, maxZones)
		.map(zone => lsmemZoneName(zone))
		.join('/');
	return {
		range: `0x${hex16(range.start)}-0x${hex16(range.end)}`,
		size: range.size,
		state: lsmemStateNames[range.state],
		removable: range.removable === true,
		block: range.blocks === 1 ? `${range.firstBlock}` : `${range.firstBlock}-${range.lastBlock}`,
		node: tree.hasNodes ? (range.node ?? -1) : null,
		zones: tree.hasZones && zones !== '' ? zones : null,
	};
}

function hex16(value: number): string {
	return value.toString(16).padStart(16, '0');
}
