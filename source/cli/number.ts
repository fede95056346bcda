// The one number syntax of the command line, for every numeric flag and HAM_TUI_NOW: decimal
// digits, and a fraction only where the number allows one. No plus sign, no 0x/0o/0b, no exponent,
// no separators, no whitespace, no Infinity or NaN: Number() accepts most of these, and each is
// a typo or a trick, never what an operator meant. A minus sign makes a negative number: a number
// all the same, so "--attempts -1" is told the range, not the syntax (as util-linux's strtou32_or_err
// says "out of range" for it). No flag takes a negative number, so it is always out of range.
import {fail, ok, type Result} from '../result.js';
import {quote} from './usage.js';

const whole = /^\d+$/;
const withFraction = /^\d+(?:\.\d+)?$/;

/** Digits, and a fraction if allowed: no sign. */
export function isDecimal(text: string, fraction: boolean): boolean {
	return (fraction ? withFraction : whole).test(text);
}

export type NumberSpec = {
	/** How the message names the number: "--attempts", "--seed". */
	what: string;
	min: number;
	max: number;
	/** A number of these (seconds), with a fraction allowed; otherwise a whole number. */
	unit?: string;
};

/** The number, or the message: what it must be, and what was given. */
export function parseNumber(text: string, spec: NumberSpec): Result<number> {
	const kind = spec.unit === undefined ? 'a whole number' : `a number of ${spec.unit}`;
	const range = `from ${spec.min} to ${spec.max}`;
	const negative = text.startsWith('-');
	if (!isDecimal(negative ? text.slice(1) : text, spec.unit !== undefined)) {
		return fail(`${spec.what} must be ${kind} ${range}, not ${quote(text)}`);
	}

	// The text is a number now, so it is shown as it is; a unit stays in the words. "-0" is out of
	// range too: it is 0 only to Number(), and a sign is never what an operator meant here.
	const value = Number(text);
	return negative || value < spec.min || value > spec.max
		? fail(`${spec.what} must be ${spec.unit === undefined ? '' : `${kind} `}${range}, not ${text}`)
		: ok(value);
}

/**
 * A slot number: any whole number, negative too. Its range is the machine's slots, which only the
 * state file knows: the controller refuses a slot it does not have ("no such slot: 9 (slots are
 * 1-8)"), as it refuses any plug it cannot do. A number past 2^53 cannot be told apart from its
 * neighbours, so it is refused here, as a size that large is.
 */
export function parseSlot(text: string): Result<number> {
	if (!isDecimal(text.startsWith('-') ? text.slice(1) : text, false)) {
		return fail(`SLOT must be a whole number, not ${quote(text)}`);
	}

	const value = Number(text);
	return Number.isSafeInteger(value) ? ok(value) : fail(`SLOT ${text} is too large`);
}
