// A real terminal for tests: the program runs in a pseudo-terminal (node-pty) and everything it
// writes goes through a headless xterm of the same size, so tests assert on what a user would see.
import xtermHeadless, {type IModes, type Terminal as XtermTerminal} from '@xterm/headless';
import {type IPty, spawn} from 'node-pty';

// @xterm/headless is CommonJS without named-export hints: only the default import works from ESM.
const {Terminal} = xtermHeadless;

export interface PtyOptions {
	cols?: number;
	rows?: number;
	/** Added to (or, with undefined, removed from) the test process's environment. */
	env?: Record<string, string | undefined>;
	cwd?: string;
}

export interface PtyExit {
	/** 0 when a signal killed the process (node-pty's report), unlike a shell's 128 + signal. */
	exitCode: number;
	/** Number of the signal that killed the process, 0 if it exited by itself. */
	signal: number;
}

export interface PtySession {
	readonly pid: number;
	/** The emulated terminal, e.g. for screenToSvg(). */
	readonly term: XtermTerminal;
	/** The visible screen, one line per row, each trimmed right. */
	screen(): string;
	/**
	 * Resolves once the screen shows `what` outside a synchronized update (so with the whole frame drawn);
	 * on timeout, or exit without it, rejects with the screen in the message.
	 */
	waitFor(what: string | RegExp, timeoutMs?: number): Promise<void>;
	/** Types keys as a terminal would send them (see `keys`). */
	press(keys: string): void;
	resize(cols: number, rows: number): void;
	isAlternateScreen(): boolean;
	isCursorHidden(): boolean;
	/** DECSET modes as xterm tracks them (bracketed paste, mouse tracking, ...). */
	modes(): IModes;
	kill(signal?: NodeJS.Signals): void;
	/** Closes the terminal under the program, as a dropped SSH link or tmux kill-session does. */
	hangUp(): void;
	/** Settles after the process has exited and all its output has been parsed. */
	readonly exited: Promise<PtyExit>;
	/** Everything the program wrote, escape sequences included. */
	raw(): string;
	/** Kills the process if it still runs and frees the terminal. */
	dispose(): void;
}

export const keys = {
	up: '\u001B[A',
	down: '\u001B[B',
	right: '\u001B[C',
	left: '\u001B[D',
	enter: '\r',
	escape: '\u001B',
	tab: '\t',
	ctrlC: '\u0003',
} as const;

// Ink 6 draws only its last frame when it thinks it runs in CI (is-in-ci): keep the child out of that.
const CI_VARIABLES = ['CI', 'CONTINUOUS_INTEGRATION'];

export function startInPty(command: string, args: string[], options: PtyOptions = {}): PtySession {
	const cols = options.cols ?? 80;
	const rows = options.rows ?? 24;
	const term = new Terminal({cols, rows, allowProposedApi: true, scrollback: 1000});
	const pty = spawn(command, args, {
		name: 'xterm-256color',
		cols,
		rows,
		cwd: options.cwd ?? process.cwd(),
		env: childEnvironment(options.env),
	});

	let output = '';
	pty.onData(data => {
		output += data;
		if (!disposed) {
			term.write(data);
		}
	});

	let disposed = false;
	const exited = new Promise<PtyExit>(resolve => {
		pty.onExit(({exitCode, signal}) => {
			const result = {exitCode, signal: signal ?? 0};
			if (disposed) {
				resolve(result);
				return;
			}

			// The callback runs once xterm has parsed everything written before it.
			term.write('', () => {
				resolve(result);
			});
		});
	});
	let hasExited = false;
	void exited.then(() => {
		hasExited = true;
	});

	const screen = (): string => visibleLines(term).join('\n');

	const waitFor = async (what: string | RegExp, timeoutMs = 5000): Promise<void> => {
		// Inside a synchronized update (Ink wraps each frame in ESC[?2026h ... ESC[?2026l) the screen is
		// half drawn: the text may be there while the rest of the frame is not yet.
		const matches = (): boolean =>
			!term.modes.synchronizedOutputMode && (typeof what === 'string' ? screen().includes(what) : screen().search(what) >= 0);
		if (matches()) {
			return;
		}

		await new Promise<void>((resolve, reject) => {
			let done = false;
			const finish = (error?: Error): void => {
				if (done) {
					return;
				}

				done = true;
				clearTimeout(timer);
				parsed.dispose();
				if (error) {
					reject(error);
				} else {
					resolve();
				}
			};

			const failure = (reason: string): Error => new Error(`${reason} waiting for ${String(what)}; screen:\n${frame(screen())}`);
			// Checked when xterm has parsed new output, not on a clock: no sleeps, no missed frames.
			const parsed = term.onWriteParsed(() => {
				if (matches()) {
					finish();
				}
			});
			const timer = setTimeout(() => {
				finish(failure(`timed out after ${timeoutMs} ms`));
			}, timeoutMs);
			void exited.then(({exitCode, signal}) => {
				finish(matches() ? undefined : failure(`process exited (code ${exitCode}, signal ${signal})`));
			});
		});
	};

	return {
		pid: pty.pid,
		term,
		screen,
		waitFor,
		press(keys) {
			pty.write(keys);
		},
		resize(newCols, newRows) {
			// The emulator first, so that the program's redraw for the new size lands on a grid of that size.
			term.resize(newCols, newRows);
			pty.resize(newCols, newRows);
		},
		isAlternateScreen: () => term.buffer.active.type === 'alternate',
		isCursorHidden: () => cursorHidden(term, output),
		modes: () => term.modes,
		kill(signal = 'SIGTERM') {
			pty.kill(signal);
		},
		hangUp() {
			// Closes the master side; the kernel then hangs up the program's terminal (EIO, EOF, SIGHUP).
			// destroy() is on node-pty's UnixTerminal, not in its IPty typings.
			(pty as IPty & {destroy(): void}).destroy();
		},
		exited,
		raw: () => output,
		dispose() {
			if (disposed) {
				return;
			}

			disposed = true;
			if (!hasExited) {
				killQuietly(pty);
			}

			term.dispose();
		},
	};
}

function childEnvironment(overrides: Record<string, string | undefined> = {}): Record<string, string> {
	const merged: Record<string, string | undefined> = {...process.env, TERM: 'xterm-256color'};
	for (const name of CI_VARIABLES) {
		delete merged[name];
	}

	Object.assign(merged, overrides);
	// node-pty passes every value on as a string: an undefined would arrive as "undefined".
	return Object.fromEntries(Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** The rows on screen (not the scrollback), trimmed right. */
export function visibleLines(term: XtermTerminal): string[] {
	const buffer = term.buffer.active;
	const lines: string[] = [];
	for (let row = 0; row < term.rows; row++) {
		lines.push(buffer.getLine(buffer.viewportY + row)?.translateToString(true) ?? '');
	}

	return lines;
}

function cursorHidden(term: XtermTerminal, output: string): boolean {
	// xterm keeps DECTCEM out of its public modes; read its core, or else the last ?25 sequence sent.
	const core = (term as unknown as {_core?: {coreService?: {isCursorHidden?: unknown}}})._core;
	const hidden = core?.coreService?.isCursorHidden;
	if (typeof hidden === 'boolean') {
		return hidden;
	}

	return output.lastIndexOf('\u001B[?25l') > output.lastIndexOf('\u001B[?25h');
}

function frame(text: string): string {
	return text
		.split('\n')
		.map(line => `|${line}`)
		.join('\n');
}

function killQuietly(pty: IPty): void {
	try {
		pty.kill('SIGKILL');
	} catch {
		// Already gone.
	}
}
