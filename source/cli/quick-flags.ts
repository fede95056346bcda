// The fast path for the reads that scripts and monitors run in loops: exactly `--status` or
// `--json`, optionally with `--state PATH` / `--state=PATH`, or for a real machine with
// `--sysroot DIR` / `--sysroot=DIR` / `--sysfs` and `--all`. Anything else, even a near miss,
// returns undefined and goes to meow, which owns help, errors and every other flag.
import type {Flags} from './options.js';

export function quickFlags(argv: readonly string[]): {flags: Flags; input: string[]} | undefined {
	const flags: Flags = {};
	for (let index = 0; index < argv.length; index++) {
		const argument = argv[index]!;
		if ((argument === '--status' || argument === '--json') && flags.status === undefined && flags.json === undefined) {
			flags[argument === '--status' ? 'status' : 'json'] = true;
		} else if (argument === '--state' && flags.state === undefined && index + 1 < argv.length && !argv[index + 1]!.startsWith('-')) {
			flags.state = argv[++index];
		} else if (argument.startsWith('--state=') && flags.state === undefined && argument.length > 8) {
			flags.state = argument.slice(8);
		} else if (argument === '--sysroot' && flags.sysroot === undefined && index + 1 < argv.length && !argv[index + 1]!.startsWith('-')) {
			flags.sysroot = argv[++index];
		} else if (argument.startsWith('--sysroot=') && flags.sysroot === undefined && argument.length > 10) {
			flags.sysroot = argument.slice(10);
		} else if ((argument === '--sysfs' || argument === '--all') && flags[argument.slice(2) as 'sysfs' | 'all'] === undefined) {
			flags[argument.slice(2) as 'sysfs' | 'all'] = true;
		} else {
			return undefined;
		}
	}

	return flags.status || flags.json ? {flags, input: []} : undefined;
}
