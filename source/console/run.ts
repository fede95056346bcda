import type {Clock} from '../cli/clock.js';

export async function runConsole(_options: {statePath: string; clock: Exclude<Clock, {error: string}>}): Promise<number> {
	process.stderr.write('ham-tui: the console is not built yet; use --status\n');
	return 2;
}
