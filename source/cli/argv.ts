// Reads the command line against the flag table (options.ts): the one parser, for every command.
//
// Written out, not left to a library. meow (yargs-parser) takes ~55 ms to load, a third of
// --status's budget, which once meant a second, hand-made parser for the monitors' reads; it
// prints its own unknown-flag error and exits; and it honours --help only when alone. node:util's
// parseArgs is built in, but takes `--state --status` as a path, and its errors are sentences to
// take apart again. The grammar is small enough to state here:
//   --name, --name=VALUE, --name VALUE, -h, -V; "--" ends the flags. A VALUE after a space may
//   start with "-" only as a negative number (so --attempts -1 is told the range); anything else
//   starting with "-" is the next flag (so --state --status never names a file "--status").
// meow is still what renders --help (cli.tsx), and only then is it loaded.

import {safeText} from '../model/sanitize.js';
import {type FlagSpec, type Flags, flagTable, needsValue, shortFlags} from './options.js';
import {quote} from './usage.js';

export type Argv = {kind: 'help'} | {kind: 'version'} | {kind: 'flags'; flags: Flags; input: string[]} | {kind: 'error'; error: string};

type Token = {
	/** The flag as typed, up to any "=". */
	flag: string;
	/** The argument as typed, "=VALUE" and all. */
	argument: string;
	spec: FlagSpec | undefined;
	value: string | undefined;
	/** The flag before, when it wanted a value and got none: this argument may be that value. */
	valueless: FlagSpec | undefined;
};

type Known = Token & {spec: FlagSpec};

const negativeNumber = /^-\d+(?:\.\d+)?$/;

function isFlag(argument: string): boolean {
	return argument.startsWith('-') && argument !== '-' && !negativeNumber.test(argument);
}

export function parseArgv(argv: readonly string[]): Argv {
	const {tokens, input} = tokenize(argv);
	// --help and --version win over everything else, errors included, as in other tools.
	const meta = tokens.find(token => token.spec?.kind === 'meta' && token.value === undefined)?.spec;
	if (meta?.kind === 'meta') {
		return {kind: meta.name};
	}

	// Unknown flags first: the likeliest mistake, and a misread value shows up as one.
	const known = tokens.filter((token): token is Known => token.spec !== undefined);
	const error = tokens.map(unknown).find(Boolean) ?? misuse(known);
	return error ? {kind: 'error', error} : {kind: 'flags', flags: toFlags(known), input};
}

function tokenize(argv: readonly string[]): {tokens: Token[]; input: string[]} {
	const tokens: Token[] = [];
	const input: string[] = [];
	// Walks to the first index past the end (argv has no holes); a flag's value after a space moves it on by one more.
	let index = 0;
	for (let argument = argv[index]; argument !== undefined; argument = argv[++index]) {
		if (argument === '--') {
			input.push(...argv.slice(index + 1));
			break;
		}

		if (!isFlag(argument)) {
			input.push(argument);
			continue;
		}

		const equals = argument.startsWith('--') ? argument.indexOf('=') : -1;
		const flag = equals === -1 ? argument : argument.slice(0, equals);
		const name = flag.startsWith('--') ? flag.slice(2) : shortFlags.get(flag);
		const spec = name === undefined ? undefined : flagTable.get(name);
		let value = equals === -1 ? undefined : argument.slice(equals + 1);
		const following = argv[index + 1];
		if (spec?.kind === 'value' && value === undefined && following !== undefined && !isFlag(following)) {
			value = following;
			index++;
		}

		const previous = tokens.at(-1);
		const valueless = previous?.spec?.kind === 'value' && previous.value === undefined ? previous.spec : undefined;
		tokens.push({flag, argument, spec, value, valueless});
	}

	return {tokens, input};
}

function unknown(token: Token): string | undefined {
	if (token.spec) {
		return undefined;
	}

	const hint = token.valueless ? ` (a value starting with "-" is written --${token.valueless.name}=${safeText(token.argument)})` : '';
	return `unknown flag ${quote(token.flag)}${hint}`;
}

/** A known flag used wrongly: a value it does not take, none where it needs one, or twice. */
function misuse(tokens: readonly Known[]): string | undefined {
	const seen = new Set<string>();
	for (const {spec, value} of tokens) {
		const {name} = spec;
		if (spec.kind !== 'value' && value !== undefined) {
			return `--${name} takes no value, not ${quote(value)}`;
		}

		if (spec.kind === 'value' && value === undefined) {
			return needsValue(name);
		}

		if (seen.has(name)) {
			return `--${name} can only be set once`;
		}

		seen.add(name);
	}

	return undefined;
}

function toFlags(tokens: readonly Known[]): Flags {
	const flags: Flags = {};
	for (const {spec, value} of tokens) {
		if (spec.kind === 'switch') {
			flags[spec.key] = true;
		} else if (spec.kind === 'value') {
			flags[spec.key] = value;
		}
	}

	return flags;
}
