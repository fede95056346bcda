// A real machine's memory blocks (sysfs) as a MachineSource: the console's panes and keys on the
// machine itself. Regions are the ranges lsmem would show (ID = first block), the slots pane lists
// memory nodes, the resources pane totals online and offline memory, and `i` / `r` write `online`
// to each offline block's state. `o` offlines a range's blocks as --offline --blocks A-B does
// (commands/offline.ts: its checks when asked, again when it runs, each write in a child process
// with a time limit): the writes run on after act() returns, each block's outcome lands in the log
// as it comes. `a` writes auto_online_blocks as --auto-online does, then reads it back. Every write
// goes through the audit log (sysfs/audit.ts), its problems to the log.
//
// Reading a large tree takes time (two to three seconds for 100,000 blocks on two cores), so from
// 8,192 blocks on the first read runs in worker threads while the console draws: the memory pane
// counts the blocks read, and i, r and o wait (their keys say why) until every block is read. The
// tree is then kept fresh by a rolling re-read: each poll re-reads the next blocks for a few
// milliseconds, and a readdir at the start of each sweep notices blocks that came or went. A
// frame is never held up by more than that budget.
import {type Dir, lstatSync, opendirSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {AutoOnlineValue, SysfsTarget} from '../cli/command.js';
import {progressText} from '../commands/integrate-lines.js';
import {checkOffline, type OfflineOptions, type OfflineWriter, runOffline} from '../commands/offline.js';
import type {SysfsIo} from '../commands/sysfs.js';
import {safeText} from '../model/sanitize.js';
import {formatAddress, formatSize} from '../model/units.js';
import {type AuditOptions, auditedAsyncWriter, auditedWriter, auditLogPath} from '../sysfs/audit.js';
import {
	type BlockResult,
	blockList,
	blockSpan,
	describeError,
	finishIntegrate,
	groupResults,
	type IntegrateRun,
	integrateDone,
	integrateSome,
	isThisMachine,
	type ResultGroup,
	startIntegrate,
	writerFor,
} from '../sysfs/integrate.js';
import {type AccessCheck, canWrite, type OnlineMode, type SysfsWriter, sysfsWriterForRun, writeSysfs} from '../sysfs/online.js';
import {type BlockOrigin, type OriginMap, readOrigins} from '../sysfs/origin.js';
import {type OnlinePlan, planOnline, sysrootOf} from '../sysfs/plan.js';
import {defaultAutoMovableRatio, summarizePolicy} from '../sysfs/policy.js';
import {groupRanges, lsmemZoneName, type MemoryRange, shownSplit} from '../sysfs/ranges.js';
import {
	errorCode,
	ListingSignature,
	type MemoryBlock,
	type MemoryTree,
	memoryDirectory,
	type PendingRead,
	readAutoOnline,
	readKernelFile,
	readListingChanges,
	removableIsOneAnswer,
	rereadBlock,
	startMemoryRead,
} from '../sysfs/read.js';
import type {Threading} from '../sysfs/read-threads.js';
import {blockFlags, blockStatus, memoryTotals} from '../sysfs/status.js';
import {timedWriter} from '../sysfs/timed-write.js';
import {kernelsChoice} from '../sysfs/zone.js';
import {type ActResult, type OutcomeRow, type RegionRow, readingWords, type SysfsSnapshot, type SysfsView} from './snapshot.js';
import {ActionWaits, type ConsoleAction, type MachineSource} from './source.js';

export type SysfsSourceOptions = {
	/** What `i` and `r` write to an offline block's state (default online). */
	onlineType?: 'auto' | OnlineMode;
	/** The kernel's side of a write; tests give one that refuses chosen blocks. */
	writer?: SysfsWriter;
	/**
	 * The kernel's side of o's writes, which may take long: it answers later (default: each in a
	 * child process, stopped past offlineOptions' 60 s, sysfs/timed-write.ts).
	 */
	offlineWriter?: OfflineWriter;
	/** The audit log every write is recorded in (default auditLogPath(process.env): $HAM_TUI_AUDIT_LOG, else XDG state). */
	auditLog?: string;
	/** The permission check made before writing; tests give one that says no. */
	access?: AccessCheck;
	/** How the first read shares the blocks out (read-threads.ts); tests ask for threads on a small tree: it is then read in the background too. */
	threading?: Threading;
	/** Milliseconds of re-reading per poll (default 8). */
	refreshBudgetMs?: number;
	/** The wall clock in seconds, for the log's times (default Date.now). */
	now?: () => number;
};

/** Actions of the simulated machine (plug, unplug, workload, driver) refused here; the console's keys explain why. */
export function sysfsRefusal(type: ConsoleAction['type']): string {
	return `${type}: not on a real machine (${type === 'plug' || type === 'unplug' ? 'its memory is added by its hardware or hypervisor' : 'ham-tui only onlines its offline memory blocks'})`;
}

const logLimit = 500;
/** o's writes: --offline's checks (never forced) and its default time limit a block. */
export const offlineOptions: OfflineOptions = {timeoutSeconds: 60, force: false};
/**
 * The console reads every block's valid_zones (one read more per block than --status): its ranges
 * never span two zones (shownSplit), and `i` chooses each block's zone by them (sysfs/zone.ts).
 * The rolling re-read reads them again only for a block whose state changed. firmware_node is
 * read with them, by the reader threads: the zone rule counts boot memory, and where each block
 * came from is one readlink per block (sysfs/origin.ts), 1.2 s of one thread at 100,000 blocks.
 */
const readEverything = {zones: true, firmwareNodes: true} as const;

export function sysfsSource(sysroot: string, options: SysfsSourceOptions = {}): MachineSource {
	// On a kernel that answers removable alike for every block it is read once, not at each re-read.
	const removableOnce = removableIsOneAnswer(sysroot);
	const consoleRead = {...readEverything, removableOnce};
	const mode = options.onlineType ?? 'auto';
	const busyBudget = options.refreshBudgetMs ?? 8;
	const wallClock = options.now ?? (() => Date.now() / 1000);
	const openedAt = wallClock();
	const thisMachine = isThisMachine(sysroot);
	const kernel = kernelRelease(sysroot, thisMachine);
	const name = thisMachine ? os.hostname() : sysroot;
	const log: string[] = [];
	const say = (text: string) => {
		log.push(`[${new Date(wallClock() * 1000).toISOString().slice(11, 19)}Z] ${safeText(text)}`);
		if (log.length > logLimit) {
			log.splice(0, log.length - logLimit);
		}
	};

	/** A line in the log from outside a poll or an action (an offline's outcome): the next poll shows it. */
	const tell = (text: string) => {
		say(text);
		version++;
	};

	// Every write through the audit log; a log that cannot be written is a line in this log (never stderr: it would tear the screen).
	const auditLog = options.auditLog ?? auditLogPath(process.env);
	const audit: AuditOptions = {log: auditLog, now: wallClock, onProblem: line => tell(line)};
	// The kernel's side: writeSysfs, or during an i one run's writer (sysfsWriterForRun: the walk
	// to the memory directory made once per 100 ms, not per block), behind the one audit log.
	let runWriter: ReturnType<typeof sysfsWriterForRun> | undefined;
	const writer = auditedWriter((file, value) => (runWriter ?? options.writer ?? writeSysfs)(file, value), audit);
	/** The offline `o` started, while it writes. */
	let offlining: {first: number; last: number; done: number; total: number; stopping: boolean; stop: AbortController} | undefined;
	const kernelOffline = options.offlineWriter ?? timedOfflineWriter(sysroot);
	const offlineWriter = auditedAsyncWriter(async (file, value) => kernelOffline(file, value), {
		...audit,
		// Each block written, as the kernel has it now: its range changes on screen at once, not when the rolling re-read comes by.
		onEntry(entry) {
			if (entry.result === 'started') {
				return; // Only its answer changes the block and the count.
			}

			if (offlining) {
				offlining.done++;
			}

			if (entry.block !== null) {
				rereadIndex(entry.block);
			}
		},
	});
	/** The errno of each block whose last write failed, and whether a retry can help. */
	const refused = new Map<number, {code: string; retry: boolean}>();
	const readOptions = options.threading ? {...consoleRead, threading: options.threading} : consoleRead;
	/**
	 * A read of every block under way (the first, or one after blocks came or went), why, and
	 * since when: its listing and block size are read at its start (which throws when the tree is
	 * unusable), the blocks at once on a small tree, by worker threads on a large one while the
	 * console draws the tree read before (none, at first).
	 */
	const startRead = (why: string) => {
		const started = performance.now();
		const links = linksOf(memoryDirectory(sysroot));
		return {pending: startMemoryRead(sysroot, readOptions), why, started, links};
	};

	let reading: ReturnType<typeof startRead> | undefined = startRead('');
	let tree: MemoryTree = emptyTree(reading.pending);
	let readMs = 0;
	let blocksRead = 0;
	/** The memory directory's link count at the last read's start: a block directory more or less changes it. */
	let listedLinks: number | undefined;
	/** When a block was last seen to change (performance.now()): the rolling re-read runs faster for a while after. */
	let changedAt = Number.NEGATIVE_INFINITY;
	let autoOnline: string | null = null;
	let writable: true | string = true;
	let version = 0;
	let built: {version: number; snapshot: SysfsSnapshot} | undefined;
	let latest: SysfsSnapshot | undefined;
	// The rolling re-read: the next block to read, when the last sweep ended, the time between two.
	let cursor = 0;
	let sweepEnded: number | undefined;
	let sweepSeconds: number | null = null;
	let listingProblem = '';
	let budget = idleBudgetMs;
	/** The writes of an i (or an attempt of r) that go on between frames. */
	let integrating: Writing | undefined;
	let readProblem = '';
	let listing: {directory: Dir; signature: ListingSignature} | undefined;
	/** The audit log's path, the first line of the log. */
	say(`audit log: ${auditLog}`);
	let origins: OriginMap | undefined;
	let planned: {version: number; plan: OnlinePlan} | undefined;
	/** The policy and notes last logged (sayPolicy). */
	let policySaid = '';

	/**
	 * Takes a tree read in full (why = '': the first read; `timed`: readMs says how long it took,
	 * else it was read elsewhere, by an integrate), and logs what it found: `problems`, the tree's
	 * own unless told (an update by listingChanged says only its new blocks').
	 */
	const fullRead = (why: string, read: MemoryTree, timed: boolean, problems = read.problems) => {
		tree = read;
		readProblem = '';
		// Blocks came or went: a change (the first read is none: nothing was seen to move).
		if (why !== '') {
			changedAt = performance.now();
		}

		// Logged with the tree's problems; the rolling re-read only notices the value change.
		autoOnline = readAutoOnline(tree.root, tree.problems);
		writable = checkWritable(tree, options.access);
		cursor = 0;
		closeListing();
		version++;
		const ranges = groupRanges(tree, {split: shownSplit}).length;
		// The policy and what the machine cannot tell before the read's line: the read's line ends the log.
		// Where each block came from does not change while it exists: read once per tree read (a
		// firmware_node link per block asked, /proc/iomem, the firmware map), not per snapshot.
		origins = readOrigins(sysrootOf(tree), tree, []);
		sayPolicy(currentPlan());
		say(
			`${why || 'read'} ${tree.blocks.length} block(s) of ${formatSize(tree.blockSizeBytes)} in ${ranges} range(s)${timed ? `, ${Math.round(readMs)} ms${(tree.threads ?? 1) > 1 ? ` by ${tree.threads} threads` : ''}` : ''}` +
				(tree.problems.length > 0 ? `, ${tree.problems.length} problem(s)` : '') +
				`: ${tree.root}`,
		);
		for (const problem of problems.slice(0, 50)) {
			say(`  ${problem}`);
		}

		if (problems.length > 50) {
			say(`  ... and ${problems.length - 50} more (ham-tui --status --sysroot ${sysroot} lists them all)`);
		}
	};

	/**
	 * Blocks came or went (a virtio-mem batch, a DIMM): the new ones read and the gone ones left out,
	 * every other block kept (readListingChanges), so i, r and o never wait for a read of the whole
	 * tree for 8 new blocks; read again whole, in the background on a large tree, when many came.
	 */
	const listingChanged = () => {
		const changed = readListingChanges(tree, consoleRead);
		if (changed === 'whole') {
			reread('blocks came or went: re-read');
			return;
		}

		listedLinks = linksOf(tree.root);
		if (changed === undefined) {
			return; // The link count moved, the blocks did not (a directory that is no block).
		}

		const {added, gone} = changed;
		// "8 block(s) came (100008-100015): now 100008 block(s) of 128M in 4 range(s)".
		const words = [
			added.length > 0 ? `${added.length} block(s) came (${blockList(added, 3)})` : '',
			gone.length > 0 ? `${gone.length} ${added.length > 0 ? '' : 'block(s) '}went (${blockList(gone, 3)})` : '',
		].filter(part => part !== '');
		const problems = changed.tree.problems.slice(tree.problems.length);
		fullRead(`${words.join(', ') || 'blocks came and went'}: now`, changed.tree, false, problems);
	};

	/** Lists the memory directory a little at a time; true once the whole listing matched the tree's. */
	const listingMatches = (started: number): boolean | undefined => {
		try {
			listing ??= {directory: opendirSync(tree.root, {bufferSize: 1024}), signature: new ListingSignature()};
			for (let entry = listing.directory.readSync(), seen = 1; entry !== null; entry = listing.directory.readSync(), seen++) {
				listing.signature.add(entry.name);
				if ((seen & 255) === 0 && performance.now() - started > budget) {
					return undefined;
				}
			}

			listing.directory.closeSync();
			const same = listing.signature.text() === tree.signature;
			listing = undefined;
			if (listingProblem !== '') {
				listingProblem = '';
				say(`${tree.root} can be listed again`);
			}

			return same;
		} catch (error) {
			closeListing();
			const message = `keeping the last tree read: cannot list memory blocks in ${tree.root}: ${errorCode(error)}`;
			if (message !== listingProblem) {
				listingProblem = message;
				say(message);
				version++;
			}

			return undefined;
		}
	};

	const closeListing = () => {
		try {
			listing?.directory.closeSync();
		} catch {
			// Already closed.
		}

		listing = undefined;
	};

	/**
	 * The rolling re-read, at most `budget` ms per call: first the listing (did blocks come or
	 * go? then read everything again), then each block's state and removable, from the cursor.
	 * Before all, one lstat of the memory directory: its link count (sysfs counts a directory's
	 * subdirectories in it, as ext4 does) tells at once that blocks came or went, whatever the
	 * sweep's length on a large machine.
	 */
	const refresh = (t: number) => {
		try {
			sweep(t);
		} finally {
			flushOutside();
		}
	};

	/**
	 * Changes made outside ham-tui, a line per run of blocks that went the same way (a udev rule
	 * onlining 3,000 blocks is one line, not 3,000 that push everything else out of the log).
	 */
	let outside: {first: number; last: number; from: string; to: string} | undefined;
	const changedOutside = (index: number, from: string, to: string) => {
		if (outside && outside.last === index - 1 && outside.from === from && outside.to === to) {
			outside.last = index;
			return;
		}

		flushOutside();
		outside = {first: index, last: index, from, to};
	};

	const flushOutside = () => {
		if (outside) {
			say(`${blockSpan(outside.first, outside.last)}: ${outside.from} -> ${outside.to} (changed outside ham-tui)`);
			outside = undefined;
		}
	};

	/** `t`: the poll's time, as the console's clock says (a sweep's length is shown in its seconds). */
	const sweep = (t: number) => {
		const started = performance.now();
		budget = started - changedAt < busyForMs ? busyBudget : idleBudgetMs;
		const links = linksOf(tree.root);
		if (links !== listedLinks && listedLinks !== undefined && links !== undefined) {
			listingChanged();
			return;
		}

		if (cursor === 0) {
			const same = listingMatches(started);
			if (same === undefined) {
				return;
			}

			if (!same) {
				listingChanged();
				return;
			}

			const online = readAutoOnline(tree.root);
			if (online !== autoOnline) {
				autoOnline = online;
				version++;
			}
		}

		const blocks = tree.blocks;
		for (let block = blocks[cursor]; block !== undefined; block = blocks[cursor]) {
			let fresh = rereadBlock(tree, block, [], {zones: false, removableOnce});
			if (fresh && fresh.state !== block.state) {
				// An online block's valid_zones names its zone, an offline one's the zones it may go to.
				fresh = rereadBlock(tree, block, [], consoleRead);
			}

			if (!fresh) {
				reread(`memory${block.index} vanished: re-read`);
				return;
			}

			if (fresh.state !== block.state || fresh.removable !== block.removable) {
				blocks[cursor] = fresh;
				version++;
				changedAt = performance.now();
				if (fresh.state === 'online') {
					refused.delete(block.index);
				}

				// A block the running offline writes to changes as it is written: its outcome line says so.
				if (fresh.state !== block.state && !(offlining && block.index >= offlining.first && block.index <= offlining.last)) {
					changedOutside(block.index, block.state, fresh.state);
				}
			}

			cursor++;
			if ((cursor & 15) === 0 && performance.now() - started > budget) {
				return;
			}
		}

		// A block left at cursor 0 means the listing comes next: the sweep is over.
		cursor = 0;
		if (sweepEnded !== undefined) {
			// As the memory pane prints it (tenths below 10 s): a sweep as long as the last is no change to draw.
			const seconds = t - sweepEnded;
			sweepSeconds = seconds < 10 ? Math.round(seconds * 10) / 10 : Math.round(seconds);
		}

		sweepEnded = t;
	};

	/** Block `index` read again into the tree (a block gone waits for the rolling re-read's listing). */
	const rereadIndex = (index: number) => {
		const position = tree.blocks.findIndex(block => block.index === index);
		const block = tree.blocks[position];
		const fresh = block && rereadBlock(tree, block, [], consoleRead);
		if (fresh) {
			tree.blocks[position] = fresh;
		}

		version++;
	};

	/** Why i, r and o wait while an offline runs (one writer at a time, and the checks need the blocks at rest). */
	const offlineRunning = (): string | undefined =>
		offlining &&
		`an offline of ${blockSpan(offlining.first, offlining.last)} is running (${offlining.done} of ${offlining.total} written): wait for its last line in the log, or Esc stops it after the block being written`;

	const offlineTarget = (first: number, last: number): SysfsTarget => ({
		sysroot,
		all: false,
		onlineType: mode,
		dryRun: false,
		selection: {kind: 'blocks', first, last},
	});

	/** o's checks, made and said, nothing written: the question to ask, or why not. */
	const checkToOffline = (first: number, last: number): ActResult => {
		const running = offlineRunning();
		if (running !== undefined) {
			return {ok: false, message: running, outcomes: []};
		}

		const check = checkOffline(offlineOptions, offlineTarget(first, last), options.access ? {access: options.access} : {});
		const span = blockSpan(first, last);
		if (!check.ok) {
			return {ok: false, message: check.lines.flatMap(line => consoleLines(line)).join('\n'), outcomes: []};
		}

		const [top] = check.blocks;
		const size = formatSize(check.blocks.length * check.blockSizeBytes);
		const zones = top && top.zones.length > 0 ? `zone ${top.zones.map(zone => lsmemZoneName(zone)).join('/')}` : 'zone unknown';
		const where = [size, top?.node === null || top?.node === undefined ? '' : `node ${top.node}`, zones].filter(Boolean).join(', ');
		const lines = [
			...check.lines.flatMap(line => consoleLines(line)),
			`the checks pass: ${check.checks}`,
			`y writes offline to ${check.blocks.length} block(s), highest first, each within ${offlineOptions.timeoutSeconds} s; Enter or any other key: No`,
		];
		return {
			ok: true,
			message: lines.map(line => safeText(line)).join('\n'),
			outcomes: [],
			question: safeText(`Offline ${span} (${where})?`),
		};
	};

	/** o answered yes: the checks again, then --offline's writes, run on after this returns; each outcome comes as a log line. */
	const startOffline = (first: number, last: number): ActResult => {
		const checked = checkToOffline(first, last);
		const span = blockSpan(first, last);
		if (!checked.ok) {
			say(`offline ${span} refused before any write: ${checked.message.replaceAll('\n', '; ')}`);
			return {...checked, message: `${span}: ${checked.message}`};
		}

		const stop = new AbortController();
		const running = {first, last, done: 0, total: last - first + 1, stopping: false, stop};
		offlining = running;
		const lines = (text: string) => {
			for (const line of text.split('\n').filter(part => part !== '')) {
				for (const shown of consoleLines(line)) {
					tell(shown);
				}
			}
		};
		const io: SysfsIo = {out: lines, err: lines, now: wallClock, fixedClock: false};
		say(`offlining ${span}, highest first, each write within ${offlineOptions.timeoutSeconds} s (Esc stops after the block being written)`);
		const access = options.access ? {access: options.access} : {};
		let done: Promise<number>;
		try {
			done = runOffline(offlineOptions, offlineTarget(first, last), io, {writer: offlineWriter, signal: stop.signal, ...access});
		} catch (error) {
			done = Promise.reject(error);
		}

		done
			.catch((error: unknown) => {
				tell(`offline ${span} failed: ${error instanceof Error ? error.message : String(error)}`);
			})
			.finally(() => {
				if (offlining === running) {
					offlining = undefined;
				}

				version++;
			});
		version++;
		return {ok: true, message: `offlining ${span} …: each block's outcome comes in the log as it is written`, outcomes: []};
	};

	const stopOffline = (): ActResult => {
		if (!offlining) {
			return {ok: true, message: 'no offline is running', outcomes: []};
		}

		offlining.stopping = true;
		offlining.stop.abort();
		version++;
		const message = `stopping the offline of ${blockSpan(offlining.first, offlining.last)} after the block being written (its write runs to its end or its ${offlineOptions.timeoutSeconds} s limit)`;
		say(message);
		return {ok: true, message, outcomes: []};
	};

	/**
	 * a answered yes: auto_online_blocks written as --auto-online writes it (commands/sysfs.ts),
	 * through the audited writer, then read again: the log and the result say what it was and is.
	 */
	const setAutoOnline = (value: AutoOnlineValue): ActResult => {
		const root = memoryDirectory(sysroot);
		const problems: string[] = [];
		const before = readAutoOnline(root, problems);
		const refuse = (why: string): ActResult => {
			const message = `auto_online_blocks ${before === null ? 'not set' : `stays ${before}`}: ${why}`;
			say(message);
			return {ok: false, message: safeText(message), outcomes: []};
		};

		if (before === null) {
			return refuse(problems[0] ?? `${root}/auto_online_blocks is not there: this kernel has no auto-online setting`);
		}

		try {
			writer(path.join(root, 'auto_online_blocks'), value);
		} catch (error) {
			const code = errorCode(error);
			const why = code === 'EACCES' || code === 'EPERM' ? 'changing it needs root' : describeError(code);
			const detail = error instanceof Error && error.message !== code ? ` (${error.message})` : '';
			return refuse(`${why}${detail}, nothing changed`);
		} finally {
			// What the kernel has now, whatever it answered: the memory pane shows it at once.
			autoOnline = readAutoOnline(root);
			version++;
		}

		const after = autoOnline ?? '?';
		const message = `auto_online_blocks: ${before} -> ${after}${after === value ? '' : ` (${value} was written, the kernel kept ${after})`}`;
		say(message);
		return {ok: after === value, message: safeText(message), outcomes: []};
	};

	/**
	 * i, or an attempt of r's loop. The writes start at once; what takes longer than a slice goes
	 * on between frames, a slice at a time, while act() throws ActionWaits with the progress (the
	 * console asks again each poll and shows it), and Esc (cancel) stops it after the block being
	 * written: the blocks written stay online, the log says which.
	 */
	const integrate = (): ActResult => {
		if (integrating) {
			if (integrating.result) {
				const {result} = integrating;
				integrating = undefined;
				return result;
			}

			throw writesWait(integrating);
		}

		const running = offlineRunning();
		if (running !== undefined) {
			return {ok: false, message: running, outcomes: []};
		}

		const run = startIntegrate(tree, {mode, writer, access: options.access, read: consoleRead});
		// Closed by integrated(), which every run that gets this far ends in.
		runWriter = options.writer ? undefined : sysfsWriterForRun();
		if (run.reread) {
			fullRead('blocks came or went: re-read', run.tree, false);
		}

		const started = performance.now();
		integrateSome(run, () => performance.now() - started > writeSliceMs);
		if (integrateDone(run)) {
			return integrated(run, false);
		}

		const writing: Writing = {run, started, stopping: false, abandoned: false};
		integrating = writing;
		const slice = () => {
			try {
				const from = performance.now();
				integrateSome(run, () => writing.stopping || performance.now() - from > writeSliceMs);
				version++;
				if (!writing.stopping && !integrateDone(run)) {
					setTimeout(slice, 0).unref();
					return;
				}

				writing.result = integrated(run, writing.stopping);
			} catch (error) {
				// Between frames nothing would catch it: a failure is the action's answer, never a crash.
				const message = `online failed after ${run.written.length} of ${run.targets.length} block(s): ${error instanceof Error ? error.message : String(error)}`;
				tell(message);
				endRunWriter();
				writing.result = {ok: false, message: safeText(message), outcomes: []};
			}

			if (writing.abandoned && integrating === writing) {
				integrating = undefined; // Given up: nobody asks for the result, the log has it.
			}
		};

		say(`${onlineWord()} ${run.targets.length} block(s), a slice at a time (Esc stops after the block being written)`);
		setTimeout(slice, 0).unref();
		version++;
		throw writesWait(writing);
	};

	/** One run's state writer let go (its kept directory fd): at an integrate's end, however it ends. */
	const endRunWriter = () => {
		runWriter?.close();
		runWriter = undefined;
	};

	const onlineWord = () => (mode === 'auto' ? 'online' : mode);

	/** The progress of the writes, as the console shows it while it waits. */
	const writesWait = (writing: Writing): ActionWaits => {
		const {run} = writing;
		const seconds = (performance.now() - writing.started) / 1000;
		return new ActionWaits(
			'the writes',
			`Onlining ${progressText(run.written.length, run.targets.length, seconds)}`,
			'stopped after the block being written; the blocks written stay online, the log says which',
			'Blocks come online one at a time',
		);
	};

	/** An integrate's end (all written, or stopped part way): each block written read again, the log, the result. */
	const integrated = (run: IntegrateRun, stopped: boolean): ActResult => {
		endRunWriter();

		const once = finishIntegrate(run);
		const positions = new Map(tree.blocks.map((block, index) => [block.index, index]));
		for (const result of once.results) {
			// What the kernel says now, not what was asked: re-read each block written to.
			const position = positions.get(result.block);
			const block = position === undefined ? undefined : tree.blocks[position];
			const fresh = block && rereadBlock(tree, block, [], consoleRead);
			if (fresh && position !== undefined) {
				tree.blocks[position] = fresh;
			}

			if (result.ok || result.gone) {
				refused.delete(result.block);
			} else {
				refused.set(result.block, {code: result.error ?? '?', retry: result.retry === true});
			}
		}

		version++;
		changedAt = performance.now();
		const groups = groupResults(once.results);
		for (const group of groups) {
			say(`${onlineWord()} ${blockSpan(group.first, group.last)}: ${groupWords(group)}`);
		}

		if (once.problem !== undefined) {
			say(`online refused before trying: ${once.problem}`);
			writable = once.problem;
			return {ok: false, message: once.problem, outcomes: []};
		}

		if (once.results.length === 0) {
			const left = once.plan.leftAlone;
			const message =
				left.length > 0
					? `nothing to online: block${left.length === 1 ? '' : 's'} ${blockList(left)} left offline, boot memory offlined on purpose (ham-tui --integrate --blocks names it)`
					: 'no offline memory block: nothing to do';
			return {ok: true, message, outcomes: []};
		}

		const stop = stopped ? `stopped by Esc after ${run.written.length} of ${run.targets.length} block(s); ` : '';
		if (stopped) {
			say(`${onlineWord()} stopped by Esc after ${run.written.length} of ${run.targets.length} block(s): the rest stay offline`);
		}

		return {ok: !stopped, message: `${onlineWord()}: ${stop}${countWords(once.results)}`, outcomes: outcomeRows(groups)};
	};

	/** The read under way, a slice of it on this thread per poll; its tree once every block is read. */
	const readOn = () => {
		if (!reading) {
			return;
		}

		const {pending, why, started, links} = reading;
		if (!pending.done()) {
			pending.advance(Date.now() + readSliceMs);
		}

		if (!pending.done()) {
			const read = pending.read();
			if (read !== blocksRead) {
				blocksRead = read;
				version++;
			}

			return;
		}

		reading = undefined;
		listedLinks = links;
		const read = pending.finish();
		readMs = performance.now() - started;
		fullRead(why, read, true);
		if (why === '' && writable !== true) {
			say(`onlining cannot be tried: ${writable}`);
		}
	};

	/** Every block read again: at once on a small tree, else in the background as the first read (the tree read before stays on screen). */
	function reread(why: string): void {
		reading = startRead(why);
		if (reading.pending.done()) {
			readOn();
		} else {
			say(`${why}: reading ${reading.pending.total} block(s) by worker threads`);
			version++;
		}
	}

	if (reading.pending.done()) {
		readOn();
	} else {
		// Shown while the blocks are read: the one setting that needs no block.
		autoOnline = readAutoOnline(reading.pending.root);
		say(`reading ${reading.pending.total} block(s) by worker threads: ${reading.pending.root}`);
	}

	/** Why i, r and o wait while a full read runs: they act on every block. */
	const stillReading = (): string | undefined =>
		reading && `${readingWords(reading.pending.read(), reading.pending.total)}: i, r and o act once every block is read`;

	/** The hot-plug policy and the plan's notes in the log: at the start, and again when they change. */
	/** What i would write now: made once per change of the tree (its version), for the pane and the log alike. */
	function currentPlan(): OnlinePlan {
		if (planned?.version !== version) {
			planned = {version, plan: planOnline(tree, origins ? {mode, origins} : {mode})};
		}

		return planned.plan;
	}

	function sayPolicy(plan: OnlinePlan): void {
		const lines = [...(plan.policy ? [summarizePolicy(plan.policy)] : []), ...plan.notes];
		const text = lines.join('\n');
		if (lines.length === 0 || text === policySaid) {
			return;
		}

		policySaid = text;
		for (const [index, line] of lines.entries()) {
			say(`${index === 0 && plan.policy ? 'policy' : 'note'}: ${line}`);
		}
	}

	/** The snapshot at t: rebuilt when the tree or its refusals changed, else only its clock moves. */
	const snapshotAt = (t: number): SysfsSnapshot => {
		if (!built || built.version !== version) {
			built = {version, snapshot: buildSnapshot()};
			latest = undefined;
		}

		if (latest?.time !== t) {
			const uptimeSeconds = thisMachine ? os.uptime() : null;
			// The view stays the same object while the sweep's length does: a snapshot the clock
			// alone moved is then drawn only when the header's minute changes (console/redraw.ts),
			// not each second (a frame a second was ~0.5% of a core over 100,000 blocks).
			// (`latest` is of this build: a new build clears it.)
			const kept = latest?.sysfs;
			const sysfs = kept?.sweepSeconds === sweepSeconds ? kept : {...built.snapshot.sysfs, sweepSeconds};
			latest = {...built.snapshot, time: t, uptimeSeconds, sysfs};
		}

		return latest;
	};

	return {
		poll(t) {
			try {
				if (reading) {
					readOn();
				} else if (!integrating) {
					// While i writes, the blocks it writes are read back as it ends: no sweep meanwhile.
					refresh(t);
				}
			} catch (error) {
				// A tree that turned unusable under us (no block size any more): say so once, keep the last one.
				const message = `keeping the last tree read: ${(error as Error).message}`;
				cursor = 0;
				if (message !== readProblem) {
					readProblem = message;
					say(message);
					version++;
				}
			}

			// The same object while nothing changed within the second: the console draws nothing new.
			if (latest && built?.version === version && Math.floor(latest.time) === Math.floor(t)) {
				return latest;
			}

			return snapshotAt(t);
		},
		latest: () => latest ?? snapshotAt(openedAt),
		cancel() {
			// Only i's writes wait (they take no lock): Esc stops them after the block being written.
			if (integrating && !integrating.result) {
				integrating.stopping = true;
				integrating.abandoned = true;
			} else {
				integrating = undefined;
			}
		},
		act(action: ConsoleAction, t: number) {
			const result = actOn(action);
			snapshotAt(t);
			return result;
		},
	};

	function actOn(action: ConsoleAction): ActResult {
		const reading = action.type === 'auto-online' || action.type === 'offline-stop' ? undefined : stillReading();
		if (reading !== undefined) {
			return {ok: false, message: reading, outcomes: []};
		}

		if (integrating && !integrating.result && action.type !== 'integrate') {
			return {ok: false, message: `an online of ${integrating.run.targets.length} block(s) is being written: Esc stops it`, outcomes: []};
		}

		switch (action.type) {
			case 'integrate': {
				return integrate();
			}

			case 'offline-check': {
				return checkToOffline(action.first, action.last);
			}

			case 'offline': {
				return startOffline(action.first, action.last);
			}

			case 'offline-stop': {
				return stopOffline();
			}

			case 'auto-online': {
				return setAutoOnline(action.value);
			}

			default: {
				return {ok: false, message: sysfsRefusal(action.type), outcomes: []};
			}
		}
	}

	function buildSnapshot(): SysfsSnapshot {
		const ranges = groupRanges(tree, {split: shownSplit});
		const totals = memoryTotals(tree);
		// What i would write, shown before it acts: each offline range's zone and why, the counts per zone.
		// Problems of iomem and the firmware map are not the tree's: the notes say what could not be told.
		const plan = currentPlan();
		sayPolicy(plan);
		const known = origins ?? readOrigins(sysrootOf(tree), tree, []);
		const sysfs: SysfsView = {
			root: tree.root,
			blockSizeBytes: tree.blockSizeBytes,
			autoOnline,
			blocks: totals.blocks,
			online: totals.online,
			offline: totals.offline,
			other: totals.other,
			onlineType: mode,
			writable,
			problems: tree.problems.length,
			nodes: nodeTotals(tree.blocks),
			readMs,
			reading: reading ? {read: reading.pending.read(), total: reading.pending.total} : null,
			sweepSeconds,
			plan: plan.choices.length + plan.leftAlone.length === 0 ? null : {zones: zoneCounts(plan), leftAlone: plan.leftAlone.length},
			ratio: plan.policy?.autoMovableRatio ?? defaultAutoMovableRatio,
			offlining: offlining
				? {first: offlining.first, last: offlining.last, done: offlining.done, total: offlining.total, stopping: offlining.stopping}
				: null,
		};
		return {
			kind: 'sysfs',
			name: safeText(name),
			kernel: safeText(kernel),
			time: 0,
			uptimeSeconds: 0,
			regions: regionRows(tree, ranges, refused, plan, known),
			log: [...log],
			sysfs,
		};
	}
}

/** An integrate writing between frames: stopping once Esc gave it up, its result once done. */
type Writing = {run: IntegrateRun; started: number; stopping: boolean; abandoned: boolean; result?: ActResult};

/**
 * Milliseconds of writes in a row before the console gets its turn (keys, a frame): an i of a few
 * hundred blocks is done within the first slice, as before; 25,000 take about a hundred slices.
 */
const writeSliceMs = 50;

/** Milliseconds of a full read on the console's thread per poll (the workers read on meanwhile): a key waits at most this. */
const readSliceMs = 40;

/**
 * The rolling re-read's budget. sysfs tells no one when a block's state changes (poll(2) on
 * `state` never wakes: the kernel does not sysfs_notify it), so the blocks are read again in
 * turn. A block costs about 20 µs to read again (two files); idle, 2 ms a 500 ms poll (0.4% of a
 * core) goes through 1,000 blocks in 10 s, 100,000 in about 17 minutes. For a minute after a
 * change was seen (a hot-add and udev onlining its blocks come as bursts) the budget is the busy
 * one, 8 ms a poll: four times as fast. Blocks coming or going are seen at once, by the memory
 * directory's link count (refresh).
 */
const idleBudgetMs = 2;
export const busyForMs = 60_000;

/** A directory's link count (its subdirectories + 2 on sysfs and ext4), or undefined when it cannot be looked at. */
function linksOf(directory: string): number | undefined {
	try {
		return lstatSync(directory).nlink;
	} catch {
		return undefined;
	}
}

/** The tree while the first read runs: no block yet. */
function emptyTree(pending: PendingRead<MemoryTree>): MemoryTree {
	return {
		root: pending.root,
		blockSizeBytes: pending.blockSizeBytes,
		blocks: [],
		problems: [],
		hasNodes: false,
		hasZones: false,
		signature: '',
	};
}

/**
 * --offline's lines as the console's log shows them, where a line is cut at the pane's width: its
 * "Memory Block N (0x...-0x...)" as "block N" (the range row has the addresses), and a FAILED
 * block's line in two, the errno and whether a retry can help first, the diagnosis under it (the
 * whole line is in the log's detail either way). The words are --offline's (commands/offline.ts).
 */
export function consoleLines(line: string): string[] {
	const text = line.replace(/^ham-tui: /, '').replace('(--force skips', '(ham-tui --offline --force skips');
	const block = /^Memory Block (\d+) \(0x[\da-f]+-0x[\da-f]+\): (.*)$/.exec(text);
	if (!block) {
		return [text];
	}

	const [, index, what = ''] = block;
	const failed = /^FAILED: ([^:]+): (.*) \[((?:no )?retry can help)\]$/.exec(what);
	return failed ? [`block ${index}: FAILED: ${failed[1]} [${failed[3]}]`, `  block ${index}: ${failed[2]}`] : [`block ${index}: ${what}`];
}

/**
 * o's writer by default: --offline's, each write in a child process stopped past the time limit,
 * behind HAM_TUI_TEST_WRITE_ERRORS's refusals (a fake tree's test double, none on this machine).
 */
function timedOfflineWriter(sysroot: string): OfflineWriter {
	const timed = timedWriter(offlineOptions.timeoutSeconds * 1000);
	const gate = writerFor(sysroot, process.env, () => {});
	return async (file, value) => {
		if (gate.ok) {
			gate.value(file, value);
		}

		await timed(file, value);
	};
}

/** What the kernel said to a run of blocks, for the log: online, already online, gone, FAILED and why. */
export function groupWords(group: ResultGroup): string {
	return group.ok
		? group.already
			? 'already online'
			: 'online'
		: group.gone
			? 'gone (no longer in sysfs)'
			: `FAILED: ${describeError(group.error ?? '?')}`;
}

/** "7 of 8 offline block(s) onlined, 1 refused, 1 gone". */
export function countWords(results: readonly BlockResult[]): string {
	const done = results.filter(result => result.ok).length;
	const gone = results.filter(result => result.gone).length;
	const refused = results.length - done - gone;
	return `${done} of ${results.length} offline block(s) onlined${refused > 0 ? `, ${refused} refused` : ''}${gone > 0 ? `, ${gone} gone` : ''}`;
}

/** The runs of blocks as outcome rows, refusals first: the panels that list outcomes have room for a few lines only. */
export function outcomeRows(groups: readonly ResultGroup[]): OutcomeRow[] {
	return [...groups.filter(group => !group.ok && !group.gone), ...groups.filter(group => group.ok || group.gone)].map(group => ({
		id: group.first,
		slot: null,
		status: group.ok ? 'ENABLED' : group.gone ? 'GONE' : 'FAILED',
		reason: group.ok ? (group.already ? 'already online' : null) : group.gone ? 'no longer in sysfs' : describeError(group.error ?? '?'),
		retry: group.ok || group.gone ? null : group.retry === true,
		label: blockSpan(group.first, group.last),
	}));
}

function checkWritable(tree: MemoryTree, access: AccessCheck | undefined): true | string {
	// One block tells whether this process may write state files at all; the action checks each.
	const first = tree.blocks.find(block => block.state === 'offline') ?? tree.blocks[0];
	return first ? canWrite(tree, access, [first.index]) : true;
}

function kernelRelease(sysroot: string, thisMachine: boolean): string {
	if (thisMachine) {
		return os.release();
	}

	try {
		// Under a sysroot, as any file there: bounded, no link followed, never a FIFO waited on.
		return readKernelFile(path.join(sysroot, 'proc/sys/kernel/osrelease')).trim().slice(0, 40) || 'kernel unknown';
	} catch {
		return 'kernel unknown';
	}
}

function nodeTotals(blocks: readonly MemoryBlock[]): SysfsView['nodes'] {
	const nodes = new Map<number | null, SysfsView['nodes'][number]>();
	for (const block of blocks) {
		let node = nodes.get(block.node);
		if (!node) {
			node = {node: block.node, online: 0, offline: 0, other: 0};
			nodes.set(block.node, node);
		}

		if (block.state === 'online') {
			node.online++;
		} else if (block.state === 'offline') {
			node.offline++;
		} else {
			node.other++;
		}
	}

	return [...nodes.values()].sort((a, b) => (a.node ?? -1) - (b.node ?? -1));
}

/** The zones i would online the blocks in, most first ("6 Movable, 2 Normal"). */
function zoneCounts(plan: OnlinePlan): Array<{zone: string; blocks: number}> {
	const counts = new Map<string, number>();
	for (const choice of plan.choices) {
		counts.set(choice.zone, (counts.get(choice.zone) ?? 0) + 1);
	}

	return [...counts.entries()].map(([zone, blocks]) => ({zone, blocks})).sort((a, b) => b.blocks - a.blocks);
}

const originNames: Record<BlockOrigin, string> = {
	boot: 'boot memory',
	'acpi-dimm': 'ACPI DIMM',
	'virtio-mem': 'virtio-mem',
	kmem: 'dax kmem',
	unknown: '',
};

/**
 * Where a range's memory came from, by its first and last block (two lookups a range, not one per
 * block: a firmware_node link is read for each block asked about): "ACPI DIMM", "boot memory + ACPI DIMM".
 */
function originWords(range: MemoryRange, origins: OriginMap): string {
	const first = originNames[origins.origin(range.firstBlock)];
	const last = originNames[origins.origin(range.lastBlock)];
	return first === last || last === '' ? first : first === '' ? last : `${first} + ${last}`;
}

/** What i does to a range: the first block's zone and reason, or why it is left offline. */
function planWords(range: MemoryRange, plan: OnlinePlan): string {
	// The choices come in block order (planOnline takes the offline blocks in tree order): the
	// first at or past the range's first block, found by halving, not by a map of 25,000 blocks.
	const {choices} = plan;
	let low = 0;
	let high = choices.length;
	while (low < high) {
		const middle = (low + high) >>> 1;
		if ((choices[middle]?.block ?? Number.POSITIVE_INFINITY) < range.firstBlock) {
			low = middle + 1;
		} else {
			high = middle;
		}
	}

	const choice = choices[low];
	if (choice && choice.block <= range.lastBlock) {
		const more = range.blocks > 1 ? ' (first block)' : '';
		return `i: ${choice.zone === kernelsChoice ? choice.zone : `online ${choice.zone}`}${more}, ${choice.reason}`;
	}

	return plan.leftAlone.includes(range.firstBlock)
		? 'i leaves it offline: boot memory offlined on purpose (--integrate --blocks names it)'
		: '';
}

/** The ranges as region rows, each with the refusals of its blocks in the last attempt. */
function regionRows(
	tree: MemoryTree,
	ranges: readonly MemoryRange[],
	refused: ReadonlyMap<number, {code: string; retry: boolean}>,
	plan: OnlinePlan,
	origins: OriginMap,
): RegionRow[] {
	const failures = [...refused.entries()].sort((a, b) => a[0] - b[0]);
	let next = 0;
	return ranges.map(range => {
		while ((failures[next]?.[0] ?? Number.POSITIVE_INFINITY) < range.firstBlock) {
			next++;
		}

		const inside: Array<[number, {code: string; retry: boolean}]> = [];
		for (let failure = failures[next]; failure !== undefined && failure[0] <= range.lastBlock; failure = failures[next]) {
			inside.push(failure);
			next++;
		}

		const zones = range.zones;
		const detail = [
			blockSpan(range.firstBlock, range.lastBlock),
			tree.hasNodes ? `node ${range.node ?? '-'}` : '',
			zones && zones.length > 0 ? zones.map(zone => lsmemZoneName(zone)).join('/') : '',
			range.state === 'online' ? (range.removable ? 'removable' : 'not removable') : '',
			originWords(range, origins),
			range.state === 'offline' ? planWords(range, plan) : '',
		]
			.filter(part => part !== '')
			.join(', ');
		return rangeRow(range, detail, range.node, inside);
	});
}

/** The refusals of one range's blocks in the last attempt: [block, errno and whether a retry can help]. */
export type RangeRefusals = ReadonlyArray<readonly [number, {code: string; retry: boolean}]>;

/** A range of blocks as a region row, a real machine's or a VM guest's: the first refusal among its blocks, and `detail`. */
export function rangeRow(range: MemoryRange, detail: string, slot: number | null, inside: RangeRefusals): RegionRow {
	const first = inside[0];
	return {
		id: range.firstBlock,
		start: formatAddress(range.start),
		size: range.size,
		flags: blockFlags,
		status: blockStatus(range.state),
		slot,
		code: first ? first[1].code : null,
		reason: first
			? `block ${first[0]}: ${describeError(first[1].code)}${inside.length > 1 ? ` (${inside.length} blocks refused)` : ''}`
			: null,
		retry: first ? inside.some(([, failure]) => failure.retry) : null,
		needBytes: null,
		detail: safeText(detail),
		blocks: {first: range.firstBlock, last: range.lastBlock},
	};
}
