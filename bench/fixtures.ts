// State files for the benchmarks: a machine of n regions (one 128M module per slot) in a fresh
// temporary directory, written by the store as a command would write it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {writeMachine} from '../source/store/store.js';
import {machineWithRegions} from '../test/helpers/big.js';

/** The model's largest machine: 65,536 slots, slot 1 the boot memory, so at most 65,535 regions. */
export const maxRegions = 65_535;

/** BENCH_LARGE: the "large" size, at most maxRegions (the 100,000 is past what the model holds). */
export const largeRegions = Math.min(maxRegions, Number(process.env.BENCH_LARGE ?? maxRegions));

const made: string[] = [];
process.on('exit', () => {
	for (const directory of made) {
		fs.rmSync(directory, {recursive: true, force: true});
	}
});

export const now = 1_000_000;

/** A state file holding `count` regions and `free` empty slots after them. */
export function stateWithRegions(count: number, free = 0): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ham-bench-'));
	made.push(dir);
	const state = path.join(dir, 'machine.json');
	writeMachine(state, machineWithRegions(count, now, free));
	return state;
}

export function regionsLabel(count: number): string {
	return `${count.toLocaleString('en')} regions`;
}
