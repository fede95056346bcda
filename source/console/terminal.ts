// Full-screen lifecycle for the console under Ink 6, which has no alternate-screen option of its own.
//
// Exit codes of the console:
//   q (quit key)            0    exit.ok (source/exit.ts: the one table)
//   Ctrl-C                  0    Ink's exitOnCtrlC: the key arrives as a byte in raw mode, not as SIGINT
//   no terminal             2    exit.usage: checkTerminal() refused; the caller prints its line and exits
//   uncaught error          1    exit.failed; also an unhandled promise rejection
//   SIGTERM                 143  128 + signal number, what a shell reports for a killed job
//   SIGHUP                  129  dropped SSH link, closed terminal window, tmux kill-session; also an
//                                error from writing to a terminal that has hung up (EIO), which often
//                                comes before the signal
//   any other fatal signal  128 + its number: SIGINT gives 130 (`kill -INT`, or Ctrl-C typed in
//                                the moment before Ink has put the terminal in raw mode)
import {closeSync} from 'node:fs';
import {constants} from 'node:os';
import {isatty} from 'node:tty';
import {inspect} from 'node:util';
import {onExit} from 'signal-exit';
import {exit, signalExit} from '../exit.js';

const ENTER_ALTERNATE_SCREEN = '\u001B[?1049h';
const LEAVE_ALTERNATE_SCREEN = '\u001B[?1049l';
const SHOW_CURSOR = '\u001B[?25h';

type Output = Pick<NodeJS.WriteStream, 'write'>;
type Input = {isTTY?: boolean; setRawMode?: (mode: boolean) => unknown};

/** Leaves the full screen. Safe to call more than once: only the first call writes. */
export interface Restore {
	(): void;
	/**
	 * Hands over the Ink instance, so that on a signal or a crash it is unmounted before the
	 * alternate screen is left: its last frame then lands there and not over the shell's screen.
	 * (Ink registers its own exit hook through signal-exit 3, whose order against ours is not fixed.)
	 */
	attach(app: {unmount(): void}): void;
}

export interface FullScreenOptions {
	stdin?: Input;
	stderr?: Output;
}

/** 128 + the signal's number, as shells report a job killed by it. */
export function signalExitCode(signal: NodeJS.Signals): number {
	return signalExit(constants.signals[signal] ?? 0);
}

/**
 * Switches to the alternate screen and makes sure every way out switches back:
 * the caller's own restore() after Ink's waitUntilExit(), process exit, a fatal signal,
 * an uncaught exception or an unhandled rejection.
 */
export function enterFullScreen(stdout: Output, options: FullScreenOptions = {}): Restore {
	const stdin = options.stdin ?? process.stdin;
	const stderr = options.stderr ?? process.stderr;
	let app: {unmount(): void} | undefined;
	let restored = false;
	guardExitOnHungUpTerminal();

	const unmountApp = (): void => {
		const current = app;
		app = undefined;
		try {
			current?.unmount();
		} catch {
			// A crashed React tree may not unmount cleanly; leaving the screen matters more.
		}
	};

	const restore = (): void => {
		if (restored) {
			return;
		}

		restored = true;
		removeExitHook();
		process.off('uncaughtException', crash);
		process.off('unhandledRejection', crash);
		// Each step on its own: after a dropped SSH link the terminal is gone and writes fail with EIO.
		attempt(() => stdout.write(LEAVE_ALTERNATE_SCREEN + SHOW_CURSOR));
		if (stdin.isTTY) {
			attempt(() => stdin.setRawMode?.(false));
		}
	};

	// Restore first, then print: an error printed on the alternate screen vanishes with it.
	function crash(error: unknown): void {
		unmountApp();
		restore();
		attempt(() => stderr.write(`${describeError(error)}\n`));
		// A hung-up terminal often shows up first as an EIO from a write to it, before the SIGHUP.
		process.exit(terminalHungUp() ? signalExitCode('SIGHUP') : exit.failed);
	}

	// signal-exit rather than process.on(signal): it is what Ink uses, and it also covers process.exit().
	const removeExitHook = onExit(
		(_code, signal) => {
			if (signal === null) {
				restore();
				return;
			}

			unmountApp();
			restore();
			// Exiting ourselves (instead of letting signal-exit re-raise the signal) gives the
			// documented code at once, before Ink or anything else can draw again.
			process.exit(signalExitCode(signal));
		},
		{alwaysLast: true},
	);
	process.on('uncaughtException', crash);
	process.on('unhandledRejection', crash);

	stdout.write(ENTER_ALTERNATE_SCREEN);

	return Object.assign(restore, {
		attach(instance: {unmount(): void}) {
			app = instance;
		},
	});
}

// The process's own stdio descriptors that were terminals when the console started.
let terminalFds: number[] | undefined;

/**
 * Node 20 resets the terminal's modes when it exits and aborts (SIGABRT, maybe a core dump) if that
 * fails, which it does once the terminal has been hung up: a dropped SSH link, tmux kill-session
 * (nodejs/node#51519; Node 20.20 still does). A hung-up terminal is no longer a TTY to isatty();
 * closing those descriptors on the way out makes Node skip them. Kept for the life of the process,
 * past restore(): the hang-up can come while the app is already shutting down.
 */
function guardExitOnHungUpTerminal(): void {
	if (terminalFds) {
		return;
	}

	terminalFds = [0, 1, 2].filter(fd => isatty(fd));
	process.on('exit', () => {
		for (const fd of terminalFds ?? []) {
			if (!isatty(fd)) {
				attempt(() => closeSync(fd));
			}
		}
	});
}

function terminalHungUp(): boolean {
	return (terminalFds ?? []).some(fd => !isatty(fd));
}

/**
 * Null when the full-screen console can run, else the one line to print before exiting with
 * exit.usage. Ink needs raw mode on stdin and cursor control on stdout.
 */
export function checkTerminal(stdin: {isTTY?: boolean}, stdout: {isTTY?: boolean}): string | null {
	const missing = [stdin.isTTY ? undefined : 'stdin', stdout.isTTY ? undefined : 'stdout'].filter(
		(name): name is string => name !== undefined,
	);
	if (missing.length === 0) {
		return null;
	}

	const what = missing.length === 1 ? `${missing[0]} is not a TTY` : 'stdin and stdout are not TTYs';
	return `ham-tui: the console needs a terminal (${what}); use 'ssh -t HOST ham-tui', or 'ham-tui --status' for a one-shot printout`;
}

/**
 * Ink 6's chalk ignores NO_COLOR but honours FORCE_COLOR=0. Chalk reads the environment when it
 * is loaded, so call this before Ink is imported: the entry point must load Ink (and every module
 * that imports it) with a dynamic import() after this call.
 */
export function applyNoColor(env: NodeJS.ProcessEnv): void {
	if (env.NO_COLOR) {
		env.FORCE_COLOR = '0';
	}
}

/**
 * Ink 6 (is-in-ci) draws nothing but the last frame when CI or CONTINUOUS_INTEGRATION is set, and
 * stops following resizes: a blank console on a build host's shell. Once checkTerminal() has found a
 * terminal those variables are wrong for us, so drop them before Ink is imported, like applyNoColor().
 */
export function ignoreCiEnvironment(env: NodeJS.ProcessEnv): void {
	delete env.CI;
	delete env.CONTINUOUS_INTEGRATION;
}

function describeError(error: unknown): string {
	// inspect() gives the stack plus `cause` and fields such as `code`, and copes with non-Errors.
	return error instanceof Error ? inspect(error) : `Uncaught ${inspect(error)}`;
}

function attempt(step: () => unknown): void {
	try {
		step();
	} catch {
		// Best effort: see the callers.
	}
}
