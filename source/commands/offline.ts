// --offline on a real machine's memory blocks: chmem -d with checks first. The blocks come from
// the selection (--blocks, --range, --size: one is required, offlining everything is never a
// default), highest first. Before any write: the kernel's own refusals known in advance (valid_zones
// none), and, unless forced, a node left without memory and MemAvailable pushed below the floor
// (sysfs/offline.ts). An explicit selection is all or nothing: one refusal and nothing is written.
// A size goes on past refusals and failures to the next block down, until the size is done, as
// chmem does. Each write has a time limit (sysfs/timed-write.ts). Exit codes as chmem's: 0 all
// done (or nothing to do), 1 none (or refused before any write), 64 some. The console's `o` asks
// checkOffline (the same checks, nothing written) before it runs runOffline, which it can stop
// between two blocks (OfflineDeps.signal).
import {accessSync, constants} from 'node:fs';
import path from 'node:path';
import type {SysfsTarget} from '../cli/command.js';
import {usageLines} from '../cli/usage.js';
import {exit} from '../exit.js';
import {safeText} from '../model/sanitize.js';
import {formatAddress, formatSize} from '../model/units.js';
import {blockList, describeError} from '../sysfs/integrate.js';
import {blockRefusal, type Diagnosis, diagnoseOffline, readMeminfo, rereadOffline, SafetyBudget} from '../sysfs/offline.js';
import {type AccessCheck, statePath} from '../sysfs/online.js';
import {readRamHoles} from '../sysfs/origin.js';
import {entryAt, errorCode, type MemoryBlock, type MemoryTree, readMemoryTree} from '../sysfs/read.js';
import {describeSelection, selectBlocks, wantedBlocks} from '../sysfs/select.js';
import {timedWriter} from '../sysfs/timed-write.js';
import type {SysfsIo} from './sysfs.js';

export type OfflineOptions = {
	/** The time limit of each block's write, in seconds: past it the write is stopped, the block stays online. */
	timeoutSeconds: number;
	/** Skip the node and MemAvailable checks (never valid_zones none: the kernel refuses anyway). */
	force: boolean;
};

/** A write to a block's state: timedWriter's, or a stand-in (tests); either may be synchronous. */
export type OfflineWriter = (file: string, value: string) => Promise<void> | void;

export type OfflineDeps = {
	writer?: OfflineWriter;
	access?: AccessCheck;
	/** Blocks or a range: once aborted, no block more is written (the write under way runs to its end or its time limit). */
	signal?: AbortSignal;
};

type Outcome = {
	block: number;
	ok: boolean;
	/** Refused by the checks: never written. */
	refused?: string;
	error?: string;
	diagnosis?: Diagnosis;
	/** ok: it was offline when read again after a refused write (someone else offlined it). */
	note?: string;
};

const writeAccess: AccessCheck = file => {
	accessSync(file, constants.W_OK);
};

export async function runOffline(options: OfflineOptions, target: SysfsTarget, io: SysfsIo, deps: OfflineDeps = {}): Promise<number> {
	const prepared = prepare(options, target, io, deps);
	if (!prepared.ok) {
		return prepared.code;
	}

	const {run, blocks, denied} = prepared;
	if (denied !== undefined && !target.dryRun) {
		io.err(`ham-tui: ${denied}\n`);
		return exit.failed;
	}

	const code = run.bySize ? await bySizeRun(run, blocks, target.dryRun, deps) : await explicitRun(run, blocks, target.dryRun, deps);
	if (denied !== undefined) {
		io.err(`ham-tui: ${denied}\n`);
	}

	return code;
}

/** What the checks before any write found: the run and its blocks, or the exit code, its lines said. */
type Prepared = {ok: true; run: Run; blocks: MemoryBlock[]; denied: string | undefined} | {ok: false; code: number};

/** Everything before the first write: the usage, the tree read, the blocks chosen, MemAvailable, the permission. */
function prepare(options: OfflineOptions, target: SysfsTarget, io: SysfsIo, deps: OfflineDeps): Prepared {
	const selection = target.selection;
	if (selection === undefined) {
		io.err(usageLines('--offline needs the blocks to offline: --blocks N-M, --range 0xSTART-0xEND or --size SIZE'));
		return {ok: false, code: exit.usage};
	}

	if (!(options.timeoutSeconds > 0)) {
		io.err(usageLines('--offline: the time limit must be a positive number of seconds'));
		return {ok: false, code: exit.usage};
	}

	let tree: MemoryTree;
	try {
		tree = readMemoryTree(target.sysroot, {zones: true, nodes: true});
	} catch (error) {
		io.err(`ham-tui: ${safeText(error instanceof Error ? error.message : String(error))}\n`);
		return {ok: false, code: exit.failed};
	}

	if (tree.problems.length > 0) {
		io.err(tree.problems.map(problem => `ham-tui: ${safeText(problem)}\n`).join(''));
	}

	const chosen = selectBlocks(tree, selection, 'offline');
	if (!chosen.ok) {
		io.err(`ham-tui: ${safeText(chosen.error)}\n`);
		return {ok: false, code: exit.failed};
	}

	const size = tree.blockSizeBytes;
	const bySize = selection.kind === 'size';
	// selectBlocks gives a range lowest first: offlining goes from the top down, as chmem -d does.
	const candidates = bySize ? chosen.value.blocks : [...chosen.value.blocks].reverse();
	const wanted = wantedBlocks(tree, selection, chosen.value);
	if (!bySize && candidates.length === 0) {
		io.out(`offline: ${describeSelection(selection)} is already offline, nothing to do\n`);
		return {ok: false, code: exit.ok};
	}

	if (chosen.value.short > 0) {
		io.err(`ham-tui: ${describeSelection(selection)} asked for, only ${formatSize(candidates.length * size)} of it is online\n`);
	}

	const meminfo = readMeminfo(target.sysroot);
	if (!meminfo.ok) {
		if (!options.force) {
			io.err(`ham-tui: ${safeText(meminfo.error)}: MemAvailable unknown, nothing offlined (--force skips this check)\n`);
			return {ok: false, code: exit.failed};
		}

		io.err(`ham-tui: ${safeText(meminfo.error)}: MemAvailable unknown, the floor check is skipped (--force)\n`);
	}

	const byIndex = new Map(tree.blocks.map(block => [block.index, block]));
	const blocks = candidates.map(index => byIndex.get(index)).filter(block => block !== undefined);
	// Problems of /proc/iomem are not the tree's: without it the kernel still answers, only later.
	const holes = readRamHoles(target.sysroot, []);
	const budget = new SafetyBudget(tree, meminfo.ok ? meminfo.value : undefined);
	const run: Run = holes ? {tree, io, options, budget, wanted, bySize, holes} : {tree, io, options, budget, wanted, bySize};
	const denied = permission(tree, bySize ? blocks.slice(0, 1) : blocks, deps.access ?? writeAccess);
	return {ok: true, run, blocks, denied};
}

/** What checkOffline found: the blocks it would write (highest first) with what the checks saw, or why not. */
export type OfflineCheck =
	| {ok: true; blocks: MemoryBlock[]; blockSizeBytes: number; checks: string; lines: string[]}
	| {ok: false; lines: string[]};

/**
 * --offline's checks for blocks or a range, made now and nothing written: the lines --offline
 * would print (without "ham-tui: "), and on success the blocks and what the checks saw once all
 * were taken. For the console, which asks before it offlines; runOffline checks again when it runs.
 */
export function checkOffline(options: OfflineOptions, target: SysfsTarget, deps: Pick<OfflineDeps, 'access'> = {}): OfflineCheck {
	const lines: string[] = [];
	const collect = (text: string) => {
		lines.push(
			...text
				.split('\n')
				.filter(line => line !== '')
				.map(line => line.replace(/^ham-tui: /, '')),
		);
	};
	const io: SysfsIo = {out: collect, err: collect, now: () => Date.now() / 1000, fixedClock: false};
	if (target.selection?.kind === 'size') {
		return {ok: false, lines: ['the checks of a size are made block by block as it runs: name blocks or a range']};
	}

	const prepared = prepare(options, target, io, deps);
	if (!prepared.ok) {
		return {ok: false, lines};
	}

	const {run, blocks, denied} = prepared;
	if (denied !== undefined) {
		return {ok: false, lines: [...lines, denied]};
	}

	const {reasons, refused} = explicitChecks(run, blocks);
	if (refused.length > 0) {
		return {ok: false, lines};
	}

	return {ok: true, blocks, blockSizeBytes: run.tree.blockSizeBytes, checks: reasons.at(-1)?.checks ?? '', lines};
}

type Run = {
	tree: MemoryTree;
	io: SysfsIo;
	options: OfflineOptions;
	budget: SafetyBudget;
	wanted: number;
	bySize: boolean;
	/** A hole in a block's range (/proc/iomem as root), the kernel's EINVAL known before writing; undefined: not known. */
	holes?: (start: number, end: number) => {start: number; end: number} | undefined;
};

/** Why the first of `blocks` that may not be written cannot be, in words; undefined when all may. access(2) is only a hint. */
function permission(tree: MemoryTree, blocks: readonly MemoryBlock[], access: AccessCheck): string | undefined {
	for (const block of blocks) {
		const file = statePath(tree, block.index);
		try {
			access(file);
		} catch (error) {
			const code = errorCode(error);
			const why =
				code === 'EACCES' || code === 'EPERM' ? 'offlining memory needs root: ' : code === 'EROFS' ? 'sysfs is read-only here: ' : '';
			return `${why}cannot write ${safeText(file)} (${code})`;
		}
	}

	return undefined;
}

/** The checks of one block after those taken: a refusal, or undefined (then it is taken). */
function refusal(run: Run, block: MemoryBlock): string | undefined {
	const size = run.tree.blockSizeBytes;
	const hole = run.holes?.(block.index * size, (block.index + 1) * size - 1);
	return blockRefusal(block, hole) ?? (run.options.force ? undefined : run.budget.refuse(block));
}

/** Each block's checks, taken in order: its refusal, or what the checks saw once it was taken; the refusals said. */
function explicitChecks(run: Run, blocks: readonly MemoryBlock[]) {
	const reasons = blocks.map(block => ({block, reason: refusal(run, block), checks: run.budget.describe(block)}));
	const refused = reasons.filter(entry => entry.reason !== undefined);
	say(
		run,
		refused.map(entry => ({block: entry.block.index, ok: false, refused: entry.reason})),
	);
	return {reasons, refused};
}

/** Blocks or a range: every block checked first; one refusal and nothing is written. */
async function explicitRun(run: Run, blocks: readonly MemoryBlock[], dryRun: boolean, deps: OfflineDeps): Promise<number> {
	const {reasons, refused} = explicitChecks(run, blocks);
	if (refused.length > 0) {
		run.io.out(
			`offline: nothing written: ${refused.length} of ${blocks.length} block(s) refused by the checks${run.options.force ? '' : " (--force skips the node and MemAvailable checks, not the kernel's own refusals)"}\n`,
		);
		return exit.failed;
	}

	if (dryRun) {
		return dryRunLines(
			run,
			reasons.map(entry => ({block: entry.block, checks: entry.checks})),
		);
	}

	const outcomes: Outcome[] = [];
	for (const block of blocks) {
		if (deps.signal?.aborted) {
			// Stopped between two writes: the blocks not written stay online, as a failure would leave them.
			run.io.out(`offline: stopped before block ${block.index}: the blocks not yet written stay online\n`);
			break;
		}

		const outcome = await offlineOne(run, block, deps);
		say(run, [outcome]);
		outcomes.push(outcome);
	}

	return summary(run, outcomes);
}

/** A size: highest block first, past refusals and failures, until the size is done or no block is left. */
async function bySizeRun(run: Run, blocks: readonly MemoryBlock[], dryRun: boolean, deps: OfflineDeps): Promise<number> {
	const outcomes: Outcome[] = [];
	const planned: {block: MemoryBlock; checks: string}[] = [];
	let done = 0;
	for (const block of blocks) {
		if (done >= run.wanted) {
			break;
		}

		// The floor is reached: every block further down would be refused for it too.
		const floor = run.options.force ? undefined : run.budget.floorProblem();
		if (floor !== undefined) {
			run.io.out(`offline: stopping: ${floor}\n`);
			break;
		}

		const reason = refusal(run, block);
		if (reason !== undefined) {
			const outcome = {block: block.index, ok: false, refused: reason};
			say(run, [outcome]);
			outcomes.push(outcome);
			continue;
		}

		if (dryRun) {
			planned.push({block, checks: run.budget.describe(block)});
			done++;
			continue;
		}

		const outcome = await offlineOne(run, block, deps);
		say(run, [outcome]);
		outcomes.push(outcome);
		if (outcome.ok) {
			done++;
		} else if (!run.options.force) {
			// Still online: it still counts for its node and for MemAvailable.
			run.budget.giveBack(block);
		}
	}

	if (dryRun) {
		const code = dryRunLines(run, planned);
		return planned.length === run.wanted ? code : planned.length === 0 ? exit.failed : exit.partial;
	}

	return summary(
		run,
		outcomes.filter(outcome => outcome.refused === undefined || outcome.ok),
	);
}

/** One write and what it came to: a refused write is checked against the block's state read again. */
async function offlineOne(run: Run, block: MemoryBlock, deps: OfflineDeps): Promise<Outcome> {
	const file = statePath(run.tree, block.index);
	const writer = deps.writer ?? timedWriter(run.options.timeoutSeconds * 1000);
	try {
		await writer(file, 'offline');
		return {block: block.index, ok: true};
	} catch (error) {
		const code = errorCode(error);
		const now = rereadOffline(run.tree, block);
		if (now === undefined && code === 'ENOENT' && !entryAt(path.dirname(file))) {
			return {block: block.index, ok: true, note: 'gone (no longer in sysfs: removed since it was read)'};
		}

		// EINVAL for a block offline now: someone else offlined it first (state_store answers EINVAL
		// for a block already offline). After any other answer it went offline after all.
		if (now?.state === 'offline') {
			return {
				block: block.index,
				ok: true,
				note: code === 'EINVAL' ? 'offline (it already was: someone else offlined it)' : 'offline (it went offline after all)',
			};
		}

		// The zones as read before the write: an online block's valid_zones is its zone.
		const diagnosis = diagnoseOffline(code, {state: now?.state ?? block.state, zones: block.zones}, run.options.timeoutSeconds);
		return {block: block.index, ok: false, error: code, diagnosis};
	}
}

/** chmem's "Memory Block N (0x...-0x...)", then what became of it. */
function say(run: Run, outcomes: readonly Outcome[]): void {
	if (outcomes.length === 0) {
		return;
	}

	const size = run.tree.blockSizeBytes;
	run.io.out(
		outcomes
			.map(outcome => {
				const where = `Memory Block ${outcome.block} (${formatAddress(outcome.block * size)}-${formatAddress((outcome.block + 1) * size - 1)})`;
				return `${where}: ${what(outcome)}\n`;
			})
			.join(''),
	);
}

function what(outcome: Outcome): string {
	if (outcome.ok) {
		return outcome.note ?? 'offline';
	}

	if (outcome.refused !== undefined) {
		return `refused: ${safeText(outcome.refused)}`;
	}

	const code = outcome.error ?? '?';
	// ETIMEDOUT is ham-tui's own time limit, not the network's "connection timed out".
	const shown = code === 'ETIMEDOUT' ? 'ETIMEDOUT (time limit)' : describeError(code);
	const diagnosis = outcome.diagnosis ?? {text: '', retry: false};
	return `FAILED: ${safeText(shown)}: ${safeText(diagnosis.text)} [${diagnosis.retry ? 'retry can help' : 'no retry can help'}]`;
}

/** --dry-run: each write as a shell line, with what the checks saw; nothing written. */
function dryRunLines(run: Run, planned: readonly {block: MemoryBlock; checks: string}[]): number {
	const {tree, io, options} = run;
	io.out(
		planned
			.map(({block, checks}) => {
				const zone = block.zones.length > 0 ? block.zones.join(' ') : 'zone unknown';
				const why = options.force ? `${zone}; --force: node and MemAvailable checks skipped` : `${zone}; ${checks}`;
				return `echo offline > ${safeText(statePath(tree, block.index))}  # ${safeText(why)}\n`;
			})
			.join(''),
	);
	const indices = planned.map(entry => entry.block.index);
	io.out(
		`dry run: would offline ${indices.length} block(s) (${formatSize(indices.length * tree.blockSizeBytes)})${indices.length > 0 ? `: ${blockList([...indices].sort((a, b) => a - b))}` : ''}; nothing written\n`,
	);
	return exit.ok;
}

/** The last line(s): offlined of all wanted, those still online with their errnos; the exit code. */
function summary(run: Run, outcomes: readonly Outcome[]): number {
	const size = run.tree.blockSizeBytes;
	const done = outcomes.filter(outcome => outcome.ok).length;
	const left = outcomes.filter(outcome => !outcome.ok).sort((a, b) => a.block - b.block);
	const codes = [...new Set(left.map(outcome => safeText(outcome.error ?? outcome.refused ?? '?')))].sort().join(', ');
	const wanted = run.wanted;
	const lines: string[] = [];
	if (run.bySize && done < wanted) {
		// chmem's "Could only disable": the size ran out of blocks to try.
		lines.push(`offline: could only offline ${formatSize(done * size)} of ${formatSize(wanted * size)}\n`);
	}

	lines.push(
		`offline: ${done} of ${wanted} block(s) offlined (${formatSize(done * size)} of ${formatSize(wanted * size)})` +
			(left.length > 0
				? `, ${left.length} still online (block${left.length === 1 ? '' : 's'} ${blockList(left.map(outcome => outcome.block))}: ${codes})`
				: '') +
			'\n',
	);
	run.io.out(lines.join(''));
	if (done >= wanted) {
		return exit.ok;
	}

	return done > 0 ? exit.partial : exit.failed;
}
