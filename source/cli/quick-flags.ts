// The fast path for the reads that scripts and monitors run in loops: exactly `--status` or
// `--json`, optionally with `--state PATH` / `--state=PATH`. Anything else, even a near miss,
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
		} else {
			return undefined;
		}
	}

	return flags.status || flags.json ? {flags, input: []} : undefined;
}
