// All of the state file's I/O: where it lives, reading and validating it, writing it atomically
// under a lock, and reading scenario files. (The real machine's sysfs is read and written by
// source/sysfs/; nothing else in source/ touches files.)
// What survives what, and why, is in docs/STATE.md.

import {hash, randomBytes} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {xdgState} from 'xdg-basedir';
import {errnoName, errnoText} from '../errno.js';
import {nextScrubEnd} from '../model/machine.js';
import {safeText} from '../model/sanitize.js';
import {checkMachine, parseMachine, parseScenario} from '../model/schema.js';
import type {MachineSpec} from '../model/spec.js';
import type {Machine} from '../model/state.js';
import {isStatusText, type StatusTable, statusTable} from '../model/status.js';
import {holding, LockPathProblem, LockTimeoutError, LockWait, lockDirectory, lockGeneration, withLock} from './lock.js';

/**
 * A file ham-tui cannot use, named with the reason. The file itself is left as it is. `regular`:
 * the problem is a regular file's (its content, size or permissions), which --reset may keep
 * aside; anything else (another type of file, a missing directory) --reset leaves alone too.
 */
export class FileProblem extends Error {
	readonly file: string;
	readonly problem: string;
	readonly regular: boolean;
	constructor(file: string, problem: string, {regular = false}: {regular?: boolean} = {}) {
		// Both may hold text from the file (a JSON parser's excerpt, a symlink's target): made safe here,
		// once, for every place that prints it.
		super(safeText(`${file}: ${problem}`));
		this.file = file;
		this.problem = safeText(problem);
		this.regular = regular;
	}
}

/** Files larger than this are not read: no state or scenario comes near it (65536 slots: ~30 MB). */
export const maxFileBytes = 128 * 1024 * 1024;

/** $XDG_STATE_HOME/ham-tui/machine.json (~/.local/state/ham-tui/machine.json by default). */
export function defaultStatePath(): string {
	const base = xdgState ?? path.join(process.cwd(), '.ham-tui-state');
	return path.join(base, 'ham-tui', 'machine.json');
}

/** "permission denied (EACCES)": what an errno means, for a one-line message. */
export function errorText(error: unknown): string {
	const code = errnoName(error);
	const message = error instanceof Error ? error.message : String(error);
	return code ? `${errnoText(code) ?? message} (${code})` : message;
}

/** Opens without following a link and without blocking (a FIFO would hang a plain open). */
const readFlags = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;

/** Why what is at a path is not a file ham-tui uses (a link is named with its target). */
function notRegular(file: string, stat: fs.Stats, what: string): FileProblem {
	if (stat.isSymbolicLink()) {
		let target = '?';
		try {
			target = fs.readlinkSync(file);
		} catch {}

		return new FileProblem(
			file,
			`the ${what} is a symbolic link (to ${target}); ham-tui only uses a regular file there, and leaves this alone`,
		);
	}

	const kind = stat.isDirectory() ? 'a directory' : stat.isFIFO() ? 'a FIFO' : stat.isSocket() ? 'a socket' : 'a device';
	return new FileProblem(file, `the ${what} is not a regular file (${kind}); ham-tui leaves it alone`);
}

/** The file's text; undefined when there is none. */
function readText(file: string, what: string): string | undefined {
	return readBytes(file, what)?.toString('utf8');
}

/** The file's bytes; undefined when there is none. */
function readBytes(file: string, what: string): Buffer | undefined {
	let fd: number;
	try {
		fd = fs.openSync(file, readFlags);
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ENOENT') {
			return undefined;
		}

		let stat: fs.Stats | undefined;
		try {
			stat = fs.lstatSync(file);
		} catch {}

		if (stat && !stat.isFile()) {
			throw notRegular(file, stat, what);
		}

		throw new FileProblem(file, `cannot read the ${what}: ${errorText(error)}`, {regular: stat !== undefined});
	}

	try {
		const stat = fs.fstatSync(fd);
		if (!stat.isFile()) {
			throw notRegular(file, stat, what);
		}

		if (stat.size > maxFileBytes) {
			throw new FileProblem(file, `the ${what} is ${stat.size} bytes, too large to be one (at most ${maxFileBytes})`, {regular: true});
		}

		return fs.readFileSync(fd);
	} catch (error) {
		throw error instanceof FileProblem ? error : new FileProblem(file, `cannot read the ${what}: ${errorText(error)}`, {regular: true});
	} finally {
		fs.closeSync(fd);
	}
}

/**
 * The state file's directory must exist: a path given with --state whose directory is missing is
 * a mistyped path, not a new machine. Only ham-tui's default directory is made, at the first change.
 */
function checkDirectory(file: string, create = false): void {
	const directory = path.dirname(file);
	let stat: fs.Stats;
	try {
		stat = fs.statSync(directory);
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ENOENT' && file === defaultStatePath()) {
			if (create) {
				fs.mkdirSync(directory, {recursive: true, mode: 0o700});
			}

			return;
		}

		throw new FileProblem(
			file,
			code === 'ENOENT'
				? `the directory ${directory} does not exist (create it, or give another --state)`
				: `cannot use the directory ${directory}: ${errorText(error)}`,
		);
	}

	if (!stat.isDirectory()) {
		throw new FileProblem(file, `${directory} is not a directory`);
	}
}

/** Only a regular file (or nothing) at the state file's path is ever read, replaced or moved aside. */
function checkReplaceable(file: string): void {
	let stat: fs.Stats;
	try {
		stat = fs.lstatSync(file);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
			return;
		}

		throw new FileProblem(file, `cannot use the state file: ${errorText(error)}`);
	}

	if (!stat.isFile()) {
		throw notRegular(file, stat, 'state file');
	}
}

function parseJson(file: string, text: string, what: string): unknown {
	if (text.trim() === '') {
		throw new FileProblem(file, `the ${what} is empty`, {regular: true});
	}

	try {
		return JSON.parse(text);
	} catch (error) {
		// JSON.parse throws only SyntaxError.
		const message = error instanceof Error ? error.message : String(error);
		throw new FileProblem(file, `the ${what} is not valid JSON (${message}); truncated or damaged?`, {regular: true});
	}
}

/**
 * The machine in the state file, or undefined when there is none yet. Takes no lock (a write
 * replaces the file in one rename) and writes nothing, not even a directory.
 */
export function readMachine(file: string): Machine | undefined {
	const bytes = readBytes(file, 'state file');
	if (bytes === undefined) {
		checkDirectory(file);
		return undefined;
	}

	return parseState(file, bytes);
}

/**
 * The integrity stamp (docs/STATE.md, "The integrity stamp"): a file written by writeLocked begins
 * `{"stamp":"sha256-<64 hex>",`, the SHA-256 of every byte after that prefix. It says "written
 * as it is by a ham-tui that checked it first", so a read whose stamp matches skips the invariants
 * (the schema always runs), and --status reads only the status table that follows it. It is a
 * checksum, not a signature: whoever can write the file can write a matching stamp, and then gets
 * what the schema guarantees, or for --status a table checked against /proc/ham/status's grammar.
 */
const stampStart = '{"stamp":"sha256-';
const stampLength = stampStart.length + 64 + '",'.length;
const statusStart = '"status":';

function stampOf(body: Buffer): string {
	return hash('sha256', body, 'hex');
}

/**
 * The file's bytes for a machine: the stamp, the status table --status prints (valid until the
 * next scrub ends: `until`), then the machine's own members.
 */
function stamped(machine: Machine): Buffer[] {
	const {loaded, text} = statusTable(machine);
	const status = {loaded, until: nextScrubEnd(machine) ?? null, text}; // The text last: readStatus finds its end.
	// Hashed as bytes: hashing the string would encode all of it once more.
	const body = Buffer.from(`${statusStart}${JSON.stringify(status)},${JSON.stringify(machine).slice(1)}\n`);
	return [Buffer.from(`${stampStart}${stampOf(body)}",`), body];
}

/** Whether the file begins with a stamp that matches the bytes after it. */
function stampMatches(bytes: Buffer): boolean {
	return (
		bytes.length > stampLength &&
		bytes.toString('latin1', 0, stampStart.length) === stampStart &&
		bytes.toString('latin1', stampLength - 2, stampLength) === '",' &&
		bytes.toString('latin1', stampStart.length, stampLength - 2) === stampOf(bytes.subarray(stampLength))
	);
}

/**
 * What --status prints at time t, read cheaply: from a file whose stamp matches, the status table
 * its writer put after the stamp, when no scrub has ended since (the table is then the machine's
 * at t), and its text is /proc/ham/status lines only. Undefined otherwise: read the machine
 * (readMachine, which refuses what cannot be used). The file's type and size are checked as for
 * readMachine; a missing file is undefined (a machine not made yet).
 */
export function readStatus(file: string, t: number): StatusTable | undefined {
	const bytes = readBytes(file, 'state file');
	if (
		bytes === undefined ||
		!stampMatches(bytes) ||
		bytes.toString('latin1', stampLength, stampLength + statusStart.length) !== statusStart
	) {
		return undefined;
	}

	// {"loaded":...,"until":...,"text":"..."}: the text holds no quote (tabs and newlines are \t, \n).
	const start = stampLength + statusStart.length;
	const text = bytes.indexOf('"text":"', start);
	const end = text === -1 || text - start > 100 ? -1 : bytes.indexOf('"}', text + '"text":"'.length);
	let table: unknown;
	try {
		table = end === -1 ? undefined : JSON.parse(bytes.toString('utf8', start, end + 2));
	} catch {}

	if (
		typeof table !== 'object' ||
		table === null ||
		Object.keys(table).length !== 3 ||
		!('loaded' in table && typeof table.loaded === 'boolean') ||
		!('until' in table && (table.until === null || typeof table.until === 'number')) ||
		!('text' in table && typeof table.text === 'string' && isStatusText(table.text)) ||
		(table.until !== null && t >= table.until)
	) {
		return undefined;
	}

	return {loaded: table.loaded, text: table.text};
}

function parseState(file: string, bytes: Buffer): Machine {
	const parsed = parseMachine(parseJson(file, bytes.toString('utf8'), 'state file'), {stamped: stampMatches(bytes)});
	if (!parsed.ok) {
		throw new FileProblem(file, `not a ham-tui state file: ${parsed.error}`, {regular: true});
	}

	return parsed.value;
}

/**
 * A change that would write a state this ham-tui would then refuse to read (a number past its
 * bound, an invariant broken): it is not written, and the command says why.
 */
export class ChangeRefused extends Error {
	constructor(readonly reason: string) {
		super(`refused: the change would leave a state that cannot be used (${safeText(reason)}); nothing was written`);
	}
}

/**
 * Temporary files of writes, kept inside the lock directory: a name there is certainly ours, and
 * only the holder of the lock writes one, so the next holder removes every one a killed writer left.
 */
const temporaryName = /^write-\d+-[\da-f]{16}$/;

/**
 * Replaces the state file in one step, under the lock (the caller holds it). The new content is
 * checked as the next reader will check it (schema and invariants, as after a JSON round trip:
 * checkMachine) and stamped as checked (stampMatches); then written to a temporary file in the
 * lock directory (O_EXCL, O_NOFOLLOW), fsynced, and renamed over the state file, and the
 * directory is fsynced so the rename survives a power cut. A reader, or a crash at any moment,
 * sees the old file or the new one, never a part of either.
 * Why not write-file-atomic: it names its temporary `<file>.<number>` beside the state file, a name
 * a user's own file can have, so a crash's leftover could be neither told apart nor safely removed.
 */
function writeLocked(file: string, machine: Machine): void {
	const check = checkMachine(machine);
	if (!check.ok) {
		throw new ChangeRefused(check.error);
	}

	// Checked: stamped, so that readers need not run the invariants again.
	const parts = stamped(machine);

	const lockDir = lockDirectory(file);
	removeTemporaries(lockDir);
	const temporary = path.join(lockDir, `write-${process.pid}-${randomBytes(8).toString('hex')}`);
	const fd = fs.openSync(temporary, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
	try {
		try {
			for (const part of parts) {
				fs.writeFileSync(fd, part);
			}

			fs.fsyncSync(fd);
		} finally {
			fs.closeSync(fd);
		}

		checkReplaceable(file);
		fs.renameSync(temporary, file);
	} catch (error) {
		fs.rmSync(temporary, {force: true});
		throw error;
	}

	syncDirectory(path.dirname(file));
}

function removeTemporaries(lockDir: string): void {
	for (const name of fs.readdirSync(lockDir)) {
		if (temporaryName.test(name)) {
			try {
				if (fs.lstatSync(path.join(lockDir, name)).isFile()) {
					fs.unlinkSync(path.join(lockDir, name));
				}
			} catch {} // Gone already.
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

/** File-system refusals while changing the state become a FileProblem naming the state file. */
function asProblem(file: string, error: unknown): unknown {
	if (error instanceof FileProblem || error instanceof ChangeRefused) {
		return error;
	}

	if (error instanceof LockTimeoutError || error instanceof LockPathProblem) {
		return new FileProblem(file, `cannot change the state file: ${error.message}`);
	}

	if ((error as NodeJS.ErrnoException).code) {
		return new FileProblem(file, `cannot change the state file: ${errorText(error)}`);
	}

	return error;
}

/** What must hold before the lock directory is even made beside the state file. */
function prepare(file: string): void {
	checkDirectory(file, true);
	checkReplaceable(file);
}

type Change<T> = (machine: Machine | undefined) => {machine: Machine | undefined; result: T};

/** The read-change-write itself; the caller holds the lock. */
function changeLocked<T>(file: string, change: Change<T>): T {
	const {machine, result} = change(readMachine(file));
	if (machine) {
		writeLocked(file, machine);
	}

	return result;
}

/** Writes the machine as the state file, under the lock (for tests and tools; commands use updateMachine). */
export function writeMachine(file: string, machine: Machine): void {
	updateMachine(file, () => ({machine, result: undefined}));
}

/**
 * One read-change-write of the machine, under the lock, so changes from several processes are
 * never lost. `change` gets the current machine (undefined: none yet) and returns the new one,
 * or undefined to write nothing. Blocks while the lock is held (one-shot commands).
 */
export function updateMachine<T>(file: string, change: Change<T>): T {
	return underLock(file, () => changeLocked(file, change));
}

function underLock<T>(file: string, body: () => T): T {
	try {
		prepare(file);
		return withLock(file, body);
	} catch (error) {
		throw asProblem(file, error);
	}
}

/**
 * The console's change: the same read-change-write, tried from its timer without blocking, so that a
 * held lock shows as "waiting for process N" and can be cancelled. Keep one per change until it is
 * done or cancelled: it holds the change's place in the lock's queue.
 */
export class PendingChange {
	private wait: LockWait | undefined;
	constructor(private readonly file: string) {}

	/** Runs the change if the lock can be had now; else says whom it waits for. Throws FileProblem or ChangeRefused. */
	attempt<T>(change: Change<T>): {done: true; result: T} | {done: false; waitFor: string} {
		try {
			prepare(this.file);
			this.wait ??= new LockWait(this.file);
			const step = this.wait.step();
			if (!step.taken) {
				return {done: false, waitFor: step.waitFor};
			}

			const wait = this.wait;
			this.wait = undefined;
			return {done: true, result: holding(wait, () => changeLocked(this.file, change))};
		} catch (error) {
			this.cancel();
			throw asProblem(this.file, error);
		}
	}

	cancel(): void {
		this.wait?.abandon();
		this.wait = undefined;
	}
}

/**
 * Replaces the machine (--reset). A state file that cannot be used is not deleted but kept aside,
 * renamed `<file>.bad-<stamp>` (`-2`, `-3`, ... if that name is taken); returns that name. Only a
 * regular file is ever moved aside: anything else at the path is refused and left alone.
 */
export function replaceMachine(file: string, machine: Machine, stamp: string): string | undefined {
	return underLock(file, () => {
		let aside: string | undefined;
		try {
			readMachine(file);
		} catch (error) {
			if (!(error instanceof FileProblem) || !error.regular) {
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
		const stat = fs.statSync(file, {throwIfNoEntry: false});
		return stat ? `${generation}:${stat.ino}:${stat.size}:${stat.mtimeMs}` : `${generation}:none`;
	} catch {
		return `${generation}:none`;
	}
}
