// Onlining offline memory blocks: what ham_integrate amounts to on a modern kernel, one write of
// "online" (or online_movable / online_kernel) to each offline block's `state`. Plan and act are
// apart so the caller can show the plan first, and there is no retry here: a failed block stays
// offline (the kernel does not retry either) and the caller decides whether and when to try again.
import {accessSync, closeSync, constants, openSync, writeSync} from 'node:fs';
import path from 'node:path';
import {errorCode, type MemoryTree} from './read.js';

/** What the kernel accepts in `state` to bring a block online, and into which zone. */
export type OnlineMode = 'online' | 'online_movable' | 'online_kernel';

export type OnlineStep = {block: number; path: string; value: OnlineMode};

export type OnlineOutcome = {
	block: number;
	ok: boolean;
	/** The errno code when it failed: EINVAL (already online, or a notifier vetoed it), EBUSY, EACCES... */
	error?: string;
};

export type SysfsWriter = (path: string, value: string) => void;

/** One write per offline block, in block order; online, going-offline and unknown blocks are left alone. */
export function planOnline(tree: MemoryTree, mode: OnlineMode): OnlineStep[] {
	return tree.blocks
		.filter(block => block.state === 'offline')
		.map(block => ({block: block.index, path: statePath(tree, block.index), value: mode}));
}

/** Performs every step, whatever earlier ones did, and says how each went. */
export function onlineBlocks(plan: readonly OnlineStep[], writer: SysfsWriter = writeSysfs): OnlineOutcome[] {
	return plan.map(step => {
		try {
			writer(step.path, step.value);
			return {block: step.block, ok: true};
		} catch (error) {
			return {block: step.block, ok: false, error: errorCode(error)};
		}
	});
}

/**
 * Writes a sysfs attribute with a single write(2), which is where the kernel answers (EINVAL,
 * EBUSY...). No O_CREAT: a block that vanished must fail, not grow a stray file. O_TRUNC, as the
 * shell's `>` does: sysfs ignores it, a fake tree's regular file needs it.
 */
export function writeSysfs(file: string, value: string): void {
	const fd = openSync(file, constants.O_WRONLY | constants.O_TRUNC);
	try {
		writeSync(fd, value);
	} finally {
		closeSync(fd);
	}
}

/** access(2) with W_OK, or a stand-in (tests: a tree where writing is refused, as for non-root). */
export type AccessCheck = (file: string) => void;

const writeAccess: AccessCheck = file => {
	accessSync(file, constants.W_OK);
};

/**
 * True when every offline block's `state` may be written; otherwise why not, for the caller to
 * show before trying (as non-root: EACCES, "needs root"). access(2) is only a hint: the write
 * itself can still be refused by the kernel. `blocks` narrows the check to those block numbers.
 */
export function canWrite(tree: MemoryTree, access: AccessCheck = writeAccess, blocks?: readonly number[]): true | string {
	const offline = blocks ?? tree.blocks.filter(block => block.state === 'offline').map(block => block.index);
	// With nothing to online, still check one block so "needs root" shows before it matters.
	const indices = offline.length > 0 ? offline : tree.blocks.slice(0, 1).map(block => block.index);
	for (const index of indices) {
		const file = statePath(tree, index);
		try {
			access(file);
		} catch (error) {
			return explainAccess(file, errorCode(error));
		}
	}

	return true;
}

/** True when canWrite's answer means that root (or CAP_SYS_ADMIN) is what is missing. */
export function needsRoot(problem: string): boolean {
	return problem.includes('needs root');
}

/** The cure first, then the file and the errno: a narrow console shows what to do. */
function explainAccess(file: string, code: string): string {
	switch (code) {
		case 'EACCES':
		case 'EPERM': {
			return `onlining memory needs root: cannot write ${file} (${code})`;
		}

		case 'EROFS': {
			return `sysfs is mounted read-only here: cannot write ${file} (${code})`;
		}

		case 'ENOENT': {
			return `the block is gone: cannot write ${file} (${code})`;
		}

		default: {
			return `cannot write ${file}: ${code}`;
		}
	}
}

export function statePath(tree: MemoryTree, index: number): string {
	return path.join(tree.root, `memory${index}`, 'state');
}
