// How a usage error reaches the terminal: one line naming the problem, then the pointer to --help.
import {safeText} from '../model/sanitize.js';

/** The user's text as an error quotes it: control characters (escapes, newlines) replaced. */
export function quote(text: string): string {
	return `"${safeText(text)}"`;
}

/** The two lines of a usage error; the message is cleaned again, so it can never be two lines. */
export function usageLines(message: string): string {
	return `ham-tui: ${safeText(message)}\nham-tui: see ham-tui --help\n`;
}
