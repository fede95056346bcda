// What the pty benchmarks measure of a process in a real terminal: when a frame is drawn, its CPU
// time and its memory (from /proc).
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import type {PtySession} from '../test/helpers/pty.js';

export const ticksPerSecond = Number(spawnSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).stdout.trim()) || 100;

/** Resolves when `predicate` holds of the screen outside a synchronized update (a whole frame drawn). */
export function until(session: PtySession, predicate: (screen: string) => boolean, timeoutMs: number, what: string): Promise<void> {
	const holds = () => !session.term.modes.synchronizedOutputMode && predicate(session.screen());
	if (holds()) {
		return Promise.resolve();
	}

	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			parsed.dispose();
			reject(new Error(`no ${what} after ${timeoutMs} ms; screen:\n${session.screen()}`));
		}, timeoutMs);
		const parsed = session.term.onWriteParsed(() => {
			if (holds()) {
				clearTimeout(timer);
				parsed.dispose();
				resolve();
			}
		});
	});
}

export function cpuTicks(pid: number): number {
	const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
	// utime and stime, fields 14 and 15 of stat(5), of every thread.
	return Number(fields[11]) + Number(fields[12]);
}

export function rssBytes(pid: number): number {
	const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
	return Number(match?.[1] ?? Number.NaN) * 1024;
}
