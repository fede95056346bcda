// Starts the built console (dist/cli.js) in a pseudo-terminal and waits until it reads keys.
import {cliPath} from './cli.js';
import {keys, type PtyOptions, type PtySession, startInPty} from './pty.js';

export function openConsole(state: string, options: PtyOptions = {}): Promise<PtySession> {
	return openConsoleWith(['--state', state], options);
}

/** openConsole with other arguments: `--sysroot DIR` for a real machine's console. */
export async function openConsoleWith(args: readonly string[], options: PtyOptions = {}): Promise<PtySession> {
	const session = startInPty(process.execPath, [cliPath, ...args], {cols: 80, rows: 24, ...options});
	await session.waitFor('q quit', 20_000);
	// Ink draws its first frame before it puts the terminal in raw mode: a key sent at once would be
	// echoed, not read. Open the help until it answers, then close it.
	for (let tries = 0; ; tries++) {
		session.press('?');
		try {
			await session.waitFor('Keys · ? or Esc closes', 1000);
			break;
		} catch (error) {
			if (tries >= 10) {
				throw error;
			}
		}
	}

	session.press(keys.escape);
	await session.waitFor('q quit');
	return session;
}
