// The guest's memory blocks as the QEMU guest agent tells them (pure: the answers in, shapes out).
// qemu-ga (qga/commands-posix.c) reads the guest's sysfs for us, but only part of it:
// - guest-get-memory-block-info: {size}, block_size_bytes.
// - guest-get-memory-blocks: per `memoryN` directory, in readdir order (not sorted), {phys-index: N,
//   online: state starts with "online", can-offline: `removable` is not "0"}. So "going-offline"
//   and any odd state read as offline, and can-offline is the legacy `removable` file, which reads 1
//   on every block of today's kernels: it says nothing about whether offlining can succeed.
// - What it cannot tell: the block's node, its zone and valid_zones, its state word, phys_device,
//   auto_online_blocks, the online policy, or whether a block is boot memory. The tree made here
//   therefore has no nodes and no zones, and no zone rule applies through the agent.
// - guest-set-memory-blocks takes only {phys-index, online: true|false}: it writes plain "online"
//   (never online_movable), so the kernel picks the zone by its own policy (on Debian's defaults
//   ZONE_NORMAL, where the memory cannot be removed again). A block already in the asked state is
//   answered "success" without a write: it cannot say that someone else onlined it first.
import {errnoName} from '../errno.js';
import {safeText} from '../model/sanitize.js';
import {fail, ok, type Result} from '../result.js';
import {type BlockResult, retryCanHelp} from '../sysfs/integrate.js';
import {defaultSplit, type GroupOptions, groupRanges, type MemoryRange} from '../sysfs/ranges.js';
import type {MemoryBlock, MemoryTree} from '../sysfs/read.js';

/** One entry of guest-get-memory-blocks. */
export type AgentBlock = {index: number; online: boolean; canOffline: boolean | null};

/** What the agent cannot tell, for a view to say plainly. */
export const agentCannotTell =
	"the guest agent tells only each block's number and whether it is online: not its node, zone or valid zones, so no zone rule applies and onlining is plain online (the kernel picks the zone)";

/**
 * What --integrate through the agent says once on stderr: agentCannotTell's "plain online (the
 * kernel picks the zone)" for someone about to online, and where Movable can be had instead.
 */
export const agentOnlineNote =
	'the guest agent onlines with a plain online: the guest kernel picks the zone (usually Normal, not removable); for Movable, run ham-tui --integrate inside the guest';

/** guest-get-memory-block-info's answer: the block size in bytes. */
export function parseBlockInfo(value: unknown): Result<number> {
	if (!isObject(value) || !Object.hasOwn(value, 'size')) return fail(`guest-get-memory-block-info: no size in ${shown(value)}`);
	const {size} = value;
	if (typeof size !== 'number' || !Number.isSafeInteger(size) || size <= 0 || !Number.isInteger(Math.log2(size))) {
		return fail(`guest-get-memory-block-info: the block size ${shown(size)} is not a power of two`);
	}

	return ok(size);
}

/** guest-get-memory-blocks' answer, sorted by block number; a malformed entry refuses the whole answer. */
export function parseMemoryBlocks(value: unknown): Result<AgentBlock[]> {
	if (!Array.isArray(value)) return fail(`guest-get-memory-blocks: not a list: ${shown(value)}`);
	const blocks: AgentBlock[] = [];
	const seen = new Set<number>();
	for (const entry of value) {
		const index = isObject(entry) && Object.hasOwn(entry, 'phys-index') ? entry['phys-index'] : undefined;
		const online = isObject(entry) && Object.hasOwn(entry, 'online') ? entry.online : undefined;
		if (!isObject(entry) || !isIndex(index) || typeof online !== 'boolean') {
			return fail(`guest-get-memory-blocks: not a memory block: ${shown(entry)}`);
		}

		if (seen.has(index)) return fail(`guest-get-memory-blocks: block ${index} listed twice`);
		seen.add(index);
		const canOffline = Object.hasOwn(entry, 'can-offline') ? entry['can-offline'] : undefined;
		blocks.push({index, online, canOffline: typeof canOffline === 'boolean' ? canOffline : null});
	}

	return ok(blocks.sort((a, b) => a.index - b.index));
}

/**
 * The agent's blocks as a MemoryTree, so that sysfs's grouping (groupRanges, lsmem's rules) applies:
 * no nodes and no zones (the agent has neither), `removable` from can-offline (sysfs's own
 * `removable`, as the agent read it), state online or offline (all the agent says).
 */
export function agentTree(blockSizeBytes: number, blocks: readonly AgentBlock[], root = 'guest agent'): MemoryTree {
	return {
		root,
		blockSizeBytes,
		blocks: blocks.map(
			(block): MemoryBlock => ({
				index: block.index,
				state: block.online ? 'online' : 'offline',
				removable: block.canOffline,
				node: null,
				zones: [],
			}),
		),
		problems: [],
		hasNodes: false,
		hasZones: false,
		signature: blocks.map(block => block.index).join(','),
	};
}

/** A memory device as QMP's query-memory-devices places it: pc-dimm addr/size, virtio-mem memaddr/max-size. */
export type DeviceRange = {id: string; start: number; size: number};

/** A range of the guest's blocks and the device it came from: a device id, or "boot" for memory no device holds. */
export type TiedRange = MemoryRange & {device: string};

/**
 * The agent's ranges grouped as lsmem groups them (by state and removable: the agent has no node
 * or zone), each split where a device begins or ends, so that every range lies in one device or
 * in none ("boot": the memory the VM started with, below and between the devices).
 */
export function tiedRanges(tree: MemoryTree, devices: readonly DeviceRange[], options: GroupOptions = {}): TiedRange[] {
	const blockSize = tree.blockSizeBytes;
	const deviceOf = (index: number): string => {
		const start = index * blockSize;
		return devices.find(device => start >= device.start && start + blockSize <= device.start + device.size)?.id ?? 'boot';
	};

	const tied: TiedRange[] = [];
	for (const range of groupRanges(tree, {split: defaultSplit, ...options})) {
		let current: TiedRange | undefined;
		for (let index = range.firstBlock; index <= range.lastBlock; index++) {
			const device = deviceOf(index);
			if (current && current.device === device) {
				current.lastBlock = index;
				current.blocks++;
				current.size += blockSize;
				current.end += blockSize;
				continue;
			}

			current = {
				...range,
				start: index * blockSize,
				end: (index + 1) * blockSize - 1,
				size: blockSize,
				firstBlock: index,
				lastBlock: index,
				blocks: 1,
				device: safeText(device),
			};
			tied.push(current);
		}
	}

	return tied;
}

/** guest-set-memory-blocks' arguments: each block asked online (the agent has no other way to online). */
export function setMemoryBlocksArguments(
	blocks: readonly number[],
	online = true,
): {'mem-blks': {'phys-index': number; online: boolean}[]} {
	return {'mem-blks': blocks.map(index => ({'phys-index': index, online}))};
}

/** The agent's words for one block's outcome. */
export type AgentResponse = 'success' | 'not-found' | 'operation-not-supported' | 'operation-failed';
const responses = new Set<string>(['success', 'not-found', 'operation-not-supported', 'operation-failed']);

/**
 * guest-set-memory-blocks' answer as ham-tui's per-block outcomes (sysfs/integrate.ts's BlockResult:
 * the errno name, and whether a retry can help by the same rule as a sysfs write). "success" is
 * also the agent's answer for a block that was online already (it writes nothing then);
 * "not-found" is a block gone (its directory vanished); "operation-not-supported" is a guest
 * without memory hotplug in sysfs; "operation-failed" carries the errno of the failed write.
 */
export function parseSetMemoryBlocks(value: unknown, asked: readonly number[]): Result<BlockResult[]> {
	if (value === null && asked.length === 0) return ok([]); // The agent answers nothing for an empty list.
	if (!Array.isArray(value)) return fail(`guest-set-memory-blocks: not a list: ${shown(value)}`);
	const results: BlockResult[] = [];
	for (const entry of value) {
		const index = isObject(entry) && Object.hasOwn(entry, 'phys-index') ? entry['phys-index'] : undefined;
		const response = isObject(entry) && Object.hasOwn(entry, 'response') ? entry.response : undefined;
		if (!isObject(entry) || !isIndex(index) || typeof response !== 'string' || !responses.has(response)) {
			return fail(`guest-set-memory-blocks: not a block's answer: ${shown(entry)}`);
		}

		const number = Object.hasOwn(entry, 'error-code') ? entry['error-code'] : undefined;
		results.push(blockOutcome(index, response as AgentResponse, typeof number === 'number' ? number : undefined));
	}

	if (results.length !== asked.length || results.some((result, i) => result.block !== asked[i])) {
		return fail(
			`guest-set-memory-blocks: answered for blocks ${results.map(result => result.block).join(',') || 'none'}, asked ${asked.join(',')}`,
		);
	}

	return ok(results);
}

/** One block's answer as an outcome; the errno name from error-code (positive; "errno N" for one not known here). */
export function blockOutcome(block: number, response: AgentResponse, errorCode?: number): BlockResult {
	if (response === 'success') return {block, ok: true};
	const named = errorCode === undefined ? undefined : (errnoName({errno: errorCode}) ?? `errno ${Math.abs(errorCode)}`);
	if (response === 'not-found') return {block, ok: false, gone: true, error: 'ENOENT', retry: false};
	if (response === 'operation-not-supported') return {block, ok: false, error: named ?? 'EOPNOTSUPP', retry: false};
	const error = named ?? 'operation-failed';
	return {block, ok: false, error, retry: retryCanHelp(error)};
}

function isIndex(value: unknown): value is number {
	return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value from the guest in a message: JSON, one line, no control characters, at most 80 characters. */
function shown(value: unknown): string {
	const text = safeText(JSON.stringify(value) ?? String(value));
	return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
