// All of ham-tui's file I/O: where the state file lives, reading and validating it, writing it
// atomically under a lock, and reading scenario files. Nothing else in source/ touches files.
import fs from 'node:fs';
import path from 'node:path';
import {createRequire} from 'node:module';
import {xdgState} from 'xdg-basedir';
import {parseMachine, parseScenario} from '../model/schema.js';
import type {MachineSpec} from '../model/spec.js';
import type {Machine} from '../model/state.js';
import {withLock} from './lock.js';

/** A file ham-tui cannot use, named with the reason. The file itself is left as it is. */
export class FileProblem extends Error {
	constructor(readonly file: string, readonly problem: string) {
		super(`${file}: ${problem}`);
	}
}

/** $XDG_STATE_HOME/ham-tui/machine.json (~/.local/state/ham-tui/machine.json by default). */
export function defaultStatePath(): string {
	const base = xdgState ?? path.join(process.cwd(), '.ham-tui-state');
	return path.join(base, 'ham-tui', 'machine.json');
}

function readText(file: string, what: string): string | undefined {
	let stat: fs.Stats;
	try {
		stat = fs.lstatSync(file);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
			return undefined;
		}

		throw new FileProblem(file, `cannot read the ${what}: ${(error as Error).message}`);
	}

	if (stat.isSymbolicLink()) {
		throw new FileProblem(file, `the ${what} is a symbolic link; ham-tui only uses a regular file there`);
	}

	if (!stat.isFile()) {
		throw new FileProblem(file, `the ${what} is not a regular file`);
	}

	try {
		return fs.readFileSync(file, 'utf8');
	} catch (error) {
		throw new FileProblem(file, `cannot read the ${what}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
	}
}

function parseJson(file: string, text: string, what: string): unknown {
	if (text.trim() === '') {
		throw new FileProblem(file, `the ${what} is empty`);
	}

	try {
		return JSON.parse(text);
	} catch (error) {
		throw new FileProblem(file, `the ${what} is not valid JSON (${(error as Error).message}); truncated or damaged?`);
	}
}

/** The machine in the state file, or undefined when there is none yet. */
export function readMachine(file: string): Machine | undefined {
	const text = readText(file, 'state file');
	if (text === undefined) {
		return undefined;
	}

	const parsed = parseMachine(parseJson(file, text, 'state file'));
	if (!parsed.ok) {
		throw new FileProblem(file, `not a ham-tui state file: ${parsed.error}`);
	}

	return parsed.value;
}

// write-file-atomic costs ~20 ms to load; reads (--status, polled by monitors) never need it.
const require = createRequire(import.meta.url);

/** A write never leaves half a file: write-file-atomic writes a temporary file, fsyncs, renames. */
export function writeMachine(file: string, machine: Machine): void {
	fs.mkdirSync(path.dirname(file), {recursive: true});
	const writeFileAtomic = require('write-file-atomic') as typeof import('write-file-atomic');
	writeFileAtomic.sync(file, JSON.stringify(machine) + '\n', {mode: 0o600});
}

/**
 * One read-change-write of the machine, under the lock, so changes from several processes are
 * never lost. `change` gets the current machine (undefined: none yet) and returns the new one,
 * or undefined to write nothing.
 */
export function updateMachine<T>(file: string, change: (machine: Machine | undefined) => {machine: Machine | undefined; result: T}): T {
	fs.mkdirSync(path.dirname(file), {recursive: true});
	return withLock(file, () => {
		const {machine, result} = change(readMachine(file));
		if (machine) {
			writeMachine(file, machine);
		}

		return result;
	});
}

/**
 * Replaces the machine (--reset). A state file that cannot be read is not deleted but kept aside,
 * renamed with a timestamp; returns that name.
 */
export function replaceMachine(file: string, machine: Machine, stamp: string): string | undefined {
	fs.mkdirSync(path.dirname(file), {recursive: true});
	return withLock(file, () => {
		let aside: string | undefined;
		try {
			readMachine(file);
		} catch (error) {
			if (!(error instanceof FileProblem)) {
				throw error;
			}

			aside = `${file}.bad-${stamp}`;
			fs.renameSync(file, aside);
		}

		writeMachine(file, machine);
		return aside;
	});
}

export function readScenario(file: string): MachineSpec {
	const text = readText(file, 'scenario file');
	if (text === undefined) {
		throw new FileProblem(file, 'no such scenario file');
	}

	const parsed = parseScenario(parseJson(file, text, 'scenario file'));
	if (!parsed.ok) {
		throw new FileProblem(file, `invalid scenario: ${parsed.error}`);
	}

	return parsed.value;
}

/** Change detection for the console: cheap to poll every few hundred ms. */
export function stateVersion(file: string): string {
	try {
		const stat = fs.statSync(file);
		return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
	} catch {
		return 'none';
	}
}
