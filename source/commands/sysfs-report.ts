// --status and --json on a real machine (--sysroot DIR, --sysfs): read the blocks, print them. Its
// own module, loaded by cli.tsx for these two alone: a monitor polls --status, so it loads only
// the reader and the printing (no writers, audit log, offline or watch), and --json loads where
// blocks came from only for itself. The problem and note lines of every sysfs command are here.
import type {Command, SysfsTarget} from '../cli/command.js';
import {exit} from '../exit.js';
import {safeText} from '../model/sanitize.js';
import {offlineNotes, readHotplugPolicy} from '../sysfs/policy.js';
import {type MemoryTree, type ReadOptions, readAutoOnline, readMemoryBlocks, readMemoryTree, removableIsOneAnswer} from '../sysfs/read.js';
import {formatStatusRows, memoryTotals, statusRows, sysfsReport} from '../sysfs/status.js';

/** Where a sysfs command writes: stdout, stderr. */
export type ReportIo = {out: (text: string) => void; err: (text: string) => void};

export async function runSysfsReport(
	command: Extract<Command, {kind: 'status' | 'json'}>,
	target: SysfsTarget,
	io: ReportIo,
): Promise<number> {
	// --status needs only state and removable (the lsmem grouping; removable once on a kernel that
	// answers it alike for every block); --json shows node and zones too.
	const removableOnce = removableIsOneAnswer(target.sysroot);
	if (command.kind === 'status') {
		// The blocks walked twice, never held: a million of them in a few megabytes.
		const blocks = reported(io, () => readMemoryBlocks(target.sysroot, {zones: false, nodes: false, removableOnce}));
		if (!blocks) {
			return exit.failed;
		}

		io.out(formatStatusRows(statusRows(blocks, {all: target.all})));
		// Where the policy matters, once on stderr: stdout stays the /proc/ham/status lines.
		note(io, offlineNotes(readAutoOnline(blocks.root), memoryTotals(blocks).offline));
		return exit.ok;
	}

	const tree = readTree(target, io, {zones: true, nodes: true, removableOnce});
	if (!tree) {
		return exit.failed;
	}

	const {readOrigins} = await import('../sysfs/origin.js');
	const problems: string[] = [];
	const policy = readHotplugPolicy(target.sysroot, problems);
	const origins = readOrigins(target.sysroot, tree, problems);
	report(io, problems);
	tree.problems.push(...problems);
	io.out(
		`${JSON.stringify(sysfsReport(tree, {sysroot: target.sysroot, autoOnline: policy.autoOnlineBlocks, all: target.all, policy, origins}), null, 2)}\n`,
	);
	return exit.ok;
}

/** Reads the tree, reporting each problem on stderr; undefined (reported) when it is unusable. */
export function readTree(target: SysfsTarget, io: ReportIo, options: ReadOptions): MemoryTree | undefined {
	return reported(io, () => readMemoryTree(target.sysroot, options));
}

/** A read whose problems go to stderr, one line each; undefined (said) when the tree is unusable. */
function reported<T extends {problems: string[]}>(io: ReportIo, read: () => T): T | undefined {
	let tree: T;
	try {
		tree = read();
	} catch (error) {
		io.err(`ham-tui: ${safeText(error instanceof Error ? error.message : String(error))}\n`);
		return undefined;
	}

	report(io, tree.problems);
	return tree;
}

/** Notes (not problems: the machine is as it should be), one line each on stderr. */
export function note(io: ReportIo, notes: readonly string[]): void {
	if (notes.length > 0) {
		io.err(notes.map(line => `ham-tui: note: ${safeText(line)}\n`).join(''));
	}
}

/** Each problem of the tree, one line on stderr. */
export function report(io: ReportIo, problems: readonly string[]): void {
	if (problems.length > 0) {
		io.err(problems.map(problem => `ham-tui: ${safeText(problem)}\n`).join(''));
	}
}
