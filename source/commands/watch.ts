// --watch on a real machine: the memory blocks read every interval, and each change printed as it
// is seen, for monitors (one JSON object per line) or for eyes (/proc/ham/status frames).
//
// json: a first line with the summary, then one line per change, each whole and written by itself
// (a monitor reads line by line):
//   {"time":"…","event":"start","format":1,"sysroot":"/","directory":"/sys/devices/system/memory","blocks":64,"online":60,"offline":4,"other":0,"blockSizeBytes":134217728,"blockSize":"128M","auditLog":"…"}
//   {"time":"…","event":"state","block":60,"from":"offline","to":"online","node":0,"zones":["Movable"],"start":"0x1e0000000","size":134217728,"by":"ham-tui","who":{"user":"root","uid":0,"pid":4242},"value":"online_movable"}
//   {"time":"…","event":"added","block":64,"to":"offline","node":0,"zones":["Normal","Movable"],"start":"0x200000000","size":134217728,"by":"other"}
// "by" is "ham-tui" when ham-tui's audit log has the write (with who made it and the value
// written), else "other". When the memory directory cannot be read: {"event":"unreadable",
// "error":…} once, and {"event":"readable",…summary} when it can again, then the changes since.
//
// status: the /proc/ham/status rows of --status (ranges, or blocks with --all) at the start and
// again after each poll that changed something; frames are separated by one blank line, so a
// reader splits them on it (no row is ever empty).
//
// Rules: the first read failing is exit 1 (nothing to watch, as --status). Later, a directory
// gone or unreadable is a notice on stderr, said once per reason, and watched on: memory may be
// hot-removed as a whole, a sysfs remounted. Stopped by the signal (the CLI wires SIGINT and
// SIGTERM to it): exit 0.
import {setTimeout as sleep} from 'node:timers/promises';
import type {SysfsTarget} from '../cli/command.js';
import {exit} from '../exit.js';
import {safeText} from '../model/sanitize.js';
import {formatSize} from '../model/units.js';
import {auditLogEnd, auditLogPath, readAuditTail} from '../sysfs/audit.js';
import {type MemoryTree, type ReadOptions, readMemoryTree} from '../sysfs/read.js';
import {formatStatusRows, memoryTotals, statusRows} from '../sysfs/status.js';
import {AuditWindow, attribute, diffTrees, type WatchEvent} from '../sysfs/watch.js';
import type {SysfsIo} from './sysfs.js';

export type WatchOptions = {
	format: 'json' | 'status';
	/** Milliseconds between two reads (default 1000). */
	interval?: number;
	/** Aborted: the watch ends, exit 0. */
	signal?: AbortSignal;
	/** For tests: stop once this many changes were printed. */
	maxEvents?: number;
	/** For tests: stop after this many polls. */
	polls?: number;
};

export type WatchDeps = {
	env?: NodeJS.ProcessEnv;
	/** The audit log to attribute changes by (default auditLogPath(env)). */
	auditLog?: string;
	/** For tests: called after the start (poll 0) and after each poll, before the wait; a change made here is seen by the next poll. */
	afterPoll?: (poll: number) => void | Promise<void>;
};

export const watchFormat = 1;
const defaultInterval = 1000;
/** What a change is told with: STATE and the node and zones a monitor reports. */
const watchRead: ReadOptions = {zones: true, nodes: true};

export async function runWatch(options: WatchOptions, target: SysfsTarget, io: SysfsIo, deps: WatchDeps = {}): Promise<number> {
	const interval = Number.isFinite(options.interval) && (options.interval ?? 0) > 0 ? (options.interval as number) : defaultInterval;
	const log = deps.auditLog ?? auditLogPath(deps.env ?? process.env);
	const json = options.format === 'json';
	const time = () => {
		const when = new Date(io.now() * 1000);
		return Number.isNaN(when.getTime()) ? new Date().toISOString() : when.toISOString();
	};

	const line = (fields: Record<string, unknown>) => {
		io.out(`${JSON.stringify({time: time(), ...fields})}\n`);
	};

	// Only writes from now on are attributed: the log's past is another session's.
	let auditOffset = auditLogEnd(log);
	let tree: MemoryTree;
	try {
		tree = readMemoryTree(target.sysroot, watchRead);
	} catch (error) {
		io.err(`ham-tui: ${safeText(error instanceof Error ? error.message : String(error))}\n`);
		return exit.failed;
	}

	const notices = new Notices(io);
	notices.tree(tree.problems);
	if (json) {
		line({event: 'start', format: watchFormat, sysroot: safeText(target.sysroot), ...summary(tree), auditLog: safeText(log)});
	} else {
		io.out(formatStatusRows(statusRows(tree, {all: target.all})));
	}

	const window = new AuditWindow();
	let unreadable: string | undefined;
	let printed = 0;
	// A poll's changes, held for one poll when one of them has no audit entry yet: ham-tui appends
	// its entry just after the write returns, and a poll can fall between the two (seen under QEMU on
	// a busy guest). The next poll's entries then say who it was; a change still unexplained is other.
	let held: WatchEvent[] = [];
	const say = (events: readonly WatchEvent[]) => {
		printed += events.length;
		for (const event of events) {
			line(eventLine(event, window, tree.root));
		}
	};
	for (let poll = 0; ; poll++) {
		if (poll > 0) {
			// Sysfs tells no one when a block's state changes (no poll(2) on `state`), so every
			// interval the whole tree is read again: a few ms for the hundreds to thousands of blocks
			// real machines have. At 100,000 blocks a read takes about a second, past issue 14's
			// budget: such a machine would want the console's rolling re-read (machine/sysfs.ts).
			let fresh: MemoryTree;
			try {
				fresh = readMemoryTree(target.sysroot, watchRead);
			} catch (error) {
				const reason = safeText(error instanceof Error ? error.message : String(error));
				if (reason !== unreadable) {
					unreadable = reason;
					io.err(`ham-tui: watch: ${reason}; trying again every ${formatInterval(interval)}\n`);
					if (json) {
						line({event: 'unreadable', directory: safeText(tree.root), error: reason});
					}
				}

				fresh = tree;
			}

			if (fresh !== tree && unreadable !== undefined) {
				unreadable = undefined;
				io.err(`ham-tui: watch: ${safeText(fresh.root)} can be read again\n`);
				if (json) {
					line({event: 'readable', ...summary(fresh)});
				}
			}

			if (fresh !== tree) {
				notices.tree(fresh.problems);
				// The log after the tree: a write seen in the tree has its entry written, or will by the next poll.
				const tail = readAuditTail(log, auditOffset);
				auditOffset = tail.next;
				notices.audit(tail.problems);
				window.add(poll, tail.entries);
				const events = diffTrees(tree, fresh);
				tree = fresh;
				if (json) {
					say(held);
					held = [];
					const unexplained = events.some(event => event.event === 'state' && attribute(event, window.entries(), tree.root).by === 'other');
					if (unexplained) {
						held = events;
					} else {
						say(events);
					}
				} else if (events.length > 0) {
					printed += events.length;
					io.out(`\n${formatStatusRows(statusRows(tree, {all: target.all}))}`);
				}
			}
		}

		if (options.maxEvents !== undefined && printed + held.length >= options.maxEvents) {
			say(held);
			return exit.ok;
		}

		if (options.polls !== undefined && poll >= options.polls) {
			say(held);
			return exit.ok;
		}

		await deps.afterPoll?.(poll);
		if (!(await wait(interval, options.signal))) {
			// Stopped: what is held is said as it stands, nothing lost.
			say(held);
			return exit.ok;
		}
	}
}

/** True after `ms`; false, at once, when the signal is (or becomes) aborted. */
async function wait(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
	if (signal?.aborted) {
		return false;
	}

	try {
		await sleep(ms, undefined, signal ? {signal} : {});
		return true;
	} catch {
		return false;
	}
}

function eventLine(event: WatchEvent, window: AuditWindow, root: string): Record<string, unknown> {
	return {...event, ...attribute(event, window.entries(), root)};
}

function summary(tree: MemoryTree): Record<string, unknown> {
	const totals = memoryTotals(tree);
	return {
		directory: safeText(tree.root),
		blocks: totals.blocks,
		online: totals.online.blocks,
		offline: totals.offline.blocks,
		other: totals.other.blocks,
		blockSizeBytes: tree.blockSizeBytes,
		blockSize: formatSize(tree.blockSizeBytes),
	};
}

function formatInterval(ms: number): string {
	return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * Stderr lines for what a poll met, each said when it appears, not every poll: a tree's problems
 * (said again if they go and come back), the audit log's (each reason once).
 */
class Notices {
	private lastTree = new Set<string>();
	private readonly told = new Set<string>();

	constructor(private readonly io: SysfsIo) {}

	tree(problems: readonly string[]): void {
		const fresh = problems.filter(problem => !this.lastTree.has(problem));
		this.lastTree = new Set(problems);
		this.say(fresh);
	}

	audit(problems: readonly string[]): void {
		// Keyed without byte offsets: a log full of garbage is one notice per kind, not one per poll.
		const fresh = problems.filter(problem => {
			const key = problem.replace(/\d+/g, 'N');
			if (this.told.has(key)) {
				return false;
			}

			if (this.told.size > 256) {
				this.told.clear();
			}

			this.told.add(key);
			return true;
		});
		this.say(fresh);
	}

	private say(lines: readonly string[]): void {
		if (lines.length > 0) {
			this.io.err(lines.map(problem => `ham-tui: ${safeText(problem)}\n`).join(''));
		}
	}
}
