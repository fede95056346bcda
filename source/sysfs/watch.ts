// --watch's rules, pure: what changed between two reads of a machine's memory blocks, and whether
// ham-tui made a change (its audit log has the write) or someone else did (the kernel's
// auto-online, a udev rule, another tool, the hypervisor adding or removing memory).
import path from 'node:path';
import {safeText} from '../model/sanitize.js';
import {formatAddress} from '../model/units.js';
import type {AuditEntry, AuditWho} from './audit.js';
import type {MemoryBlock, MemoryTree} from './read.js';

/** One change a monitor sees: a block that appeared, went away, or changed its state. */
export type WatchEvent = {
	event: 'added' | 'removed' | 'state';
	block: number;
	/** The state before: for `removed` and `state`. */
	from?: string;
	/** The state now: for `added` and `state`. */
	to?: string;
	/** The block's node; null when the tree has none. */
	node: number | null;
	/** valid_zones as the kernel names them: now, or, for a block removed, as last read. */
	zones: string[];
	/** The block's first byte, as /proc/ham/status writes START. */
	start: string;
	size: number;
};

/**
 * Every change from `before` to `after`, in block order: one merge of the two block lists (both
 * sorted by index), exact where a listing signature could collide. Changes of removable or of
 * the zones alone are not events: the zones follow the state (valid_zones of an online block is
 * its zone), and a monitor asks what was added and what went online or offline.
 */
export function diffTrees(before: MemoryTree, after: MemoryTree): WatchEvent[] {
	const events: WatchEvent[] = [];
	const old = before.blocks;
	const now = after.blocks;
	let i = 0;
	let j = 0;
	while (i < old.length || j < now.length) {
		const was = old[i];
		const is = now[j];
		if (is === undefined || (was !== undefined && was.index < is.index)) {
			if (was) {
				events.push({event: 'removed', block: was.index, from: safeText(was.state), ...where(before, was)});
			}

			i++;
		} else if (was === undefined || is.index < was.index) {
			events.push({event: 'added', block: is.index, to: safeText(is.state), ...where(after, is)});
			j++;
		} else {
			if (was.state !== is.state) {
				events.push({event: 'state', block: is.index, from: safeText(was.state), to: safeText(is.state), ...where(after, is)});
			}

			i++;
			j++;
		}
	}

	return events;
}

function where(tree: MemoryTree, block: MemoryBlock): Pick<WatchEvent, 'node' | 'zones' | 'start' | 'size'> {
	return {
		node: block.node,
		zones: block.zones.map(zone => safeText(zone)),
		start: formatAddress(block.index * tree.blockSizeBytes),
		size: tree.blockSizeBytes,
	};
}

/** Who made a change: ham-tui (its audit log has the write, with who wrote it) or someone else. */
export type Attribution = {by: 'ham-tui'; who: AuditWho; value: string} | {by: 'other'};

/** The states a written value leads to: `offline` passes through going-offline. */
function statesAfter(value: string): readonly string[] {
	switch (value) {
		case 'online':
		case 'online_movable':
		case 'online_kernel': {
			return ['online'];
		}

		case 'offline': {
			return ['offline', 'going-offline'];
		}

		default: {
			return [];
		}
	}
}

/**
 * Who made `event`: ham-tui when one of `entries` is a write that went through to this block's
 * state, in this very tree (paths compared made absolute; a sysroot reached through a link does
 * not match), of a value that leads to the state seen; else other. Blocks that came or went are
 * always other: ham-tui adds and removes no memory, the hardware or the hypervisor does.
 */
export function attribute(event: WatchEvent, entries: readonly AuditEntry[], root: string): Attribution {
	if (event.event !== 'state' || event.to === undefined) {
		return {by: 'other'};
	}

	const file = path.resolve(root, `memory${event.block}`, 'state');
	// The latest write wins: a block onlined, offlined and onlined again within one poll shows its last writer.
	for (let k = entries.length - 1; k >= 0; k--) {
		const entry = entries[k];
		if (
			entry &&
			(entry.result === 'ok' || entry.result === 'started') &&
			entry.block === event.block &&
			statesAfter(entry.value).includes(event.to) &&
			path.resolve(entry.path) === file
		) {
			return {by: 'ham-tui', who: entry.who, value: entry.value};
		}
	}

	return {by: 'other'};
}

/**
 * The audit entries a poll may still match. A write lands between two reads of the tree, and its
 * entry is read after the tree: the entry can arrive one poll before the change is seen (the
 * tree was read just before the write), so each entry is kept for the poll it was read in and
 * the next one, then dropped. A change seen before its entry is written (the write landed during
 * the tree's read and the entry after the log's) is said to be other: a window of microseconds.
 */
/** The same write of the same process: a started entry and its answer. */
function sameWrite(a: AuditEntry, b: AuditEntry): boolean {
	return a.who.pid === b.who.pid && a.block === b.block && a.path === b.path && a.value === b.value;
}

export class AuditWindow {
	private kept: Array<{poll: number; entry: AuditEntry}> = [];

	/** The entries read at `poll` join; those read before the previous poll leave. */
	add(poll: number, entries: readonly AuditEntry[]): void {
		// A write started and not yet answered stays: the kernel may migrate pages for minutes.
		const answered = (item: {entry: AuditEntry}) =>
			[...this.kept.map(kept => kept.entry), ...entries].some(
				later => later !== item.entry && later.result !== 'started' && sameWrite(later, item.entry) && later.time >= item.entry.time,
			);
		this.kept = this.kept.filter(item => item.poll >= poll - 1 || (item.entry.result === 'started' && !answered(item)));
		for (const entry of entries) {
			this.kept.push({poll, entry});
		}
	}

	entries(): AuditEntry[] {
		return this.kept.map(item => item.entry);
	}
}
