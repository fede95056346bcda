// Writing to a real machine's memory blocks: what ham_integrate amounts to on a modern kernel, one
// write of "online" (or online_movable / online_kernel) to each offline block's `state`, done by
// attemptOnline (integrate.ts) through writeSysfs here; and whether this user may write at all.
import {accessSync, closeSync, constants, existsSync, fstatSync, ftruncateSync, openSync, type Stats, writeSync} from 'node:fs';
import path from 'node:path';
import {entryAt, errorCode, kindOf, type MemoryTree, OddFile} from './read.js';

/** What the kernel accepts in `state` to bring a block online, and into which zone. */
export type OnlineMode = 'online' | 'online_movable' | 'online_kernel';

export type SysfsWriter = (path: string, value: string) => void;

/**
 * Writes a sysfs attribute with a single write(2), which is where the kernel answers (EINVAL,
 * EBUSY...). Run as root on a tree others can write, it must not be a way to clobber files: the
 * file is reached through real directories only (openBeneath) and written only when it is a
 * regular file with one name. No O_CREAT: a block that vanished must fail, not grow a stray
 * file. A refusal throws an OddFile whose code says why ("memory8 is a symbolic link, not followed").
 */
export function writeSysfs(file: string, value: string): void {
	writeChecked(openStateForWrite(file), value);
}

/**
 * writeSysfs for one run of many writes (an integrate's 100,000): the walk from the sysroot to the
 * memory directory is made once and its fd kept, and each write opens only `memoryN` and `state`
 * below it, with the same O_NOFOLLOW and the same checks. The walk is made again, with every check,
 * once the kept one is recheckMs old, so a link put on the way (sys, devices, system, memory)
 * mid-run is refused from then on; until then writes go into the real directory walked to, never
 * to where the link points. close() lets the fd go; a later write walks again.
 */
export function sysfsWriterForRun(): SysfsWriter & {close: () => void} {
	const memory = new MemoryDirectory();
	const writer: SysfsWriter = (file, value) => {
		writeChecked(openChecked(file, memory), value);
	};
	return Object.assign(writer, {close: () => memory.close()});
}

function writeChecked(fd: number, value: string): void {
	try {
		// Cut only now, on the file checked (O_TRUNC would cut before any check), as the shell's
		// `>` does: sysfs ignores it, a fake tree's regular file needs it.
		ftruncateSync(fd, 0);
		writeSync(fd, value);
	} finally {
		closeSync(fd);
	}
}

/**
 * writeSysfs's open and checks without the write: the fd of `file`, reached through real
 * directories only and checked to be a regular file with one name, for a caller that writes it
 * elsewhere (timed-write.ts hands it to a child process). The caller closes it. Throws as
 * writeSysfs does (an OddFile saying why, or the open's errno).
 */
export function openStateForWrite(file: string): number {
	return openChecked(file, undefined);
}

function openChecked(file: string, memory: MemoryDirectory | undefined): number {
	const fd = openBeneath(file, memory);
	try {
		checkWritable(fstatSync(fd), path.basename(file));
	} catch (error) {
		closeSync(fd);
		throw error;
	}

	return fd;
}

// The file opened for writing: no link followed, no FIFO waited on, no terminal taken on.
const writeFlags = constants.O_WRONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;
const directoryFlags = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
/**
 * Below the sysroot, sysfs's own layout: nothing on the way to a block's state (or to the memory
 * directory's own files, auto_online_blocks) is a link there.
 */
const blockLayout = /^(?:(.*)\/)?(sys)\/(devices)\/(system)\/(memory)\/(?:(memory\d+)\/)?[^/]+$/;

/** The steps from the sysroot to the memory directory, as blockLayout has them. */
const memoryPath = ['sys', 'devices', 'system', 'memory'];

/**
 * Opens `file` for writing one directory at a time from the sysroot down (from its own
 * directory for a path not laid out as sysfs), none followed if it is a link. Each step opens
 * "/proc/self/fd/<the directory's fd>/<name>", as openat(2) would: a directory swapped for a link
 * between two steps is still refused, and a check and the use of its result cannot fall apart.
 * With `memory`, the steps down to the memory directory are its kept walk's.
 */
function openBeneath(file: string, memory: MemoryDirectory | undefined): number {
	const layout = blockLayout.exec(file);
	const top = layout ? (layout[1] ?? '.') : path.dirname(path.dirname(file));
	const steps = layout ? layout.slice(2).filter(step => step !== undefined) : [path.basename(path.dirname(file))];
	checkProcFd();
	if (layout && memory) {
		return openBelow(memory.below(top), steps.slice(memoryPath.length), path.basename(file));
	}

	const directory = walk(top, steps);
	try {
		return openBelow(directory, [], path.basename(file));
	} finally {
		closeSync(directory);
	}
}

/** The directory `steps` below `top`, none of them followed; the caller closes it. */
function walk(top: string, steps: readonly string[]): number {
	// The sysroot itself is the operator's word, so followed; what lies below it is the tree's.
	let directory = openSync(top === '' ? '/' : top, constants.O_RDONLY | constants.O_DIRECTORY);
	try {
		for (const name of steps) {
			const next = openAt(directory, name, directoryFlags);
			closeSync(directory);
			directory = next;
		}
	} catch (error) {
		closeSync(directory);
		throw error;
	}

	return directory;
}

/** `name` below `directory` and then `steps` (none followed), opened for writing; `directory` is left open. */
function openBelow(directory: number, steps: readonly string[], name: string): number {
	let current = directory;
	try {
		for (const step of steps) {
			const next = openAt(current, step, directoryFlags);
			if (current !== directory) {
				closeSync(current);
			}

			current = next;
		}

		return openAt(current, name, writeFlags);
	} finally {
		if (current !== directory) {
			closeSync(current);
		}
	}
}

/**
 * How long a kept walk to the memory directory is used before it is made again: a link put on the
 * way mid-run is refused this soon. Ten walks a second cost nothing next to 10,000 writes.
 */
export const recheckMs = 100;

/** The memory directory of one run's writes, walked to at most recheckMs ago. */
class MemoryDirectory {
	private held: {top: string; fd: number; at: number} | undefined;

	/** The memory directory's fd below the sysroot `top` (as blockLayout has it); kept, not to be closed. */
	below(top: string): number {
		// Resolved: a relative sysroot walked again after a chdir is another directory.
		const key = path.resolve(top === '' ? '/' : top);
		const now = performance.now();
		if (this.held && this.held.top === key && now - this.held.at < recheckMs) {
			return this.held.fd;
		}

		this.close();
		const fd = walk(top, memoryPath);
		this.held = {top: key, fd, at: now};
		return fd;
	}

	close(): void {
		const held = this.held;
		this.held = undefined;
		if (held) {
			closeSync(held.fd);
		}
	}
}

function openAt(directory: number, name: string, flags: number): number {
	const file = `/proc/self/fd/${directory}/${name}`;
	try {
		return openSync(file, flags);
	} catch (error) {
		// A link refused by O_NOFOLLOW is ELOOP, or ENOTDIR with O_DIRECTORY; a FIFO or a socket ENXIO.
		const stats = entryAt(file);
		if (stats?.isSymbolicLink()) {
			throw new OddFile(`${name} is a symbolic link, not followed`);
		}

		throw errorCode(error) === 'ENXIO' && stats ? new OddFile(`${name} is ${kindOf(stats)}, not a regular file`) : error;
	}
}

/** Only a regular file with one name: a hard link's other name may be any file on the disk. */
function checkWritable(stats: Stats, name: string): void {
	if (!stats.isFile()) {
		throw new OddFile(`${name} is ${kindOf(stats)}, not a regular file`);
	}

	if (stats.nlink > 1) {
		throw new OddFile(`${name} has ${stats.nlink} names (a hard link), not written`);
	}
}

let procFd: boolean | undefined;
/** Without /proc, openBeneath cannot open beneath a directory: then nothing is written. */
function checkProcFd(): void {
	procFd ??= existsSync('/proc/self/fd');
	if (!procFd) {
		throw new OddFile('/proc/self/fd is missing: cannot open without following links, not written');
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
