// The CLI's clock: the wall clock, unless HAM_TUI_NOW (seconds since the epoch) fixes it, so that
// any case replays exactly from its seed, its actions and their times.
import {maxSeconds} from '../model/units.js';
import {isDecimal} from './number.js';
import {quote} from './usage.js';

const latestNow = maxSeconds - 1_000_000_000;

export type Clock = {now: () => number; fixed: boolean} | {error: string};

export function clockFrom(env: NodeJS.ProcessEnv): Clock {
	const fixed = env.HAM_TUI_NOW;
	if (fixed === undefined || fixed === '') {
		return {now: () => Date.now() / 1000, fixed: false};
	}

	// The flags' number syntax (decimal, a fraction allowed), and far enough below the year 9999
	// that --integrate's simulated waits (up to 1000 x 86400 s) stay printable dates.
	const value = Number(fixed);
	if (!isDecimal(fixed, true) || value > latestNow) {
		return {error: `HAM_TUI_NOW must be seconds since the epoch, from 0 to ${latestNow}, not ${quote(fixed)}`};
	}

	return {now: () => value, fixed: true};
}
