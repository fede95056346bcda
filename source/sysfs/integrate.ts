// ham_integrate on a modern kernel: one attempt writes `online` (or online_movable / online_kernel)
// to the `state` of each block still offline, and says per block what the kernel answered and
// whether trying again can help. The retry loop itself (attempts, interval, early stop) lives with
// its caller: the one-shot command sleeps between attempts, the console's loop is clock-driven.
import {realpathSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {getSystemErrorMap} from 'node:util';
import {type OnlineMode, statePath, type SysfsWriter, writeSysfs} from './online.js';
import {errorCode, type MemoryTree, rereadBlock} from './read.js';

export type BlockResult = {
	block: number;
	ok: boolean;
	/** The write failed with EINVAL but the block is online now: someone else onlined it first. */
	already?: boolean;
	/** The errno code of a failed write (EBUSY, EINVAL, EACCES...). */
	error?: string;
	/** Whether a later attempt can succeed where this one failed. */
	retry?: boolean;
};

// What the kernel returns from a `state` write that a later try can get past: the device hotplug
// lock or the block is busy, memory for the block's memmap is short, the write was interrupted.
// Everything else (EINVAL: a value or zone the kernel will not take; EACCES/EPERM; ENOENT: the
// block is gone) gives the same answer every time.
const transient = new Set(['EBUSY', 'EAGAIN', 'EWOULDBLOCK', 'ENOMEM', 'EINTR', 'ETIMEDOUT', 'ENOSPC']);

export function retryCanHelp(code: string): boolean {
	return transient.has(code);
}

/** `EBUSY (resource busy or locked)`: the code and the system's words for it. */
export function describeError(code: string): string {
	const number = (os.constants.errno as Record<string, number | undefined>)[code];
	const message = number === undefined ? undefined : getSystemErrorMap().get(-number)?.[1];
	return message ? `${code} (${message})` : code;
}

/**
 * One attempt: writes `mode` to the state of each listed block, in order, whatever earlier
 * writes did. A write refused with EINVAL is checked against the block's state: when it is
 * online now (another process, a udev rule or the kernel's auto-online got there first) it
 * counts as done.
 */
export function attemptOnline(tree: MemoryTree, blocks: readonly number[], mode: OnlineMode, writer: SysfsWriter = writeSysfs): BlockResult[] {
	const byIndex = new Map(tree.blocks.map(block => [block.index, block]));
	return blocks.map(index => {
		try {
			writer(statePath(tree, index), mode);
			return {block: index, ok: true};
		} catch (error) {
			const code = errorCode(error);
			const block = byIndex.get(index);
			if (code === 'EINVAL' && block && rereadBlock(tree, block, [], {zones: false})?.state === 'online') {
				return {block: index, ok: true, already: true};
			}

			return {block: index, ok: false, error: code, retry: retryCanHelp(code)};
		}
	});
}

export type ResultGroup = {first: number; last: number; count: number; ok: boolean; already: boolean; error?: string; retry?: boolean};

/** Consecutive blocks with the same answer, as one group: 25,000 blocks onlined are one line. */
export function groupResults(results: readonly BlockResult[]): ResultGroup[] {
	const groups: ResultGroup[] = [];
	let current: ResultGroup | undefined;
	for (const result of results) {
		if (current && current.last + 1 === result.block && current.ok === result.ok
			&& current.already === (result.already === true) && current.error === result.error) {
			current.last = result.block;
			current.count++;
			continue;
		}

		current = {first: result.block, last: result.block, count: 1, ok: result.ok, already: result.already === true};
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
	for (let i = 0; i < blocks.length; i++) {
		const block = blocks[i]!;
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
 * `*COUNT`), then goes through to `writer`. Returns an error message for text it cannot parse.
 */
export function faultyWriter(spec: string, writer: SysfsWriter = writeSysfs): SysfsWriter | string {
	const faults = new Map<number, {code: string; left: number}>();
	for (const part of spec.split(',').map(text => text.trim()).filter(text => text !== '')) {
		const match = /^(\d+)(?:-(\d+))?=(E[A-Z]+)(?:\*(\d+))?$/.exec(part);
		if (!match) {
			return `"${part}" is not BLOCK[-BLOCK]=ECODE[*COUNT]`;
		}

		const first = Number(match[1]);
		const last = match[2] === undefined ? first : Number(match[2]);
		if (last < first || last - first > 1_000_000) {
			return `"${part}": the block range is backwards or too large`;
		}

		for (let block = first; block <= last; block++) {
			faults.set(block, {code: match[3]!, left: match[4] === undefined ? Number.POSITIVE_INFINITY : Number(match[4])});
		}
	}

	return (file, value) => {
		const block = /memory(\d+)\/state$/.exec(file)?.[1];
		const fault = block === undefined ? undefined : faults.get(Number(block));
		if (fault && fault.left > 0) {
			fault.left--;
			throw Object.assign(new Error(`${fault.code}: refused by the test double`), {code: fault.code});
		}

		writer(file, value);
	};
}

/**
 * Kernel refusals for tests and demonstrations that run ham-tui as a process:
 * HAM_TUI_TEST_WRITE_ERRORS=`BLOCK[-BLOCK]=ECODE[*COUNT],...` (see faultyWriter). Honoured only
 * for a tree under some --sysroot, never for this machine's own /sys.
 */
export const writeErrorsVariable = 'HAM_TUI_TEST_WRITE_ERRORS';

/** The writer to use for `sysroot`: `writer`, or the test double the environment asks for. */
export function writerFor(sysroot: string, env: NodeJS.ProcessEnv, writer: SysfsWriter = writeSysfs): SysfsWriter | string {
	const spec = env[writeErrorsVariable];
	if (spec === undefined || spec === '' || isThisMachine(sysroot)) {
		return writer;
	}

	const faulty = faultyWriter(spec, writer);
	return typeof faulty === 'string' ? `${writeErrorsVariable}: ${faulty}` : faulty;
}

/** True when `sysroot` is this machine's root (`/`, or a path or link that leads there). */
export function isThisMachine(sysroot: string): boolean {
	try {
		return realpathSync(sysroot) === '/';
	} catch {
		return path.resolve(sysroot) === '/';
	}
}
