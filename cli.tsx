#!/usr/bin/env node
// The thin entry: flags, then either a one-shot command or the console. Ink and React are only
// imported for the console; one-shot commands must start fast.
import {clockFrom} from './source/cli/clock.js';
import {parseCommand} from './source/cli/command.js';
import {quickFlags} from './source/cli/quick-flags.js';
import {defaultStatePath} from './source/store/store.js';

// meow parses every command line, except the plain reads that monitors poll (--status, --json,
// with --state): loading meow costs ~55 ms, a third of --status's budget (see quick-flags.ts).
const flags = quickFlags(process.argv.slice(2)) ?? await meowFlags();
const parsed = parseCommand(flags.flags, flags.input);
const clock = clockFrom(process.env);
if (!parsed.ok || 'error' in clock) {
	process.stderr.write(`ham-tui: ${parsed.ok ? (clock as {error: string}).error : parsed.error}\nham-tui: see ham-tui --help\n`);
	process.exit(2);
}

const statePath = parsed.statePath ?? defaultStatePath();
if (parsed.command.kind === 'console') {
	const {runConsole} = await import('./source/console/run.js');
	process.exitCode = await runConsole({statePath, clock});
} else {
	const {runOneShot} = await import('./source/commands/run.js');
	process.exitCode = await runOneShot(parsed.command, statePath, {
		out: text => process.stdout.write(text),
		err: text => process.stderr.write(text),
		now: clock.now,
		fixedClock: clock.fixed,
	});
}

async function meowFlags() {
	const {default: meow} = await import('meow');
	const {flags, helpText} = await import('./source/cli/options.js');
	const cli = meow(helpText, {importMeta: import.meta, flags, allowUnknownFlags: false, booleanDefault: undefined});
	return {flags: cli.flags, input: cli.input};
}
