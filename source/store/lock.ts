// The lock that serialises every change of a state file: one read-change-write at a time.
//
// `machine.json.lock/` is a directory of numbered symbolic links, one per *generation* of the lock.
// Each link's target says what that generation is: `held:<pid>.<start>.<pidns>@<host>` while a
// process holds it, `free` once it let go. The highest number present is the lock's state:
//   - to take the lock, a process reads the highest generation g (none: -1); if it is held by a live
//     process it waits; else it creates link g+1 as its own. symlink() fails when the name exists,
//     so of all the processes that saw the same g, exactly one gets g+1;
//   - it then lists the directory again: a higher generation present means its own view was stale
//     (it filled a gap below the top); it removes its link and starts over;
//   - to let go it creates g+1 as `free` (nobody else can: g is the top and held by a live process),
//     then removes g.
// No one ever removes the highest generation, so it only grows, and a process can hold the lock
// only while its link is the top. Generations are decimal numbers of any length (BigInt), written
// without leading zeros, so the counter cannot overflow and no two names mean the same number.
// A holder killed by SIGKILL leaves a `held` link whose process is dead (no such pid, a zombie, or
// a pid reused by a process that started later); the next process steps past it at once.
// Anything else in the directory (a file, a directory, a FIFO, a name of no known form) is stepped
// past: it is never opened, and a generation-numbered entry that is not a link holds nothing.
// Why this and not flock(2), and the proof in full: docs/STATE.md.
//
// Taking the lock is a `LockWait`, looked at one step at a time: one-shot commands step and sleep
// (`withLock`), the console steps from its timer so that a held lock never stops its screen.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** How long a waiter lets one holder keep the lock before it gives up (a holder, not the queue). */
export const lockWaitMs = 10_000;

export class LockTimeoutError extends Error {
	constructor(
		readonly lockPath: string,
		readonly owner: string,
		waitMs: number,
	) {
		super(`the lock ${lockPath} has been held by ${owner} for more than ${waitMs / 1000} s; if that process is stuck, stop it`);
	}
}

/** The lock's path is taken by something that is not ham-tui's lock directory. */
export class LockPathProblem extends Error {
	constructor(
		readonly lockPath: string,
		what: string,
	) {
		super(
			`the lock ${lockPath} is ${what}, not ham-tui's lock directory; remove it (rm -- '${lockPath.replaceAll("'", "'\\''")}') and try again`,
		);
	}
}

const free = 'free';
/** A generation: a decimal number without leading zeros, of any length (a name's 255 bytes bound it). */
const generationName = /^(?:0|[1-9]\d*)$/;
/** A waiter's place in the queue: `want-<ms since the epoch>-<pid>`, a link to its owner token. */
const wantName = /^want-(\d{15})-(\d+)$/;

type Owner = {pid: number; start: string; pidns: string; host: string};

/** The system calls and clock the lock uses, so that a test can run the lock against its own. */
export type LockSystem = {
	readdir(directory: string): string[];
	readlink(file: string): string;
	symlink(target: string, file: string): void;
	unlink(file: string): void;
	mkdir(directory: string): void;
	lstat(file: string): fs.Stats;
	/** The first bytes of a regular file, opened without following links or blocking. */
	readSmall(file: string): string;
	now(): number;
	/** Whether a process with this pid exists, and its state and start time (from /proc). */
	process(pid: number): {state: string; start: string} | 'none' | 'unknown';
	self(): Owner;
};

/** Field 3 (state) and 22 (start time) of /proc/PID/stat. */
function procStat(pid: number): {state: string; start: string} | 'none' | 'unknown' {
	let stat: string;
	try {
		stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
	} catch (error) {
		// No /proc: fall back to kill(pid, 0), which cannot tell a zombie or a reused pid.
		if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || !fs.existsSync('/proc/self/stat')) {
			return signalable(pid) ? 'unknown' : 'none';
		}

		return 'none';
	}

	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return {state: fields[0] ?? '?', start: fields[19] ?? '-'};
}

function signalable(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code !== 'ESRCH';
	}
}

function pidNamespace(): string {
	try {
		return /\[(\d+)\]/.exec(fs.readlinkSync('/proc/self/ns/pid'))?.[1] ?? '-';
	} catch {
		return '-';
	}
}

let selfOwner: Owner | undefined;

export const realLockSystem: LockSystem = {
	readdir: directory => fs.readdirSync(directory),
	readlink: file => fs.readlinkSync(file),
	symlink(target, file) {
		fs.symlinkSync(target, file);
	},
	unlink(file) {
		fs.unlinkSync(file);
	},
	mkdir(directory) {
		fs.mkdirSync(directory, {mode: 0o700});
	},
	lstat: file => fs.lstatSync(file),
	readSmall(file) {
		const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
		try {
			if (!fs.fstatSync(fd).isFile()) {
				return '';
			}

			const buffer = Buffer.alloc(64);
			return buffer.toString('utf8', 0, fs.readSync(fd, buffer, 0, buffer.length, 0));
		} finally {
			fs.closeSync(fd);
		}
	},
	now: () => Date.now(),
	process: procStat,
	self() {
		selfOwner ??= {
			pid: process.pid,
			start: (() => {
				const stat = procStat(process.pid);
				return typeof stat === 'string' ? '-' : stat.start;
			})(),
			pidns: pidNamespace(),
			host: os.hostname(),
		};
		return selfOwner;
	},
};

/** Lock directories this process holds now (in the real system). */
const held = new Set<string>();

function formatOwner(owner: Owner): string {
	return `held:${owner.pid}.${owner.start}.${owner.pidns}@${owner.host}`;
}

function parseOwner(target: string): Owner | undefined {
	const [, pid, start, pidns, host] = /^held:(\d{1,10})\.([^.@]+)\.([^.@]+)@(.*)$/.exec(target) ?? [];
	return pid === undefined || start === undefined || pidns === undefined || host === undefined
		? undefined
		: {pid: Number(pid), start, pidns, host};
}

/** A queue marker's name, `want-<since, 15 digits>-<pid>`: when its waiter came, and who it is. */
function parseWaiter(name: string): {since: string; pid: number} | undefined {
	const [, since, pid] = wantName.exec(name) ?? [];
	return since === undefined || pid === undefined ? undefined : {since, pid: Number(pid)};
}

function describe(owner: Owner, me: Owner): string {
	return `process ${owner.pid}${owner.host === me.host ? '' : ` on ${owner.host}`}`;
}

function errorCode(error: unknown): string | undefined {
	return (error as NodeJS.ErrnoException).code;
}

/** The lock's directory for a state file; it is created on first use and never removed. */
export function lockDirectory(file: string): string {
	return `${file}.lock`;
}

/** The highest generation among the names, or undefined when there is none. */
export function highestGeneration(names: readonly string[]): bigint | undefined {
	let top: bigint | undefined;
	for (const name of names) {
		if (generationName.test(name)) {
			const generation = BigInt(name);
			if (top === undefined || generation > top) {
				top = generation;
			}
		}
	}

	return top;
}

/** How long a process lets earlier waiters go first before it takes a free lock anyway. */
const deferMs = 250;

export type LockStep = {taken: true} | {taken: false; waitFor: string};

/**
 * One process's taking of one lock, a step at a time. `step()` looks once: it takes the lock if it
 * can, else says whom it waits for. It throws LockTimeoutError once one holder has kept the lock
 * for more than waitMs while this waiter watched (a queue that moves is waited for as long as it
 * moves), and LockPathProblem when the lock's path is not a directory.
 */
export class LockWait {
	readonly lockDir: string;
	private readonly system: LockSystem;
	private readonly waitMs: number;
	private readonly me: Owner;
	private readonly started: number;
	private marker: string | undefined;
	private ready = false;
	/** Who holds the lock as this waiter saw it last (a generation, or an older ham-tui's pid), and since when. */
	private watched: {holder: string; since: number} | undefined;
	private mine: bigint | undefined;

	constructor(file: string, {waitMs = lockWaitMs, system = realLockSystem}: {waitMs?: number; system?: LockSystem} = {}) {
		this.lockDir = lockDirectory(file);
		this.system = system;
		this.waitMs = waitMs;
		this.me = system.self();
		this.started = system.now();
	}

	/** The generation this wait took (after a step that returned taken). */
	get generation(): bigint {
		if (this.mine === undefined) {
			throw new Error('the lock is not taken');
		}

		return this.mine;
	}

	step(): LockStep {
		// Bounded: each pass either decides or lost a race that someone else won (progress).
		for (let pass = 0; pass < 1000; pass++) {
			const result = this.look();
			if (result !== 'again') {
				if (!result.taken) {
					this.enqueue();
				} else {
					this.leaveQueue();
				}

				return result;
			}
		}

		return {taken: false, waitFor: 'other processes (the lock is changing hands)'};
	}

	/** Gives up waiting: takes this waiter's place out of the queue. */
	abandon(): void {
		this.leaveQueue();
	}

	private look(): LockStep | 'again' {
		const {system, lockDir, me} = this;
		if (!this.ready) {
			const old = this.ensureDirectory();
			if (old !== undefined) {
				return this.waitFor(`old:${old}`, old);
			}

			this.ready = true;
		}

		const names = system.readdir(lockDir);
		const top = highestGeneration(names);
		if (top !== undefined) {
			let target = '';
			try {
				target = system.readlink(path.join(lockDir, String(top)));
			} catch (error) {
				if (errorCode(error) === 'ENOENT') {
					return 'again'; // Tidied away by a new holder just now: look again.
				}

				if (errorCode(error) !== 'EINVAL') {
					throw error;
				}
				// Not a link (not ours): it holds nothing.
			}

			const owner = parseOwner(target);
			if (owner && this.alive(owner)) {
				// Timed per generation and owner: a stale taker may re-create a generation just let
				// go, and the clock is for one holder, the one the message names.
				return this.waitFor(`${top} ${target}`, describe(owner, me));
			}
		}

		if (system.now() - this.started < deferMs && this.earlierWaiter(names)) {
			return {taken: false, waitFor: 'an earlier waiter'};
		}

		const mine = (top ?? -1n) + 1n;
		const link = path.join(lockDir, String(mine));
		try {
			system.symlink(formatOwner(me), link);
		} catch (error) {
			if (errorCode(error) === 'EEXIST') {
				return 'again'; // Another process took this generation first.
			}

			throw error;
		}

		const after = highestGeneration(system.readdir(lockDir));
		if (after !== undefined && after > mine) {
			// Our view was stale: a higher generation exists. Step back and look again.
			this.remove(link);
			return 'again';
		}

		this.mine = mine;
		this.tidy(mine);
		return {taken: true};
	}

	/** Waits for one holder, timed from when this waiter first saw it hold the lock. */
	private waitFor(holder: string, who: string): LockStep {
		const now = this.system.now();
		if (this.watched?.holder !== holder) {
			this.watched = {holder, since: now};
		} else if (now - this.watched.since > this.waitMs) {
			throw new LockTimeoutError(this.lockDir, who, this.waitMs);
		}

		return {taken: false, waitFor: who};
	}

	/** Creates the directory; says whom to wait for when an older ham-tui's lock file is held. */
	private ensureDirectory(): string | undefined {
		const {system, lockDir} = this;
		let stat: fs.Stats;
		try {
			stat = system.lstat(lockDir);
		} catch (error) {
			if (errorCode(error) !== 'ENOENT') {
				throw error;
			}

			try {
				system.mkdir(lockDir);
				return undefined;
			} catch (error) {
				if (errorCode(error) !== 'EEXIST') {
					throw error;
				}
			}

			stat = system.lstat(lockDir);
		}

		if (stat.isDirectory()) {
			return undefined;
		}

		if (!stat.isFile()) {
			throw new LockPathProblem(
				lockDir,
				stat.isSymbolicLink() ? 'a symbolic link' : stat.isFIFO() ? 'a FIFO' : stat.isSocket() ? 'a socket' : 'a device',
			);
		}

		// A lock file of an older ham-tui (its pid in a plain file). A live owner is waited for; a dead
		// one's file is replaced by the directory. The two versions at once on one machine are not
		// supported (docs/STATE.md).
		let content: string;
		try {
			content = system.readSmall(lockDir);
		} catch (error) {
			if (errorCode(error) !== 'ENOENT') {
				throw error;
			}

			return this.ensureDirectory(); // Replaced just now by another process that found its owner dead.
		}

		const pid = Number.parseInt(content, 10);
		if (Number.isSafeInteger(pid) && pid > 0 && pid !== this.me.pid && system.process(pid) !== 'none') {
			return `process ${pid} (an older ham-tui)`;
		}

		try {
			system.unlink(lockDir);
		} catch {} // Another process replaced it first.

		return this.ensureDirectory();
	}

	/**
	 * Whether the link's owner may still be running. Every doubt counts as alive: another host or
	 * pid namespace, whose processes this one cannot see, or a process it may not look at. A zombie
	 * (killed, not yet reaped) is dead: it will never let go.
	 */
	private alive(owner: Owner): boolean {
		const {me} = this;
		if (owner.host !== me.host || owner.pidns !== me.pidns) {
			return true;
		}

		if (owner.pid === me.pid && owner.start === me.start) {
			// This very process, which holds no lock here: left by a change that failed to let go.
			return this.system === realLockSystem && held.has(this.lockDir);
		}

		if (owner.pid <= 0) {
			return false; // 0 is nobody's pid here.
		}

		const info = this.system.process(owner.pid);
		if (info === 'none') {
			return false;
		}

		if (info === 'unknown') {
			return true;
		}

		// The pid is in use; by the owner only if it started when the owner did.
		return info.state !== 'Z' && info.state !== 'X' && (owner.start === '-' || info.start === owner.start);
	}

	/**
	 * A live waiter that came before ours (none of ours: every waiter came first). Markers of dead
	 * waiters are removed on the way: they are advice, not the lock.
	 */
	private earlierWaiter(names: readonly string[]): boolean {
		const ours = this.marker === undefined ? undefined : parseWaiter(this.marker);
		for (const name of names) {
			const waiter = parseWaiter(name);
			if (
				!waiter ||
				name === this.marker ||
				(ours && (waiter.since > ours.since || (waiter.since === ours.since && waiter.pid > ours.pid)))
			) {
				continue;
			}

			if (this.liveWaiter(name, waiter.since)) {
				return true;
			}
		}

		return false;
	}

	/** Whether a queue marker is a live waiter's; a dead one's is removed. */
	private liveWaiter(name: string, since: string): boolean {
		let owner: Owner | undefined;
		try {
			owner = parseOwner(this.system.readlink(path.join(this.lockDir, name)));
		} catch {
			return false; // Gone (it got the lock or gave up), or not a link: nobody's.
		}

		// A waiter on another host cannot be checked: its marker counts for a minute, then is stale.
		const foreign = owner !== undefined && (owner.host !== this.me.host || owner.pidns !== this.me.pidns);
		if (owner && this.alive(owner) && !(foreign && this.system.now() - Number(since) > 60_000)) {
			return true;
		}

		this.remove(path.join(this.lockDir, name));
		return false;
	}

	private enqueue(): void {
		if (this.marker === undefined && this.ready) {
			this.marker = `want-${String(this.system.now()).padStart(15, '0')}-${this.me.pid}`;
			try {
				this.system.symlink(formatOwner(this.me), path.join(this.lockDir, this.marker));
			} catch {
				this.marker = undefined; // Advice only: waiting without a place in the queue is still correct.
			}
		}
	}

	private leaveQueue(): void {
		if (this.marker !== undefined) {
			this.remove(path.join(this.lockDir, this.marker));
			this.marker = undefined;
		}
	}

	/** The holder removes the links below its generation and dead waiters' markers; nothing else. */
	private tidy(mine: bigint): void {
		for (const name of this.system.readdir(this.lockDir)) {
			if (generationName.test(name) && BigInt(name) < mine) {
				this.remove(path.join(this.lockDir, name));
			} else if (name !== this.marker) {
				const waiter = parseWaiter(name);
				if (waiter) {
					this.liveWaiter(name, waiter.since);
				}
			}
		}
	}

	/** Removes a link; anything that is not one (a directory someone made) is stepped past. */
	private remove(file: string): void {
		try {
			if (this.system.lstat(file).isSymbolicLink()) {
				this.system.unlink(file);
			}
		} catch {} // Gone already.
	}

	/** Lets go of a taken lock. */
	release(): void {
		const mine = this.generation;
		this.mine = undefined;
		try {
			this.system.symlink(free, path.join(this.lockDir, String(mine + 1n)));
		} catch (error) {
			// Nobody else can create mine + 1 while we hold mine; if something did, it is the top now,
			// and removing ours below lets no one in that the top does not.
			if (errorCode(error) !== 'EEXIST') {
				throw error;
			}
		}

		this.remove(path.join(this.lockDir, String(mine)));
	}
}

function sleep(ms: number): void {
	Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Runs fn while this process holds a lock it has just taken; lets go after. */
export function holding<T>(wait: LockWait, fn: () => T): T {
	if (held.has(wait.lockDir)) {
		throw new Error(`the lock ${wait.lockDir} is taken twice by this process`);
	}

	held.add(wait.lockDir);
	try {
		return fn();
	} finally {
		held.delete(wait.lockDir);
		wait.release();
	}
}

/**
 * Runs fn while holding the lock of `file` (the state file), waiting for it (blocking) as long as
 * holders come and go, up to waitMs for any one holder. For one-shot commands; the console steps a
 * LockWait from its timer instead. Not re-entrant: a nested call for the same file is a programming error.
 */
export function withLock<T>(file: string, fn: () => T, {waitMs = lockWaitMs}: {waitMs?: number} = {}): T {
	if (held.has(lockDirectory(file))) {
		throw new Error(`withLock(${file}) called while this process holds that lock`);
	}

	const wait = new LockWait(file, {waitMs});
	let pause = 1;
	try {
		for (;;) {
			const step = wait.step();
			if (step.taken) {
				return holding(wait, fn);
			}

			// Back off a little more each time (to 8 ms), with jitter, so that waiters do not move in
			// step; the first in the queue looks often, so the lock does not stand free while others defer.
			sleep(pause + Math.random() * pause);
			pause = step.waitFor === 'an earlier waiter' ? 1 : Math.min(pause * 2, 8);
		}
	} finally {
		wait.abandon();
	}
}

/** For tests and `stateVersion`: the highest generation present, or -1. */
export function lockGeneration(file: string): string {
	// Looked at 4 times a second by an idle console: a missing directory is asked about without
	// an exception (a thrown ENOENT, its stack captured, was most of an idle poll's cost).
	const directory = lockDirectory(file);
	if (!fs.statSync(directory, {throwIfNoEntry: false})?.isDirectory()) {
		return '-1';
	}

	try {
		return String(highestGeneration(fs.readdirSync(directory)) ?? -1);
	} catch {
		return '-1';
	}
}
