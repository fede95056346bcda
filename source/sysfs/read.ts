// Reads Linux memory blocks from sysfs, as `lsmem --sysroot DIR` does: the real machine behind the
// model. Kept lean because it runs on trees of 100,000 blocks, where the time is all system calls:
// one readdir of the memory dir, then per block one open/read/close per attribute into a shared
// buffer, and one lstat(2) to confirm the block sits on the same node as the block before (a
// readdir per block, as lsmem does, costs about four times as much).
// Odd trees never throw: each oddity becomes a one-line entry in `problems` naming the path.
// Hostile trees neither: no file here is followed through a link, none can block, none is read
// past a page, and every text given out has its control characters replaced (docs/SYSFS.md).
import {closeSync, constants, existsSync, fstatSync, lstatSync, opendirSync, openSync, readdirSync, readSync, type Stats} from 'node:fs';
import path from 'node:path';
import {errnoName} from '../errno.js';
import {safeText} from '../model/sanitize.js';
import {noLink, noNode, startThreadedRead, type ThreadedReadRun, type Threading, threadsFrom} from './read-threads.js';

/** The kernel's words for a block's state; anything else read from `state` is kept as read. */
export type KnownState = 'online' | 'offline' | 'going-offline';

export type MemoryBlock = {
	/** N of the `memoryN` directory; the block starts at index × block size. */
	index: number;
	/** As the kernel wrote it (trailing newline removed); 'unknown' if `state` was missing or unreadable. */
	state: KnownState | (string & {});
	/** `removable` as lsmem reads it (leading integer, 1 = yes); null if missing, unreadable or not a number. */
	removable: boolean | null;
	/**
	 * N of the block's `nodeN` entry; null when it has none (kernels without NUMA have none), and
	 * for every block when the first one has none: like lsmem, no lookups then.
	 */
	node: number | null;
	/** `valid_zones` split on spaces, as the kernel names them (e.g. Normal, Movable, none). */
	zones: string[];
	/**
	 * Only read when asked (`{firmwareNodes: true}`): the target of the block's firmware_node link
	 * (control characters replaced), null for none; absent when not read (origin.ts reads it then).
	 */
	firmwareNode?: string | null;
	/** Only read when asked (`{physical: true}`): the `phys_device` number. */
	phys_device?: number;
	/** Only read when asked (`{physical: true}`): `phys_index`, 8 hex digits in sysfs. */
	phys_index?: number;
};

export type MemoryTree = {
	/** The memory directory that was read: `<sysroot>/sys/devices/system/memory`. */
	root: string;
	blockSizeBytes: number;
	/** Sorted by index. */
	blocks: MemoryBlock[];
	/** One line per oddity met while reading; the blocks still hold what could be read. */
	problems: string[];
	/**
	 * lsmem's have_nodes: the first block read (lowest index) has a `nodeN` entry. lsmem shows and
	 * splits on NODE only then, and shows -1 for blocks without one.
	 */
	hasNodes: boolean;
	/**
	 * lsmem's have_zones: `memory0/valid_zones` exists (that very block, not the first one), and
	 * zones were read. lsmem shows and splits on ZONES only then.
	 */
	hasZones: boolean;
	/** The `memoryN` entries listed, summed up (see listingSignature): tells a later listing that blocks came or went. */
	signature: string;
	/** How many threads read the blocks (read-threads.ts); absent for a tree not read from sysfs (a guest agent's). */
	threads?: number;
};

export type ReadOptions = {
	/** Read `valid_zones` (default true). Skip it when only STATE/REMOVABLE matter: one read less per block. */
	zones?: boolean;
	/**
	 * Read each block's firmware_node link by the reader threads (default false): where a block
	 * came from (origin.ts) without a readlink per block later, on one thread.
	 */
	firmwareNodes?: boolean;
	/**
	 * Read `removable` once, from the first block, and give every block its answer (default false):
	 * one read less per block. Only where the kernel answers alike for every block (removableIsOneAnswer).
	 */
	removableOnce?: boolean;
	/** Read `phys_device` and `phys_index` too (default false): two more reads per block. */
	physical?: boolean;
	/**
	 * Look up each block's `nodeN` entry (default true). Skip it when the ranges are split only on
	 * STATE and REMOVABLE (lsmem's default, `--status`): one lstat less per block. The tree then
	 * claims no nodes (`hasNodes` false, every `node` null).
	 */
	nodes?: boolean;
	/**
	 * How the blocks' files are shared out among threads (read-threads.ts); default: one per core,
	 * up to four, from 8,192 blocks on. The tree read is the same whatever the threading.
	 */
	threading?: Threading;
};

/** Where sysfs keeps memory blocks, under a system root (`/` for this machine). */
export function memoryDirectory(sysroot: string): string {
	return path.join(sysroot, 'sys/devices/system/memory');
}

/**
 * Reads every `memoryN` block under `<sysroot>/sys/devices/system/memory`.
 * Throws only when the tree is unusable: the memory directory cannot be listed, or
 * `block_size_bytes` is missing, unreadable, not a positive hex number or past 2^53 - 1.
 */
export function readMemoryTree(sysroot: string, options: ReadOptions = {}): MemoryTree {
	return treeOf(readBlockList(memoryDirectory(sysroot), options));
}

/**
 * The blocks of a tree, each made as it is walked: readMemoryTree without keeping a MemoryBlock
 * per block, for what walks them once or twice (--status: about 16 bytes per block held).
 */
export type BlockList = Omit<MemoryTree, 'blocks'> & {
	/** How many blocks were read (a block gone meanwhile is left out). */
	count: number;
	/** Each block in index order, a new object each time (a block read the careful way is kept whole). */
	blocks: Iterable<MemoryBlock>;
};

/** What grouping and totals need of a tree: a MemoryTree or a BlockList. */
export type BlockSet = Pick<MemoryTree, 'blockSizeBytes' | 'hasNodes' | 'hasZones'> & {blocks: Iterable<MemoryBlock>};

/** readMemoryTree, the blocks in columns (see BlockList). Throws as readMemoryTree does. */
export function readMemoryBlocks(sysroot: string, options: ReadOptions = {}): BlockList {
	return readBlockList(memoryDirectory(sysroot), options);
}

function treeOf({count: _count, blocks, ...tree}: BlockList): MemoryTree {
	return {...tree, blocks: [...blocks]};
}

/**
 * The tree brought up to date when blocks came or went since it was read (its listing changed:
 * one readdir tells): only the blocks that moved are read (readListingChanges), or the whole tree
 * when many did. Else undefined; undefined too when the directory cannot be read now: the tree
 * kept is then the best there is, and writes to it say what is wrong.
 */
export function readAgainIfChanged(tree: MemoryTree, options: ReadOptions = {}): MemoryTree | undefined {
	try {
		const changes = readListingChanges(tree, options);
		return changes === 'whole' ? treeOf(readBlockList(tree.root, options)) : changes?.tree;
	} catch {
		return undefined;
	}
}

/** Past this many blocks come at once, the tree is read again whole (by threads), not block by block. */
export const addedOneByOne = 1024;

/** What came and went since a tree was read, and the tree brought up to date (readListingChanges). */
export type ListingChanges = {tree: MemoryTree; added: number[]; gone: number[]};

/**
 * The tree brought up to its memory directory's listing when blocks came or went (a virtio-mem
 * device plugs 8 blocks at a time, a DIMM 8 to 32): the blocks gone left out, the new ones read
 * one at a time the careful way, every other block kept as it was read (the console's rolling
 * re-read keeps those fresh). Undefined when the listing is the same. 'whole' when the tree is
 * better read again whole: many blocks came at once, the block size changed, or a name is one the
 * kernel never writes (memory007). Throws as readMemoryTree does (the listing, the block size);
 * the new blocks' problems are the returned tree's, after the old ones.
 */
export function readListingChanges(tree: MemoryTree, options: ReadOptions = {}): ListingChanges | 'whole' | undefined {
	const listing = listBlocks(tree.root);
	if (listing.signature === tree.signature) {
		return undefined;
	}

	const blockSizeBytes = readBlockSize(tree.root);
	const {indexes} = listing;
	const last = lastExactBlock(blockSizeBytes);
	if (blockSizeBytes !== tree.blockSizeBytes || listing.oddNames.size > 0 || (indexes.at(-1) ?? 0) > last) {
		return 'whole';
	}

	// Both in block order: one walk finds what came and what went.
	const kept: MemoryBlock[] = [];
	const added: number[] = [];
	const gone: number[] = [];
	let at = 0;
	for (const block of tree.blocks) {
		while (at < indexes.length && (indexes[at] ?? 0) < block.index) {
			added.push(indexes[at++] ?? 0);
		}

		if (at < indexes.length && indexes[at] === block.index) {
			kept.push(block);
			at++;
		} else if (kept.at(-1)?.index !== block.index) {
			gone.push(block.index);
		}
	}

	for (; at < indexes.length; at++) {
		added.push(indexes[at] ?? 0);
	}

	if (added.length > addedOneByOne) {
		return 'whole';
	}

	const first = tree.blocks[0];
	const reader: BlockReader = {
		options,
		problems: [],
		// As the tree decided: its first block said whether there are nodes (an empty tree: the first new block says).
		nodes: {lookup: options.nodes === false ? false : first ? tree.hasNodes : undefined, last: null, firstBlock: ''},
		cut: 0,
		current: '',
		...(options.removableOnce === true && first && first.removable !== null ? {removable: first.removable} : {}),
	};
	const fresh: MemoryBlock[] = [];
	for (const index of added) {
		const directory = `${tree.root}/memory${index}`;
		reader.current = directory;
		const block = readBlock(reader, directory, index);
		if (block) {
			fresh.push(block);
		}
	}

	const blocks = [...kept, ...fresh].sort((a, b) => a.index - b.index);
	return {
		tree: {
			...tree,
			blocks,
			problems: [...tree.problems, ...reader.problems],
			hasNodes: first ? tree.hasNodes : reader.nodes.lookup === true,
			hasZones: options.zones !== false && existsSync(`${tree.root}/memory0/valid_zones`),
			signature: listing.signature,
		},
		added: fresh.map(block => block.index),
		gone,
	};
}

/**
 * The memory directory's blocks. Each block's files are read by readChunks (read-threads.ts; by
 * several threads on a large tree) into a column of text ids; a block whose files did not read
 * cleanly, the first block (it decides whether nodes are looked up: lsmem's have_nodes) and, when
 * phys_device is asked, every block, are read the careful way (readBlock) and kept whole.
 */
function readBlockList(root: string, options: ReadOptions): BlockList {
	return startBlockList(root, options, false).finish();
}

/** A read of a tree under way (startMemoryRead): the console draws while the threads read. */
export type PendingRead<T> = {
	/** The memory directory, and its block size (read first). */
	root: string;
	blockSizeBytes: number;
	/** Blocks listed. */
	total: number;
	/** Blocks read so far. */
	read(): number;
	/** Reads on this thread until Date.now() passes `until` (the workers read on meanwhile). */
	advance(until: number): void;
	/** finish() will not wait. */
	done(): boolean;
	/** The tree: waits for the rest, reads the odd blocks the careful way. */
	finish(): T;
};

/**
 * readMemoryTree a little at a time: the listing and the block size now (it throws as
 * readMemoryTree does), the blocks by worker threads and by advance(). Whole paths are opened: the
 * working directory is the process's, and this read leaves it alone while other code runs.
 */
export function startMemoryRead(sysroot: string, options: ReadOptions = {}): PendingRead<MemoryTree> {
	const pending = startBlockList(memoryDirectory(sysroot), options, true);
	return {...pending, finish: () => treeOf(pending.finish())};
}

function startBlockList(root: string, options: ReadOptions, background: boolean): PendingRead<BlockList> {
	const listing = listBlocks(root);
	const blockSizeBytes = readBlockSize(root);
	const reader: BlockReader = {
		options,
		problems: [],
		nodes: {lookup: options.nodes === false ? false : undefined, last: null, firstBlock: ''},
		cut: 0,
		current: '',
	};
	const lastBlock = lastExactBlock(blockSizeBytes);
	let exact = listing.indexes.length;
	while (exact > 0 && (listing.indexes[exact - 1] ?? 0) > lastBlock) {
		exact--;
	}

	for (let position = exact; position < listing.indexes.length; position++) {
		// Shown or written, a rounded number would name another block (or another address).
		reader.problems.push(`${root}/${nameAt(listing, position)}: addresses past 2^53 - 1 cannot be shown exactly; block left out`);
	}

	const indexes = listing.indexes.subarray(0, exact);
	const files = options.zones === false ? ['state', 'removable'] : ['state', 'removable', 'valid_zones'];
	const links = options.firmwareNodes === true ? ['firmware_node'] : [];
	const columns: Columns = {
		files,
		links,
		ids: new Int32Array(exact * (files.length + links.length)),
		texts: [],
		nodes: undefined,
		careful: new Map(),
	};
	let threads = 1;
	let inside = false;
	// A small tree is read at once: a worker costs more to start than it saves (read-threads.ts);
	// threads asked for (tests) read in the background whatever the size.
	const inBackground = background && (exact >= threadsFrom || options.threading?.threads !== undefined);
	let from = 0;
	let run: ThreadedReadRun | undefined;
	const careful = (position: number) => {
		const name = nameAt(listing, position);
		reader.current = inside ? name : `${root}/${name}`;
		columns.careful.set(position, readBlock(reader, `${root}/${name}`, indexes[position] ?? 0));
	};

	const begin = () => {
		// Inside the memory directory, files open as "memory7/state": the kernel walks two path
		// components instead of eight or more (lsmem gets the same from openat on a directory fd).
		reader.cut = inside ? root.length + 1 : 0;
		while (from < exact && (from === 0 || options.physical || reader.nodes.lookup === undefined)) {
			careful(from++);
		}

		// The first block's removable is every block's: the others' are not read.
		const first = columns.careful.get(0)?.removable;
		if (options.removableOnce === true && first !== undefined && first !== null) {
			columns.removable = first;
			columns.files = columns.files.filter(file => file !== 'removable');
			columns.ids = new Int32Array(exact * (columns.files.length + links.length));
		}

		if (from < exact) {
			const job = {
				prefix: inside ? '' : `${root}/`,
				indexes: indexes.subarray(from),
				files: columns.files,
				links,
				nodes: reader.nodes.lookup !== false,
				flags: readFlags,
			};
			run = startThreadedRead(job, options.threading, inBackground);
		}
	};

	const assemble = () => {
		if (!run) {
			return;
		}

		const read = run.finish();
		run = undefined;
		// 0 only when no thread read a chunk: workers alone (tests) that failed.
		threads = read.threads;
		const {files} = columns;
		const width = files.length + links.length;
		columns.nodes = reader.nodes.lookup !== false ? new Int32Array(exact) : undefined;
		// Each thread's table of texts into the tree's one table.
		const table = new Map<string, number>();
		const remaps = read.texts.map(texts => texts?.map(text => textId(columns, table, text)));
		for (let position = from; position < exact; position++) {
			const block = position - from;
			const remap = remaps[read.readBy[Math.floor(block / read.chunkBlocks)] ?? 0];
			let clean = remap !== undefined && !listing.oddNames.has(indexes[position] ?? 0);
			for (let file = 0; file < width; file++) {
				const found = read.ids[block * width + file] ?? -1;
				const id = found === noLink ? noLink : (remap?.[found] ?? -1);
				const text = columns.texts[id];
				clean &&=
					file >= files.length
						? id === noLink || text !== undefined
						: text !== undefined && text[fileKinds[files[file] ?? ''] ?? 'link'] !== undefined;
				columns.ids[position * width + file] = id;
			}

			if (!clean) {
				careful(position);
			} else if (columns.nodes) {
				const found = read.nodes[block] ?? noNode;
				const node = settleNode(reader, `${root}/${nameAt(listing, position)}`, found === noNode ? null : found);
				columns.nodes[position] = node ?? noNode;
			}
		}
	};

	const result = (): BlockList => {
		let gone = 0;
		for (const block of columns.careful.values()) {
			gone += block ? 0 : 1;
		}

		if (exact - gone === 0) {
			reader.problems.push(`${root}: no memoryN block directories`);
		}

		return {
			root,
			blockSizeBytes,
			count: exact - gone,
			blocks: {[Symbol.iterator]: () => walkBlocks(indexes, columns)},
			problems: reader.problems,
			hasNodes: reader.nodes.lookup === true,
			// lsmem's very test (F_OK on memory0/valid_zones), made once for the whole tree.
			hasZones: options.zones !== false && existsSync(`${root}/memory0/valid_zones`),
			signature: listing.signature,
			threads,
		};
	};

	if (!inBackground) {
		inDirectory(root, within => {
			inside = within;
			begin();
			run?.advance(Number.POSITIVE_INFINITY);
			assemble();
		});
		inside = false;
	} else {
		begin();
	}

	return {
		root,
		blockSizeBytes,
		total: exact,
		read: () => (run ? from + run.read() : exact),
		advance: until => run?.advance(until),
		done: () => run?.done() ?? true,
		finish() {
			assemble();
			return result();
		},
	};
}

/** The blocks' files in columns: per block and file a text id (-1 for a block read the careful way). */
type Columns = {
	/** `state`, then `removable` (unless read once) and `valid_zones` when read. */
	files: readonly string[];
	/** Every block's removable, read once (ReadOptions.removableOnce); undefined: read per block. */
	removable?: boolean;
	/** Links read after the files (firmware_node): an id, or noLink for none. */
	links: readonly string[];
	ids: Int32Array;
	texts: SharedText[];
	/** Per block, its node or noNode; undefined when nodes are not looked up. */
	nodes: Int32Array | undefined;
	/** Blocks read the careful way, by position: the block, or undefined when it was gone. */
	careful: Map<number, MemoryBlock | undefined>;
};

/** The id of `text` in the tree's table, added when new: the threads' tables become one. */
function textId(columns: Columns, table: Map<string, number>, text: string): number {
	let id = table.get(text);
	if (id === undefined) {
		id = columns.texts.length;
		table.set(text, id);
		columns.texts.push(sharedText(text));
	}

	return id;
}

function* walkBlocks(indexes: Float64Array, columns: Columns): Generator<MemoryBlock> {
	const {files, ids, texts, nodes, careful} = columns;
	const removableAt = files.indexOf('removable');
	const zonesAt = files.indexOf('valid_zones');
	for (let position = 0; position < indexes.length; position++) {
		if (careful.has(position)) {
			const block = careful.get(position);
			if (block) {
				yield block;
			}

			continue;
		}

		const at = position * (files.length + columns.links.length);
		const node = nodes?.[position] ?? noNode;
		const block: MemoryBlock = {
			index: indexes[position] ?? 0,
			state: texts[ids[at] ?? -1]?.state ?? 'unknown',
			removable: removableAt === -1 ? (columns.removable ?? null) : (texts[ids[at + removableAt] ?? -1]?.removable ?? null),
			node: node === noNode ? null : node,
			zones: zonesAt === -1 ? noZones : (texts[ids[at + zonesAt] ?? -1]?.zones ?? noZones),
		};
		if (columns.links.length > 0) {
			const link = ids[at + files.length] ?? noLink;
			block.firmwareNode = link === noLink ? null : (texts[link]?.link ?? null);
		}

		yield block;
	}
}

/**
 * Reads one block again (state, removable unless read once, and, if the tree has them, zones), keeping its node:
 * a block never moves between nodes. Returns undefined, with the reason in `problems`, when the
 * block is gone. For refreshing a tree already read, a few blocks at a time.
 */
export function rereadBlock(tree: MemoryTree, block: MemoryBlock, problems: string[], options: ReadOptions = {}): MemoryBlock | undefined {
	const reader: BlockReader = {
		options: {...options, physical: false},
		problems,
		nodes: {lookup: false, last: null, firstBlock: ''},
		cut: 0,
		current: '',
		...(options.removableOnce === true ? {removable: block.removable} : {}),
	};
	const directory = `${tree.root}/memory${block.index}`;
	reader.current = directory;
	const fresh = readBlock(reader, directory, block.index);
	if (fresh) {
		fresh.node = block.node;
		if (options.zones === false) {
			fresh.zones = block.zones;
		}
	}

	return fresh;
}

/** `valid_zones` of one block, for showing a range's zones without reading every block's. */
export function readZones(root: string, index: number): string[] | undefined {
	try {
		return parseZones(readSmallFile(`${root}/memory${index}/valid_zones`));
	} catch {
		return undefined;
	}
}

/**
 * The `memoryN` entries of a memory directory summed up in a short string, cheaply: one readdir.
 * Compared with MemoryTree.signature, it tells that blocks appeared or went away (a hot-add, a
 * hot-remove) without reading any block. Throws like readMemoryTree when the directory cannot be listed.
 */
export function listingSignature(root: string): string {
	const signature = new ListingSignature();
	forEachEntry(root, name => signature.add(name));
	return signature.text();
}

/**
 * The set of `memoryN` entries summed up, in any order: entries can be added one at a time,
 * as a directory is read a little at a time (the console's rolling re-read).
 */
export class ListingSignature {
	private count = 0;
	private sum = 0;
	private hash = 0;

	/** Counts `name` if it is a block directory's name. */
	add(name: string): void {
		if (isBlockName(name)) {
			this.addIndex(Number(name.slice(6)));
		}
	}

	addIndex(index: number): void {
		// To 32 bits first: a sum of big indices as doubles rounds, and then depends on the order.
		let h = index | 0;
		this.count++;
		this.sum = (this.sum + h) | 0;
		// A 32-bit mix of the index (murmur3's finalizer), combined by xor: the order does not matter.
		h = Math.imul(h ^ (h >>> 16), 0x85_eb_ca_6b);
		h = Math.imul(h ^ (h >>> 13), 0xc2_b2_ae_35);
		this.hash ^= h ^ (h >>> 16);
	}

	text(): string {
		return `${this.count}:${this.sum >>> 0}:${this.hash >>> 0}`;
	}
}

/** lsmem's memory_block_filter: "memory" then digits only. */
function isBlockName(name: string): boolean {
	return name.length > 6 && name.startsWith('memory') && allDigits(name, 6);
}

/**
 * `auto_online_blocks`: what the kernel does with a block it adds (offline, online,
 * online_kernel, online_movable). Null when the file is missing (old kernels) or unreadable;
 * the second is a problem, told in `problems` when given.
 */
export function readAutoOnline(root: string, problems?: string[]): string | null {
	const file = path.join(root, 'auto_online_blocks');
	try {
		return shorten(chomp(readSmallFile(file)));
	} catch (error) {
		const code = errorCode(error);
		if (code !== 'ENOENT') {
			problems?.push(`${file}: unreadable (${code})`);
		}

		return null;
	}
}

/**
 * Whether the sysroot's kernel gives every block the same `removable`: Linux 5.7 and later
 * (commit 53cdc1cb29e8, "indicate all memory blocks as removable": 1 if it can offline memory at
 * all, for each block alike; before, a guess per online block). By the release in
 * proc/sys/kernel/osrelease; a tree without one (a generated tree) or an older kernel is read
 * block by block, as lsmem does.
 */
export function removableIsOneAnswer(sysroot: string): boolean {
	let release: string;
	try {
		release = readKernelFile(path.join(sysroot, 'proc/sys/kernel/osrelease'));
	} catch {
		return false;
	}

	const match = /^(\d+)\.(\d+)/.exec(release);
	const [major, minor] = [Number(match?.[1] ?? 0), Number(match?.[2] ?? 0)];
	return major > 5 || (major === 5 && minor >= 7);
}

/**
 * A small file of the kernel's (sysfs, procfs) under a sysroot, as text: checked and bounded as
 * every file here is, one trailing newline dropped, control characters replaced. Throws when it
 * cannot be read, with the reason as the error's code.
 */
export function readKernelFile(file: string): string {
	return safeText(chomp(readSmallFile(file)));
}

/**
 * Each entry of the memory directory. opendir, not readdir: readdir (libuv's scandir) sorts
 * every name with strcmp first and keeps them all, which the blocks, sorted by number, need not.
 */
function forEachEntry(root: string, each: (name: string) => void): void {
	try {
		const directory = opendirSync(root, {bufferSize: 1024});
		try {
			for (let entry = directory.readSync(); entry !== null; entry = directory.readSync()) {
				each(entry.name);
			}
		} finally {
			directory.closeSync();
		}
	} catch (error) {
		throw new Error(`cannot list memory blocks in ${root}: ${errorCode(error)}`, {cause: error});
	}
}

/** The memory directory's blocks by number: 8 bytes each, no name kept but the odd ones. */
type Listing = {
	/** N of each `memoryN` entry (lsmem's memory_block_filter: "memory" then digits only), sorted. */
	indexes: Float64Array;
	/** By N, names that are not "memory" and N as the kernel writes it ("memory007", 20 digits). */
	oddNames: Map<number, string[]>;
	signature: string;
};

function listBlocks(root: string): Listing {
	let indexes = new Float64Array(1024);
	let count = 0;
	const oddNames = new Map<number, string[]>();
	const signature = new ListingSignature();
	forEachEntry(root, name => {
		if (!isBlockName(name)) {
			return;
		}

		const index = Number(name.slice(6));
		if (count === indexes.length) {
			const grown = new Float64Array(count * 2);
			grown.set(indexes);
			indexes = grown;
		}

		indexes[count++] = index;
		signature.addIndex(index);
		// The kernel's names: no leading zero, and few enough digits to be exact as a double.
		if (name.length > 6 + 15 || (name.length > 7 && name.charCodeAt(6) === 0x30)) {
			const names = oddNames.get(index);
			if (names) {
				names.push(name);
			} else {
				oddNames.set(index, [name]);
			}
		}
	});
	for (const names of oddNames.values()) {
		names.sort();
	}

	// readdir gives no useful order (memory10 before memory2); blocks are wanted in address order.
	return {indexes: indexes.slice(0, count).sort(), oddNames, signature: signature.text()};
}

/** The name of the block at `position` of the listing: the kernel's, or for an odd number the odd names in turn. */
function nameAt(listing: Listing, position: number): string {
	const index = listing.indexes[position] ?? 0;
	const odd = listing.oddNames.get(index);
	if (!odd) {
		return `memory${index}`;
	}

	// Equal numbers sit together: the kernel's own name first (if it is there too), then the odd ones.
	let first = position;
	while (first > 0 && listing.indexes[first - 1] === index) {
		first--;
	}

	let end = position;
	while (listing.indexes[end + 1] === index) {
		end++;
	}

	const kernelNamed = end - first + 1 - odd.length;
	const nth = position - first;
	return nth < kernelNamed ? `memory${index}` : (odd[nth - kernelNamed] ?? `memory${index}`);
}

function readBlockSize(root: string): number {
	const file = path.join(root, 'block_size_bytes');
	let text: string;
	try {
		text = readSmallFile(file);
	} catch (error) {
		throw new Error(`cannot read the memory block size from ${file}: ${errorCode(error)}`, {cause: error});
	}

	// The kernel writes bare hex ("8000000"); 0x is accepted because hand-made trees use it.
	const hex = text.trim();
	const bytes = /^(?:0x)?[\da-f]+$/i.test(hex) ? Number.parseInt(hex.replace(/^0x/i, ''), 16) : Number.NaN;
	if (bytes > Number.MAX_SAFE_INTEGER) {
		throw new Error(`${file}: "${shorten(hex)}" is past 2^53 - 1, too large to show exactly`);
	}

	if (!(bytes > 0)) {
		throw new Error(`${file}: "${shorten(hex)}" is not a memory block size (expected a positive hex number)`);
	}

	return bytes;
}

/** The highest block number whose last byte is still a safe integer: (N + 1) × size - 1 < 2^53. */
function lastExactBlock(blockSizeBytes: number): number {
	return Number(2n ** 53n / BigInt(blockSizeBytes)) - 1;
}

function allDigits(text: string, from: number): boolean {
	for (let i = from; i < text.length; i++) {
		const code = text.charCodeAt(i);
		if (code < 0x30 || code > 0x39) {
			return false;
		}
	}

	return true;
}

type BlockReader = {
	options: ReadOptions;
	problems: string[];
	nodes: NodeLookup;
	/**
	 * When the process sits in the memory directory: the length of "<root>/", cut from a block's
	 * path to open its files relative to it. Messages always name the whole path.
	 */
	cut: number;
	/** The block being read, as its files are opened: "memory7" inside the directory, else the whole path. */
	current: string;
	/** A block read again whose removable is known and not read (ReadOptions.removableOnce). */
	removable?: boolean | null;
};

/**
 * Runs `read` with the memory directory as the working directory when it can (the main thread,
 * a directory it may enter), and puts the previous one back. Reading is synchronous, so nothing
 * else runs meanwhile that could see the change.
 */
function inDirectory(directory: string, read: (inside: boolean) => void): void {
	let previous: string | undefined;
	try {
		previous = process.cwd();
		process.chdir(directory);
	} catch {
		// A worker thread, a removed working directory, no search permission: read by whole paths.
		previous = undefined;
	}

	try {
		read(previous !== undefined);
	} finally {
		if (previous !== undefined) {
			try {
				process.chdir(previous);
			} catch {
				// The old working directory was removed meanwhile; staying here harms no reader.
			}
		}
	}
}

/** What a file's text, as a worker read it, gives without a closer look; undefined: look closer. */
type SharedText = {state?: KnownState; removable?: boolean; zones?: string[]; link: string};

/** What each file a thread reads is, in a SharedText. */
const fileKinds: Readonly<Record<string, keyof SharedText>> = {state: 'state', removable: 'removable', valid_zones: 'zones'};

/** One text a reader thread met (latin1: a character per byte) as a state, a removable or a zone list, whichever it can be. */
function sharedText(text: string): SharedText {
	return {
		// The kernel's words (knownStates) with its newline; anything else gets the careful read and its problem line.
		state: text.endsWith('\n') && knownStates.has(text.slice(0, -1)) ? (text.slice(0, -1) as KnownState) : undefined,
		removable: text === '1\n' ? true : text === '0\n' ? false : undefined,
		zones: parseZones(Buffer.from(text, 'latin1').toString('utf8')),
		// As a link's target (readFirmwareNode's words): the bytes as UTF-8, control characters replaced.
		link: safeText(Buffer.from(text, 'latin1').toString('utf8')),
	};
}

/** Thrown (and caught in readBlock) when a block directory disappears under the reader. */
class BlockGone extends Error {}

/** One block, or undefined (reported) when its directory vanished or is not a directory. */
function readBlock(reader: BlockReader, directory: string, index: number): MemoryBlock | undefined {
	try {
		const block: MemoryBlock = {
			index,
			state: readState(reader, directory),
			removable: reader.removable === undefined ? readRemovable(reader, directory) : reader.removable,
			node: null,
			zones: noZones,
		};
		block.node = findNode(reader, directory);
		if (reader.options.zones !== false) {
			block.zones = parseZones(readAttribute(reader, directory, 'valid_zones'));
		}

		if (reader.options.physical) {
			readPhysical(reader, directory, block);
		}

		return block;
	} catch (error) {
		if (error instanceof BlockGone) {
			reader.problems.push(`${directory}: ${error.message}; block left out`);
			return undefined;
		}

		throw error;
	}
}

const knownStates = new Set<string>(['online', 'offline', 'going-offline']);
/** The zones of a block whose `valid_zones` was not read: one shared empty list, never changed. */
const noZones: string[] = [];

// The contents nearly every block has, compared as bytes so that reading them makes no string.
const onlineBytes = Buffer.from('online\n', 'latin1');
const offlineBytes = Buffer.from('offline\n', 'latin1');

/** `state`, without a string for the usual "online\n" and "offline\n". */
function readState(reader: BlockReader, directory: string): string {
	const length = readIntoBuffer(reader, directory, 'state');
	if (length === onlineBytes.length && pageBuffer.compare(onlineBytes, 0, length, 0, length) === 0) {
		return 'online';
	}

	if (length === offlineBytes.length && pageBuffer.compare(offlineBytes, 0, length, 0, length) === 0) {
		return 'offline';
	}

	return parseState(reader, directory, length < 0 ? undefined : pageText(length));
}

/** `removable`, without a string for the usual "1\n" and "0\n". */
function readRemovable(reader: BlockReader, directory: string): boolean | null {
	const length = readIntoBuffer(reader, directory, 'removable');
	if (length === 2 && pageBuffer[1] === 0x0a && (pageBuffer[0] === 0x31 || pageBuffer[0] === 0x30)) {
		return pageBuffer[0] === 0x31;
	}

	return parseRemovable(reader, directory, length < 0 ? undefined : pageText(length));
}

function parseState(reader: BlockReader, directory: string, text: string | undefined): string {
	if (text === undefined) {
		return 'unknown';
	}

	const state = chomp(text);
	if (!knownStates.has(state)) {
		reader.problems.push(`${directory}/state: unexpected state "${shorten(state)}" (expected online, offline or going-offline)`);
	}

	return safeText(state);
}

/**
 * lsmem reads `removable` as a leading integer (scanf %d) and counts only 1 as removable, so
 * " 1x" is removable to it; the same rule here keeps the grouping identical, while anything but
 * a plain 0 or 1 is still reported.
 */
function parseRemovable(reader: BlockReader, directory: string, text: string | undefined): boolean | null {
	if (text === undefined) {
		return null;
	}

	const value = chomp(text);
	if (value !== '0' && value !== '1') {
		reader.problems.push(`${directory}/removable: "${shorten(value)}" is not 0 or 1`);
	}

	const number = /^\s*([+-]?\d+)/.exec(value)?.[1];
	return number === undefined ? null : Number(number) === 1;
}

/** Like lsmem's strtok(" "): runs of spaces separate, other whitespace stays in the name. */
function parseZones(text: string | undefined): string[] {
	return text === undefined
		? []
		: safeText(chomp(text))
				.split(' ')
				.filter(zone => zone !== '');
}

type NodeLookup = {
	/** Decided by the first block, as lsmem's have_nodes: no node entry there, no lookups at all. */
	lookup: boolean | undefined;
	/** The node of the block before, the likely node of this one. */
	last: number | null;
	firstBlock: string;
};

/**
 * The block's node: the `nodeN` entry in its directory (lsmem's memory_block_get_node). Blocks
 * come in long runs on one node, so checking for the previous block's `nodeN` (one lstat(2))
 * settles almost every block; only the first block of a run needs the readdir. A block linked to
 * two nodes (it straddles a node boundary) reports the first one found.
 */
function findNode(reader: BlockReader, directory: string): number | null {
	const nodes = reader.nodes;
	if (nodes.lookup === false) {
		return null;
	}

	if (nodes.last !== null && hasEntry(`${local(reader, directory)}/node${nodes.last}`)) {
		return nodes.last;
	}

	return settleNode(reader, directory, firstNodeEntry(listBlock(reader, directory)));
}

/** A block's node as found (null: no nodeN entry), told to the lookup: the first block decides whether there are nodes. */
function settleNode(reader: BlockReader, directory: string, node: number | null): number | null {
	const nodes = reader.nodes;
	if (nodes.lookup === undefined) {
		nodes.lookup = node !== null;
		nodes.firstBlock = directory;
	} else if (node === null) {
		reader.problems.push(`${directory}: no nodeN entry, though ${path.basename(nodes.firstBlock)} has one`);
	}

	nodes.last = node ?? nodes.last;
	return node;
}

/**
 * lstat, not exists: the kernel's nodeN is a symlink whose target a fake tree may lack, and lsmem
 * only wants the name. Any failure just means "look in the directory" (listBlock reports).
 */
function hasEntry(file: string): boolean {
	return entryAt(file) !== undefined;
}

/** What is at `file` itself (a link is not followed); undefined when lstat(2) fails at all. */
export function entryAt(file: string): Stats | undefined {
	try {
		return lstatSync(file, {throwIfNoEntry: false});
	} catch {
		return undefined;
	}
}

function listBlock(reader: BlockReader, directory: string): string[] {
	try {
		return readdirSync(local(reader, directory));
	} catch (error) {
		const code = errorCode(error);
		checkBlockThere(local(reader, directory), code);
		reader.problems.push(`${directory}: cannot be listed (${code}), node unknown`);
		return [];
	}
}

/** lsmem takes the first `node<digits>` entry in readdir order (here sorted by name). */
function firstNodeEntry(entries: string[]): number | null {
	for (const entry of entries) {
		if (entry.startsWith('node') && /^\d+$/.test(entry.slice(4))) {
			return Number(entry.slice(4));
		}
	}

	return null;
}

function readPhysical(reader: BlockReader, directory: string, block: MemoryBlock): void {
	const device = readAttribute(reader, directory, 'phys_device');
	if (device !== undefined) {
		const value = chomp(device).trim();
		if (/^\d+$/.test(value)) {
			block.phys_device = Number(value);
		} else {
			reader.problems.push(`${directory}/phys_device: "${shorten(value)}" is not a number`);
		}
	}

	const physIndex = readAttribute(reader, directory, 'phys_index');
	if (physIndex !== undefined) {
		const value = chomp(physIndex).trim();
		block.phys_index = /^[\da-f]+$/i.test(value) ? Number.parseInt(value, 16) : Number.NaN;
		if (block.phys_index !== block.index) {
			reader.problems.push(`${directory}/phys_index: "${shorten(value)}" does not match block ${block.index}`);
		}
	}
}

/**
 * Reads one attribute of a block, or reports why it could not and returns undefined. Files are
 * opened blind (no listing first): a missing one is rare and only then costs an exception.
 */
function readAttribute(reader: BlockReader, directory: string, name: string): string | undefined {
	const length = readIntoBuffer(reader, directory, name);
	return length < 0 ? undefined : pageText(length);
}

/** Reads one attribute into pageBuffer and returns its length, or reports why not and returns -1. */
function readIntoBuffer(reader: BlockReader, directory: string, name: string): number {
	try {
		return readIntoPage(`${local(reader, directory)}/${name}`);
	} catch (error) {
		const code = errorCode(error);
		checkBlockThere(local(reader, directory), code);
		reader.problems.push(`${directory}/${name}: ${code === 'ENOENT' ? 'missing' : `unreadable (${code})`}`);
		return -1;
	}
}

/** The path to open a block's files by: relative to the memory directory when the process is in it. */
function local(reader: BlockReader, directory: string): string {
	return reader.cut === 0 ? directory : reader.current;
}

/** Tells a missing file from a missing block: throws BlockGone when the block itself is not there. */
function checkBlockThere(directory: string, code: string): void {
	if (code === 'ENOTDIR') {
		throw new BlockGone('not a directory');
	}

	if (code === 'ENOENT' && !existsSync(directory)) {
		throw new BlockGone('vanished while reading');
	}
}

// A sysfs attribute is at most one page and arrives whole in one read, so one shared buffer
// serves every file: no fstat and no allocation per read, unlike readFileSync (measured: the
// open/read/close trio is about 1.5 times faster on 100,000 files). Nothing is read past it.
const pageBuffer = Buffer.allocUnsafe(4096);

function readSmallFile(file: string): string {
	return pageText(readIntoPage(file));
}

/** The page's first `length` bytes as text; bytes that are not UTF-8 come out as U+FFFD. */
function pageText(length: number): string {
	return pageBuffer.toString('utf8', 0, length);
}

// Flags as a number: parsing 'r' 300,000 times costs ~5%. No sysfs attribute is a link, so one
// is refused (ELOOP), not followed; O_NONBLOCK: a FIFO blocks neither the open nor the read
// (EAGAIN, or no bytes without a writer); O_NOCTTY: a terminal there does not become ours.
const readFlags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;

/** open, read, close: the file's first page lands in pageBuffer; returns its length. */
function readIntoPage(file: string): number {
	let fd: number;
	try {
		fd = openSync(file, readFlags);
	} catch (error) {
		throw whatIsThere(error, file);
	}

	try {
		const length = readSync(fd, pageBuffer, 0, pageBuffer.length, null);
		// A regular file of an attribute's size reads as 1 to 4095 bytes: only an empty or a full
		// page can be something else (a device, a FIFO without a writer, a big file), so only
		// then is an fstat spent on it.
		if (length === 0 || length === pageBuffer.length) {
			checkAttribute(fstatSync(fd), length);
		}

		return length;
	} catch (error) {
		throw whatIsThere(error, file);
	} finally {
		closeSync(fd);
	}
}

/** A file refused for what it is rather than by an errno: the code says why, in words. */
export class OddFile extends Error {
	readonly code: string;

	constructor(reason: string) {
		super(reason);
		this.code = reason;
	}
}

function checkAttribute(stats: Stats, length: number): void {
	if (!stats.isFile()) {
		throw new OddFile(`${kindOf(stats)}, not a regular file`);
	}

	// sysfs gives every attribute the size 4096, whatever it holds: only a fake file is bigger.
	if (length === pageBuffer.length && stats.size > length) {
		throw new OddFile(`over ${length} bytes, more than a sysfs attribute holds`);
	}
}

/**
 * A failed open or read explained by what is at the path, when it is a link (ELOOP) or neither a
 * regular file nor a directory (a socket is ENXIO, a FIFO with a writer EAGAIN); else as it was.
 */
function whatIsThere(error: unknown, file: string): unknown {
	const code = errorCode(error);
	if (error instanceof OddFile || code === 'ENOENT' || code === 'ENOTDIR') {
		return error;
	}

	const stats = entryAt(file);
	if (stats?.isSymbolicLink()) {
		return new OddFile('a symbolic link, not followed');
	}

	return stats && !stats.isFile() && !stats.isDirectory() ? new OddFile(`${kindOf(stats)}, not a regular file`) : error;
}

/** "a FIFO", "a socket"...: what a file is, for messages. */
export function kindOf(stats: Stats): string {
	return stats.isFile()
		? 'a regular file'
		: stats.isDirectory()
			? 'a directory'
			: stats.isSymbolicLink()
				? 'a symbolic link'
				: stats.isFIFO()
					? 'a FIFO'
					: stats.isSocket()
						? 'a socket'
						: stats.isCharacterDevice()
							? 'a character device'
							: 'a block device';
}

/** Drops one trailing newline, as util-linux's ul_path_read_string does (and nothing more). */
function chomp(text: string): string {
	return text.endsWith('\n') ? text.slice(0, -1) : text;
}

/** File content quoted in a message: C0 controls escaped (\u001b), the rest (C1) replaced. */
function shorten(text: string): string {
	const oneLine = safeText(JSON.stringify(text).slice(1, -1));
	return oneLine.length > 40 ? `${oneLine.slice(0, 40)}…` : oneLine;
}

/**
 * The errno name of a failed fs call (EACCES, ENOENT, EHWPOISON where Node says UNKNOWN...), or an
 * OddFile's reason, else its message (made safe to show).
 */
export function errorCode(error: unknown): string {
	return errnoName(error) ?? safeText(error instanceof Error ? error.message : String(error));
}
