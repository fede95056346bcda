// What sits atop the log: the retry loop's state, then the last message or result. The log stays
// visible under it; every outcome is also a log line there, so rows cut here are counted, not lost.
import type {Snapshot} from '../machine/snapshot.js';
import {barItems, barText} from './bindings.js';
import {waitingKeys} from './modes/waiting.js';
import type {Notice, RetryLoop, UiState} from './ui-state.js';

export type BannerLine = {text: string; color?: 'red' | 'yellow' | 'green' | 'cyan' | 'gray'; bold?: boolean};

/** The banner's lines and what Esc does to its message (the log pane's title says it). */
export type Banner = {lines: BannerLine[]; escape: string | null};

/** UTC, as the header and the log write it. */
export function clockText(time: number): string {
	return `${new Date(time * 1000).toISOString().slice(11, 19)}Z`;
}

export function loopLines(loop: RetryLoop, now: number): BannerLine[] {
	const status = loop.ended
		? {text: `Retry loop ended: ${loop.ended} · Esc closes`, color: 'cyan' as const, bold: true}
		: {
				text: `Retry loop: attempt ${loop.done} of ${loop.attempts} done · next in ${Math.max(0, Math.ceil(loop.nextAt - now))} s · Esc cancels`,
				color: 'yellow' as const,
				bold: true,
			};
	const last = loop.history.at(-1);
	const outcomes = (last?.outcomes ?? []).map(outcome => {
		const why = outcome.reason ? ` — ${outcome.reason}${outcome.retry === false ? ' (no retry can help)' : ''}` : '';
		return {
			text: `attempt ${last?.attempt}: ${outcome.label ?? `region ${outcome.id}`}: ${outcome.status}${why}`,
			color: outcome.status === 'ENABLED' ? ('green' as const) : ('red' as const),
		};
	});
	return [status, ...outcomes];
}

export function noticeLines(notice: Notice): BannerLine[] {
	const when = notice.at === undefined ? '' : ` at ${clockText(notice.at)}`;
	const [first = '', ...rest] = notice.lines;
	const color = notice.error ? ('red' as const) : undefined;
	return [
		{text: `${notice.title}${when}: ${first}`, bold: true, ...(color ? {color} : {})},
		...rest.map(text => ({text, ...(color ? {color} : text.includes('FAILED') ? {color: 'yellow' as const} : {})})),
	];
}

/** Everything atop the log now: the loop, then a change waiting (for the lock, for a VM), a state file gone bad, or the last message. */
export function bannerLines(
	ui: UiState,
	snapshot: Snapshot,
	waiting: {line: string; meanwhile?: string; since: number; now: number} | null,
	problem: string | null,
): Banner {
	const notice: Notice | null = waiting
		? {
				title: 'Waiting',
				lines: [
					`${waiting.line} (${Math.max(0, Math.round(waiting.now - waiting.since))} s).`,
					`${waiting.meanwhile ?? 'Nothing changes until it does'}; ${barText(barItems(waitingKeys, {snapshot, ui}))}.`,
				],
				error: false,
				escape: 'gives up',
			}
		: problem
			? {title: 'State file', lines: [problem], error: true}
			: ui.notice;
	return {
		lines: [...(ui.loop ? loopLines(ui.loop, snapshot.time) : []), ...(notice ? noticeLines(notice) : [])],
		escape: notice ? `Esc ${notice.escape ?? 'closes'} the message` : null,
	};
}
