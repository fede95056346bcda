// The retry rule of ham_integrate's loop, one for every loop that runs it: the one-shot on the
// simulated machine, the one-shot on sysfs and the console's. After attempt k of N it says whether
// to stop, and why, or how long to wait for attempt k + 1. Pure: the loops bring the outcomes, the
// clock and the words; the decision is the same everywhere.

/**
 * One target's answer after an attempt (a region, a block, a run of blocks): done, or failed and
 * whether a later attempt can succeed. A target with nothing left to do (a block that is gone)
 * counts as done.
 */
export type TargetOutcome = {ok: true} | {ok: false; retry: boolean};

/** What an attempt came to: each target's latest answer, or why the attempt could not be made at all. */
export type Attempted = readonly TargetOutcome[] | {error: string};

export type StopReason =
	/** Every target is done. */
	| {stop: 'done'}
	/** There was no target: nothing to try. */
	| {stop: 'nothing'}
	/** Only failures no retry can help are left: another attempt would get the same answers. */
	| {stop: 'no-retry'; left: number}
	/** The last attempt allowed is made; `left` targets still failed. */
	| {stop: 'attempts'; left: number}
	/** The attempt could not be made (the driver is not loaded, writing needs root...). */
	| {stop: 'error'; error: string};

export type NextAttempt = StopReason | {wait: number};

/**
 * After attempt `attempt` (from 1) of `attempts`: stop, and why, or wait `interval` seconds and
 * try again. Nothing left to try wins over attempts used up, so the last attempt still tells
 * "done" from "no retry can help".
 */
export function nextAttempt(outcomes: Attempted, attempt: number, attempts: number, interval: number): NextAttempt {
	if ('error' in outcomes) {
		return {stop: 'error', error: outcomes.error};
	}

	if (outcomes.length === 0) {
		return {stop: 'nothing'};
	}

	const failed = outcomes.filter(outcome => !outcome.ok);
	if (failed.length === 0) {
		return {stop: 'done'};
	}

	if (failed.every(outcome => !outcome.retry)) {
		return {stop: 'no-retry', left: failed.length};
	}

	return attempt >= attempts ? {stop: 'attempts', left: failed.length} : {wait: interval};
}
