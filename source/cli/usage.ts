// How a usage error reaches the terminal: one `ham-tui:` line naming the problem, then the pointer
// to --help in util-linux's words (lsmem, chmem: "Try 'lsmem --help' for more information.").
import {safeText} from '../model/sanitize.js';

/** The user's text as an error quotes it: control characters (escapes, newlines) replaced. */
export function quote(text: string): string {
	return `"${safeText(text)}"`;
}

/** The line after every usage error (exit 2), and only after one. */
export const helpHint = "Try 'ham-tui --help' for more information.";

/** The two lines of a usage error; the message is cleaned again, so it can never be two lines. */
export function usageLines(message: string): string {
	return `ham-tui: ${safeText(message)}\n${helpHint}\n`;
}
