// Builds fake sysroots holding /sys/devices/system/memory as the kernel lays it out, for
// readMemoryTree and for `lsmem --sysroot DIR` to read side by side.
import {mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';

/** The files a block directory holds; `omit` leaves some out to make odd trees. */
export type BlockFile = 'state' | 'online' | 'phys_index' | 'removable' | 'valid_zones' | 'phys_device';

export type BlockSpec = {
	index: number;
	/** Written as is, with the kernel's trailing newline (default online). */
	state?: string;
	/** true/false are written 1/0; a string is written as is (default true). */
	removable?: boolean | string;
	/** The valid_zones line, names separated by spaces (default Normal). */
	zones?: string;
	/** The nodeN entry; null for none (default 0). */
	node?: number | null;
	phys_device?: number;
	omit?: readonly BlockFile[];
};

export type TreeSpec = {
	/** A number is written as the kernel does (hex, no 0x); a string as is (default 128 MiB). */
	blockSize?: number | string;
	blocks: readonly BlockSpec[];
	/** How the nodeN entry is made: a directory (default), or a symlink like the kernel's. */
	nodeEntry?: 'dir' | 'link';
};

export const defaultBlockSize = 128 * 1024 * 1024;

// Every write ham-tui makes to a tree is recorded in its audit log: a test's writes go to a log of
// its own process (and of the ham-tui processes it starts, which inherit the environment), never to
// the user's $XDG_STATE_HOME. A test that reads the log sets HAM_TUI_AUDIT_LOG itself.
const testAuditDirectory = mkdtempSync(path.join(tmpdir(), 'ham-audit-'));
process.env.HAM_TUI_AUDIT_LOG ??= path.join(testAuditDirectory, 'audit.log');
process.on('exit', () => rmSync(testAuditDirectory, {recursive: true, force: true}));

/** Writes the tree under `sysroot` and returns the memory directory. */
export function makeMemoryTree(sysroot: string, spec: TreeSpec): string {
	const memory = path.join(sysroot, 'sys/devices/system/memory');
	mkdirSync(memory, {recursive: true});
	const blockSize = spec.blockSize ?? defaultBlockSize;
	writeFileSync(path.join(memory, 'block_size_bytes'), typeof blockSize === 'number' ? `${blockSize.toString(16)}\n` : blockSize);
	writeFileSync(path.join(memory, 'auto_online_blocks'), 'offline\n');
	for (const block of spec.blocks) {
		writeBlock(memory, block, spec.nodeEntry ?? 'dir');
	}

	return memory;
}

/** One more block in a tree already written (a hot-add). */
export function writeBlock(memory: string, block: BlockSpec, nodeEntry: 'dir' | 'link' = 'dir'): void {
	const directory = path.join(memory, `memory${block.index}`);
	mkdirSync(directory);
	const state = block.state ?? 'online';
	const removable = block.removable ?? true;
	const files: Record<BlockFile, string> = {
		state: `${state}\n`,
		online: state === 'online' ? '1\n' : '0\n',
		phys_index: `${block.index.toString(16).padStart(8, '0')}\n`,
		removable: typeof removable === 'string' ? removable : removable ? '1\n' : '0\n',
		valid_zones: `${block.zones ?? 'Normal'}\n`,
		phys_device: `${block.phys_device ?? 0}\n`,
	};
	for (const [name, content] of Object.entries(files)) {
		if (!block.omit?.includes(name as BlockFile)) {
			writeFileSync(path.join(directory, name), content);
		}
	}

	const node = block.node === undefined ? 0 : block.node;
	if (node !== null) {
		makeNodeEntry(path.join(directory, `node${node}`), node, nodeEntry);
	}
}

function makeNodeEntry(entry: string, node: number, kind: 'dir' | 'link'): void {
	if (kind === 'dir') {
		mkdirSync(entry);
	} else {
		// The kernel's link points at ../../node/nodeN; lsmem only looks at the name.
		symlinkSync(`../../node/node${node}`, entry);
	}
}

/** `count` consecutive blocks from `first`, all alike. */
export function run(first: number, count: number, attributes: Omit<BlockSpec, 'index'> = {}): BlockSpec[] {
	return Array.from({length: count}, (_, i) => ({...attributes, index: first + i}));
}

/** A fresh temporary sysroot and a function that removes it. */
export function tempSysroot(prefix = 'ham-sysfs-'): {sysroot: string; remove: () => void} {
	const sysroot = mkdtempSync(path.join(tmpdir(), prefix));
	return {sysroot, remove: () => rmSync(sysroot, {recursive: true, force: true})};
}

/**
 * A tree from a seed (mulberry32), with what real machines show and what lsmem must cope with:
 * holes in the numbering, runs of online and offline blocks, a few going-offline, removable
 * flipping, two nodes, several zone lists.
 */
export function randomTreeSpec(seed: number, count: number): TreeSpec {
	const random = mulberry32(seed);
	const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
	const blocks: BlockSpec[] = [];
	let index = random() < 0.5 ? 0 : 1 + Math.floor(random() * 4);
	let attributes: Omit<BlockSpec, 'index'> = {};
	while (blocks.length < count) {
		// Change attributes every few blocks, so runs form (most ranges are longer than one block).
		if (random() < 0.3) {
			attributes = {
				state: pick(['online', 'online', 'offline', 'going-offline']),
				removable: random() < 0.7,
				node: pick([0, 0, 1]),
				zones: pick(['Normal', 'Movable', 'Normal Movable', 'DMA32 Normal Movable', 'none']),
			};
		}

		blocks.push({...attributes, index});
		index += random() < 0.08 ? 2 + Math.floor(random() * 5) : 1;
	}

	return {blockSize: pick([0x800_0000, 0x1000_0000, 0x8000_0000]), blocks};
}

function mulberry32(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d_2b_79_f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};
}

/**
 * A block's `state` written as the kernel answers it, for fake trees: `online_movable` and
 * `online_kernel` read back as `online`, with `valid_zones` naming the zone the block went to (an
 * online block's valid_zones is its zone); `online` takes the first zone valid_zones offered;
 * `offline` leaves valid_zones alone. A plain file write would keep "online_movable" as written,
 * which no kernel shows.
 */
export function kernelWrite(file: string, value: string): void {
	const directory = path.dirname(file);
	const zonesFile = path.join(directory, 'valid_zones');
	const zone =
		value === 'online_movable' ? 'Movable' : value === 'online_kernel' ? 'Normal' : value === 'online' ? firstZone(zonesFile) : undefined;
	writeFileSync(file, value.startsWith('online') ? 'online\n' : `${value}\n`);
	if (zone !== undefined) {
		writeFileSync(zonesFile, `${zone}\n`);
	}
}

function firstZone(file: string): string | undefined {
	try {
		return readFileSync(file, 'utf8').trim().split(/\s+/)[0] || undefined;
	} catch {
		return undefined;
	}
}
