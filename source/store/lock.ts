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
// only while its link is the top. A holder killed by SIGKILL leaves a `held` link whose process is
// dead (checked with kill(pid, 0) and the process's start time, so a reused pid is not taken for
// the owner); the next process steps past it at once, with no timeout and without removing anyone's
// link, which is what made "two processes clear the same stale lock" a race in a plain pid file.
// Why this and not flock(2), and the proof in full: docs/STATE.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** How long a change waits for a lock held by a live process before giving up. */
export const lockWaitMs = 10_000;

export class LockTimeoutError extends Error {
	constructor(readonly lockPath: string, readonly owner: string, waitMs: number) {
		super(`the lock ${lockPath} has been held by ${owner} for more than ${waitMs / 1000} s; if that process is stuck, stop it`);
	}
}

/** Link targets and the names in the lock directory. */
const free = 'free';
const generationName = /^\d{1,15}$/;

type Owner = {pid: number; start: string; pidns: string; host: string};

/** Who this process is, as written into its lock link. */
function self(): Owner {
	return {pid: process.pid, start: processStart(process.pid) ?? '-', pidns: pidNamespace() ?? '-', host: os.hostname()};
}

let selfOwner: Owner | undefined;
const held = new Set<string>();

function formatOwner(owner: Owner): string {
	return `held:${owner.pid}.${owner.start}.${owner.pidns}@${owner.host}`;
}

function parseOwner(target: string): Owner | undefined {
	const match = /^held:(\d+)\.([^.@]+)\.([^.@]+)@(.*)$/.exec(target);
	return match ? {pid: Number(match[1]), start: match[2]!, pidns: match[3]!, host: match[4]!} : undefined;
}

function describe(owner: Owner): string {
	return `process ${owner.pid}${owner.host === os.hostname() ? '' : ` on ${owner.host}`}`;
}

/** Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot. */
function processStart(pid: number): string | undefined {
	try {
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
	} catch {
		return undefined;
	}
}

function pidNamespace(): string | undefined {
	try {
		return /\[(\d+)\]/.exec(fs.readlinkSync('/proc/self/ns/pid'))?.[1];
	} catch {
		return undefined;
	}
}

/**
 * Whether the link's owner may still be running. Every doubt counts as alive: another host or
 * pid namespace, whose processes this one cannot see, or a process it may not signal.
 */
function ownerAlive(owner: Owner, me: Owner, lockDir: string): boolean {
	if (owner.host !== me.host || owner.pidns !== me.pidns) {
		return true;
	}

	if (owner.pid === me.pid && owner.start === me.start) {
		// This very process, which holds no lock here: left by a change that failed to let go.
		return held.has(lockDir);
	}

	if (owner.pid <= 0 || !signalable(owner.pid)) {
		return false; // kill(0, 0) would ask about our own process group: 0 is nobody's pid here.
	}

	// The pid is in use; by the owner only if it started when the owner did.
	const start = processStart(owner.pid);
	return start === undefined || owner.start === '-' || start === owner.start;
}

function generations(lockDir: string): number[] {
	return fs.readdirSync(lockDir).filter(name => generationName.test(name)).map(Number);
}

function highest(generations: readonly number[]): number {
	let top = -1;
	for (const generation of generations) {
		top = Math.max(top, generation);
	}

	return top;
}

function sleep(ms: number): void {
	Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The lock's directory for a state file; it is created on first use and never removed. */
export function lockDirectory(file: string): string {
	return `${file}.lock`;
}

function ensureDirectory(lockDir: string): void {
	try {
		fs.mkdirSync(lockDir, {mode: 0o700});
		return;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
			throw error;
		}
	}

	if (fs.statSync(lockDir).isDirectory()) {
		return;
	}

	// A lock file of an older ham-tui (its pid in a plain file). A live owner is waited for; a dead
	// one's file is replaced by the directory. The two versions at once on one machine are not
	// supported (docs/STATE.md).
	const pid = Number.parseInt(fs.readFileSync(lockDir, 'utf8'), 10);
	if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && signalable(pid)) {
		throw new OldLockHeld(pid);
	}

	try {
		fs.unlinkSync(lockDir);
	} catch {} // Another process replaced it first.

	fs.mkdirSync(lockDir, {recursive: true, mode: 0o700});
}

function signalable(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code !== 'ESRCH';
	}
}

class OldLockHeld extends Error {
	constructor(readonly pid: number) {
		super(`old-style lock held by process ${pid}`);
	}
}

/** A waiter's place in the queue: `want-<ms since the epoch>-<pid>`, a link to its owner token. */
const wantName = /^want-(\d{15})-(\d+)$/;

/** How long a process lets earlier waiters go first before it takes a free lock anyway. */
const deferMs = 250;

/**
 * A live waiter that came before `marker` (ours; none: we have not waited, so every waiter came
 * first). Markers of dead waiters are removed on the way: they are advice, not the lock.
 */
function earlierWaiter(lockDir: string, names: readonly string[], marker: string | undefined, me: Owner): boolean {
	const ours = marker === undefined ? undefined : wantName.exec(marker);
	for (const name of names) {
		const match = wantName.exec(name);
		if (!match || name === marker || (ours && (match[1]! > ours[1]! || (match[1] === ours[1] && Number(match[2]) > Number(ours[2]))))) {
			continue;
		}

		let owner: Owner | undefined;
		try {
			owner = parseOwner(fs.readlinkSync(path.join(lockDir, name)));
		} catch {
			continue; // Gone: it got the lock or gave up.
		}

		// A waiter gives up after lockWaitMs: an older marker is a dead one's, even one we cannot check.
		const fresh = Date.now() - Number(match[1]) < lockWaitMs + 5000;
		if (owner && fresh && ownerAlive(owner, me, lockDir)) {
			return true;
		}

		fs.rmSync(path.join(lockDir, name), {force: true});
	}

	return false;
}

/**
 * Takes the lock: returns the generation held. Throws LockTimeoutError after waitMs.
 * Waiters queue (want- markers) so that a process changing the machine in a tight loop cannot
 * starve the others: a free lock goes to the earliest live waiter first (for up to deferMs).
 * The queue is only advice; mutual exclusion rests on the generations alone.
 */
function acquire(lockDir: string, waitMs: number): number {
	const me = selfOwner ??= self();
	const token = formatOwner(me);
	const started = Date.now();
	let pause = 1;
	let lastOwner = 'another process';
	let marker: string | undefined;
	let ready = false;
	try {
		for (;;) {
			let waitFor: string | undefined;
			try {
				if (!ready) {
					ensureDirectory(lockDir);
					ready = true;
				}

				const names = fs.readdirSync(lockDir);
				const top = highest(names.filter(name => generationName.test(name)).map(Number));
				if (top >= 0) {
					let target: string;
					try {
						target = fs.readlinkSync(path.join(lockDir, String(top)));
					} catch (error) {
						const code = (error as NodeJS.ErrnoException).code;
						if (code === 'ENOENT') {
							continue; // Tidied away by a new holder just now: look again.
						}

						if (code !== 'EINVAL') {
							throw error;
						}

						target = ''; // Not a link (not ours): it holds nothing.
					}

					const owner = parseOwner(target);
					if (owner && ownerAlive(owner, me, lockDir)) {
						waitFor = describe(owner);
						// First in the queue: look often, so the lock does not stand free while others defer to us.
						if (marker !== undefined && !earlierWaiter(lockDir, names, marker, me)) {
							pause = 1;
						}
					}
				}

				if (waitFor === undefined && Date.now() - started < deferMs && earlierWaiter(lockDir, names, marker, me)) {
					waitFor = 'an earlier waiter';
					pause = 1;
				}

				if (waitFor === undefined) {
					const mine = top + 1;
					const link = path.join(lockDir, String(mine));
					try {
						fs.symlinkSync(token, link);
					} catch (error) {
						if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
							continue; // Another process took this generation first.
						}

						throw error;
					}

					if (generations(lockDir).every(generation => generation <= mine)) {
						tidy(lockDir, mine, me);
						return mine;
					}

					// Our view was stale: a higher generation exists. Step back and look again.
					fs.rmSync(link, {force: true});
					continue;
				}
			} catch (error) {
				if (!(error instanceof OldLockHeld)) {
					throw error;
				}

				ready = false;
				waitFor = `process ${error.pid} (an older ham-tui)`;
			}

			if (waitFor !== 'an earlier waiter') {
				lastOwner = waitFor;
			}

			if (Date.now() - started > waitMs) {
				throw new LockTimeoutError(lockDir, lastOwner, waitMs);
			}

			if (marker === undefined && ready) {
				marker = `want-${String(Date.now()).padStart(15, '0')}-${me.pid}`;
				fs.symlinkSync(token, path.join(lockDir, marker));
			}

			// Back off a little more each time (to 8 ms), with jitter, so that waiters do not move in step.
			sleep(pause + Math.random() * pause);
			pause = Math.min(pause * 2, 8);
		}
	} finally {
		if (marker !== undefined) {
			fs.rmSync(path.join(lockDir, marker), {force: true});
		}
	}
}

/** The holder removes what is below its generation and dead waiters' markers. */
function tidy(lockDir: string, mine: number, me: Owner): void {
	for (const name of fs.readdirSync(lockDir)) {
		if (generationName.test(name) && Number(name) < mine) {
			fs.rmSync(path.join(lockDir, name), {force: true});
		} else if (wantName.test(name)) {
			earlierWaiter(lockDir, [name], undefined, me);
		}
	}
}

function release(lockDir: string, mine: number): void {
	try {
		fs.symlinkSync(free, path.join(lockDir, String(mine + 1)));
	} catch (error) {
		// Nobody else can create mine + 1 while we hold mine; if something did, it is the top now,
		// and removing ours below lets no one in that the top does not.
		if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
			throw error;
		}
	}

	fs.rmSync(path.join(lockDir, String(mine)), {force: true});
}

/**
 * Runs fn while holding the lock of `file` (the state file). Synchronous: one-shot commands and the
 * console share it. Not re-entrant: a nested call for the same file is a programming error.
 */
export function withLock<T>(file: string, fn: () => T, {waitMs = lockWaitMs}: {waitMs?: number} = {}): T {
	const lockDir = lockDirectory(file);
	if (held.has(lockDir)) {
		throw new Error(`withLock(${file}) called while this process holds that lock`);
	}

	const mine = acquire(lockDir, waitMs);
	held.add(lockDir);
	try {
		return fn();
	} finally {
		held.delete(lockDir);
		release(lockDir, mine);
	}
}

/** For tests and `stateVersion`: the highest generation present, or -1. */
export function lockGeneration(file: string): number {
	try {
		return highest(generations(lockDirectory(file)));
	} catch {
		return -1;
	}
}
