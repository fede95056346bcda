// The blocks a selection (source/selection.ts: --blocks, --range, --size) names on a tree, chosen
// as chmem chooses them: a range names every block in it, a size takes blocks lowest first to
// online and highest first to offline, skipping those already in that state.
import {formatAddress, formatSize} from '../model/units.js';
import {fail, ok, type Result} from '../result.js';
import type {Selection} from '../selection.js';
import type {MemoryTree} from './read.js';

/** How the selection reads in a message: "blocks 32-39", "0x100000000-0x13fffffff", "1G". */
export function describeSelection(selection: Selection): string {
	switch (selection.kind) {
		case 'blocks': {
			return selection.first === selection.last ? `block ${selection.first}` : `blocks ${selection.first}-${selection.last}`;
		}

		case 'range': {
			return `${formatAddress(selection.start)}-${formatAddress(selection.end)}`;
		}

		case 'size': {
			return formatSize(selection.bytes);
		}
	}
}

export type Chosen = {
	/**
	 * The block numbers to write, in the order to write them. For a size, every candidate: the
	 * caller writes until wantedBlocks are done, going on past a refusal as chmem does.
	 */
	blocks: number[];
	/** For a size: the bytes the selection asked for that no block could give (chmem's "Could only enable"). */
	short: number;
};

/**
 * The blocks the selection names that are not yet `want` (online: read `offline`; offline: read
 * online), in the order to write them. A size takes them lowest first to online and highest first
 * to offline, as chmem does. Refused, before anything is written, as chmem refuses: a range or size
 * not aligned to the block size, blocks that are not there.
 */
export function selectBlocks(tree: MemoryTree, selection: Selection, want: 'online' | 'offline'): Result<Chosen> {
	const size = tree.blockSizeBytes;
	const toDo = (state: string) => (want === 'online' ? state === 'offline' : state !== 'offline');
	if (selection.kind === 'size') {
		if (selection.bytes % size !== 0) {
			return fail(`--size ${formatSize(selection.bytes)} is not a whole number of memory blocks (${formatSize(size)} each)`);
		}

		const wanted = selection.bytes / size;
		const ordered = want === 'online' ? tree.blocks : [...tree.blocks].reverse();
		const blocks = ordered.filter(block => toDo(block.state) && block.state !== 'going-offline').map(block => block.index);
		// The whole candidate list goes back (refusals and failures are skipped by the caller, as chmem
		// goes on to the next block), with how many are wanted.
		return ok({blocks, short: Math.max(0, wanted - blocks.length) * size});
	}

	let first: number;
	let last: number;
	if (selection.kind === 'range') {
		if (selection.start % size !== 0 || (selection.end + 1) % size !== 0) {
			return fail(
				`--range ${describeSelection(selection)}: the start and the end + 1 must be multiples of the memory block size (${formatSize(size)})`,
			);
		}

		first = selection.start / size;
		last = (selection.end + 1) / size - 1;
	} else {
		first = selection.first;
		last = selection.last;
	}

	const named = tree.blocks.filter(block => block.index >= first && block.index <= last);
	if (named.length === 0) {
		const lowest = tree.blocks[0]?.index;
		const highest = tree.blocks.at(-1)?.index;
		return fail(
			`no memory block in ${describeSelection(selection)}${lowest === undefined ? '' : ` (blocks here are ${lowest}-${highest})`}`,
		);
	}

	return ok({
		blocks: named.filter(block => toDo(block.state)).map(block => block.index),
		short: 0,
	});
}

/** For a size, how many blocks were asked for: the caller writes until that many are done. */
export function wantedBlocks(tree: MemoryTree, selection: Selection, chosen: Chosen): number {
	return selection.kind === 'size' ? selection.bytes / tree.blockSizeBytes : chosen.blocks.length;
}
