// What an integrate writes, before it writes: which offline blocks (boot memory offlined on purpose
// is left alone unless the operator names it), and per block the online type and why
// (sysfs/zone.ts: the kernel's auto-movable rule). --dry-run prints it, the attempt follows it.
import path from 'node:path';
import {type BlockOrigin, type OriginMap, readOrigins} from './origin.js';
import {defaultAutoMovableNumaAware, defaultAutoMovableRatio, type HotplugPolicy, readHotplugPolicy} from './policy.js';
import type {MemoryTree} from './read.js';
import {chooseZones, type OnlineMode, type ZoneChoice} from './zone.js';

export type PlanOptions = {
	/** `auto` chooses per block (zone.ts); a mode goes to every block as it is. */
	mode: 'auto' | OnlineMode;
	/** The blocks the operator named (--blocks, --range, --size): boot memory among them is onlined too. */
	only?: ReadonlySet<number>;
	/** Offline blocks not to write (refused before, no retry can help). */
	skip?: ReadonlySet<number>;
	/** Where blocks came from, read by the caller already (the console shows them too); else read here. */
	origins?: OriginMap;
};

export type OnlinePlan = {
	/** Each block to write, in block order (the order they are written in), with its online type, zone and reason. */
	choices: ZoneChoice[];
	/** Offline boot memory left offline: an operator offlined it, and only names it back (--blocks). */
	leftAlone: number[];
	/** Why a block counts as boot memory or not, when the machine cannot tell (non-root iomem...). */
	notes: string[];
	/** The policy the zone rule was weighed by (read only when there is something to online). */
	policy?: HotplugPolicy;
};

/** The sysroot a tree was read under: its memory directory is <sysroot>/sys/devices/system/memory. */
export function sysrootOf(tree: MemoryTree): string {
	return path.resolve(tree.root, '../../../..');
}

export function planOnline(tree: MemoryTree, options: PlanOptions): OnlinePlan {
	const offline = tree.blocks
		.filter(block => block.state === 'offline' && !options.skip?.has(block.index))
		.map(block => block.index)
		.filter(index => options.only === undefined || options.only.has(index));
	if (offline.length === 0) {
		return {choices: [], leftAlone: [], notes: []};
	}

	// Problems of these extra files are not the tree's: a machine without /proc/iomem still onlines.
	const problems: string[] = [];
	const origins = options.origins ?? readOrigins(sysrootOf(tree), tree, problems);
	const origin = (index: number): BlockOrigin => origins.origin(index);
	const leftAlone = options.only === undefined ? offline.filter(index => origin(index) === 'boot') : [];
	const targets = leftAlone.length === 0 ? offline : offline.filter(index => origin(index) !== 'boot');
	const policy = readHotplugPolicy(sysrootOf(tree), problems);
	const choices = chooseZones({
		blocks: tree.blocks,
		blockSizeBytes: tree.blockSizeBytes,
		targets,
		origin,
		ratio: policy.autoMovableRatio ?? defaultAutoMovableRatio,
		numaAware: policy.autoMovableNumaAware ?? defaultAutoMovableNumaAware,
		...(options.mode === 'auto' ? {} : {override: options.mode}),
	});
	return {choices, leftAlone, notes: origins.notes, policy};
}
