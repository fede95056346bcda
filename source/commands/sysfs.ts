// The one-shot commands on a real machine's memory blocks (--sysroot DIR, --sysfs): --status and
// --json read, --integrate onlines offline blocks with the simulated machine's retry rule. Like
// run.ts: no Ink, no React, and of the model only its text rules and the retry rule; no state store.
import path from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import type {Command, SysfsTarget} from '../cli/command.js';
import {usageLines} from '../cli/usage.js';
import {exit} from '../exit.js';
import {safeText} from '../model/sanitize.js';
import {formatSize} from '../model/units.js';
import {type AuditOptions, auditedAsyncWriter, auditedWriter, auditLogPath} from '../sysfs/audit.js';
import {
	type BlockResult,
	blockList,
	describeError,
	finishIntegrate,
	groupResults,
	type IntegrateOptions,
	integrateOnce,
	integrateSome,
	offlineBlocks,
	startIntegrate,
	writerFor,
} from '../sysfs/integrate.js';
import {type AccessCheck, canWrite, type SysfsWriter, statePath, sysfsWriterForRun, writeSysfs} from '../sysfs/online.js';
import {type OnlinePlan, planOnline} from '../sysfs/plan.js';
import {integrateNote} from '../sysfs/policy.js';
import {errorCode, type MemoryTree, memoryDirectory, type ReadOptions, readAutoOnline} from '../sysfs/read.js';
import {describeSelection, selectBlocks, wantedBlocks} from '../sysfs/select.js';
import {blockOutcome, groupLine, leftAloneLine, noRetryLine, nothingToDo, progressText, summaryLine} from './integrate-lines.js';
import {note, readTree, report, runSysfsReport} from './sysfs-report.js';

export type SysfsIo = {
	out: (text: string) => void;
	err: (text: string) => void;
	now: () => number;
	/** HAM_TUI_NOW is set: the retry loop does not sleep between attempts. */
	fixedClock: boolean;
	/**
	 * Only when stderr is a terminal: shows a progress line in place (null: takes it away). The
	 * integrate calls it at most 10 times a second and takes the line away before it says more.
	 */
	progress?: (line: string | null) => void;
};

/** Stand-ins for the kernel, for tests: the write and the permission check. */
export type SysfsDeps = {writer?: SysfsWriter; access?: AccessCheck; env?: NodeJS.ProcessEnv};

export async function runSysfsCommand(command: Command, target: SysfsTarget, io: SysfsIo, deps: SysfsDeps = {}): Promise<number> {
	switch (command.kind) {
		case 'status':
		case 'json': {
			return runSysfsReport(command, target, io);
		}

		case 'integrate': {
			// The run's writes share one walk to the memory directory, and the audit log is held open
			// for its entries: both let go when the run ends (this may run again in the same process).
			const kernel = sysfsWriterForRun();
			try {
				const writer = writerFor(target.sysroot, deps.env ?? process.env, deps.writer ?? kernel);
				if (!writer.ok) {
					io.err(usageLines(writer.error)); // A malformed HAM_TUI_TEST_WRITE_ERRORS: bad environment, as a bad HAM_TUI_NOW.
					return exit.usage;
				}

				const audited = auditedWriter(writer.value, auditOptions(io, deps));
				try {
					return await integrate(command, target, io, audited, deps.access);
				} finally {
					audited.close();
				}
			} finally {
				kernel.close();
			}
		}

		case 'offline': {
			// The test double's refusals first (none on this machine), then the write in a child with a time limit.
			const gate = writerFor(target.sysroot, deps.env ?? process.env, () => {});
			if (!gate.ok) {
				io.err(usageLines(gate.error));
				return exit.usage;
			}

			const {runOffline} = await import('./offline.js');
			const {timedWriter} = await import('../sysfs/timed-write.js');
			const timed = timedWriter(command.timeout * 1000);
			const write = async (file: string, value: string) => {
				gate.value(file, value);
				await (deps.writer ? deps.writer(file, value) : timed(file, value));
			};

			const audited = auditedAsyncWriter(write, auditOptions(io, deps));
			try {
				return await runOffline(
					{timeoutSeconds: command.timeout, force: command.force},
					target,
					io,
					deps.access ? {writer: audited, access: deps.access} : {writer: audited},
				);
			} finally {
				audited.close();
			}
		}

		case 'watch': {
			const {runWatch} = await import('./watch.js');
			const stop = new AbortController();
			const end = () => stop.abort();
			// Ctrl-C or a service manager's stop ends the watch with exit 0: it is how a watch ends.
			process.once('SIGINT', end);
			process.once('SIGTERM', end);
			try {
				return await runWatch({format: command.format, interval: command.interval * 1000, signal: stop.signal}, target, io, {
					env: deps.env ?? process.env,
				});
			} finally {
				process.off('SIGINT', end);
				process.off('SIGTERM', end);
			}
		}

		case 'auto-online': {
			const audited = auditedWriter(deps.writer ?? writeSysfs, auditOptions(io, deps));
			try {
				return setAutoOnline(command.value, target, io, audited);
			} finally {
				audited.close();
			}
		}

		default: {
			// parseCommand refuses every other action with --sysroot or --sysfs, in the usage error's words.
			throw new Error(`--${command.kind} is not a real machine's command: parseCommand lets no such command through`);
		}
	}
}

/** Where a one-shot records its writes, and how it tells that the record failed: a line on stderr. */
function auditOptions(io: SysfsIo, deps: SysfsDeps): AuditOptions {
	return {log: auditLogPath(deps.env ?? process.env), now: io.now, onProblem: line => io.err(`ham-tui: ${safeText(line)}\n`)};
}

/** --auto-online VALUE: writes auto_online_blocks, says what it was and what it is now. */
function setAutoOnline(value: string, target: SysfsTarget, io: SysfsIo, writer: SysfsWriter): number {
	const root = memoryDirectory(target.sysroot);
	const problems: string[] = [];
	const before = readAutoOnline(root, problems);
	report(io, problems);
	if (before === null) {
		// Missing (a kernel without the setting) or refused by the reader (a link, a FIFO: said above).
		io.err(`ham-tui: ${safeText(root)}/auto_online_blocks cannot be read: nothing written\n`);
		return exit.failed;
	}

	try {
		writer(path.join(root, 'auto_online_blocks'), value);
	} catch (error) {
		const code = errorCode(error);
		const why = code === 'EACCES' || code === 'EPERM' ? 'changing it needs root' : describeError(code);
		io.err(`ham-tui: auto_online_blocks stays ${safeText(before)}: ${why} (${safeText(error instanceof Error ? error.message : code)})\n`);
		return exit.failed;
	}

	const after = readAutoOnline(root) ?? '?';
	io.out(`auto-online: auto_online_blocks was ${safeText(before)}, now ${safeText(after)}\n`);
	return after === value ? exit.ok : exit.failed;
}

/** What --integrate says once before its first write: what the machine cannot tell, and a kernel that onlines by itself. */
function sayNotes(io: SysfsIo, plan: OnlinePlan): void {
	const auto = integrateNote(plan.policy?.autoOnlineBlocks ?? null);
	note(io, [...plan.notes, ...(auto ? [auto] : [])]);
}

type Integrate = Extract<Command, {kind: 'integrate'}>;

/** How long --integrate looks again for blocks that arrive once others are online (virtio-mem). */
const settleSeconds = 2;
/** How --integrate reads the tree: STATE, and the zones and nodes the zone rule weighs. */
const integrateRead: ReadOptions = {zones: true, nodes: true};
type Mode = SysfsTarget['onlineType'];

/**
 * ham_integrate on sysfs: attempt k writes to every block still offline that a retry can help,
 * and to blocks that arrived since; stops early when every block is online (or gone) or only
 * refusals no retry can change are left. Exit codes as chmem's: 0 all onlined (or nothing to
 * do), 1 none, 64 some.
 */
async function integrate(
	command: Integrate,
	target: SysfsTarget,
	io: SysfsIo,
	writer: SysfsWriter,
	access: AccessCheck | undefined,
): Promise<number> {
	const tree = readTree(target, io, integrateRead);
	if (!tree) {
		return exit.failed;
	}

	let only: ReadonlySet<number> | undefined;
	if (target.selection) {
		const chosen = selectBlocks(tree, target.selection, 'online');
		if (!chosen.ok) {
			io.err(`ham-tui: ${chosen.error}\n`);
			return exit.failed;
		}

		if (chosen.value.short > 0) {
			io.err(
				`ham-tui: ${describeSelection(target.selection)} asked for, only ${formatSize(chosen.value.blocks.length * tree.blockSizeBytes)} of it is offline\n`,
			);
		}

		// A size takes the lowest offline blocks, as chmem does.
		only = new Set(chosen.value.blocks.slice(0, wantedBlocks(tree, target.selection, chosen.value)));
	}

	if (offlineBlocks(tree).filter(index => only === undefined || only.has(index)).length === 0) {
		io.out(nothingToDo);
		return exit.ok;
	}

	return target.dryRun
		? dryRun(tree, target.onlineType, only, io, access)
		: retryLoop(tree, command, {mode: target.onlineType, only}, io, {writer, access});
}

/** Boot memory left offline, said once (nothing when there is none): an operator offlined it, and names it to bring it back. */
function sayLeftAlone(io: SysfsIo, plan: OnlinePlan): void {
	const line = leftAloneLine(
		plan.leftAlone,
		(first, last) => `name it to online it: --blocks ${first === last ? first : `${first}-${last}`}`,
	);
	if (line !== '') {
		io.out(line);
	}
}

/** The attempts, each one integrateOnce, until the retry rule says stop; then the summary. */
async function retryLoop(
	first: MemoryTree,
	command: Integrate,
	chosen: {mode: Mode; only: ReadonlySet<number> | undefined},
	io: SysfsIo,
	kernel: {writer: SysfsWriter; access: AccessCheck | undefined},
): Promise<number> {
	// Loaded here, not with the module: --status starts without it.
	const {nextAttempt} = await import('../model/retry.js');
	let tree = first;
	// Each block's latest answer, and the blocks no retry can help: later attempts leave them out.
	const answers = new Map<number, BlockResult>();
	const skip = new Set<number>();
	const reported = new Set(first.problems);
	for (let attempt = 1; ; attempt++) {
		const options = {...chosen, ...kernel, read: integrateRead, skip};
		const once = io.progress
			? integrateShowing(tree, options, io.progress, `attempt ${attempt}/${command.attempts}`)
			: integrateOnce(tree, options);
		tree = once.tree;
		// Refused before any write (needs root): that one line is the answer, the notes would bury it.
		if (attempt === 1 && once.problem === undefined) {
			sayNotes(io, once.plan);
		}

		if (attempt === 1) {
			sayLeftAlone(io, once.plan);
		}

		if (once.reread) {
			// A tree read again has the old problems too: only new ones are news.
			report(
				io,
				tree.problems.filter(problem => !reported.has(problem)),
			);
			for (const problem of tree.problems) {
				reported.add(problem);
			}
		}

		for (const result of once.results) {
			answers.set(result.block, result);
			if (!result.ok && !result.gone && !result.retry) {
				skip.add(result.block);
			}
		}

		if (once.results.length > 0) {
			io.out(
				groupResults(once.results)
					.map(group => `attempt ${attempt}/${command.attempts}: ${groupLine(once.tree.blockSizeBytes, group)}\n`)
					.join(''),
			);
		}

		const next = nextAttempt(
			once.problem === undefined ? [...answers.values()].map(blockOutcome) : {error: once.problem},
			attempt,
			command.attempts,
			command.interval,
		);
		// Every block seen is online, and this attempt onlined some: look once more before saying done.
		// virtio-mem plugs its next batch (about 1 GiB) only once the last one is online, so more
		// blocks may be on their way (seen on 6.1 and 6.12 under QEMU: test/kernel).
		const onlined = once.results.some(result => result.ok && !result.already);
		const settle =
			'stop' in next && next.stop === 'done' && onlined && attempt < command.attempts ? Math.min(command.interval, settleSeconds) : null;
		if ('wait' in next || settle !== null) {
			// With HAM_TUI_NOW the wait is only counted, as for the simulated machine.
			if (!io.fixedClock) {
				await sleep(('wait' in next ? next.wait : (settle ?? 0)) * 1000);
			}

			continue;
		}

		switch (next.stop) {
			case 'nothing': {
				io.out(nothingToDo);
				return exit.ok;
			}

			case 'error': {
				io.err(`ham-tui: ${safeText(next.error)}\n`);
				// Refused before the first write: that one line, and exit 1.
				if (attempt === 1) {
					return exit.failed;
				}

				break;
			}

			case 'no-retry': {
				io.out(noRetryLine(next.left));
				break;
			}

			default: {
				break;
			}
		}

		return summary(io, tree.blockSizeBytes, [...answers.values()]);
	}
}

/** Progress lines at most this often: a terminal redraws no faster than the eye reads. */
const progressMs = 100;

/** integrateOnce with a progress line in place (a terminal's stderr): redrawn at most every progressMs, taken away at the end. */
function integrateShowing(tree: MemoryTree, options: IntegrateOptions, show: (line: string | null) => void, label: string) {
	const run = startIntegrate(tree, options);
	const started = performance.now();
	let drawn = started;
	let shown = false;
	let count = 0;
	integrateSome(run, () => {
		// The clock read once every 64 blocks: a block's write is a few microseconds.
		if ((++count & 63) === 0 && performance.now() - drawn >= progressMs) {
			drawn = performance.now();
			shown = true;
			show(`integrate: ${label}: ${progressText(run.written.length, run.targets.length, (drawn - started) / 1000)}`);
		}

		return false;
	});
	if (shown) {
		show(null);
	}

	return finishIntegrate(run);
}

/** --dry-run: each write as a shell line with the zone it goes to and why, and whether it would be allowed; nothing written. */
function dryRun(tree: MemoryTree, mode: Mode, only: ReadonlySet<number> | undefined, io: SysfsIo, access: AccessCheck | undefined): number {
	const plan = planOnline(tree, {mode, ...(only ? {only} : {})});
	const offline = plan.choices.map(choice => choice.block);
	io.out(
		plan.choices
			.map(choice => `echo ${choice.mode} > ${safeText(statePath(tree, choice.block))}  # ${choice.zone}: ${safeText(choice.reason)}\n`)
			.join(''),
	);
	sayNotes(io, plan);
	sayLeftAlone(io, plan);
	const modes = [...new Set(plan.choices.map(choice => choice.mode))].join(', ');
	io.out(
		`dry run: would write ${modes || 'nothing'} to ${offline.length} offline block(s) (${formatSize(offline.length * tree.blockSizeBytes)}): ${blockList(offline)}; nothing written\n`,
	);
	const permission = canWrite(tree, access, offline);
	if (permission !== true) {
		io.err(`ham-tui: ${safeText(permission)}\n`);
	}

	return exit.ok;
}

/** The last line, and the exit code. */
function summary(io: SysfsIo, blockSize: number, answers: readonly BlockResult[]): number {
	const {line, code} = summaryLine(blockSize, answers);
	io.out(line);
	return code;
}
