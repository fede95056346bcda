// The memory blocks' files read by more than one thread. On a large machine reading them is all
// system calls (three per file: open, read, close; the kernel's sysfs answers each on the calling
// CPU), so with two cores two threads read 100,000 blocks in about half the time. The main thread
// reads a share itself while worker threads read the rest; each returns, per block and file, the
// index of the file's exact bytes in a small table of the texts it met (a whole tree holds a
// handful: "online\n", "offline\n", "1\n", a few zone lists), and per block its node.
//
// The workers only read. Anything they did not read cleanly (an error, an empty or a full page,
// a listing that failed) comes back as "read it yourself", and the caller (read.ts) reads that
// block again the one careful way, with its checks and its problem lines: the rules for odd and
// hostile trees live in one place. A worker that cannot start, fails, or is not done in time
// leaves its share to the main thread too.
import fs from 'node:fs';
import {availableParallelism} from 'node:os';
import {isMainThread, MessageChannel, type MessagePort, receiveMessageOnPort, Worker} from 'node:worker_threads';

/** What one thread reads: blocks `names` (as "memory7"), each file of `files`, and the node. */
export type ReadJob = {
	/** Put before each block's name: "" when the process sits in the memory directory, else "<root>/". */
	prefix: string;
	names: readonly string[];
	files: readonly string[];
	/** Look up each block's nodeN entry (lsmem's have_nodes held for the tree). */
	nodes: boolean;
	/** open(2) flags, as read.ts opens every file (no links followed, nothing blocks). */
	flags: number;
};

/** Not read cleanly: the caller reads the block itself. */
export const readItYourself = -1;
/** A node entry looked for and none found (a node of -1 to lsmem). */
export const noNode = -1;

export type ReadShare = {
	/** Per block, per file (block × files.length + file): the index of its text in `texts`, or readItYourself. */
	ids: Int32Array;
	/** The files' exact bytes, as latin1 strings (one character per byte). */
	texts: string[];
	/** Per block: the node, noNode, or readItYourself (its directory could not be listed). */
	nodes: Int32Array;
	/** Read by a worker thread (else by the main thread, its own share or one a worker did not deliver). */
	byWorker?: boolean;
};

/**
 * The whole program of a reader thread. It runs from its source text (`eval`), so it uses no
 * names from outside: its modules come as arguments, and it holds no inner functions (a bundler's
 * helpers would be names from outside). The main thread calls it directly for its own share.
 */
function readShare(fs: typeof import('node:fs'), job: ReadJob, page: Buffer): {ids: Int32Array; texts: string[]; nodes: Int32Array} {
	const fileCount = job.files.length;
	const ids = new Int32Array(job.names.length * fileCount);
	const nodes = new Int32Array(job.nodes ? job.names.length : 0);
	const seen = new Map<string, number>();
	const texts: string[] = [];
	let last = -1;
	for (let block = 0; block < job.names.length; block++) {
		const directory = job.prefix + job.names[block];
		for (let file = 0; file < fileCount; file++) {
			let id = -1;
			let fd = -1;
			try {
				fd = fs.openSync(`${directory}/${job.files[file]}`, job.flags);
				const length = fs.readSync(fd, page, 0, page.length, null);
				// Empty or a full page: perhaps no attribute at all (a FIFO, a device, a big file).
				if (length > 0 && length < page.length) {
					const text = page.toString('latin1', 0, length);
					id = seen.get(text) ?? -1;
					if (id === -1) {
						id = texts.length;
						seen.set(text, id);
						texts.push(text);
					}
				}
			} catch {
				id = -1;
			} finally {
				if (fd !== -1) {
					fs.closeSync(fd);
				}
			}

			ids[block * fileCount + file] = id;
		}

		if (job.nodes) {
			// Blocks come in long runs on one node: one lstat settles most (read.ts's findNode).
			let node = -1;
			if (last !== -1 && fs.lstatSync(`${directory}/node${last}`, {throwIfNoEntry: false}) !== undefined) {
				node = last;
			} else {
				try {
					for (const entry of fs.readdirSync(directory)) {
						if (entry.length > 4 && entry.startsWith('node') && /^\d+$/.test(entry.slice(4))) {
							node = Number(entry.slice(4));
							break;
						}
					}
				} catch {
					node = -2;
				}
			}

			if (node >= 0) {
				last = node;
			}

			nodes[block] = node === -2 ? -1 : node;
			if (node === -2) {
				ids[block * fileCount] = -1;
			}
		}
	}

	return {ids, texts, nodes};
}

/** A worker's start: the job and where to answer come in workerData; it says it is done on `done`. */
const workerSource = `
const fs = require('node:fs');
const {workerData} = require('node:worker_threads');
const {job, port, done} = workerData;
const readShare = ${readShare.toString()};
let share;
try {
	share = readShare(fs, job, Buffer.allocUnsafe(4096));
} catch {
	share = undefined;
}
try {
	port.postMessage(share, share ? [share.ids.buffer, share.nodes.buffer] : []);
} finally {
	port.close();
	Atomics.add(done, 0, 1);
	Atomics.notify(done, 0);
}
`;

/** Below this many blocks one thread is as fast: starting a worker costs about 20 ms. */
export const threadsFrom = 8192;

/**
 * How many threads read a tree of `blocks`: HAM_TUI_READ_THREADS when set (tests, `npm run
 * bench`), else up to four (one per core) from threadsFrom blocks on, else one. Workers only
 * from the main thread, where read.ts may also sit in the memory directory.
 */
export function readThreads(blocks: number, env: NodeJS.ProcessEnv = process.env): number {
	const asked = Number.parseInt(env.HAM_TUI_READ_THREADS ?? '', 10);
	if (asked >= 1) {
		return Math.min(asked, 16, Math.max(1, blocks));
	}

	return isMainThread && blocks >= threadsFrom ? Math.min(availableParallelism(), 4) : 1;
}

type Pending = {worker: Worker | undefined; port: MessagePort | undefined; from: number; count: number};

/**
 * Reads `job` with `threads` threads, the main one included. Each share is a ReadShare, in
 * block order; a share no worker delivered is read here, on this thread.
 */
export function readInThreads(job: ReadJob, threads: number, page: Buffer): ReadShare[] {
	const per = Math.ceil(job.names.length / threads);
	const done = new Int32Array(new SharedArrayBuffer(4));
	const pending: Pending[] = [];
	for (let from = per; from < job.names.length; from += per) {
		const count = Math.min(per, job.names.length - from);
		const share: Pending = {worker: undefined, port: undefined, from, count};
		try {
			const {port1, port2} = new MessageChannel();
			const names = job.names.slice(from, from + count);
			share.worker = new Worker(workerSource, {
				eval: true,
				workerData: {job: {...job, names}, port: port2, done},
				transferList: [port2],
				// A worker needs little: its share of names and a page.
				resourceLimits: {maxOldGenerationSizeMb: 256},
			});
			share.worker.unref();
			share.port = port1;
		} catch {
			share.worker = undefined;
		}

		pending.push(share);
	}

	const shares: ReadShare[] = [readShare(fs, {...job, names: job.names.slice(0, per)}, page)];
	// The workers' shares, as each is there; a worker's time is bounded (a busy machine can be
	// slow, a dead worker never answers): past it, its share is read here.
	const started = Date.now();
	const limitMs = 30_000 + per;
	const running = pending.filter(share => share.worker).length;
	while (Atomics.load(done, 0) < running && Date.now() - started < limitMs) {
		Atomics.wait(done, 0, Atomics.load(done, 0), 100);
	}

	for (const share of pending) {
		const message = share.port ? receiveMessageOnPort(share.port) : undefined;
		const answer = message?.message as ReadShare | undefined;
		share.port?.close();
		if (answer === undefined) {
			void share.worker?.terminate();
		} else {
			answer.byWorker = true;
		}

		shares.push(answer ?? readShare(fs, {...job, names: job.names.slice(share.from, share.from + share.count)}, page));
	}

	return shares;
}
