// A world for running the lock (source/store/lock.ts) under simulation: an in-memory file system
// with exactly the calls a LockSystem makes, a process table, one clock, and simulated processes
// whose every system call is a point where a scheduler may stop them, run others, or kill them.
//
// How a synchronous `step()` is stopped between two system calls: by replay. A process's current
// operation (a step(), a release(), an abandon()) is run from a copy of its LockWait as it was before
// the operation began. The calls already made in earlier turns are answered from the operation's log
// (not made again); the first new call is made for real against the world and logged; at the next
// new call the process is *preempted*: that call and every later one throws a sentinel, and the run
// is thrown away (the copy with it, so whatever lock.ts did on the way out, such as a `catch {}`, is
// lost too). The next turn replays the log and makes one more call for real. The lock's code is
// deterministic given its state and the answers to its calls (checked: a replay that asks anything
// else than its log fails the test), so this is the same process carried on, one system call per
// turn, and any interleaving of the processes' calls can happen. Once a run makes its last call
// and returns, the operation is done and its copy of the LockWait is the process's state.
// A crash is simply not being given another turn: the operation and its LockWait are dropped, and
// what its calls did to the files stays.
// (Why not run other processes' whole steps nested inside one's system call, which needs no replay:
// that gives only well-bracketed interleavings, B's step wholly inside A's, never A's window and B's
// crossing; and a sentinel thrown through lock.ts to stop it part-way would be caught by its
// `catch {}`s and leave a half-done object behind. Replay throws the half-done copy away.)
import type fs from 'node:fs';
import type {LockSystem, LockWait} from '../../source/store/lock.js';

/** A small seeded generator (mulberry32): the same seed, the same schedule. */
export class Random {
	private state: number;

	constructor(seed: number) {
		this.state = seed >>> 0;
	}

	/** In [0, 1). */
	next(): number {
		this.state = (this.state + 0x6d_2b_79_f5) >>> 0;
		let t = this.state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	}

	/** An integer in [0, n). */
	int(n: number): number {
		return Math.floor(this.next() * n);
	}

	chance(p: number): boolean {
		return this.next() < p;
	}

	pick<T>(items: readonly T[]): T {
		if (items.length === 0) {
			throw new Error('pick from nothing');
		}

		return items[this.int(items.length)]!;
	}
}

export type Owner = ReturnType<LockSystem['self']>;

/** A link's target for an owner, as lock.ts writes it. */
export function heldTarget(owner: Owner): string {
	return `held:${owner.pid}.${owner.start}.${owner.pidns}@${owner.host}`;
}

/** A failed system call, shaped like Node's: a message, `.code`, `.syscall`, `.path`. */
export class SystemError extends Error {
	constructor(
		readonly code: string,
		readonly syscall: string,
		readonly path: string,
	) {
		super(`${code}: simulated ${syscall} '${path}'`);
	}
}

type Kind = 'directory' | 'link' | 'file' | 'fifo' | 'socket';
type Directory = {kind: 'directory'; entries: Map<string, Entry>};
type Entry = Directory | {kind: 'link'; target: string} | {kind: 'file'; content: string} | {kind: 'fifo'} | {kind: 'socket'};

/** What lstat returns: the five questions lock.ts asks (and nothing else is there to ask). */
function stats(kind: Kind): fs.Stats {
	return {
		isDirectory: () => kind === 'directory',
		isFile: () => kind === 'file',
		isSymbolicLink: () => kind === 'link',
		isFIFO: () => kind === 'fifo',
		isSocket: () => kind === 'socket',
	} as unknown as fs.Stats;
}

/** The file system: absolute paths, no link followed anywhere (lock.ts never needs one followed). */
export class MemoryFs {
	private readonly root: Directory = {kind: 'directory', entries: new Map()};

	readdir(directory: string): string[] {
		const entry = this.find(directory, 'scandir');
		if (entry === undefined) {
			throw new SystemError('ENOENT', 'scandir', directory);
		}

		if (entry.kind !== 'directory') {
			throw new SystemError('ENOTDIR', 'scandir', directory);
		}

		return [...entry.entries.keys()];
	}

	readlink(file: string): string {
		const entry = this.find(file, 'readlink');
		if (entry === undefined) {
			throw new SystemError('ENOENT', 'readlink', file);
		}

		if (entry.kind !== 'link') {
			throw new SystemError('EINVAL', 'readlink', file);
		}

		return entry.target;
	}

	symlink(target: string, file: string): void {
		this.create(file, 'symlink', {kind: 'link', target});
	}

	mkdir(directory: string): void {
		this.create(directory, 'mkdir', {kind: 'directory', entries: new Map()});
	}

	unlink(file: string): void {
		const {parent, name} = this.parent(file, 'unlink');
		const entry = parent.entries.get(name);
		if (entry === undefined) {
			throw new SystemError('ENOENT', 'unlink', file);
		}

		if (entry.kind === 'directory') {
			throw new SystemError('EISDIR', 'unlink', file); // Linux's answer to unlink(2) of a directory.
		}

		parent.entries.delete(name);
	}

	lstat(file: string): fs.Stats {
		const entry = this.find(file, 'lstat');
		if (entry === undefined) {
			throw new SystemError('ENOENT', 'lstat', file);
		}

		return stats(entry.kind);
	}

	/** As realLockSystem's: open(O_RDONLY | O_NOFOLLOW | O_NONBLOCK), then the first 64 bytes of a regular file. */
	readSmall(file: string): string {
		const entry = this.find(file, 'open');
		if (entry === undefined) {
			throw new SystemError('ENOENT', 'open', file);
		}

		switch (entry.kind) {
			case 'link': {
				throw new SystemError('ELOOP', 'open', file);
			}

			case 'socket': {
				throw new SystemError('ENXIO', 'open', file);
			}

			case 'file': {
				return entry.content.slice(0, 64);
			}

			default: {
				return ''; // A directory or a FIFO opens (read-only, not blocking) and is not a regular file.
			}
		}
	}

	/** For setting a scene: a regular file, a FIFO, a socket. */
	writeFile(file: string, content: string): void {
		this.create(file, 'open', {kind: 'file', content});
	}

	mkfifo(file: string): void {
		this.create(file, 'mknod', {kind: 'fifo'});
	}

	mksocket(file: string): void {
		this.create(file, 'bind', {kind: 'socket'});
	}

	/** What is at a path, for the test's own checks (not a system call of any process). */
	kind(file: string): Kind | undefined {
		try {
			return this.find(file, 'lstat')?.kind;
		} catch {
			return undefined;
		}
	}

	private create(file: string, syscall: string, entry: Entry): void {
		const {parent, name} = this.parent(file, syscall);
		if (parent.entries.has(name)) {
			throw new SystemError('EEXIST', syscall, file);
		}

		parent.entries.set(name, entry);
	}

	private find(file: string, syscall: string): Entry | undefined {
		if (file === '/') {
			return this.root;
		}

		const {parent, name} = this.parent(file, syscall);
		return parent.entries.get(name);
	}

	private parent(file: string, syscall: string): {parent: Directory; name: string} {
		if (!file.startsWith('/') || file.endsWith('/')) {
			throw new Error(`the simulated file system takes absolute paths of files: ${file}`);
		}

		const parts = file.split('/').slice(1);
		const name = parts.pop()!;
		let directory = this.root;
		for (const part of parts) {
			const next = directory.entries.get(part);
			if (next === undefined) {
				throw new SystemError('ENOENT', syscall, file);
			}

			if (next.kind !== 'directory') {
				throw new SystemError('ENOTDIR', syscall, file);
			}

			directory = next;
		}

		return {parent: directory, name};
	}
}

/** The process table, as /proc shows it: a state (`S` running or sleeping, `Z` a zombie) and a start time. */
export class ProcessTable {
	private readonly entries = new Map<number, {state: string; start: string}>();

	spawn(pid: number, start: string): void {
		if (this.entries.has(pid)) {
			throw new Error(`pid ${pid} is in use`);
		}

		this.entries.set(pid, {state: 'S', start});
	}

	/** SIGKILL: gone at once, or a zombie until its parent reaps it. */
	kill(pid: number, {zombie = false}: {zombie?: boolean} = {}): void {
		const entry = this.entries.get(pid);
		if (entry === undefined) {
			return;
		}

		if (zombie) {
			entry.state = 'Z';
		} else {
			this.entries.delete(pid);
		}
	}

	reap(pid: number): void {
		if (this.entries.get(pid)?.state === 'Z') {
			this.entries.delete(pid);
		}
	}

	has(pid: number): boolean {
		return this.entries.has(pid);
	}

	isZombie(pid: number): boolean {
		return this.entries.get(pid)?.state === 'Z';
	}

	process(pid: number): {state: string; start: string} | 'none' {
		const entry = this.entries.get(pid);
		return entry === undefined ? 'none' : {...entry};
	}
}

export class LockWorld {
	readonly fs = new MemoryFs();
	readonly table = new ProcessTable();
	readonly host = 'sim-host';
	readonly pidns = '4026531836';
	clock: number;

	constructor(clock = 1_700_000_000_000) {
		this.clock = clock;
	}

	owner(pid: number, start: string, host = this.host): Owner {
		return {pid, start, pidns: this.pidns, host};
	}
}

/** One system call as a process made it: its name and arguments, and its answer or error. */
export type CallRecord = {call: string; args: string; ok: boolean; value: unknown; at: number};

/** Changes a real call's answer before the process sees it (for mutants: a deliberately broken view). */
export type Distort = (record: CallRecord, earlier: readonly CallRecord[]) => CallRecord;

/** One turn: a system call made and the process stopped before its next, or the operation done (with all its calls). */
export type Turn<T> =
	| {done: false; call: CallRecord}
	| {done: true; call: CallRecord | undefined; log: readonly CallRecord[]; ok: true; value: T}
	| {done: true; call: CallRecord | undefined; log: readonly CallRecord[]; ok: false; error: unknown};

const preempted: Error = new Error('preempted (a simulation sentinel: never seen outside a thrown-away run)');

/** A copy of a LockWait: the state an operation starts from, run afresh in each turn. */
export function forkWait(wait: LockWait): LockWait {
	return Object.assign(Object.create(Object.getPrototypeOf(wait) as object) as LockWait, wait);
}

/**
 * A simulated process: its own LockSystem (sharing the world's files, clock and process table),
 * and one operation at a time, carried on one system call per `turn()`.
 */
export class SimProcess {
	readonly system: LockSystem;
	private operation: {run: () => unknown; log: CallRecord[]} | undefined;
	private cursor = 0;
	private made: CallRecord | undefined;
	private stopped = false;
	private diverged: string | undefined;

	constructor(
		readonly world: LockWorld,
		readonly owner: Owner,
		private readonly distort?: Distort,
	) {
		const call = <T>(name: string, args: string, real: () => T, point = true) => this.call(name, args, real, point);
		this.system = {
			readdir: directory => call('readdir', directory, () => world.fs.readdir(directory)),
			readlink: file => call('readlink', file, () => world.fs.readlink(file)),
			symlink(target, file) {
				call('symlink', `${target} ${file}`, () => world.fs.symlink(target, file));
			},
			unlink(file) {
				call('unlink', file, () => world.fs.unlink(file));
			},
			mkdir(directory) {
				call('mkdir', directory, () => world.fs.mkdir(directory));
			},
			lstat: file => call('lstat', file, () => world.fs.lstat(file)),
			readSmall: file => call('readSmall', file, () => world.fs.readSmall(file)),
			// Reading the clock is no system call worth stopping at, but it is logged: a replay must see the same times.
			now: () => (this.operation === undefined ? world.clock : call('now', '', () => world.clock, false)),
			process: pid => call('process', String(pid), () => world.table.process(pid)),
			self: () => owner,
		};
	}

	get busy(): boolean {
		return this.operation !== undefined;
	}

	/** The calls of the operation under way (or of none). */
	get log(): readonly CallRecord[] {
		return this.operation?.log ?? [];
	}

	/** Starts an operation: `run` must start from the same state each time (a forkWait of the process's LockWait). */
	begin(run: () => unknown): void {
		if (this.operation !== undefined) {
			throw new Error('an operation is under way');
		}

		this.operation = {run, log: []};
	}

	/** Carries the operation on by one system call (made for real); says when it is done and how it ended. */
	turn<T>(): Turn<T> {
		const operation = this.operation;
		if (operation === undefined) {
			throw new Error('no operation under way');
		}

		this.cursor = 0;
		this.made = undefined;
		this.stopped = false;
		this.diverged = undefined;
		let result: {ok: true; value: unknown} | {ok: false; error: unknown};
		try {
			result = {ok: true, value: operation.run()};
		} catch (error) {
			result = {ok: false, error};
		}

		if (this.diverged !== undefined) {
			throw new Error(`the lock's code is not deterministic under replay: ${this.diverged}`);
		}

		if (this.stopped) {
			return {done: false, call: this.made!};
		}

		if (this.cursor < operation.log.length) {
			throw new Error(`the lock's code is not deterministic under replay: it made ${this.cursor} of ${operation.log.length} logged calls`);
		}

		this.operation = undefined;
		const {log} = operation;
		return result.ok
			? {done: true, call: this.made, log, ok: true, value: result.value as T}
			: {done: true, call: this.made, log, ok: false, error: result.error};
	}

	private call<T>(name: string, args: string, real: () => T, point: boolean): T {
		const operation = this.operation;
		if (operation === undefined) {
			throw new Error(`${name}(${args}) outside an operation`);
		}

		if (this.stopped) {
			throw preempted;
		}

		const index = this.cursor++;
		const {log} = operation;
		let record = log[index];
		if (record === undefined) {
			if (point && this.made !== undefined) {
				this.stopped = true;
				throw preempted;
			}

			try {
				record = {call: name, args, ok: true, value: real(), at: this.world.clock};
			} catch (error) {
				record = {call: name, args, ok: false, value: error, at: this.world.clock};
			}

			if (this.distort) {
				record = this.distort(record, log);
			}

			log.push(record);
			if (point) {
				this.made = record;
			}
		} else if (record.call !== name || record.args !== args) {
			// Not thrown (a catch in lock.ts could swallow it): turn() reports it.
			this.diverged ??= `call ${index} was ${record.call}(${record.args}) and is now ${name}(${args})`;
			this.stopped = true;
			throw preempted;
		}

		if (!record.ok) {
			throw record.value;
		}

		return record.value as T;
	}
}
