// A write to a block's `state` with a time limit. Offlining runs inside the write(2): the kernel
// migrates the block's pages and, since 4.15, retries for as long as it takes, ending only when
// the pages are gone or a fatal signal is pending (mm/memory_hotplug.c, offline_pages: "signal
// backoff", -EINTR; Documentation/admin-guide/mm/memory-hotplug.rst: a timeout is "timeout
// $TIMEOUT offline_block"). Node cannot interrupt a blocking write of its own, so the write is
// done by a child process: it inherits the fd the parent opened and checked (openStateForWrite:
// no link followed, a regular file with one name), and on timeout the parent kills it with
// SIGKILL. The kernel sees the fatal signal, undoes the isolation and the block stays online.
import {spawn} from 'node:child_process';
import {closeSync} from 'node:fs';
import {errnoName} from '../errno.js';
import {safeText} from '../model/sanitize.js';
import {openStateForWrite} from './online.js';

/** Writes `value` to `file`; rejects with an error whose code is the errno (or ETIMEDOUT, or why nothing was written). */
export type AsyncWriter = (file: string, value: string) => Promise<void>;

export type TimedWriterOptions = {
	/**
	 * Tests: the child's arguments instead of the writing script (a child that sleeps stands for a
	 * kernel still migrating). The fd is still passed as fd 3.
	 */
	childArgs?: readonly string[];
};

/** A failed write, with the errno (or our own reason) as `code`, as Node's fs errors carry it. */
export class WriteFailed extends Error {
	readonly code: string;

	constructor(code: string, message: string) {
		super(message);
		this.code = code;
	}
}

// The child: the cut and the write on fd 3, as writeSysfs does them; on failure the errno's
// name and number on stderr (Node names only the errnos libuv knows: EHWPOISON comes as a number).
const childScript = `const fs = require('node:fs');
try {
	fs.ftruncateSync(3, 0);
	fs.writeSync(3, process.argv[1]);
} catch (error) {
	process.stderr.write(String(error && error.code) + ' ' + String(error && error.errno));
	process.exitCode = 1;
}`;

/** What the child may say on stderr: a code and a number, nothing longer is read. */
const answerLimit = 200;

/**
 * A writer that gives each write `timeoutMs`: past it the child writing is killed and the write
 * rejects with code ETIMEDOUT, "still migrating pages after N s: stopped, the block stays online".
 */
export function timedWriter(timeoutMs: number, options: TimedWriterOptions = {}): AsyncWriter {
	return async (file, value) => {
		// Throws (an OddFile: a link, a FIFO, a hard link...) before any process starts: nothing written.
		const fd = openStateForWrite(file);
		try {
			await writeInChild(fd, value, timeoutMs, options.childArgs);
		} finally {
			closeSync(fd);
		}
	};
}

async function writeInChild(fd: number, value: string, timeoutMs: number, childArgs: readonly string[] | undefined): Promise<void> {
	// The operator's NODE_OPTIONS could load code into a process holding a root-writable fd: dropped.
	const {NODE_OPTIONS: _dropped, ...env} = process.env;
	const child = spawn(process.execPath, childArgs ? [...childArgs] : ['-e', childScript, '--', value], {
		stdio: ['ignore', 'ignore', 'pipe', fd],
		env,
	});
	let answer = '';
	child.stderr?.setEncoding('utf8');
	child.stderr?.on('data', (chunk: string) => {
		answer = (answer + chunk).slice(0, answerLimit);
	});
	let timedOut = false;
	// SIGKILL, not SIGTERM: offline_pages stops on a fatal signal only, and the child could not
	// handle another one while it sits in write(2) anyway. The migration loop checks for it between
	// passes, so the child ends soon after and 'close' follows.
	const timer = setTimeout(() => {
		timedOut = true;
		child.kill('SIGKILL');
	}, timeoutMs);
	try {
		// 'close', not 'exit': stderr is read to its end.
		const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
			child.once('error', reject);
			child.once('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
		});
		// Done just as the time ran out: done.
		if (code === 0) {
			return;
		}

		if (timedOut) {
			const seconds = Math.round(timeoutMs / 100) / 10;
			throw new WriteFailed('ETIMEDOUT', `still migrating pages after ${seconds} s: stopped, the block stays online`);
		}

		throw childFailure(answer, code, signal);
	} finally {
		clearTimeout(timer);
	}
}

/** The child's answer as an error: its errno when it said one, else how it ended. */
function childFailure(answer: string, code: number | null, signal: NodeJS.Signals | null): WriteFailed {
	const [, name, number] = /^([A-Z][A-Z\d]*) (-?\d+|undefined)$/.exec(answer.trim()) ?? [];
	if (name !== undefined) {
		const errno = number === undefined || number === 'undefined' ? undefined : Number(number);
		const known = errnoName({code: name, errno}) ?? name;
		return new WriteFailed(known, `${known}: the write to the block's state failed`);
	}

	if (signal !== null) {
		// Killed by someone else: the write did not finish, as the kernel's EINTR says.
		return new WriteFailed('EINTR', `the writing process was ended by ${signal}`);
	}

	const said = safeText(answer.trim()).slice(0, 80);
	return new WriteFailed(`the writing process failed (exit ${code ?? '?'}${said === '' ? '' : `: ${said}`})`, 'the writing process failed');
}
