// The CLI's clock: the wall clock, unless HAM_TUI_NOW (seconds since the epoch) fixes it, so that
// any case replays exactly from its seed, its actions and their times.
export type Clock = {now: () => number; fixed: boolean} | {error: string};

export function clockFrom(env: NodeJS.ProcessEnv): Clock {
	const fixed = env['HAM_TUI_NOW'];
	if (fixed === undefined || fixed === '') {
		return {now: () => Date.now() / 1000, fixed: false};
	}

	const value = Number(fixed);
	if (!Number.isFinite(value) || value < 0) {
		return {error: `HAM_TUI_NOW must be seconds since the epoch, not "${fixed}"`};
	}

	return {now: () => value, fixed: true};
}
