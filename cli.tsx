#!/usr/bin/env node
// The thin entry: the command line, then a one-shot command or the console. Ink and React are
// imported only for the console, and meow only for --help and --version: one-shot commands, and
// above all the --status and --json that monitors poll, must start fast.
import {type Argv, parseArgv} from './source/cli/argv.js';
import {clockFrom} from './source/cli/clock.js';
import {parseCommand} from './source/cli/command.js';
import {usageLines} from './source/cli/usage.js';
import {exit} from './source/exit.js';
import {fail} from './source/result.js';

// Before main runs (the top-level await below): a `let` further down would not exist yet when it writes.
let progressShown = false;
process.exitCode = await main(parseArgv(process.argv.slice(2)));

async function main(line: Argv): Promise<number> {
	if (line.kind === 'help' || line.kind === 'version') {
		return helpOrVersion(line.kind);
	}

	// Nothing is read or written before the whole command line, and the clock, are valid.
	const parsed = line.kind === 'error' ? fail(line.error) : parseCommand(line.flags, line.input);
	const clock = clockFrom(process.env);
	if (!parsed.ok) {
		process.stderr.write(usageLines(parsed.error));
		return exit.usage;
	}

	if ('error' in clock) {
		process.stderr.write(usageLines(clock.error));
		return exit.usage;
	}

	// A real machine (--sysroot, --sysfs) has no state file, and does not load the store (the model, its schema).
	const {command, sysfs, vm} = parsed.value;
	const statePath = sysfs ? '' : (parsed.value.statePath ?? (await import('./source/store/store.js')).defaultStatePath());
	const io = {
		out: (text: string) => process.stdout.write(text),
		err: (text: string) => {
			// Anything said while a progress line shows goes on a line of its own (the next redraw puts the progress back).
			if (progressShown) {
				progressLine(null);
			}

			return process.stderr.write(text);
		},
		now: clock.now,
		fixedClock: clock.fixed,
		// On a terminal only: a progress line redrawn in place (carriage return, erase the line); a pipe sees none of it.
		...(process.stderr.isTTY ? {progress: progressLine} : {}),
	};
	if (command.kind === 'console') {
		const {runConsole} = await import('./source/console/run.js');
		return runConsole(sysfs ? {statePath, clock, sysfs} : vm ? {statePath, clock, vm} : {statePath, clock});
	}

	if (vm) {
		const {runVmCommand} = await import('./source/commands/vm.js');
		return runVmCommand(command, vm, io);
	}

	if (sysfs && (command.kind === 'status' || command.kind === 'json')) {
		// What monitors poll: the reader and the printing only, not the writers.
		const {runSysfsReport} = await import('./source/commands/sysfs-report.js');
		return runSysfsReport(command, sysfs, io);
	}

	if (sysfs) {
		const {runSysfsCommand} = await import('./source/commands/sysfs.js');
		return runSysfsCommand(command, sysfs, io);
	}

	const {runOneShot} = await import('./source/commands/run.js');
	return runOneShot(command, statePath, io);
}

/** A one-shot's progress line on a terminal's stderr, cut to its width; null erases it. */
function progressLine(line: string | null): void {
	const width = Math.max(1, (process.stderr.columns || 80) - 1);
	process.stderr.write(`\r\u001B[2K${line === null ? '' : line.slice(0, width)}`);
	progressShown = line !== null;
}

/** meow renders the help as before (package.json's description, the text indented) and knows the version; it parses nothing here. */
async function helpOrVersion(kind: 'help' | 'version'): Promise<number> {
	const [{default: meow}, {helpText}] = await Promise.all([import('meow'), import('./source/cli/options.js')]);
	const cli = meow(helpText, {importMeta: import.meta, argv: [], autoHelp: false, autoVersion: false});
	process.stdout.write(`${kind === 'help' ? cli.help : (cli.pkg.version ?? '')}\n`);
	return exit.ok;
}
