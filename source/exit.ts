// The exit codes, what each means to a script: one table for the one-shot commands (simulated and
// real machine), the console and the entry. --help's "Exit codes" lines are made from this table,
// so the words below are the only statement of them. Plain data: it imports nothing.

/** Each exit code and what it means, in the words --help prints. */
export const exitCodes = {
	ok: {code: 0, means: 'done, or nothing to do; the console was quit (q, Ctrl-C)'},
	failed: {
		code: 1,
		means:
			"refused or failed: the controller, ham or the kernel said no (no such slot, slot busy, size not supported, ...); --status with ham not loaded; --integrate enabled nothing; --offline offlined nothing or refused before writing (a node left empty, MemAvailable below the floor); a real machine's memory could not be read, or writing needs root; QEMU refused, or the guest did not eject a DIMM (--qmp); the console crashed",
	},
	usage: {
		code: 2,
		means: 'bad flags, arguments or environment (HAM_TUI_NOW), or no terminal for the console: nothing was read or changed',
	},
	file: {code: 3, means: 'the state file or scenario file cannot be used; it is left as it is'},
	partial: {
		code: 64,
		means:
			"some of it was done: --integrate enabled (on a real machine: onlined) some, not all; --offline offlined some (chmem's convention)",
	},
} as const;

/** A signal's exit code, in the words --help prints (signalExit is the rule). */
export const signalMeaning = {code: '128+N', means: 'ended by signal N, as shells report it: SIGHUP (1) 129, SIGTERM (15) 143'} as const;

/** The codes by name, for `return exit.usage`. */
export const exit = {
	ok: exitCodes.ok.code,
	failed: exitCodes.failed.code,
	usage: exitCodes.usage.code,
	file: exitCodes.file.code,
	partial: exitCodes.partial.code,
} as const satisfies {[Name in keyof typeof exitCodes]: number};

/** 128 + the signal's number, as shells report a job killed by it: SIGHUP (1) 129, SIGTERM (15) 143. */
export function signalExit(signalNumber: number): number {
	return 128 + signalNumber;
}
