// Key names: what Ink's input events are called here ("up", "shift-tab", "q"), and how a key is
// written for a person ("↑", "S-Tab").
import type {Key} from 'ink';

/** How a key name is written for a person. */
const keyLabels = new Map([
	['up', '↑'],
	['down', '↓'],
	['left', '←'],
	['right', '→'],
	['pageup', 'PgUp'],
	['pagedown', 'PgDn'],
	['home', 'Home'],
	['end', 'End'],
	['tab', 'Tab'],
	['shift-tab', 'S-Tab'],
	['escape', 'Esc'],
	['enter', 'Enter'],
]);

export function keyLabel(key: string): string {
	return keyLabels.get(key) ?? key;
}

const controlKeys: Record<string, string> = {
	'\r': 'enter',
	'\n': 'enter',
	'\t': 'tab',
	'\u007F': 'backspace',
	'\b': 'backspace',
	'\u001B': 'escape',
	'\u0003': 'ctrl-c',
};

/**
 * Names the keys of one input event. Keys typed faster than frames, or sent by `tmux send-keys`,
 * arrive as one string ("jjq", "r\r"): Ink splits off escape sequences but passes such a run
 * whole, so each character counts, control characters included.
 */
export function keyNames(input: string, key: Key): string[] {
	if (input.length > 1) {
		return [...input].map(char => controlKeys[char] ?? char).filter(name => name.length > 1 || name >= ' ');
	}

	if (key.upArrow) return ['up'];
	if (key.downArrow) return ['down'];
	if (key.leftArrow) return ['left'];
	if (key.rightArrow) return ['right'];
	if (key.pageUp) return ['pageup'];
	if (key.pageDown) return ['pagedown'];
	if (key.home) return ['home'];
	if (key.end) return ['end'];
	if (key.tab) return [key.shift ? 'shift-tab' : 'tab'];
	if (key.return) return ['enter'];
	if (key.escape) return ['escape'];
	if (key.backspace || key.delete) return ['backspace'];
	if (key.ctrl) return [`ctrl-${input}`];
	return [...input].filter(char => char >= ' ' && char !== '\u007F');
}
