// The audit log: every write ham-tui makes to a real machine's memory blocks, one JSON object per
// line, so that an operator (and --watch) can tell ham-tui's changes from the kernel's, a udev
// rule's or another tool's. Recording is best effort by design: a log that cannot be written is a
// notice through a callback, never a throw, and never stops or changes the write to the machine.
// The log is opened as carefully as sysfs is written (online.ts): no link followed, no FIFO waited
// on, only a regular file with one name that is ours, in a directory that is ours.
import {
	type BigIntStats,
	closeSync,
	constants,
	existsSync,
	fstatSync,
	lstatSync,
	mkdirSync,
	openSync,
	readSync,
	type Stats,
	writeSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {errnoName} from '../errno.js';
import {safeText} from '../model/sanitize.js';
import type {SysfsWriter} from './online.js';
import {entryAt, errorCode, kindOf} from './read.js';

/** A writer that answers later: --offline's runs in a child process. */
export type AsyncSysfsWriter = (path: string, value: string) => Promise<void>;

/** An audited writer: its log stays open between its entries; close() lets it go (a later entry opens it again). */
export type AuditedWriter = SysfsWriter & {close: () => void};

/** auditedAsyncWriter's writer, closed as AuditedWriter is. */
export type AuditedAsyncWriter = AsyncSysfsWriter & {close: () => void};

/** Who made a write: the user name (null without a passwd entry), the uid and the process. */
export type AuditWho = {user: string | null; uid: number; pid: number};

/** One line of the audit log. */
export type AuditEntry = {
	/** ISO 8601, UTC. */
	time: string;
	tool: 'ham-tui';
	version?: string;
	who: AuditWho;
	/** The attribute written: `state` (the file's name). */
	what: string;
	/** N of the `memoryN` directory written to; null for a path not laid out as a block's. */
	block: number | null;
	/** What was written: online, online_movable, online_kernel, offline. */
	value: string;
	/** The file written, made absolute: --watch matches it with the tree it reads. */
	path: string;
	/** `started`: a long write (an offline, which may migrate pages for minutes) about to begin; its ok or failed follows. */
	result: 'ok' | 'failed' | 'started';
	/** The errno the write failed with (EBUSY, EINVAL...), when it has one. */
	errno?: string;
	/** Why the write was refused before the kernel saw it (a link, a hard link...), when it was not an errno. */
	reason?: string;
};

export type AuditOptions = {
	/** The log's path (default auditLogPath(process.env)). */
	log?: string;
	/** The wall clock in seconds, as SysfsIo.now (default Date.now() / 1000). */
	now?: () => number;
	/**
	 * Told, as one line (no newline, no "ham-tui: "), why an entry could not be recorded; each
	 * distinct reason once per writer, not once per block (an integrate writes 100,000 blocks).
	 * Default: the line on stderr. The console must give its own (stderr would tear the screen).
	 */
	onProblem?: (line: string) => void;
	/** Given each entry as it is recorded (or would have been, when the log cannot be written). */
	onEntry?: (entry: AuditEntry) => void;
	/** ham-tui's version, for the entries (package.json's; optional). */
	version?: string;
};

/** The environment variable naming the audit log's file (see auditLogPath). */
export const auditLogVariable = 'HAM_TUI_AUDIT_LOG';

/**
 * Where the audit log goes: $HAM_TUI_AUDIT_LOG when set and not empty (tests point it into a
 * temporary directory; an operator may point it at /var/log), else
 * $XDG_STATE_HOME/ham-tui/audit.log, with ~/.local/state for an unset XDG_STATE_HOME.
 */
export function auditLogPath(env: NodeJS.ProcessEnv = process.env): string {
	const given = env[auditLogVariable];
	if (given !== undefined && given !== '') {
		return given;
	}

	// As the XDG spec reads it (a relative XDG_STATE_HOME is ignored), but at call time, not at
	// import as xdg-basedir does: os.homedir() throws with no HOME and no passwd entry (a minimal
	// initramfs, a service), and a write must not fail for want of a place to record it.
	const xdg = env.XDG_STATE_HOME;
	const state = xdg && path.isAbsolute(xdg) ? xdg : path.join(homeDirectory(env), '.local', 'state');
	return path.join(state, 'ham-tui', 'audit.log');
}

/** $HOME, else the passwd entry's, else /var/lib (a system service's state, where root keeps it). */
function homeDirectory(env: NodeJS.ProcessEnv): string {
	if (env.HOME && path.isAbsolute(env.HOME)) {
		return env.HOME;
	}

	try {
		return os.homedir();
	} catch {
		return '/var/lib';
	}
}

/**
 * `writer`, recorded: each call writes to the machine first, then appends one entry saying ok, or
 * the errno, and the original error is thrown again as it was. The log never changes what the
 * writer does or answers. The log is held open from the first entry until close() (an integrate
 * appends 100,000 entries: one open, not 100,000); each entry first checks that the log's path
 * still names the file held, and opens it again with every check when it does not.
 */
export function auditedWriter(writer: SysfsWriter, options: AuditOptions = {}): AuditedWriter {
	const recorder = new Recorder(options);
	const audited: SysfsWriter = (file, value) => {
		try {
			writer(file, value);
		} catch (error) {
			recorder.record(file, value, error);
			throw error;
		}

		recorder.record(file, value, undefined);
	};
	return Object.assign(audited, {close: () => recorder.close()});
}

/** auditedWriter for a writer that answers with a promise. */
export function auditedAsyncWriter(writer: AsyncSysfsWriter, options: AuditOptions = {}): AuditedAsyncWriter {
	const recorder = new Recorder(options);
	const audited: AsyncSysfsWriter = async (file, value) => {
		// Said before it begins: a monitor sees going-offline for as long as the kernel migrates, and
		// --watch must know who is behind it then, not only once the write returns.
		recorder.record(file, value, undefined, true);
		try {
			await writer(file, value);
		} catch (error) {
			recorder.record(file, value, error);
			throw error;
		}

		recorder.record(file, value, undefined);
	};
	return Object.assign(audited, {close: () => recorder.close()});
}

/** What one wrapped writer shares between its writes: the log (held open), the clock, the reasons already told. */
class Recorder {
	private readonly log: AuditFile;
	private readonly told = new Set<string>();

	constructor(private readonly options: AuditOptions) {
		this.log = new AuditFile(options.log ?? auditLogPath(process.env), ownUid());
	}

	close(): void {
		this.log.close();
	}

	/** Never throws: not even a callback's error may turn a done write into a failed one. */
	record(file: string, value: string, error: unknown, started = false): void {
		let entry: AuditEntry;
		try {
			entry = auditEntry(file, value, error, this.options, started);
		} catch {
			return; // Only a clock that throws gets here: nothing to record the write with.
		}

		const problem = this.log.append(entry);
		try {
			if (problem !== undefined && !this.told.has(problem)) {
				this.told.add(problem);
				(this.options.onProblem ?? toStderr)(problem);
			}
		} catch {
			// A callback that throws: the write's own answer still stands.
		}

		try {
			this.options.onEntry?.(entry);
		} catch {
			// As above; the entry is in the log already.
		}
	}
}

function toStderr(line: string): void {
	process.stderr.write(`ham-tui: ${line}\n`);
}

/** The entry for one write; `error` undefined for a write that went through. */
export function auditEntry(
	file: string,
	value: string,
	error: unknown,
	options: Pick<AuditOptions, 'now' | 'version'> = {},
	started = false,
): AuditEntry {
	const seconds = options.now?.() ?? Date.now() / 1000;
	const when = new Date(seconds * 1000);
	const absolute = path.resolve(file);
	const block = /\/memory(\d+)\/[^/]+$/.exec(absolute)?.[1];
	const entry: AuditEntry = {
		time: Number.isNaN(when.getTime()) ? new Date().toISOString() : when.toISOString(),
		tool: 'ham-tui',
		...(options.version === undefined ? {} : {version: clip(safeText(options.version), 64)}),
		who: whoAmI(),
		what: clip(safeText(path.basename(absolute)), 64),
		block: block === undefined || !Number.isSafeInteger(Number(block)) ? null : Number(block),
		value: clip(safeText(value), 64),
		path: safeText(absolute),
		result: started ? 'started' : error === undefined ? 'ok' : 'failed',
	};
	if (error !== undefined) {
		// errorCode gives an OddFile's reason as its code: only an errno's name goes in `errno`.
		const code = errorCode(error);
		if (/^E[A-Z\d]{1,31}$/.test(code)) {
			entry.errno = code;
		} else {
			entry.reason = clip(code, 256);
		}
	}

	return entry;
}

let who: AuditWho | undefined;
/** The user, once per process: os.userInfo() reads the passwd database. */
function whoAmI(): AuditWho {
	if (!who) {
		const uid = process.getuid?.() ?? -1;
		let user: string | null = null;
		try {
			user = clip(safeText(os.userInfo().username), 64);
		} catch {
			// A uid with no passwd entry (a container's): the uid alone says who.
		}

		who = {user, uid, pid: process.pid};
	}

	return {...who, pid: process.pid};
}

/**
 * Linux's PIPE_BUF. One write(2) of less than this is never interleaved with another process's
 * (POSIX promises it for pipes; O_APPEND gives it for a regular file on a local file system): two
 * ham-tui writing at once leave two whole lines.
 */
export const pipeBuf = 4096;

/** The entry as one line, under PIPE_BUF: an overlong path is cut (marked with …) until it fits. */
export function auditLine(entry: AuditEntry): string {
	let line = `${JSON.stringify(entry)}\n`;
	for (let room = 2048; Buffer.byteLength(line) >= pipeBuf; room = Math.floor(room / 2)) {
		line = `${JSON.stringify({...entry, path: clip(entry.path, room)})}\n`;
	}

	return line;
}

// Appended, never followed through a link, never waited on (a FIFO without a reader is ENXIO, one
// with a reader is refused by fstat), never made our terminal; created 0600.
const appendFlags =
	constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;
const tailFlags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;
const directoryFlags = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
const unrecorded = 'writes are not recorded';
const unread = 'not read';
/** No log, or no directory for it, yet: for a reader, nothing was written, nothing to tell. */
const missing = Symbol('missing');

/** Appends one entry with one write(2). Returns why it could not, as one line; undefined when it was written. Never throws. */
export function appendAuditEntry(log: string, entry: AuditEntry): string | undefined {
	const file = new AuditFile(log, ownUid());
	try {
		return file.append(entry);
	} finally {
		file.close();
	}
}

/** The log as opened and checked: its fd, and which directory and file (device, inode) the checks were made on. */
type HeldLog = {fd: number; directory: BigIntStats; file: BigIntStats};

/** The log of one writer: opened with every check at its first entry, then held open until close(). */
class AuditFile {
	private held: HeldLog | undefined;

	/** `owners` looked up once by the caller: the uid does not change under a running ham-tui. */
	constructor(
		private readonly log: string,
		private readonly owners: ReadonlySet<number> | undefined,
	) {}

	/** As appendAuditEntry: why the entry could not be written, or undefined. Never throws. */
	append(entry: AuditEntry): string | undefined {
		try {
			const line = Buffer.from(auditLine(entry));
			if (this.held && !stillNamed(this.log, this.held, this.owners)) {
				// Rotated, removed, or swapped for a link or another file: the full open decides, and says why not.
				this.close();
			}

			if (!this.held) {
				const opened = openLog(this.log, this.owners);
				if (typeof opened === 'string') {
					return opened;
				}

				this.held = opened;
			}

			const written = writeSync(this.held.fd, line);
			if (written === line.length) {
				return undefined;
			}

			this.close(); // Something is wrong with the file: the next entry opens it afresh.
			return `audit log ${safeText(this.log)}: short write (${written} of ${line.length} bytes); the entry is cut`;
		} catch (error) {
			this.close();
			return `audit log ${safeText(this.log)}: cannot be written (${errorCode(error)}); ${unrecorded}`;
		}
	}

	close(): void {
		const held = this.held;
		this.held = undefined;
		if (held) {
			try {
				closeSync(held.fd);
			} catch {
				// Closed already: nothing is held either way.
			}
		}
	}
}

/** The log opened for appending with every check (its directory's and its own), or why not. */
function openLog(log: string, owners: ReadonlySet<number> | undefined): HeldLog | string {
	const opened = openInOwnDirectory(log, appendFlags, {create: true, owners, consequence: unrecorded});
	if (opened === missing) {
		// O_CREAT makes it: only a directory removed between two steps gets here.
		return `audit log ${safeText(log)}: its directory vanished while opening; ${unrecorded}`;
	}

	if (typeof opened === 'string') {
		return opened;
	}

	try {
		const problem = checkLogFile(log, fstatSync(opened.fd), owners, unrecorded);
		if (problem !== undefined) {
			closeSync(opened.fd);
			return problem;
		}

		// BigInt: an inode number past 2^53 (NFS's may be any 64 bits) is compared exactly.
		return {fd: opened.fd, directory: opened.directory, file: fstatSync(opened.fd, {bigint: true})};
	} catch (error) {
		closeSync(opened.fd);
		return `audit log ${safeText(log)}: cannot be written (${errorCode(error)}); ${unrecorded}`;
	}
}

/**
 * True when what a full open would check still holds for the log held: its directory is the very
 * directory checked then (so not a link, and still ours), and its path names the very file held,
 * still a regular file of ours with one name. Two lstat(2) instead of two opens, two fstats and two
 * closes per entry. False on any doubt (an lstat refused too): the full open then says why.
 */
function stillNamed(log: string, held: HeldLog, owners: ReadonlySet<number> | undefined): boolean {
	try {
		const directory = path.dirname(path.resolve(log));
		const there = lstatSync(directory, {bigint: true, throwIfNoEntry: false});
		if (!there || !sameInode(there, held.directory) || (owners && !owners.has(Number(there.uid)))) {
			return false;
		}

		const file = lstatSync(path.join(directory, path.basename(log)), {bigint: true, throwIfNoEntry: false});
		return (
			file !== undefined && sameInode(file, held.file) && file.isFile() && file.nlink === 1n && (!owners || owners.has(Number(file.uid)))
		);
	} catch {
		return false;
	}
}

function sameInode(a: BigIntStats, b: BigIntStats): boolean {
	return a.dev === b.dev && a.ino === b.ino;
}

/** Our uid; undefined where there is none (not on Linux), and then no owner is checked. */
function ownUid(): ReadonlySet<number> | undefined {
	const uid = process.getuid?.();
	return uid === undefined ? undefined : new Set([uid]);
}

/**
 * Opens the log's file inside its directory, the directory itself not followed if it is a link
 * and owned by one of `owners`: the file is then opened through /proc/self/fd/<the directory's
 * fd>, as openat(2) would, so the directory checked is the one the file is opened in. With
 * `create`, a missing directory is made 0700 (with its parents). Returns the fd and the
 * directory's stats, or why not.
 */
function openInOwnDirectory(
	log: string,
	flags: number,
	options: {create: boolean; owners: ReadonlySet<number> | undefined; consequence: string},
): {fd: number; directory: BigIntStats} | typeof missing | string {
	const directory = path.dirname(path.resolve(log));
	const name = path.basename(log);
	const where = `audit log ${safeText(log)}`;
	const consequence = options.consequence;
	let directoryFd: number;
	try {
		directoryFd = openDirectory(directory, options.create);
	} catch (error) {
		const code = errorCode(error);
		if (code === 'ENOENT' && !options.create) {
			return missing;
		}

		const stats = entryAt(directory);
		return stats?.isSymbolicLink()
			? `${where}: its directory ${safeText(directory)} is a symbolic link, not followed; ${consequence}`
			: stats && !stats.isDirectory()
				? `${where}: ${safeText(directory)} is ${kindOf(stats)}, not a directory; ${consequence}`
				: `${where}: its directory ${safeText(directory)} cannot be used (${code}); ${consequence}`;
	}

	try {
		const stats = fstatSync(directoryFd, {bigint: true});
		if (options.owners && !options.owners.has(Number(stats.uid))) {
			return `${where}: its directory ${safeText(directory)} belongs to uid ${stats.uid}, not to this user; ${consequence}`;
		}

		try {
			const fd = openSync(hasProcFd() ? `/proc/self/fd/${directoryFd}/${name}` : path.join(directory, name), flags, 0o600);
			return {fd, directory: stats};
		} catch (error) {
			return errnoName(error) === 'ENOENT' && !options.create
				? missing
				: openProblem(where, path.join(directory, name), error, consequence);
		}
	} finally {
		closeSync(directoryFd);
	}
}

function openDirectory(directory: string, create: boolean): number {
	try {
		return openSync(directory, directoryFlags);
	} catch (error) {
		if (!create || errnoName(error) !== 'ENOENT') {
			throw error;
		}

		mkdirSync(directory, {recursive: true, mode: 0o700});
		return openSync(directory, directoryFlags);
	}
}

/** A failed open said as what is there: a link (ELOOP), a FIFO or socket (ENXIO), else the errno. */
function openProblem(where: string, file: string, error: unknown, consequence: string): string {
	const code = errorCode(error);
	const stats = entryAt(file);
	const what = stats?.isSymbolicLink()
		? 'a symbolic link, not followed'
		: stats && !stats.isFile() && !stats.isDirectory()
			? `${kindOf(stats)}, not a regular file`
			: `cannot be opened (${code})`;
	return `${where}: ${what}; ${consequence}`;
}

/** Only a regular file with one name (a hard link's other name may be any file) that is ours. */
function checkLogFile(log: string, stats: Stats, owners: ReadonlySet<number> | undefined, consequence: string): string | undefined {
	const where = `audit log ${safeText(log)}`;
	if (!stats.isFile()) {
		return `${where}: ${kindOf(stats)}, not a regular file; ${consequence}`;
	}

	if (stats.nlink !== 1) {
		return `${where}: has ${stats.nlink} names (a hard link); ${consequence}`;
	}

	if (owners && !owners.has(stats.uid)) {
		return `${where}: belongs to uid ${stats.uid}, not to this user; ${consequence}`;
	}

	return undefined;
}

let procFd: boolean | undefined;
function hasProcFd(): boolean {
	procFd ??= existsSync('/proc/self/fd');
	return procFd;
}

/** Cut to at most `bytes` bytes of UTF-8 (… included), at a character's boundary. */
function clip(text: string, bytes: number): string {
	if (Buffer.byteLength(text) <= bytes) {
		return text;
	}

	let cut = text;
	while (cut.length > 0 && Buffer.byteLength(cut) > bytes - 3) {
		cut = cut.slice(0, Math.max(0, Math.min(cut.length - 1, bytes - 3)));
	}

	return `${cut}…`;
}

export type AuditTail = {
	/** The entries read, in the log's order. */
	entries: AuditEntry[];
	/** Where the next read starts: after the last whole line read. */
	next: number;
	/** One line per oddity (a line that is not an entry, a log that is not a file...), at most a few per call. */
	problems: string[];
};

/** Read per call at most: a log grown by a million lines since is caught up with over several polls. */
export const maxTailBytes = 1024 * 1024;
const maxProblems = 5;

/**
 * The entries appended to the log since byte `sinceBytes`: only whole lines (a line being written
 * is left for the next call), at most maxTailBytes per call. A log shorter than `sinceBytes` was
 * rotated or cut: it is read from its start. A log missing is no entries, no problem. The log is
 * read as carefully as it is written (no link, no FIFO, a regular file of ours or root's), and
 * every field of every line is checked: a line that is not an entry is skipped with a problem.
 */
export function readAuditTail(log: string, sinceBytes: number): AuditTail {
	const tail: AuditTail = {entries: [], next: Number.isSafeInteger(sinceBytes) ? Math.max(0, sinceBytes) : 0, problems: []};
	try {
		readTail(log, tail);
	} catch (error) {
		tail.problems.push(`audit log ${safeText(log)}: cannot be read (${errorCode(error)})`);
	}

	return tail;
}

function readTail(log: string, tail: AuditTail): AuditTail {
	const fd = openForReading(log, tail);
	if (fd === undefined) {
		return tail;
	}

	try {
		const stats = fstatSync(fd);
		const problem = checkLogFile(log, stats, readOwners(), unread);
		if (problem !== undefined) {
			tail.problems.push(problem);
			return tail;
		}

		let since = tail.next;
		if (stats.size < since) {
			tail.problems.push(`audit log ${safeText(log)}: shorter than at the last read (rotated or cut); read from its start`);
			since = 0;
		}

		const chunk = readAt(fd, since, Math.min(stats.size - since, maxTailBytes));
		const end = chunk.lastIndexOf(0x0a);
		if (end < 0) {
			// No whole line: one being written (wait for it), or one longer than any entry (skip it).
			tail.next = chunk.length === maxTailBytes ? since + chunk.length : since;
			if (chunk.length === maxTailBytes) {
				tail.problems.push(`audit log ${safeText(log)}: a line over ${maxTailBytes} bytes at byte ${since}, skipped`);
			}

			return tail;
		}

		parseLines(log, chunk.subarray(0, end + 1), since, tail);
		tail.next = since + end + 1;
		return tail;
	} catch (error) {
		tail.problems.push(`audit log ${safeText(log)}: cannot be read (${errorCode(error)})`);
		return tail;
	} finally {
		closeSync(fd);
	}
}

/** The log's size now, where a reader starts to see only what is written from now on; 0 when there is no log yet. */
export function auditLogEnd(log: string): number {
	try {
		const fd = openForReading(log, {entries: [], next: 0, problems: []});
		if (fd === undefined) {
			return 0;
		}

		try {
			return fstatSync(fd).size;
		} finally {
			closeSync(fd);
		}
	} catch {
		return 0;
	}
}

/** Entries are trusted when the log and its directory are ours or root's (root's ham-tui writes it). */
function readOwners(): ReadonlySet<number> | undefined {
	const uid = process.getuid?.();
	return uid === undefined ? undefined : new Set([uid, 0]);
}

function openForReading(log: string, tail: AuditTail): number | undefined {
	const opened = openInOwnDirectory(log, tailFlags, {create: false, owners: readOwners(), consequence: unread});
	if (typeof opened === 'object') {
		return opened.fd;
	}

	if (opened !== missing) {
		tail.problems.push(opened);
	}

	return undefined;
}

function readAt(fd: number, position: number, length: number): Buffer {
	const buffer = Buffer.allocUnsafe(Math.max(0, length));
	let filled = 0;
	while (filled < buffer.length) {
		const read = readSync(fd, buffer, filled, buffer.length - filled, position + filled);
		if (read === 0) {
			break;
		}

		filled += read;
	}

	return buffer.subarray(0, filled);
}

function parseLines(log: string, bytes: Buffer, offset: number, tail: AuditTail): void {
	let skipped = 0;
	let start = 0;
	while (start < bytes.length) {
		const end = bytes.indexOf(0x0a, start);
		const stop = end < 0 ? bytes.length : end;
		const text = bytes.toString('utf8', start, stop);
		const at = offset + start;
		const long = stop - start >= pipeBuf;
		start = stop + 1;
		if (text.trim() === '') {
			continue;
		}

		const entry = long ? 'longer than any entry' : parseEntry(text);
		if (typeof entry === 'string') {
			skipped++;
			if (tail.problems.length < maxProblems) {
				tail.problems.push(`audit log ${safeText(log)}: line at byte ${at} skipped: ${entry}`);
			}

			continue;
		}

		tail.entries.push(entry);
	}

	const untold = skipped - Math.min(skipped, maxProblems);
	if (untold > 0) {
		tail.problems.push(`audit log ${safeText(log)}: ${untold} more line(s) skipped`);
	}
}

/**
 * One line as an entry, each field checked, or why it is not one. Fields are looked up as the
 * object's own (Object.hasOwn): a "__proto__" or "constructor" key is only a key here, and the
 * entry returned is built anew, never the parsed object.
 */
export function parseEntry(text: string): AuditEntry | string {
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		return 'not JSON';
	}

	if (!isRecord(parsed)) {
		return 'not a JSON object';
	}

	const time = field(parsed, 'time');
	const tool = field(parsed, 'tool');
	const version = field(parsed, 'version');
	const whoField = field(parsed, 'who');
	const what = field(parsed, 'what');
	const block = field(parsed, 'block');
	const value = field(parsed, 'value');
	const file = field(parsed, 'path');
	const result = field(parsed, 'result');
	const errno = field(parsed, 'errno');
	const reason = field(parsed, 'reason');
	if (typeof time !== 'string' || Number.isNaN(Date.parse(time))) {
		return 'no time';
	}

	if (tool !== 'ham-tui') {
		return 'not written by ham-tui';
	}

	if (!isRecord(whoField)) {
		return 'no who';
	}

	const user = field(whoField, 'user');
	const uid = field(whoField, 'uid');
	const pid = field(whoField, 'pid');
	if ((user !== null && typeof user !== 'string') || !Number.isSafeInteger(uid) || !Number.isSafeInteger(pid)) {
		return 'who is not {user, uid, pid}';
	}

	if (typeof what !== 'string' || typeof value !== 'string' || typeof file !== 'string') {
		return 'what, value or path is not a text';
	}

	if (block !== null && !(Number.isSafeInteger(block) && (block as number) >= 0)) {
		return 'block is not a block number';
	}

	if (result !== 'ok' && result !== 'failed' && result !== 'started') {
		return 'result is neither ok, failed nor started';
	}

	for (const optional of [version, errno, reason]) {
		if (optional !== undefined && typeof optional !== 'string') {
			return 'version, errno or reason is not a text';
		}
	}

	const entry: AuditEntry = {
		time,
		tool,
		...(typeof version === 'string' ? {version: safeText(version)} : {}),
		who: {user: typeof user === 'string' ? safeText(user) : null, uid: uid as number, pid: pid as number},
		what: safeText(what),
		block: block as number | null,
		value: safeText(value),
		path: safeText(file),
		result,
	};
	if (typeof errno === 'string') {
		entry.errno = safeText(errno);
	}

	if (typeof reason === 'string') {
		entry.reason = safeText(reason);
	}

	return entry;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(record: Record<string, unknown>, key: string): unknown {
	return Object.hasOwn(record, key) ? record[key] : undefined;
}
