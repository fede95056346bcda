// All of ham-tui's file I/O: where the state file lives, reading and validating it, writing it
// atomically under a lock, and reading scenario files. Nothing else in source/ touches files.
// What survives what, and why, is in docs/STATE.md.
import fs from 'node:fs';
import {createRequire} from 'node:module';
import path from 'node:path';
import {xdgState} from 'xdg-basedir';
import {safeText} from '../model/sanitize.js';
import {parseMachine, parseScenario} from '../model/schema.js';
import type {MachineSpec} from '../model/spec.js';
import type {Machine} from '../model/state.js';
import {lockDirectory, lockGeneration, LockTimeoutError, withLock} from './lock.js';

/** A file ham-tui cannot use, named with the reason. The file itself is left as it is. */
export class FileProblem extends Error {
	readonly file: string;
	readonly problem: string;
	constructor(file: string, problem: string) {
		// Both may hold text from the file (a JSON parser's excerpt, a symlink's target): made safe here,
		// once, for every place that prints it.
		super(safeText(`${file}: ${problem}`));
		this.file = file;
		this.problem = safeText(problem);
	}
}

/** Files larger than this are not read: no state or scenario comes near it (65536 slots: ~30 MB). */
export const maxFileBytes = 128 * 1024 * 1024;

/** $XDG_STATE_HOME/ham-tui/machine.json (~/.local/state/ham-tui/machine.json by default). */
export function defaultStatePath(): string {
	const base = xdgState ?? path.join(process.cwd(), '.ham-tui-state');
	return path.join(base, 'ham-tui', 'machine.json');
}

const errnoText: Record<string, string> = {
	EACCES: 'permission denied',
	EPERM: 'operation not permitted',
	EROFS: 'read-only file system',
	ENOSPC: 'no space left on the device',
	EDQUOT: 'disk quota exceeded',
	ENOTDIR: 'a part of the path is not a directory',
	EISDIR: 'is a directory',
	ELOOP: 'too many symbolic links',
	ENAMETOOLONG: 'name too long',
	EIO: 'input/output error',
	EMFILE: 'too many open files',
};

/** "permission denied (EACCES)": what an errno means, for a one-line message. */
export function errorText(error: unknown): string {
	const code = (error as NodeJS.ErrnoException).code;
	return code ? `${errnoText[code] ?? (error as Error).message} (${code})` : (error as Error).message;
}

function readText(file: string, what: string): string | undefined {
	let stat: fs.Stats;
	try {
		stat = fs.lstatSync(file);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
			return undefined;
		}

		throw new FileProblem(file, `cannot read the ${what}: ${errorText(error)}`);
	}

	if (stat.isSymbolicLink()) {
		let target = '?';
		try {
			target = fs.readlinkSync(file);
		} catch {}

		throw new FileProblem(file, `the ${what} is a symbolic link (to ${target}); ham-tui only uses a regular file there`);
	}

	if (!stat.isFile()) {
		throw new FileProblem(file, `the ${what} is not a regular file (${stat.isDirectory() ? 'a directory' : 'a device, socket or pipe'})`);
	}

	if (stat.size > maxFileBytes) {
		throw new FileProblem(file, `the ${what} is ${stat.size} bytes, too large to be one (at most ${maxFileBytes})`);
	}

	try {
		return fs.readFileSync(file, 'utf8');
	} catch (error) {
		throw new FileProblem(file, `cannot read the ${what}: ${errorText(error)}`);
	}
}

function parseJson(file: string, text: string, what: string): unknown {
	if (text.trim() === '') {
		throw new FileProblem(file, `the ${what} is empty`);
	}

	try {
		return JSON.parse(text);
	} catch (error) {
		throw new FileProblem(file, `the ${what} is not valid JSON (${(error as Error).message}); truncated or damaged?`);
	}
}

/** The machine in the state file, or undefined when there is none yet. Takes no lock: see writes. */
export function readMachine(file: string): Machine | undefined {
	const text = readText(file, 'state file');
	if (text === undefined) {
		return undefined;
	}

	const parsed = parseMachine(parseJson(file, text, 'state file'));
	if (!parsed.ok) {
		throw new FileProblem(file, `not a ham-tui state file: ${parsed.error}`);
	}

	return parsed.value;
}

// write-file-atomic (npm's own atomic writer) costs ~20 ms to load: reads never need it.
const require = createRequire(import.meta.url);

/**
 * Replaces the state file in one step, under the lock (the caller holds it). write-file-atomic
 * writes a temporary file beside it, fsyncs it and renames it over the state file; then the
 * directory is fsynced so the rename itself survives a power cut. A reader, or a crash at any
 * moment, sees the old file or the new one, never a part of either. The temporary file a killed
 * writer leaves (`machine.json.<hash>`) is removed by the next writer, under the same lock.
 */
function writeLocked(file: string, machine: Machine): void {
	removeWriteLeftovers(file);
	const writeFileAtomic = require('write-file-atomic') as typeof import('write-file-atomic');
	writeFileAtomic.sync(file, JSON.stringify(machine) + '\n', {mode: 0o600, fsync: true});
	syncDirectory(path.dirname(file));
}

function removeWriteLeftovers(file: string): void {
	const base = path.basename(file);
	const leftover = new RegExp(`^${base.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.[\\da-f]{1,8}$`);
	for (const name of fs.readdirSync(path.dirname(file))) {
		if (leftover.test(name)) {
			fs.rmSync(path.join(path.dirname(file), name), {force: true});
		}
	}
}

function syncDirectory(directory: string): void {
	let fd: number | undefined;
	try {
		fd = fs.openSync(directory, 'r');
		fs.fsyncSync(fd);
	} catch {
		// Some file systems cannot fsync a directory; the rename is done all the same.
	} finally {
		if (fd !== undefined) {
			fs.closeSync(fd);
		}
	}
}

/** Runs a change under the lock; file-system refusals become a FileProblem naming the state file. */
function locked<T>(file: string, fn: () => T): T {
	try {
		try {
			fs.mkdirSync(path.dirname(file), {recursive: true});
		} catch (error) {
			// mkdir -p says EEXIST when a part of the path is a file.
			throw (error as NodeJS.ErrnoException).code === 'EEXIST' ? Object.assign(new Error('not a directory'), {code: 'ENOTDIR'}) : error;
		}

		return withLock(file, fn);
	} catch (error) {
		if (error instanceof FileProblem) {
			throw error;
		}

		if (error instanceof LockTimeoutError) {
			throw new FileProblem(file, `cannot change the state file: ${error.message}`);
		}

		if ((error as NodeJS.ErrnoException).code) {
			throw new FileProblem(file, `cannot change the state file: ${errorText(error)}`);
		}

		throw error;
	}
}

/** Writes the machine as the state file, under the lock (for tests and tools; commands use updateMachine). */
export function writeMachine(file: string, machine: Machine): void {
	locked(file, () => {
		writeLocked(file, machine);
	});
}

/**
 * One read-change-write of the machine, under the lock, so changes from several processes are
 * never lost. `change` gets the current machine (undefined: none yet) and returns the new one,
 * or undefined to write nothing.
 */
export function updateMachine<T>(file: string, change: (machine: Machine | undefined) => {machine: Machine | undefined; result: T}): T {
	return locked(file, () => {
		const {machine, result} = change(readMachine(file));
		if (machine) {
			writeLocked(file, machine);
		}

		return result;
	});
}

/**
 * Replaces the machine (--reset). A state file that cannot be used is not deleted but kept aside,
 * renamed `<file>.bad-<stamp>` (`-2`, `-3`, ... if that name is taken); returns that name.
 */
export function replaceMachine(file: string, machine: Machine, stamp: string): string | undefined {
	return locked(file, () => {
		let aside: string | undefined;
		try {
			readMachine(file);
		} catch (error) {
			if (!(error instanceof FileProblem)) {
				throw error;
			}

			aside = `${file}.bad-${stamp}`;
			for (let index = 2; exists(aside); index++) {
				aside = `${file}.bad-${stamp}-${index}`;
			}

			fs.renameSync(file, aside);
		}

		writeLocked(file, machine);
		return aside;
	});
}

function exists(file: string): boolean {
	try {
		fs.lstatSync(file);
		return true;
	} catch {
		return false;
	}
}

export function readScenario(file: string): MachineSpec {
	const text = readText(file, 'scenario file');
	if (text === undefined) {
		throw new FileProblem(file, 'no such scenario file');
	}

	const parsed = parseScenario(parseJson(file, text, 'scenario file'));
	if (!parsed.ok) {
		throw new FileProblem(file, `invalid scenario: ${parsed.error}`);
	}

	return parsed.value;
}

/**
 * Change detection for the console, cheap to poll every few hundred ms: the lock's generation
 * (every change takes the lock and lets it go after its rename, so a change always moves it) and
 * the file's identity (for a file replaced by hand).
 */
export function stateVersion(file: string): string {
	const generation = lockGeneration(file);
	try {
		const stat = fs.statSync(file);
		return `${generation}:${stat.ino}:${stat.size}:${stat.mtimeMs}`;
	} catch {
		return `${generation}:none`;
	}
}
