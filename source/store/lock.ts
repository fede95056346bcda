// An exclusive lock beside the state file, held for one read-change-write.
// The lock file holds its owner's pid; a lock whose owner is dead (SIGKILL mid-write, a dropped
// SSH link) is taken over at once, so a crash delays the next command by one check, not a timeout.
import fs from 'node:fs';

const retryMs = 5;
const giveUpMs = 10_000;

export class LockTimeoutError extends Error {}

function ownerAlive(lockPath: string): boolean {
	let pid: number;
	try {
		pid = Number.parseInt(fs.readFileSync(lockPath, 'utf8'), 10);
	} catch {
		// Gone between our open and read: the owner finished. Or half-written: the owner is
		// between open and write, so it is alive.
		return fs.existsSync(lockPath);
	}

	if (!Number.isInteger(pid) || pid <= 0) {
		return true;
	}

	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

function sleep(ms: number): void {
	Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Runs fn while holding `${path}.lock`. Synchronous: one-shot commands and the console share it. */
export function withLock<T>(path: string, fn: () => T): T {
	const lockPath = `${path}.lock`;
	const started = Date.now();
	for (;;) {
		try {
			const fd = fs.openSync(lockPath, 'wx', 0o600);
			fs.writeSync(fd, String(process.pid));
			fs.closeSync(fd);
			break;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
				throw error;
			}

			if (!ownerAlive(lockPath)) {
				// Renaming before removing narrows, but does not close, the window in which two
				// processes clearing the same stale lock could both take it (see docs/STATE.md).
				const aside = `${lockPath}.stale-${process.pid}`;
				try {
					fs.renameSync(lockPath, aside);
					fs.rmSync(aside, {force: true});
				} catch {}

				continue;
			}

			if (Date.now() - started > giveUpMs) {
				throw new LockTimeoutError(`${lockPath} is held by a running process for more than ${giveUpMs / 1000} s`);
			}

			sleep(retryMs);
		}
	}

	try {
		return fn();
	} finally {
		fs.rmSync(lockPath, {force: true});
	}
}
