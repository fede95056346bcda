// The exit codes, what each means to a script: one table for the one-shot commands (simulated and
// real machine), the console and the entry. Plain data: it imports nothing.
export const exit = {
	/** What was asked was done, or there was nothing to do; the console was quit (q, Ctrl-C). */
	ok: 0,
	/** What was asked could not be done (refused, nothing enabled, a real machine's tree unreadable), or the console crashed. */
	failed: 1,
	/** Bad flags, or no terminal for the console: nothing was read or changed. */
	usage: 2,
	/** The state file or scenario file cannot be used; it is left as it is. */
	file: 3,
	/** Some of it was done: --integrate enabled some, not all (chmem's convention). */
	partial: 64,
} as const;

/** 128 + the signal's number, as shells report a job killed by it: SIGHUP (1) 129, SIGTERM (15) 143. */
export function signalExit(signalNumber: number): number {
	return 128 + signalNumber;
}
