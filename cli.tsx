#!/usr/bin/env node
// The thin entry: flags, then either a one-shot command or the console. Ink and React are only
// imported for the console; one-shot commands must start fast.
import {clockFrom} from './source/cli/clock.js';
import {parseCommand} from './source/cli/command.js';
import {quickFlags} from './source/cli/quick-flags.js';
import {safeText} from './source/model/sanitize.js';
import {defaultStatePath} from './source/store/store.js';

// meow parses every command line, except the plain reads that monitors poll (--status, --json,
// with --state): loading meow costs ~55 ms, a third of --status's budget (see quick-flags.ts).
const flags = quickFlags(process.argv.slice(2)) ?? await meowFlags();
const parsed = parseCommand(flags.flags, flags.input);
const clock = clockFrom(process.env);
if (!parsed.ok || 'error' in clock) {
	// The error may quote an argument: control characters in it never reach the terminal.
	process.stderr.write(`ham-tui: ${safeText(parsed.ok ? (clock as {error: string}).error : parsed.error)}\nham-tui: see ham-tui --help\n`);
	process.exit(2);
}

// A real machine (--sysroot, --sysfs) has no state file.
const statePath = parsed.sysfs ? '' : parsed.statePath ?? defaultStatePath();
const io = {
	out: (text: string) => process.stdout.write(text),
	err: (text: string) => process.stderr.write(text),
	now: clock.now,
	fixedClock: clock.fixed,
};
if (parsed.sysfs) {
	if (parsed.command.kind === 'console') {
		const {runConsole} = await import('./source/console/run.js');
		process.exitCode = await runConsole({statePath, clock, sysfs: parsed.sysfs});
	} else {
		const {runSysfsCommand} = await import('./source/commands/sysfs.js');
		process.exitCode = await runSysfsCommand(parsed.command, parsed.sysfs, io);
	}
} else if (parsed.command.kind === 'console') {
	const {runConsole} = await import('./source/console/run.js');
	process.exitCode = await runConsole({statePath, clock});
} else {
	const {runOneShot} = await import('./source/commands/run.js');
	process.exitCode = await runOneShot(parsed.command, statePath, io);
}

async function meowFlags() {
	const {default: meow} = await import('meow');
	const {flags, helpText} = await import('./source/cli/options.js');
	try {
		const cli = meow(helpText, {importMeta: import.meta, flags, allowUnknownFlags: false, booleanDefault: undefined});
		return {flags: cli.flags, input: cli.input};
	} catch (error) {
		// meow throws for a flag given twice: a usage error like any other.
		process.stderr.write(`ham-tui: ${safeText((error as Error).message)}\nham-tui: see ham-tui --help\n`);
		process.exit(2);
	}
}
