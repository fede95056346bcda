// The zone each offline block goes online in, and why: the kernel's own auto-movable rule
// (mm/memory_hotplug.c, auto_movable_zone_for_pfn and auto_movable_can_online_movable;
// Documentation/admin-guide/mm/memory-hotplug.rst, "auto_movable_ratio"), applied by ham-tui to
// choose between online_movable and online_kernel itself. Pure: no file is read here.
//
// Per target block, in the order given (each block once):
// - `override` (--online-type) given: that mode for every block;
// - valid_zones not read (empty): "online", the kernel chooses;
// - valid_zones with a name that is no zone to online in (`none`: the block spans zones or holes;
//   an unknown word): "online", the kernel decides (it may refuse);
// - one zone only: "online", the kernel has no other choice;
// - Movable allowed, and MOVABLE + this block <= ratio% of KERNEL_EARLY: online_movable, where
//   KERNEL_EARLY = online blocks in a zone other than Movable whose origin is 'boot' or 'unknown'
//   (the kernel counts only early pages there: hot-added kernel memory grants no allowance) and
//   MOVABLE = online blocks in Movable, whatever their origin. With numaAware the same test must
//   hold on the block's node alone too (the kernel tests globally first, then the node);
// - else online_kernel, in the first non-Movable zone valid_zones names (Normal, usually).
// Choices accumulate in block order: a block chosen Movable counts as MOVABLE for the next ones,
// and one that goes to a kernel zone counts as KERNEL_EARLY when its origin is boot or unknown.
//
// Not modelled: memory groups (the kernel onlines a whole ACPI DIMM Movable or none of it, and lets
// a virtio-mem device's own kernel memory grant it movable allowance), CMA pages (not counted as
// kernel by the kernel), and holes (every block counts as its full size). A block whose
// valid_zones is its current zone tells the zone of an online block; one reading `none` counts as
// kernel memory (the first block, spanning DMA and DMA32, does on a PC).
import {safeText} from '../model/sanitize.js';
import {formatSize} from '../model/units.js';
import type {BlockOrigin} from './origin.js';
import type {MemoryBlock} from './read.js';

export type OnlineMode = 'online' | 'online_movable' | 'online_kernel';

export type ZoneInput = {
	/** The tree's blocks (index, state, zones, node are used). */
	blocks: readonly Pick<MemoryBlock, 'index' | 'state' | 'zones' | 'node'>[];
	blockSizeBytes: number;
	/** Offline block numbers to online, in the order they will be written. */
	targets: readonly number[];
	origin: (index: number) => BlockOrigin;
	/** auto_movable_ratio, percent (a whole number; anything not a non-negative number counts as 0). */
	ratio: number;
	/** auto_movable_numa_aware: the ratio must hold on the block's node too. */
	numaAware: boolean;
	/** The operator's --online-type: that mode for every block. */
	override?: OnlineMode;
};

export type ZoneChoice = {
	block: number;
	mode: OnlineMode;
	/** The zone the block will be in (`Movable`, `Normal`...), or "the kernel's choice". */
	zone: string;
	reason: string;
};

export const kernelsChoice = "the kernel's choice";

const zoneNames = new Map(['DMA', 'DMA32', 'Normal', 'HighMem', 'Movable'].map(name => [name.toLowerCase(), name]));

type Sums = {movable: number; kernelEarly: number};

export function chooseZones(input: ZoneInput): ZoneChoice[] {
	const targetSet = new Set(input.targets);
	const targets = [...targetSet];
	// The targets' blocks only: a map of every block costs more than the rest on 100,000 blocks.
	const byIndex = new Map<number, ZoneInput['blocks'][number]>();
	for (const block of input.blocks) {
		if (targetSet.has(block.index)) {
			byIndex.set(block.index, block);
		}
	}

	if (input.override !== undefined) {
		const mode = input.override;
		return targets.map(index => overridden(index, mode, byIndex.get(index)?.zones ?? []));
	}

	const ratio = Number.isFinite(input.ratio) && input.ratio > 0 ? Math.floor(input.ratio) : 0;
	const global: Sums = {movable: 0, kernelEarly: 0};
	const nodes = new Map<number, Sums>();
	const sumsOf = (node: number | null): Sums | undefined => {
		if (node === null) {
			return undefined;
		}

		let sums = nodes.get(node);
		if (sums === undefined) {
			sums = {movable: 0, kernelEarly: 0};
			nodes.set(node, sums);
		}

		return sums;
	};

	// The sums once, over the online blocks that are not targets (a target counts when chosen).
	for (const block of input.blocks) {
		if (!isOnline(block.state) || targetSet.has(block.index) || block.zones.length === 0) {
			continue;
		}

		const {movable} = parseZones(block.zones);
		count(global, sumsOf(block.node), movable, !movable && isEarly(input.origin(block.index)));
	}

	const size = input.blockSizeBytes;
	const choices: ZoneChoice[] = [];
	for (const index of targets) {
		const block = byIndex.get(index);
		const node = block?.node ?? null;
		const choice = choose(index, block, {global, node: input.numaAware ? sumsOf(node) : undefined, nodeName: node, ratio, size});
		choices.push(choice);
		if (choice.zone !== kernelsChoice) {
			const movable = choice.zone === 'Movable';
			count(global, sumsOf(node), movable, !movable && isEarly(input.origin(index)));
		}
	}

	return choices;
}

type Context = {global: Sums; node: Sums | undefined; nodeName: number | null; ratio: number; size: number};

/** valid_zones' words as zone names (or why they name none to online in), and whether one is Movable. */
type ParsedZones = {zones: string[]; why?: string; movable: boolean};

/** By list: blocks read alike share their zones list (read.ts), so a tree of 100,000 blocks parses a handful. */
const parsed = new WeakMap<readonly string[], ParsedZones>();

function parseZones(names: readonly string[]): ParsedZones {
	let known = parsed.get(names);
	if (known === undefined) {
		known = {zones: [], movable: names.some(name => name.toLowerCase() === 'movable')};
		for (const name of names) {
			const zone = zoneNames.get(name.toLowerCase());
			if (zone === undefined) {
				const word = quote(name);
				known.why =
					word.toLowerCase() === 'none'
						? 'valid_zones says none: no single zone takes the block (it spans zones or holes); the kernel decides and may refuse'
						: `valid_zones names "${word}", not a zone to online in: the kernel decides`;
				break;
			}

			if (!known.zones.includes(zone)) {
				known.zones.push(zone);
			}
		}

		parsed.set(names, known);
	}

	return known;
}

function choose(index: number, block: Pick<MemoryBlock, 'zones'> | undefined, context: Context): ZoneChoice {
	if (block === undefined) {
		return {block: index, mode: 'online', zone: kernelsChoice, reason: `block ${index} is not in the tree: the kernel chooses`};
	}

	if (block.zones.length === 0) {
		return {block: index, mode: 'online', zone: kernelsChoice, reason: 'valid_zones not read: the kernel chooses'};
	}

	const {zones, why} = parseZones(block.zones);
	if (why !== undefined) {
		return {block: index, mode: 'online', zone: kernelsChoice, reason: why};
	}

	const only = zones.length === 1 ? zones[0] : undefined;
	if (only !== undefined) {
		return {block: index, mode: 'online', zone: only, reason: 'the only zone valid_zones allows'};
	}

	const kernelZone = zones.find(zone => zone !== 'Movable') ?? 'Normal';
	if (!zones.includes('Movable')) {
		return {block: index, mode: 'online_kernel', zone: kernelZone, reason: `${kernelZone}: valid_zones does not allow Movable`};
	}

	const {size, ratio, nodeName} = context;
	const globalTest = test(context.global, ratio);
	if (!globalTest.fits) {
		return lazily({block: index, mode: 'online_kernel', zone: kernelZone}, () => {
			const {movable, share} = sizes(globalTest, size);
			return `${kernelZone}: Movable would make movable memory ${movable}, ${share} (over auto_movable_ratio ${ratio}%)`;
		});
	}

	const nodeTest = context.node === undefined ? undefined : test(context.node, ratio);
	if (nodeTest !== undefined && !nodeTest.fits) {
		return lazily({block: index, mode: 'online_kernel', zone: kernelZone}, () => {
			const {movable, share} = sizes(nodeTest, size);
			return `${kernelZone}: Movable would make node ${nodeName}'s movable memory ${movable}, ${share} (over auto_movable_ratio ${ratio}%, per node)`;
		});
	}

	return lazily({block: index, mode: 'online_movable', zone: 'Movable'}, () => {
		const {movable, share} = sizes(globalTest, size);
		const onNode = nodeTest === undefined ? '' : nodeShare(nodeName, sizes(nodeTest, size));
		return `Movable keeps it removable: movable ${movable} would be ${share}${onNode} (auto_movable_ratio ${ratio}%)`;
	});
}

function nodeShare(node: number | null, {movable, share}: {movable: string; share: string}): string {
	return `, and on node ${node} ${movable} would be ${share}`;
}

/**
 * A choice whose reason is written when first read: a plan over 100,000 blocks is made again at
 * every change the console sees, and the console shows the reasons of a few ranges, not of each
 * block (--dry-run reads them all).
 */
function lazily(choice: Omit<ZoneChoice, 'reason'>, reason: () => string): ZoneChoice {
	let text: string | undefined;
	return {
		...choice,
		get reason() {
			text ??= reason();
			return text;
		},
	};
}

/** The kernel's test, its figures in blocks as they stood (the sums move on as blocks are chosen). */
type Test = {fits: boolean; movable: number; kernelEarly: number};

/**
 * The kernel's test with this block added Movable: movable <= ratio * kernel_early / 100 (in
 * blocks, exact: movable * 100 <= ratio * kernel_early).
 */
function test(sums: Sums, ratio: number): Test {
	const movable = sums.movable + 1;
	const allowed = ratio * sums.kernelEarly;
	// Exact in doubles below 2^53 (the block counts always are; a huge ratio may not be).
	const fits = Number.isSafeInteger(allowed)
		? movable * 100 <= allowed
		: BigInt(movable) * 100n <= BigInt(ratio) * BigInt(sums.kernelEarly);
	return {fits, movable, kernelEarly: sums.kernelEarly};
}

/** `movable`: the size movable memory would reach; `share`: that against the early kernel memory ("27% of the 4G early kernel memory"). */
function sizes({movable, kernelEarly}: Test, size: number): {movable: string; share: string} {
	const movableText = formatSize(movable * size);
	if (kernelEarly === 0) {
		return {movable: movableText, share: 'with no early kernel memory to allow any'};
	}

	// Rounded up: a share that fits never shows above the ratio, one that does not never at or below it.
	const percent = Math.ceil((movable * 100) / kernelEarly);
	return {movable: movableText, share: `${percent}% of the ${formatSize(kernelEarly * size)} early kernel memory`};
}

function overridden(index: number, mode: OnlineMode, zones: readonly string[]): ZoneChoice {
	const known = zones.map(name => zoneNames.get(name.toLowerCase())).filter(name => name !== undefined);
	const reason = `--online-type ${mode}`;
	if (mode === 'online_movable') {
		const refused = zones.length > 0 && !known.includes('Movable') ? ' (valid_zones does not list Movable: the kernel will refuse)' : '';
		return {block: index, mode, zone: 'Movable', reason: `${reason}${refused}`};
	}

	if (mode === 'online_kernel') {
		const zone = known.find(name => name !== 'Movable');
		const refused = zones.length > 0 && zone === undefined ? ' (valid_zones lists no kernel zone: the kernel will refuse)' : '';
		return {block: index, mode, zone: zone ?? kernelsChoice, reason: `${reason}${refused}`};
	}

	const only = new Set(known).size === 1 && known.length === zones.length ? known[0] : undefined;
	return {block: index, mode, zone: only ?? kernelsChoice, reason};
}

function count(global: Sums, node: Sums | undefined, movable: boolean, kernelEarly: boolean): void {
	for (const sums of node === undefined ? [global] : [global, node]) {
		sums.movable += movable ? 1 : 0;
		sums.kernelEarly += kernelEarly ? 1 : 0;
	}
}

/** Online, and what a fake tree's state file holds after ham-tui wrote to it. */
function isOnline(state: string): boolean {
	return state === 'online' || state === 'online_movable' || state === 'online_kernel';
}

/** The kernel counts early (boot) pages as kernel allowance; an unknown origin is taken as boot. */
function isEarly(origin: BlockOrigin): boolean {
	return origin === 'boot' || origin === 'unknown';
}

function quote(text: string): string {
	const safe = safeText(text).replaceAll('"', "'");
	return safe.length > 40 ? `${safe.slice(0, 40)}…` : safe;
}
