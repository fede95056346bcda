// The memory hot-plug policy the kernel runs with: what it does with a block it adds
// (`auto_online_blocks`), in which zone a plain "online" puts it (`online_policy`, with
// `auto_movable_ratio` and `auto_movable_numa_aware` for auto-movable), and where a new block's
// memmap comes from (`memmap_on_memory`). Read from `<sysroot>/sys/devices/system/memory` and
// `<sysroot>/sys/module/memory_hotplug/parameters/` (5.15 and later; older kernels lack some).
// A missing file is null (the kernel's default then applies, exported below where ham-tui decides
// by it); an odd one is a problem line and null. Files are read as read.ts reads any: no link
// followed, nothing that can block, one page, control characters replaced.
import path from 'node:path';
import {safeText} from '../model/sanitize.js';
import {formatSize} from '../model/units.js';
import {errorCode, memoryDirectory, readAutoOnline, readKernelFile} from './read.js';

export type OnlinePolicy = 'contig-zones' | 'auto-movable';

export type HotplugPolicy = {
	/** `auto_online_blocks`: offline, online, online_kernel, online_movable; null when missing or unreadable. */
	autoOnlineBlocks: string | null;
	/** `online_policy`: contig-zones (the kernel's default) or auto-movable, or what else it says; null when missing. */
	onlinePolicy: OnlinePolicy | (string & {}) | null;
	/** `auto_movable_ratio`, percent (MOVABLE may be this much of the early kernel memory); null when missing or not a number. */
	autoMovableRatio: number | null;
	/** `auto_movable_numa_aware` (Y/N): the ratio holds per node too; null when missing or neither. */
	autoMovableNumaAware: boolean | null;
	/** `memmap_on_memory`: Y/N as true/false, else the kernel's word (6.x: `force`); null when missing. */
	memmapOnMemory: boolean | 'force' | (string & {}) | null;
	/** `block_size_bytes`, for the memmap's size; null when unreadable. */
	blockSizeBytes: number | null;
};

/** The kernel's auto_movable_ratio when the parameter is not there (mm/memory_hotplug.c). */
export const defaultAutoMovableRatio = 301;
/** The kernel's auto_movable_numa_aware when the parameter is not there. */
export const defaultAutoMovableNumaAware = true;
/** The kernel's online_policy when the parameter is not there (and before 5.15, the only one). */
export const defaultOnlinePolicy: OnlinePolicy = 'contig-zones';

/** The kernel's struct page: 64 bytes for each 4 KiB page (x86-64, arm64 with 4K pages). */
export const structPageBytes = 64;
export const pageBytes = 4096;

/** The parameters' directory under a sysroot. */
export function parametersDirectory(sysroot: string): string {
	return path.join(sysroot, 'sys/module/memory_hotplug/parameters');
}

export function readHotplugPolicy(sysroot: string, problems: string[]): HotplugPolicy {
	const memory = memoryDirectory(sysroot);
	const parameters = parametersDirectory(sysroot);
	const read = (name: string): string | undefined => readParameter(path.join(parameters, name), problems);
	return {
		autoOnlineBlocks: readAutoOnline(memory, problems),
		onlinePolicy: parseWord(read('online_policy')),
		autoMovableRatio: parseRatio(read('auto_movable_ratio'), problems, path.join(parameters, 'auto_movable_ratio')),
		autoMovableNumaAware: parseYesNo(read('auto_movable_numa_aware'), problems, path.join(parameters, 'auto_movable_numa_aware')),
		memmapOnMemory: parseMemmapOnMemory(read('memmap_on_memory')),
		blockSizeBytes: parseBlockSize(readParameter(path.join(memory, 'block_size_bytes'), problems)),
	};
}

/** One file's text, or undefined: missing is no problem (old kernels), anything else is one. */
function readParameter(file: string, problems: string[]): string | undefined {
	try {
		return readKernelFile(file);
	} catch (error) {
		const code = errorCode(error);
		if (code !== 'ENOENT') {
			problems.push(`${file}: unreadable (${code})`);
		}

		return undefined;
	}
}

// ---- Parsing (pure) ---------------------------------------------------------------------------

/** A word the kernel prints (online_policy): kept as read, but made one short safe line. */
export function parseWord(text: string | undefined): string | null {
	if (text === undefined) {
		return null;
	}

	const word = safeText(text.trim());
	return word.length > 40 ? `${word.slice(0, 40)}…` : word;
}

/** auto_movable_ratio: a whole number of percent, as the kernel's uint prints it. */
export function parseRatio(text: string | undefined, problems: string[], file = 'auto_movable_ratio'): number | null {
	if (text === undefined) {
		return null;
	}

	const value = text.trim();
	if (!/^\d{1,10}$/.test(value) || Number(value) > 0xffff_ffff) {
		problems.push(`${file}: "${parseWord(value)}" is not a percentage (a whole number up to 4294967295)`);
		return null;
	}

	return Number(value);
}

/** A bool parameter as the kernel prints it: Y or N. */
export function parseYesNo(text: string | undefined, problems: string[], file = 'parameter'): boolean | null {
	if (text === undefined) {
		return null;
	}

	const value = text.trim();
	if (value === 'Y' || value === 'N') {
		return value === 'Y';
	}

	problems.push(`${file}: "${parseWord(value)}" is not Y or N`);
	return null;
}

/** memmap_on_memory: Y/N, or 6.x's `force`, or what else a kernel prints, kept as a word. */
export function parseMemmapOnMemory(text: string | undefined): boolean | 'force' | (string & {}) | null {
	const word = parseWord(text);
	return word === 'Y' ? true : word === 'N' ? false : word;
}

function parseBlockSize(text: string | undefined): number | null {
	if (text === undefined || !/^[\da-f]{1,13}$/i.test(text.trim())) {
		return null;
	}

	const value = Number.parseInt(text.trim(), 16);
	return value > 0 ? value : null;
}

/** The memmap (struct pages) a block of `blockSizeBytes` needs: 64 bytes per 4 KiB page. */
export function memmapBytes(blockSizeBytes: number): number {
	return Math.floor(blockSizeBytes / pageBytes) * structPageBytes;
}

// ---- Words for the operator -------------------------------------------------------------------

/** The policy in one line, for a log: `auto_online_blocks offline · online_policy contig-zones · auto_movable_ratio 301% per node · memmap_on_memory off`. */
export function summarizePolicy(policy: HotplugPolicy): string {
	const memmap =
		policy.memmapOnMemory === null || policy.memmapOnMemory === false
			? 'off'
			: policy.memmapOnMemory === true
				? 'on'
				: policy.memmapOnMemory;
	const numaAware = policy.autoMovableNumaAware ?? defaultAutoMovableNumaAware;
	return [
		`auto_online_blocks ${policy.autoOnlineBlocks ?? 'none'}`,
		`online_policy ${policy.onlinePolicy ?? `${defaultOnlinePolicy} (assumed)`}`,
		`auto_movable_ratio ${policy.autoMovableRatio ?? defaultAutoMovableRatio}%${numaAware ? ' per node' : ''}`,
		`memmap_on_memory ${memmap}`,
	].join(' · ');
}

/**
 * The notes a read-only command says on stderr where the policy matters: offline blocks, and
 * whether the kernel will online the next ones itself. Nothing when every block is online.
 */
export function offlineNotes(autoOnline: string | null, offline: {blocks: number; bytes: number}): string[] {
	if (offline.blocks === 0) {
		return [];
	}

	const what = `${offline.blocks} block${offline.blocks === 1 ? '' : 's'} (${formatSize(offline.bytes)}) offline`;
	if (autoOnline === null || autoOnline === 'offline') {
		const setting =
			autoOnline === null
				? 'auto_online_blocks cannot be read (the kernel leaves new memory offline without it)'
				: 'auto_online_blocks is offline';
		return [`${what}; ${setting}, so hot-added memory stays offline until onlined: ham-tui --integrate onlines it`];
	}

	return [
		`${what} although auto_online_blocks is ${autoOnline}: offlined on purpose, or the kernel could not online them (ham-tui --integrate --dry-run tells)`,
	];
}

/** The note --integrate says when the kernel onlines new blocks itself: it and ham-tui both may write. */
export function integrateNote(autoOnline: string | null): string | undefined {
	return autoOnline?.startsWith('online')
		? `auto_online_blocks is ${autoOnline}: the kernel onlines new blocks itself; ham-tui onlines only what is left offline`
		: undefined;
}

/** Short lines for the operator: what each setting means for a block that arrives. */
export function describePolicy(policy: HotplugPolicy): string[] {
	return [describeAutoOnline(policy), describeOnlinePolicy(policy), describeRatio(policy), describeMemmap(policy)];
}

function describeAutoOnline(policy: HotplugPolicy): string {
	const value = policy.autoOnlineBlocks;
	switch (value) {
		case null:
			return 'auto_online_blocks is not there (or unreadable): new blocks stay offline unless something onlines them (ham-tui --integrate, or a udev rule)';
		case 'offline':
			return 'auto_online_blocks is offline: new blocks stay offline until onlined (ham-tui --integrate, or a udev rule)';
		case 'online':
			return 'auto_online_blocks is online: the kernel onlines new blocks itself, in the zone online_policy picks';
		case 'online_kernel':
			return 'auto_online_blocks is online_kernel: the kernel onlines new blocks itself, in a kernel zone (not removable again)';
		case 'online_movable':
			return 'auto_online_blocks is online_movable: the kernel onlines new blocks itself, in ZONE_MOVABLE (removable again)';
		default:
			return `auto_online_blocks is "${value}": not a value ham-tui knows`;
	}
}

function describeOnlinePolicy(policy: HotplugPolicy): string {
	const value = policy.onlinePolicy;
	if (value === null) {
		return `online_policy is not there (before 5.15): ${defaultOnlinePolicy} assumed`;
	}

	if (value === 'contig-zones') {
		return 'online_policy is contig-zones: a plain "online" keeps a block in the zone it lies in, else a kernel zone (not removable again)';
	}

	if (value === 'auto-movable') {
		return `online_policy is auto-movable: a plain "online" picks Movable while movable memory stays within ${ratioText(policy)} of the early kernel memory`;
	}

	return `online_policy is "${value}": not a policy ham-tui knows`;
}

function describeRatio(policy: HotplugPolicy): string {
	const ratio = policy.autoMovableRatio === null ? `not there: the kernel's ${defaultAutoMovableRatio}%` : `${policy.autoMovableRatio}%`;
	const numaAware = policy.autoMovableNumaAware ?? defaultAutoMovableNumaAware;
	return `auto_movable_ratio is ${ratio}: movable memory may be up to that share of the early kernel memory${numaAware ? ', on each node too' : ' (not per node)'}`;
}

function describeMemmap(policy: HotplugPolicy): string {
	const size =
		policy.blockSizeBytes === null
			? `${structPageBytes} bytes per ${formatSize(pageBytes)} page`
			: `${formatSize(memmapBytes(policy.blockSizeBytes))} per ${formatSize(policy.blockSizeBytes)}`;
	const value = policy.memmapOnMemory;
	if (value === null || value === false) {
		const lead = value === null ? 'memmap_on_memory is not there: off' : 'memmap_on_memory is off';
		return `${lead}: each block's memmap (${size}) comes from the node's other memory`;
	}

	if (value === true) {
		return `memmap_on_memory is on: each new block's memmap (${size}) is carved from the block itself, where the block size allows`;
	}

	if (value === 'force') {
		return `memmap_on_memory is force: each new block's memmap (${size}) is carved from the block itself, even where that wastes memory`;
	}

	return `memmap_on_memory is "${value}": not Y, N or force`;
}

function ratioText(policy: HotplugPolicy): string {
	const ratio = policy.autoMovableRatio ?? defaultAutoMovableRatio;
	const numaAware = policy.autoMovableNumaAware ?? defaultAutoMovableNumaAware;
	return `${ratio}%${numaAware ? ' (on each node too)' : ''}`;
}
