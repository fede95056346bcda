// Starts the full-screen console. Ink and React are imported here, after the terminal checks and
// after NO_COLOR/CI are settled: chalk reads the environment when it loads.
import type {Clock} from '../cli/clock.js';
import type {SysfsTarget, VmTarget} from '../cli/command.js';
import {exit} from '../exit.js';
import {type MachineSource, simulatedSource} from '../machine/source.js';
import {FileProblem} from '../store/store.js';
import {applyNoColor, checkTerminal, enterFullScreen, ignoreCiEnvironment} from './terminal.js';
import {wallClock} from './use-machine.js';

type Options = {statePath: string; clock: Exclude<Clock, {error: string}>; sysfs?: SysfsTarget; vm?: VmTarget};

export async function runConsole({statePath, clock, sysfs, vm}: Options): Promise<number> {
	const problem = checkTerminal(process.stdin, process.stdout);
	if (problem) {
		process.stderr.write(`${problem}\n`);
		return exit.usage;
	}

	applyNoColor(process.env);
	ignoreCiEnvironment(process.env);
	// HAM_TUI_NOW sets where the console's clock starts; from there it runs with the wall clock.
	const started = Date.now();
	const start = clock.now();
	const consoleClock = wallClock(clock.fixed ? () => start + (Date.now() - started) / 1000 : clock.now);
	let source: MachineSource;
	let close = () => {};
	if (vm) {
		// A running QEMU: connected, and read once, before the screen is taken; a failure is one line.
		const {openVmSource} = await import('../machine/vm.js');
		// Its log in the console's time (HAM_TUI_NOW's, when set), as the notices are: a VM's writes have no audit log to agree with.
		const opened = await openVmSource(vm, {now: consoleClock.now});
		if (!opened.ok) {
			process.stderr.write(`ham-tui: ${opened.error}\n`);
			return exit.failed;
		}

		source = opened.value;
		close = () => opened.value.close();
	} else if (sysfs) {
		// A real machine: the first read of its memory blocks, before the screen is taken.
		const [{sysfsSource}, {writerFor}] = await Promise.all([import('../machine/sysfs.js'), import('../sysfs/integrate.js')]);
		const writer = writerFor(sysfs.sysroot, process.env);
		if (!writer.ok) {
			// A malformed HAM_TUI_TEST_WRITE_ERRORS: bad environment, exit 2, as the one-shots say it.
			process.stderr.write(`ham-tui: ${writer.error}\n`);
			return exit.usage;
		}

		try {
			source = sysfsSource(sysfs.sysroot, {onlineType: sysfs.onlineType, writer: writer.value});
		} catch (error) {
			process.stderr.write(`ham-tui: ${error instanceof Error ? error.message : String(error)}\n`);
			return exit.failed;
		}
	} else {
		source = simulatedSource(statePath);
	}

	try {
		source.poll(consoleClock.now());
	} catch (error) {
		if (error instanceof FileProblem) {
			process.stderr.write(
				`ham-tui: ${error.message}\n${error.regular ? 'ham-tui: the file is left as it is; --reset keeps it aside and starts a new machine\n' : ''}`,
			);
			return exit.file;
		}

		throw error;
	}

	const [{render}, {App}] = await Promise.all([import('ink'), import('./app.js')]);
	const restore = enterFullScreen(process.stdout);
	// incrementalRendering: each frame rewrites only the lines that changed (an idle console's clock
	// is one line a second, not the whole screen: bench/console-pty.ts counts the bytes).
	const instance = render(<App source={source} clock={consoleClock} />, {exitOnCtrlC: true, incrementalRendering: true});
	restore.attach(instance);
	await instance.waitUntilExit();
	restore();
	close();
	return exit.ok;
}
