import {type LogLine, type LogSource, logLimit, type Machine} from './state.js';

/** Appends a dmesg-like line at time t, keeping the newest logLimit lines. */
export function log(machine: Machine, t: number, source: LogSource, text: string): void {
	machine.log.push({t, source, text});
	if (machine.log.length > logLimit) {
		machine.log.splice(0, machine.log.length - logLimit);
	}
}

/** "[  12.500000] ham: ..." with the time since boot, as dmesg prints it. */
export function formatLogLine(machine: Machine, line: LogLine): string {
	const since = Math.max(0, line.t - machine.kernel.bootedAt);
	return `[${since.toFixed(6).padStart(12)}] ${line.source}: ${line.text}`;
}
