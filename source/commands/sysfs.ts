// The one-shot commands on a real machine's memory blocks (--sysroot DIR, --sysfs): --status and
// --json read, --integrate onlines offline blocks with the simulated machine's retry loop. Like
// run.ts: no Ink, no React, and here not even the model or the state store.
import {setTimeout as sleep} from 'node:timers/promises';
import type {Command, SysfsTarget} from '../cli/command.js';
import {safeText} from '../model/sanitize.js';
import {formatAddress, formatSize} from '../model/units.js';
import {attemptOnline, blockList, blockSpan, describeError, groupResults, type ResultGroup, writerFor} from '../sysfs/integrate.js';
import {type AccessCheck, canWrite, statePath, type SysfsWriter} from '../sysfs/online.js';
import {type MemoryTree, readAutoOnline, readMemoryTree, type ReadOptions} from '../sysfs/read.js';
import {formatStatusRows, statusRows, sysfsReport} from '../sysfs/status.js';

export type SysfsIo = {
	out: (text: string) => void;
	err: (text: string) => void;
	now: () => number;
	/** HAM_TUI_NOW is set: the retry loop does not sleep between attempts. */
	fixedClock: boolean;
};

/** Stand-ins for the kernel, for tests: the write and the permission check. */
export type SysfsDeps = {writer?: SysfsWriter; access?: AccessCheck; env?: NodeJS.ProcessEnv};

export const sysfsExit = {ok: 0, failed: 1, usage: 2, partial: 64} as const;

export async function runSysfsCommand(command: Command, target: SysfsTarget, io: SysfsIo, deps: SysfsDeps = {}): Promise<number> {
	switch (command.kind) {
		case 'status':
		case 'json': {
			// --status needs only state and removable (the lsmem grouping); --json shows node and zones too.
			const json = command.kind === 'json';
			const tree = read(target, io, {zones: json, nodes: json});
			if (!tree) {
				return sysfsExit.failed;
			}

			if (!json) {
				io.out(formatStatusRows(statusRows(tree, {all: target.all})));
				return sysfsExit.ok;
			}

			const problems: string[] = [];
			const autoOnline = readAutoOnline(tree.root, problems);
			report(io, problems);
			tree.problems.push(...problems);
			io.out(JSON.stringify(sysfsReport(tree, {sysroot: target.sysroot, autoOnline, all: target.all}), null, 2) + '\n');
			return sysfsExit.ok;
		}

		case 'integrate': {
			const writer = writerFor(target.sysroot, deps.env ?? process.env, deps.writer);
			if (typeof writer === 'string') {
				io.err(`ham-tui: ${safeText(writer)}\n`);
				return sysfsExit.usage;
			}

			return integrate(command, target, io, writer, deps.access);
		}

		default: {
			io.err(`ham-tui: --${command.kind} works on the simulated machine only\n`);
			return sysfsExit.usage;
		}
	}
}

/** Reads the tree, reporting each problem on stderr; undefined (reported) when it is unusable. */
function read(target: SysfsTarget, io: SysfsIo, options: ReadOptions): MemoryTree | undefined {
	let tree: MemoryTree;
	try {
		tree = readMemoryTree(target.sysroot, options);
	} catch (error) {
		io.err(`ham-tui: ${safeText((error as Error).message)}\n`);
		return undefined;
	}

	report(io, tree.problems);
	return tree;
}

/** Each problem of the tree, one line on stderr. */
function report(io: SysfsIo, problems: readonly string[]): void {
	if (problems.length > 0) {
		io.err(problems.map(problem => `ham-tui: ${safeText(problem)}\n`).join(''));
	}
}

type Integrate = Extract<Command, {kind: 'integrate'}>;

/**
 * ham_integrate on sysfs: attempt k writes to every block still offline that a retry can help;
 * stops early when every block is online or only refusals no retry can change are left.
 * Exit codes as chmem's: 0 all onlined (or nothing to do), 1 none, 64 some.
 */
async function integrate(command: Integrate, target: SysfsTarget, io: SysfsIo, writer: SysfsWriter, access: AccessCheck | undefined): Promise<number> {
	const tree = read(target, io, {zones: false, nodes: false});
	if (!tree) {
		return sysfsExit.failed;
	}

	const offline = tree.blocks.filter(block => block.state === 'offline').map(block => block.index);
	const mode = target.onlineType;
	if (offline.length === 0) {
		io.out('integrate: no offline memory block, nothing to do\n');
		return sysfsExit.ok;
	}

	const permission = canWrite(tree, access, offline);
	if (target.dryRun) {
		io.out(offline.map(index => `echo ${mode} > ${safeText(statePath(tree, index))}\n`).join(''));
		io.out(`dry run: would write ${mode} to ${offline.length} offline block(s) (${formatSize(offline.length * tree.blockSizeBytes)}): ${blockList(offline)}; nothing written\n`);
		if (permission !== true) {
			io.err(`ham-tui: ${safeText(permission)}\n`);
		}

		return sysfsExit.ok;
	}

	if (permission !== true) {
		// Before anything is tried: one line, and no write at all.
		io.err(`ham-tui: ${safeText(permission)}\n`);
		return sysfsExit.failed;
	}

	let pending = offline;
	let onlined = 0;
	const refused = new Map<number, string>();
	for (let attempt = 1; attempt <= command.attempts; attempt++) {
		const results = attemptOnline(tree, pending, mode, writer);
		io.out(groupResults(results).map(group => `attempt ${attempt}/${command.attempts}: ${groupLine(tree, group)}\n`).join(''));
		pending = [];
		for (const result of results) {
			if (result.ok) {
				onlined++;
				refused.delete(result.block);
			} else {
				refused.set(result.block, result.error ?? '?');
				if (result.retry) {
					pending.push(result.block);
				}
			}
		}

		if (refused.size === 0) {
			break;
		}

		if (pending.length === 0) {
			io.out(`integrate: stopping, no retry can help the ${refused.size} block(s) left offline\n`);
			break;
		}

		// With HAM_TUI_NOW the wait is only counted, as for the simulated machine.
		if (attempt < command.attempts && !io.fixedClock) {
			await sleep(command.interval * 1000);
		}
	}

	const left = [...refused.keys()].sort((a, b) => a - b);
	const codes = [...new Set(refused.values())].sort().join(', ');
	io.out(`integrate: ${onlined} of ${offline.length} offline block(s) onlined (${formatSize(onlined * tree.blockSizeBytes)} of ${formatSize(offline.length * tree.blockSizeBytes)})`
		+ (left.length > 0 ? `, ${left.length} still offline (blocks ${blockList(left)}: ${codes})` : '') + '\n');
	if (left.length === 0) {
		return sysfsExit.ok;
	}

	return onlined > 0 ? sysfsExit.partial : sysfsExit.failed;
}

/** chmem's "Memory Block N (0x...-0x...)", then what the kernel said. */
function groupLine(tree: MemoryTree, group: ResultGroup): string {
	const start = group.first * tree.blockSizeBytes;
	const end = (group.last + 1) * tree.blockSizeBytes - 1;
	const where = `${blockSpan(group.first, group.last)} (${formatAddress(start)}-${formatAddress(end)})`;
	if (group.ok) {
		return `${where}: online${group.already ? ' (it already was: onlined by someone else)' : ''}`;
	}

	return `${where}: FAILED: ${describeError(group.error ?? '?')} [${group.retry ? 'retry can help' : 'no retry can help'}]`;
}
