// --integrate's words and exit codes, one set for every machine that onlines blocks: sysfs
// (commands/sysfs.ts) and a VM's guest through its agent (commands/vm.ts). chmem's per-block
// lines, the summary, and chmem's exit codes: 0 all onlined (or nothing to do), 1 none, 64 some.
import {exit} from '../exit.js';
import type {TargetOutcome} from '../model/retry.js';
import {formatAddress, formatSize} from '../model/units.js';
import {type BlockResult, blockList, blockSpan, describeError, type ResultGroup} from '../sysfs/integrate.js';

export const nothingToDo = 'integrate: no offline memory block, nothing to do\n';

/** A block's answer for the retry rule: a block gone has nothing left to do. */
export function blockOutcome(result: BlockResult): TargetOutcome {
	return result.ok || result.gone ? {ok: true} : {ok: false, retry: result.retry === true};
}

/** Boot memory left offline, said once ("" when there is none): an operator offlined it; `hint` says how to bring it back. */
export function leftAloneLine(leftAlone: readonly number[], hint: (first: number, last: number) => string): string {
	const first = leftAlone[0];
	const last = leftAlone.at(-1);
	if (first === undefined || last === undefined) {
		return '';
	}

	return `integrate: left offline: block${leftAlone.length === 1 ? '' : 's'} ${blockList(leftAlone)}, boot memory offlined on purpose (${hint(first, last)})\n`;
}

/** The last line: onlined of all tried, those gone, those still offline with their errnos; and the exit code. */
export function summaryLine(blockSize: number, answers: readonly BlockResult[]): {line: string; code: number} {
	const onlined = answers.filter(answer => answer.ok).length;
	const gone = answers
		.filter(answer => answer.gone)
		.map(answer => answer.block)
		.sort((a, b) => a - b);
	const left = answers.filter(answer => !answer.ok && !answer.gone).sort((a, b) => a.block - b.block);
	const codes = [...new Set(left.map(answer => answer.error ?? '?'))].sort().join(', ');
	const line =
		`integrate: ${onlined} of ${answers.length} offline block(s) onlined (${formatSize(onlined * blockSize)} of ${formatSize(answers.length * blockSize)})` +
		(gone.length > 0 ? `, ${gone.length} gone (block${gone.length === 1 ? '' : 's'} ${blockList(gone)})` : '') +
		(left.length > 0
			? `, ${left.length} still offline (block${left.length === 1 ? '' : 's'} ${blockList(left.map(answer => answer.block))}: ${codes})`
			: '') +
		'\n';
	return {line, code: left.length === 0 ? exit.ok : onlined > 0 ? exit.partial : exit.failed};
}

/** chmem's "Memory Block N (0x...-0x...)", then what the kernel said; `gone` says where the block is no longer. */
export function groupLine(blockSize: number, group: ResultGroup, gone = 'no longer in sysfs: removed since it was read'): string {
	const start = group.first * blockSize;
	const end = (group.last + 1) * blockSize - 1;
	const where = `${blockSpan(group.first, group.last)} (${formatAddress(start)}-${formatAddress(end)})`;
	if (group.ok) {
		return `${where}: online${group.already ? ' (it already was: onlined by someone else)' : ''}`;
	}

	if (group.gone) {
		return `${where}: gone (${gone})`;
	}

	return `${where}: FAILED: ${describeError(group.error ?? '?')} [${group.retry ? 'retry can help' : 'no retry can help'}]`;
}

/** The stop line for "no retry can help", as every loop says it. */
export function noRetryLine(left: number): string {
	return `integrate: stopping, no retry can help the ${left} block(s) left offline\n`;
}

/**
 * How far an integrate under way is: "1,200 of 25,000 blocks, 3,100/s, 8 s left" (the rate and the time left once a tenth of a second has passed). For the one-shot's
 * progress line on a terminal and the console's line while i or r writes.
 */
export function progressText(done: number, total: number, seconds: number): string {
	// Short enough for 80 columns after "integrate: attempt 1/1: ", the widest total and time included.
	const count = `${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} block${total === 1 ? '' : 's'}`;
	if (seconds < 0.1 || done === 0) {
		return count;
	}

	const rate = done / seconds;
	const left = Math.ceil((total - done) / rate);
	return `${count}, ${Math.round(rate).toLocaleString('en-US')}/s, ${left < 60 ? `${left} s` : `${Math.floor(left / 60)} min ${left % 60} s`} left`;
}
