// Starts the full-screen console. Ink and React are imported here, after the terminal checks and
// after NO_COLOR/CI are settled: chalk reads the environment when it loads.
import type {Clock} from '../cli/clock.js';
import type {SysfsTarget} from '../cli/command.js';
import {type MachineSource, simulatedSource} from '../machine/source.js';
import {FileProblem} from '../store/store.js';
import {applyNoColor, checkTerminal, EXIT_NO_TERMINAL, enterFullScreen, ignoreCiEnvironment} from './terminal.js';

type Options = {statePath: string; clock: Exclude<Clock, {error: string}>; sysfs?: SysfsTarget};

export async function runConsole({statePath, clock, sysfs}: Options): Promise<number> {
	const problem = checkTerminal(process.stdin, process.stdout);
	if (problem) {
		process.stderr.write(`${problem}\n`);
		return EXIT_NO_TERMINAL;
	}

	applyNoColor(process.env);
	ignoreCiEnvironment(process.env);
	// HAM_TUI_NOW sets where the console's clock starts; from there it runs with the wall clock.
	const started = Date.now();
	const start = clock.now();
	const consoleClock = clock.fixed ? {now: () => start + (Date.now() - started) / 1000} : {now: clock.now};
	let source: MachineSource;
	if (sysfs) {
		// A real machine: the first read of its memory blocks, before the screen is taken.
		const [{sysfsSource}, {writerFor}] = await Promise.all([import('../machine/sysfs.js'), import('../sysfs/integrate.js')]);
		const writer = writerFor(sysfs.sysroot, process.env);
		try {
			if (typeof writer === 'string') {
				throw new TypeError(writer);
			}

			source = sysfsSource(sysfs.sysroot, {onlineType: sysfs.onlineType, writer});
		} catch (error) {
			process.stderr.write(`ham-tui: ${(error as Error).message}\n`);
			return 1;
		}
	} else {
		source = simulatedSource(statePath);
	}

	try {
		source.snapshot(consoleClock.now());
	} catch (error) {
		if (error instanceof FileProblem) {
			process.stderr.write(
				`ham-tui: ${error.message}\n${error.regular ? 'ham-tui: the file is left as it is; --reset keeps it aside and starts a new machine\n' : ''}`,
			);
			return 3;
		}

		throw error;
	}

	const [{render}, {App}] = await Promise.all([import('ink'), import('./app.js')]);
	const restore = enterFullScreen(process.stdout);
	const instance = render(<App source={source} clock={consoleClock} />, {exitOnCtrlC: true});
	restore.attach(instance);
	await instance.waitUntilExit();
	restore();
	return 0;
}
