import assert from 'node:assert/strict';

/** What a terminal must never be sent: C0 controls but tab and newline, DEL, and C1 controls. */
const terminalControl = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/;

/** Fails naming the first control character in `text`, where it is, and the text around it. */
export function assertNoControl(text: string, what: string): void {
	const found = terminalControl.exec(text);
	if (found) {
		const code = found[0].codePointAt(0) ?? 0;
		const around = JSON.stringify(text.slice(Math.max(0, found.index - 30), found.index + 30));
		assert.fail(`${what} holds U+${code.toString(16).padStart(4, '0')} at ${found.index}: ${around}`);
	}
}
