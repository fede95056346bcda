// The one number syntax of the command line, for every numeric flag and HAM_TUI_NOW: decimal
// digits, and a fraction only where the number allows one. No sign, no 0x/0o/0b, no exponent,
// no separators, no whitespace, no Infinity or NaN: Number() accepts most of these, and each is
// a typo or a trick, never what an operator meant.
import {fail, ok, type Result} from '../result.js';
import {quote} from './usage.js';

const whole = /^\d+$/;
const withFraction = /^\d+(?:\.\d+)?$/;

export function isDecimal(text: string, fraction: boolean): boolean {
	return (fraction ? withFraction : whole).test(text);
}

export type NumberSpec = {
	/** How the message names the number: "--attempts", "SLOT". */
	what: string;
	min: number;
	max: number;
	/** A number of these (seconds), with a fraction allowed; otherwise a whole number. */
	unit?: string;
	/** The range is only a sanity bound (a slot's real bound is the machine's): not stated for bad syntax. */
	looseBound?: boolean;
};

/** The number, or the message: what it must be, and what was given. */
export function parseNumber(text: string, spec: NumberSpec): Result<number> {
	const kind = spec.unit === undefined ? 'a whole number' : `a number of ${spec.unit}`;
	const range = `from ${spec.min} to ${spec.max}`;
	if (!isDecimal(text, spec.unit !== undefined)) {
		return fail(`${spec.what} must be ${kind}${spec.looseBound ? '' : ` ${range}`}, not ${quote(text)}`);
	}

	// The text is digits now, so it is shown as it is; a unit stays in the words.
	const value = Number(text);
	return value < spec.min || value > spec.max
		? fail(`${spec.what} must be ${spec.unit === undefined ? '' : `${kind} `}${range}, not ${text}`)
		: ok(value);
}
