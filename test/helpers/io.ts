// A one-shot's SysfsIo for in-process tests: what it printed on stdout and stderr, a fixed clock,
// and no sleeping between attempts (as HAM_TUI_NOW gives a process).
import type {SysfsIo} from '../../source/commands/sysfs.js';

export function captureIo(now = 1000): {io: SysfsIo; out: string[]; err: string[]} {
	const out: string[] = [];
	const err: string[] = [];
	return {io: {out: text => out.push(text), err: text => err.push(text), now: () => now, fixedClock: true}, out, err};
}
