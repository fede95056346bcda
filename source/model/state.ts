// The machine as it stands: its fixed description (spec) plus everything that changes.
// Plain JSON data, so the store can write it as it is and any state replays from seed + actions.
import type {LoadLevel, MachineSpec, ModuleMode} from './spec.js';

/**
 * The state file's format. 2: the file may begin with an integrity stamp (docs/STATE.md), which
 * ham-tui before it would refuse as an unknown field; a format-1 file is read as it always was.
 */
export const stateFormat = 2;
/** The oldest format still read: the same machine, without a stamp. */
export const oldestStateFormat = 1;

export type Flags = 'READ/WRITE' | 'READ' | 'WRITE';
export type Status = 'ENABLED' | 'FAILED';

export type FailureCode =
	| 'scrubbing'
	| 'mirror'
	| 'misaligned'
	| 'beyond-limit'
	| 'resource-conflict'
	| 'vmalloc-exhausted'
	| 'lowmem-short';

export type Failure = {
	code: FailureCode;
	/** One line an operator can read: what ran short or conflicted, with the figures. */
	text: string;
	/** Whether running ham_integrate again can ever help. */
	retry: boolean;
};

export type Module = {
	size: number;
	mode: ModuleMode;
	/** Physical address the controller decoded the module to. */
	start: number;
	pluggedAt: number;
	/** When scrubbing ends: until then the memory is write-only to the OS (FLAGS WRITE). */
	scrubbedAt: number;
	label: string;
};

export type Slot = {
	slot: number;
	/** Slot 1 holds the boot memory, which is the kernel's from the start. */
	boot: boolean;
	module: Module | null;
};

export type Region = {
	id: number;
	slot: number;
	start: number;
	size: number;
	flags: Flags;
	status: Status;
	/** Why the last attempt failed; null when ENABLED. */
	failure: Failure | null;
	attempts: number;
	changedAt: number;
};

export type LogSource = 'controller' | 'ham' | 'kernel' | 'workload' | 'operator';
export type LogLine = {t: number; source: LogSource; text: string};

export type Machine = {
	format: typeof stateFormat;
	spec: MachineSpec;
	seed: number;
	/** State of the seeded generator (see rng.ts). */
	rng: number;
	/** The model's clock, seconds since the epoch; it never goes back. */
	now: number;
	kernel: {version: string; bootedAt: number};
	driver: {builtFor: string; loaded: boolean; major: number | null; nextRegionId: number};
	slots: Slot[];
	regions: Region[];
	workload: {load: LoadLevel; drops: Array<{at: number; bytes: number}>};
	log: LogLine[];
};

export const logLimit = 500;
