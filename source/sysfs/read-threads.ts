// The memory blocks' files read, by more than one thread on a large tree. On a large machine
// reading them is all system calls (three per file: open, read, close; the kernel's sysfs answers
// each on the calling CPU), so with two cores two threads read 100,000 blocks in about 0.6 of the
// time. The blocks are cut into chunks that each thread takes in turn from a shared counter: the
// main thread starts at once while the workers start up (~30 ms), and a thread slowed by a busy
// core simply takes fewer chunks. Each thread writes, per block and file, the index of the file's
// exact bytes in a small table of the texts it met (a whole tree holds a handful: "online\n",
// "offline\n", "1\n", a few zone lists), and per block its node, into shared arrays.
//
// The workers only read. Anything they did not read cleanly (an error, an empty or a full page,
// a listing that failed) comes back as "read it yourself", and the caller (read.ts) reads that
// block again the one careful way, with its checks and its problem lines: the rules for odd and
// hostile trees live in one place. A worker that cannot start does no chunk; one that fails or is
// not done in time leaves its chunks to be read again the careful way.
import fs from 'node:fs';
import {availableParallelism} from 'node:os';
import {isMainThread, MessageChannel, type MessagePort, receiveMessageOnPort, Worker} from 'node:worker_threads';

/** What the threads read: the blocks numbered `indexes` (as "memory7"), each file of `files`, and the node. */
export type ReadJob = {
	/** Put before each block's name: "" when the process sits in the memory directory, else "<root>/". */
	prefix: string;
	indexes: Float64Array;
	files: readonly string[];
	/** Look up each block's nodeN entry (lsmem's have_nodes held for the tree). */
	nodes: boolean;
	/** Links read per block (readlink: the link itself), after the files: their targets go in the same table. */
	links: readonly string[];
	/** open(2) flags, as read.ts opens every file (no links followed, nothing blocks). */
	flags: number;
};

/** Not read cleanly: the caller reads the block itself. */
export const readItYourself = -1;
/** A node entry looked for and none found (a node of -1 to lsmem). */
export const noNode = -1;
/** A link looked for and none there (ENOENT): a block without a firmware_node. */
export const noLink = -2;

/** Blocks per chunk: small enough to share out evenly, large enough that taking one costs nothing. */
export const defaultChunkBlocks = 256;

/** How a tree is shared out; all but `threads` are for tests, to make every worker and chunk boundary count. */
export type Threading = {
	threads?: number;
	/** false: the main thread reads no chunk, the workers read them all. */
	mainReads?: boolean;
	chunkBlocks?: number;
};

export type ThreadedRead = {
	/**
	 * Per block, per file then link (block × (files + links) + n): the index of its text in its
	 * thread's table, readItYourself, or noLink for a link that is not there.
	 */
	ids: Int32Array;
	/** Per block: the node, noNode, or readItYourself (its directory could not be listed). */
	nodes: Int32Array;
	chunkBlocks: number;
	/** Per chunk of chunkBlocks: the thread that read it (1 the main thread, 2... the workers), 0 for none. */
	readBy: Int32Array;
	/** Per thread (readBy's numbers): the files' exact bytes as latin1 strings; undefined when its table never came. */
	texts: Array<string[] | undefined>;
	/** How many threads read a chunk or more. */
	threads: number;
};

/** The arrays the threads share: the counter of chunks taken, and where each writes. */
type Shared = {
	/** [0]: the next chunk to take; [1 + thread]: set once that thread has sent its table. */
	control: Int32Array;
	ids: Int32Array;
	nodes: Int32Array;
	readBy: Int32Array;
	indexes: Float64Array;
};

/** A thread's table of the texts it met: an id is a text's place in `texts`. */
type TextTable = {seen: Map<string, number>; texts: string[]; last: number};

/**
 * The whole program of a reader thread: takes chunks until none is left or the clock passes
 * `until` (Date.now(), checked between chunks), its texts in `table`. It runs from its source
 * text (`eval`), so it uses no names from outside: its modules come as arguments, and it holds no
 * inner functions (a bundler's helpers would be names from outside). The main thread calls it
 * directly as thread 1, at once or a slice at a time.
 */
function readChunks(
	fs: typeof import('node:fs'),
	job: Omit<ReadJob, 'indexes'>,
	shared: Shared,
	thread: number,
	chunkBlocks: number,
	table: TextTable,
	until: number,
): void {
	const page = Buffer.allocUnsafe(4096);
	const fileCount = job.files.length;
	const width = fileCount + job.links.length;
	const total = shared.indexes.length;
	const {seen, texts} = table;
	while (Date.now() <= until) {
		const chunk = Atomics.add(shared.control, 0, 1);
		if (chunk * chunkBlocks >= total) {
			return;
		}

		const end = Math.min(total, (chunk + 1) * chunkBlocks);
		for (let block = chunk * chunkBlocks; block < end; block++) {
			const directory = `${job.prefix}memory${shared.indexes[block]}`;
			for (let file = 0; file < width; file++) {
				let id = -1;
				let fd = -1;
				let text: string | undefined;
				try {
					if (file < fileCount) {
						fd = fs.openSync(`${directory}/${job.files[file]}`, job.flags);
						const length = fs.readSync(fd, page, 0, page.length, null);
						// Empty or a full page: perhaps no attribute at all (a FIFO, a device, a big file).
						if (length > 0 && length < page.length) {
							text = page.toString('latin1', 0, length);
						}
					} else {
						text = fs.readlinkSync(`${directory}/${job.links[file - fileCount]}`, 'latin1');
					}

					if (text !== undefined) {
						id = seen.get(text) ?? -1;
						if (id === -1) {
							id = texts.length;
							seen.set(text, id);
							texts.push(text);
						}
					}
				} catch (error) {
					// A link not there is an answer; anything else is read the careful way.
					id = file >= fileCount && (error as {code?: string}).code === 'ENOENT' ? -2 : -1;
				} finally {
					if (fd !== -1) {
						fs.closeSync(fd);
					}
				}

				shared.ids[block * width + file] = id;
			}

			if (job.nodes) {
				// Blocks come in long runs on one node: one lstat settles most (read.ts's findNode).
				let node = -1;
				try {
					if (table.last !== -1 && fs.lstatSync(`${directory}/node${table.last}`, {throwIfNoEntry: false}) !== undefined) {
						node = table.last;
					} else {
						for (const entry of fs.readdirSync(directory)) {
							if (entry.length > 4 && entry.startsWith('node') && /^\d+$/.test(entry.slice(4))) {
								node = Number(entry.slice(4));
								break;
							}
						}
					}
				} catch {
					node = -2;
				}

				if (node >= 0) {
					table.last = node;
				}

				shared.nodes[block] = node === -2 ? -1 : node;
				if (node === -2) {
					shared.ids[block * width] = -1;
				}
			}
		}

		Atomics.store(shared.readBy, chunk, thread);
		Atomics.notify(shared.readBy, chunk);
	}
}

/** A worker's start: the job, the shared arrays and where to send its table come in workerData. */
const workerSource = `
const fs = require('node:fs');
const {workerData} = require('node:worker_threads');
const {job, shared, thread, chunkBlocks, port} = workerData;
const readChunks = ${readChunks.toString()};
let texts;
try {
	const table = {seen: new Map(), texts: [], last: -1};
	readChunks(fs, job, shared, thread, chunkBlocks, table, Number.POSITIVE_INFINITY);
	texts = table.texts;
} catch {
	texts = undefined;
}
try {
	port.postMessage(texts);
} finally {
	port.close();
	Atomics.store(shared.control, 1 + thread, 1);
	Atomics.notify(shared.control, 1 + thread);
}
`;

/** Below this many blocks one thread is as fast: starting a worker costs about 30 ms of a core. */
export const threadsFrom = 8192;

/**
 * How many threads read a tree of `blocks`: HAM_TUI_READ_THREADS when set (tests, `npm run
 * bench`), else up to four (one per core) from threadsFrom blocks on, else one. Workers only
 * from the main thread, where read.ts may also sit in the memory directory.
 */
export function readThreads(blocks: number, env: NodeJS.ProcessEnv = process.env): number {
	const asked = Number.parseInt(env.HAM_TUI_READ_THREADS ?? '', 10);
	if (asked >= 1) {
		return Math.min(asked, 16);
	}

	return isMainThread && blocks >= threadsFrom ? Math.min(availableParallelism(), 4) : 1;
}

/**
 * Reads `job` with up to `threads` threads, this one included. A worker still starting when the
 * chunks are all taken does none and is let go; one that took chunks is waited for, within a
 * bound (a busy machine can be slow, a dead worker never answers): past it, its chunks count as
 * not read. `mainReads: false` (tests): the workers read every chunk.
 */
export function readInThreads(job: ReadJob, threading: Threading = {}): ThreadedRead {
	const run = startThreadedRead(job, threading);
	run.advance(Number.POSITIVE_INFINITY);
	return run.finish();
}

/**
 * A read under way: the workers read on their own, `advance` lets this thread read chunks until a
 * time, `finish` waits for the rest (within the bound). The console reads a large tree this way
 * and draws meanwhile.
 */
export type ThreadedReadRun = {
	/** This thread reads chunks until Date.now() passes `until` or none is left (nothing, with mainReads false). */
	advance(until: number): void;
	/** Blocks whose chunk is read. */
	read(): number;
	/** Every chunk read and every reader's table come (or the bound passed): finish() waits no more. */
	done(): boolean;
	finish(): ThreadedRead;
};

/**
 * Starts reading `job`. `background`: a worker for every thread asked (this one has a console to
 * draw), and this thread reads only what advance() gives it time for.
 */
export function startThreadedRead(job: ReadJob, threading: Threading = {}, background = false): ThreadedReadRun {
	const count = job.indexes.length;
	const threads = threading.threads ?? readThreads(count);
	const chunkBlocks = Math.max(1, threading.chunkBlocks ?? defaultChunkBlocks);
	const chunks = Math.ceil(count / chunkBlocks);
	const mainReads = threading.mainReads !== false || threads < 2;
	// In the background at least one worker: this thread reads only in the slices it is given.
	const workers = background
		? Math.max(1, Math.min(threads, chunks))
		: mainReads
			? Math.max(0, Math.min(threads, chunks) - 1)
			: threads - 1;
	const sharedArray = <T>(make: new (buffer: SharedArrayBuffer) => T, bytes: number) => new make(new SharedArrayBuffer(bytes));
	const width = job.files.length + job.links.length;
	const shared: Shared = {
		control: sharedArray(Int32Array, 4 * (2 + workers + 1)),
		ids: sharedArray(Int32Array, 4 * count * width),
		nodes: sharedArray(Int32Array, 4 * (job.nodes ? count : 0)),
		readBy: sharedArray(Int32Array, 4 * chunks),
		indexes: sharedArray(Float64Array, 8 * count),
	};
	shared.indexes.set(job.indexes);
	const {indexes: _indexes, ...plan} = job;
	const ports: Array<MessagePort | undefined> = [];
	for (let worker = 0; worker < workers; worker++) {
		const thread = 2 + worker;
		try {
			const {port1, port2} = new MessageChannel();
			new Worker(workerSource, {
				eval: true,
				workerData: {job: plan, shared, thread, chunkBlocks, port: port2},
				transferList: [port2],
				// A worker holds little: a page and its table of texts.
				resourceLimits: {maxOldGenerationSizeMb: 64},
			}).unref();
			ports[thread] = port1;
		} catch {
			// It never starts: the others take its chunks.
		}
	}

	const texts: Array<string[] | undefined> = [];
	const own: TextTable = {seen: new Map(), texts: [], last: -1};
	const started = Date.now();
	const limitMs = 30_000 + count;
	const waiting = () => Date.now() - started < limitMs;
	let chunksRead = 0;
	const unread = (chunk: number) => Atomics.load(shared.readBy, chunk) === 0;
	return {
		advance(until) {
			if (mainReads) {
				readChunks(fs, plan, shared, 1, chunkBlocks, own, until);
			}
		},
		read() {
			while (chunksRead < chunks && !unread(chunksRead)) {
				chunksRead++;
			}

			let more = 0;
			for (let chunk = chunksRead; chunk < chunks; chunk++) {
				more += unread(chunk) ? 0 : 1;
			}

			return Math.min(count, (chunksRead + more) * chunkBlocks);
		},
		done() {
			if (!waiting()) {
				return true;
			}

			for (let chunk = 0; chunk < chunks; chunk++) {
				if (unread(chunk)) {
					return false;
				}
			}

			const readers = new Set(shared.readBy);
			return ports.every((port, thread) => !port || !readers.has(thread) || Atomics.load(shared.control, 1 + thread) !== 0);
		},
		finish() {
			texts[1] = own.texts;
			// Every chunk taken is read soon: wait for the last ones, then for the tables of those who read.
			for (let chunk = 0; chunk < chunks; chunk++) {
				while (unread(chunk) && waiting()) {
					Atomics.wait(shared.readBy, chunk, 0, 50);
				}
			}

			const readers = new Set(shared.readBy);
			for (const [thread, port] of ports.entries()) {
				if (!port) {
					continue;
				}

				if (readers.has(thread)) {
					while (Atomics.load(shared.control, 1 + thread) === 0 && waiting()) {
						Atomics.wait(shared.control, 1 + thread, 0, 50);
					}

					texts[thread] = receiveMessageOnPort(port)?.message as string[] | undefined;
				}

				port.close();
			}

			return {
				ids: shared.ids,
				nodes: shared.nodes,
				chunkBlocks,
				readBy: shared.readBy,
				texts,
				threads: [...readers].filter(thread => thread > 0).length,
			};
		},
	};
}
