// ham_integrate on a modern kernel: one attempt writes `online` (or online_movable / online_kernel)
// to the `state` of each block still offline, and says per block what the kernel answered and
// whether trying again can help. integrateOnce is that attempt for every caller; the retry loop
// around it (model/retry.ts) lives with the caller: the one-shot command sleeps between attempts,
// the console's loop is clock-driven.
import {realpathSync} from 'node:fs';
import path from 'node:path';
import {errnoText} from '../errno.js';
import {fail, ok, type Result} from '../result.js';
import {type AccessCheck, canWrite, type OnlineMode, type SysfsWriter, statePath, writeSysfs} from './online.js';
import {type OnlinePlan, planOnline} from './plan.js';
import {entryAt, errorCode, type MemoryBlock, type MemoryTree, type ReadOptions, readAgainIfChanged, rereadBlock} from './read.js';

export type BlockResult = {
	block: number;
	ok: boolean;
	/** The write failed with EINVAL but the block is online now: someone else onlined it first. */
	already?: boolean;
	/** The block is no longer in sysfs (hot-removed since it was read): nothing is left to online. */
	gone?: boolean;
	/** The errno code of a failed write (EBUSY, EINVAL, EACCES...). */
	error?: string;
	/** Whether a later attempt can succeed where this one failed. */
	retry?: boolean;
};

// What the kernel returns from a `state` write that a later try can get past: the device hotplug
// lock or the block is busy, memory for the block's memmap is short, the write was interrupted.
// Everything else (EINVAL: a value or zone the kernel will not take; EACCES/EPERM; ENOENT: the
// block is gone; EHWPOISON: a page of it is bad) gives the same answer every time.
const transient = new Set(['EBUSY', 'EAGAIN', 'EWOULDBLOCK', 'ENOMEM', 'EINTR', 'ETIMEDOUT', 'ENOSPC']);

export function retryCanHelp(code: string): boolean {
	return transient.has(code);
}

/** `EBUSY (resource busy or locked)`: the code and what it means; anything else as it is. */
export function describeError(code: string): string {
	const meaning = errnoText(code);
	return meaning ? `${code} (${meaning})` : code;
}

/**
 * One attempt: writes `mode` to the state of each listed block, in order, whatever earlier
 * writes did. A write refused with EINVAL is checked against the block's state: when it is
 * online now (another process, a udev rule or the kernel's auto-online got there first) it
 * counts as done. ENOENT with the block's directory gone too: the block is gone.
 */
export function attemptOnline(
	tree: MemoryTree,
	blocks: readonly number[],
	mode: OnlineMode | ReadonlyMap<number, OnlineMode>,
	writer: SysfsWriter = writeSysfs,
): BlockResult[] {
	// The tree's blocks by number, made only once a refusal needs one: a write that goes through
	// costs no lookup (the console writes a slice at a time; a map per call would cost O(tree) each).
	let byIndex: Map<number, MemoryBlock> | undefined;
	return blocks.map(index => {
		try {
			writer(statePath(tree, index), typeof mode === 'string' ? mode : (mode.get(index) ?? 'online'));
			return {block: index, ok: true};
		} catch (error) {
			const code = errorCode(error);
			byIndex ??= new Map(tree.blocks.map(block => [block.index, block]));
			const block = byIndex.get(index);
			if (code === 'EINVAL' && block && rereadBlock(tree, block, [], {zones: false})?.state === 'online') {
				return {block: index, ok: true, already: true};
			}

			if (code === 'ENOENT' && !entryAt(path.dirname(statePath(tree, index)))) {
				return goneResult(index);
			}

			return {block: index, ok: false, error: code, retry: retryCanHelp(code)};
		}
	});
}

function goneResult(block: number): BlockResult {
	return {block, ok: false, gone: true, error: 'ENOENT', retry: false};
}

export type IntegrateOptions = {
	/** `auto`: the zone rule per block (plan.ts, zone.ts); a mode: that, for every block. */
	mode: 'auto' | OnlineMode;
	/** The blocks the operator named (--blocks, --range, --size); else every offline block but boot memory. */
	only?: ReadonlySet<number>;
	writer?: SysfsWriter;
	access?: AccessCheck;
	/** How to read the tree again when blocks came or went (as it was read first). */
	read?: ReadOptions;
	/** Offline blocks not to write (the one-shot's: refused before, and no retry can help). */
	skip?: ReadonlySet<number>;
};

export type IntegrateAttempt = {
	/**
	 * The tree after the attempt: read again when blocks came or went, else the tree given,
	 * changed in place (a tree of 100,000 blocks is not copied per attempt): the blocks onlined
	 * say online, the ones found gone are left out.
	 */
	tree: MemoryTree;
	/** True when the tree was read again: blocks came or went since it was read. */
	reread: boolean;
	/** Each offline block written to, and each found gone, in block order. */
	results: BlockResult[];
	/** Why nothing was written (canWrite's answer: needs root...); results then hold only the blocks gone. */
	problem?: string;
	/** What was (or would have been) written and why; the boot memory left alone. */
	plan: OnlinePlan;
};

/**
 * One integrate: the tree read again if blocks came or went (new offline blocks are tried,
 * vanished ones reported gone, not still offline), the permission checked, then `mode` written
 * to each offline block not skipped. Both the one-shot and the console attempt through it: the
 * one-shot in one go (integrateOnce), the console a slice at a time (startIntegrate, then
 * integrateSome until it is done or stopped, then finishIntegrate).
 */
export function integrateOnce(tree: MemoryTree, options: IntegrateOptions): IntegrateAttempt {
	const run = startIntegrate(tree, options);
	integrateSome(run, () => false);
	return finishIntegrate(run);
}

/** An integrate under way: what it writes, in order, and what it has written so far. */
export type IntegrateRun = {
	tree: MemoryTree;
	reread: boolean;
	plan: OnlinePlan;
	problem?: string;
	/** The blocks found gone when the tree was read again. */
	gone: BlockResult[];
	/** The blocks to write, in order, with the mode each gets. */
	targets: number[];
	modes: ReadonlyMap<number, OnlineMode>;
	/** Each block written so far (targets[0 .. written.length - 1]), in order. */
	written: BlockResult[];
	writer: SysfsWriter | undefined;
	/** Where each block is in tree.blocks, for marking the onlined ones online as they go. */
	positions: Map<number, number>;
};

/** An integrate's checks, nothing written yet: the tree read again when blocks came or went, the plan, the permission. */
export function startIntegrate(tree: MemoryTree, options: IntegrateOptions): IntegrateRun {
	const fresh = readAgainIfChanged(tree, options.read);
	const current = fresh ?? tree;
	const gone = fresh ? vanished(tree, fresh) : [];
	const plan = planOnline(current, options);
	const targets = plan.choices.map(choice => choice.block);
	const permission = targets.length === 0 ? true : canWrite(current, options.access, targets);
	const run: IntegrateRun = {
		tree: current,
		reread: fresh !== undefined,
		plan,
		gone,
		targets: permission === true ? targets : [],
		modes: new Map(plan.choices.map(choice => [choice.block, choice.mode])),
		written: [],
		writer: options.writer,
		positions: new Map(),
	};
	if (permission !== true) {
		run.problem = permission;
	}

	if (run.targets.length > 0) {
		run.positions = new Map(current.blocks.map((block, position) => [block.index, position]));
	}

	return run;
}

/**
 * Writes the run's next blocks, one at a time, until all are written or `enough()` says so
 * (asked before each block: a time slice, a stop). The blocks onlined say online in the tree at
 * once. Returns the results of this slice.
 */
export function integrateSome(run: IntegrateRun, enough: () => boolean): BlockResult[] {
	const results: BlockResult[] = [];
	while (run.written.length < run.targets.length && !enough()) {
		const index = run.targets[run.written.length] as number;
		const [result] = attemptOnline(run.tree, [index], run.modes, run.writer);
		if (result) {
			results.push(result);
			run.written.push(result);
			const block = result.ok ? run.tree.blocks[run.positions.get(index) ?? -1] : undefined;
			if (block) {
				block.state = 'online';
			}
		}
	}

	return results;
}

/** True when every block of the run is written. */
export function integrateDone(run: IntegrateRun): boolean {
	return run.written.length >= run.targets.length;
}

/** The attempt as it stands (all written, or stopped part way): the blocks found gone left out of the tree. */
export function finishIntegrate(run: IntegrateRun): IntegrateAttempt {
	const {tree, written, gone} = run;
	const found = written.filter(result => result.gone);
	if (found.length > 0) {
		const missing = new Set(found.map(result => result.block));
		tree.blocks = tree.blocks.filter(block => !missing.has(block.index));
	}

	const results = gone.length === 0 ? written : [...written, ...gone].sort((a, b) => a.block - b.block);
	const attempt: IntegrateAttempt = {tree, reread: run.reread, results, plan: run.plan};
	if (run.problem !== undefined) {
		attempt.problem = run.problem;
	}

	return attempt;
}

/** The block numbers of the tree's offline blocks, in order: what an integrate writes to. */
export function offlineBlocks(tree: MemoryTree): number[] {
	return tree.blocks.filter(block => block.state === 'offline').map(block => block.index);
}

/** The blocks offline in `before` that `after` no longer has, as results. */
function vanished(before: MemoryTree, after: MemoryTree): BlockResult[] {
	const present = new Set(after.blocks.map(block => block.index));
	return offlineBlocks(before)
		.filter(index => !present.has(index))
		.map(index => goneResult(index));
}

export type ResultGroup = {
	first: number;
	last: number;
	count: number;
	ok: boolean;
	already: boolean;
	gone: boolean;
	error?: string;
	retry?: boolean;
};

/** Consecutive blocks with the same answer, as one group: 25,000 blocks onlined are one line. */
export function groupResults(results: readonly BlockResult[]): ResultGroup[] {
	const groups: ResultGroup[] = [];
	let current: ResultGroup | undefined;
	for (const result of results) {
		if (
			current &&
			current.last + 1 === result.block &&
			current.ok === result.ok &&
			current.gone === (result.gone === true) &&
			current.already === (result.already === true) &&
			current.error === result.error
		) {
			current.last = result.block;
			current.count++;
			continue;
		}

		current = {
			first: result.block,
			last: result.block,
			count: 1,
			ok: result.ok,
			already: result.already === true,
			gone: result.gone === true,
		};
		if (result.error !== undefined) {
			current.error = result.error;
			current.retry = result.retry === true;
		}

		groups.push(current);
	}

	return groups;
}

/** "block 7" or "blocks 7-9". */
export function blockSpan(first: number, last: number): string {
	return first === last ? `block ${first}` : `blocks ${first}-${last}`;
}

/** Consecutive block numbers as spans: [1, 2, 3, 7] -> "1-3, 7". */
export function blockList(blocks: readonly number[], limit = 8): string {
	const spans: string[] = [];
	let start = blocks[0];
	for (const [i, block] of blocks.entries()) {
		const next = blocks[i + 1];
		if (next !== block + 1) {
			spans.push(start === block ? `${block}` : `${start}-${block}`);
			start = next;
		}
	}

	return spans.length > limit ? `${spans.slice(0, limit).join(', ')} and ${spans.length - limit} more` : spans.join(', ');
}

/**
 * A test double for the kernel's refusals, from text such as `50003-50005=EBUSY*2,50010=EINVAL`:
 * a write to a listed block fails with that errno the first COUNT times (every time without
 * `*COUNT`), then goes through to `writer`. Refused with a message for text it cannot parse.
 */
export function faultyWriter(spec: string, writer: SysfsWriter = writeSysfs): Result<SysfsWriter> {
	const faults = new Map<number, {code: string; left: number}>();
	for (const part of spec
		.split(',')
		.map(text => text.trim())
		.filter(text => text !== '')) {
		const [, firstText, lastText, code, count] = /^(\d+)(?:-(\d+))?=(E[A-Z]+)(?:\*(\d+))?$/.exec(part) ?? [];
		if (firstText === undefined || code === undefined) {
			return fail(`"${part}" is not BLOCK[-BLOCK]=ECODE[*COUNT]`);
		}

		const first = Number(firstText);
		const last = lastText === undefined ? first : Number(lastText);
		if (last < first || last - first > 1_000_000) {
			return fail(`"${part}": the block range is backwards or too large`);
		}

		for (let block = first; block <= last; block++) {
			faults.set(block, {code, left: count === undefined ? Number.POSITIVE_INFINITY : Number(count)});
		}
	}

	return ok((file, value) => {
		const block = /memory(\d+)\/state$/.exec(file)?.[1];
		const fault = block === undefined ? undefined : faults.get(Number(block));
		if (fault && fault.left > 0) {
			fault.left--;
			throw Object.assign(new Error(`${fault.code}: refused by the test double`), {code: fault.code});
		}

		writer(file, value);
	});
}

/**
 * Kernel refusals for tests and demonstrations that run ham-tui as a process:
 * HAM_TUI_TEST_WRITE_ERRORS=`BLOCK[-BLOCK]=ECODE[*COUNT],...` (see faultyWriter). Honoured only
 * for a tree under some --sysroot, never for this machine's own /sys.
 */
export const writeErrorsVariable = 'HAM_TUI_TEST_WRITE_ERRORS';

/** The writer to use for `sysroot`: `writer`, or the test double the environment asks for. */
export function writerFor(sysroot: string, env: NodeJS.ProcessEnv, writer: SysfsWriter = writeSysfs): Result<SysfsWriter> {
	const spec = env[writeErrorsVariable];
	if (spec === undefined || spec === '' || isThisMachine(sysroot)) {
		return ok(writer);
	}

	const faulty = faultyWriter(spec, writer);
	return faulty.ok ? faulty : fail(`${writeErrorsVariable}: ${faulty.error}`);
}

/** True when `sysroot` is this machine's root (`/`, or a path or link that leads there). */
export function isThisMachine(sysroot: string): boolean {
	try {
		return realpathSync(sysroot) === '/';
	} catch {
		return path.resolve(sysroot) === '/';
	}
}
