// Writers killed with SIGKILL at random moments: the state file is always the old machine or the
// new one, never a broken file; a lock left by a killed writer delays the next change by far less
// than a second; no change that reported success is lost, and none is applied twice.
// The lock's own cases (a stale lock, a reused pid, another host, an old-style lock file, many
// processes meeting one stale lock at once) are here too.
import assert from 'node:assert/strict';
import {type ChildProcess, spawn, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, test} from 'node:test';
import {createMachine, step} from '../source/model/machine.js';
import {parseScenario} from '../source/model/schema.js';
import type {Machine} from '../source/model/state.js';
import {withLock} from '../source/store/lock.js';
import {FileProblem, readMachine, updateMachine, writeMachine} from '../source/store/store.js';
import {cliPath, tempDir} from './helpers/cli.js';

const now = 1_000_000;
const minimumKills = Number(process.env.HAM_TUI_CRASH_KILLS ?? 210);

/** A DL760 with a 4G module in slot 2 that stays scrubbing (fixed clock): a region every integrate tries. */
function machine(): Machine {
	const spec = parseScenario({
		base: 'dl760-g2',
		controller: {scrubSecondsPerGiB: 100_000},
		plugged: [{slot: 2, size: '4G', mode: 'hot-add'}],
	});
	assert.ok(spec.ok);
	return createMachine(spec.value, 1, now);
}

const attempts = (state: string) => readMachine(state)!.regions.find(region => region.id === 0)!.attempts;

type Writer = {child: ChildProcess; lines: number; lastLine: number; firstLine: Promise<void>; exited: Promise<NodeJS.Signals | null>};

/**
 * `ham-tui --integrate` with a fixed clock: a loop of locked read-change-writes, one line printed
 * after each write is done (stdout to a pipe is synchronous on Linux: a printed line was sent).
 */
function writer(state: string): Writer {
	const child = spawn(process.execPath, [cliPath, '--integrate', '--attempts', '1000', '--interval', '0', '--state', state], {
		env: {...process.env, NO_COLOR: '1', HAM_TUI_NOW: String(now)},
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let stderr = '';
	child.stderr!.on('data', chunk => {
		stderr += chunk;
	});
	const result: Writer = {child, lines: 0, lastLine: 0, firstLine: Promise.resolve(), exited: Promise.resolve(null)};
	let buffered = '';
	result.firstLine = new Promise(resolve => {
		child.stdout!.on('data', (chunk: Buffer) => {
			buffered += chunk.toString();
			const complete = buffered.split('\n');
			buffered = complete.pop()!;
			const count = complete.filter(line => line.startsWith('attempt ')).length;
			if (count > 0) {
				result.lines += count;
				result.lastLine = performance.now();
				resolve();
			}
		});
	});
	result.exited = new Promise((resolve, reject) => {
		child.on('exit', (code, signal) => {
			// Killed, or (on a slow round) done with its 1000 attempts: integrate's exit 1, nothing enabled.
			if (signal === 'SIGKILL' || (code === 1 && stderr === '')) {
				resolve(signal);
			} else {
				reject(new Error(`a writer ended with exit ${code}: ${stderr}`));
			}
		});
	});
	return result;
}

const pause = (ms: number) =>
	new Promise(resolve => {
		setTimeout(resolve, ms);
	});

/** Waits for the writer's next line after `since`; how long that took, or undefined on timeout. */
async function nextLine(w: Writer, since: number, timeoutMs: number): Promise<number | undefined> {
	const started = performance.now();
	while (performance.now() - started < timeoutMs) {
		if (w.lastLine > since) {
			return w.lastLine - since;
		}

		await pause(2);
	}

	return undefined;
}

describe('writers killed at random moments', () => {
	test(`at least ${minimumKills} SIGKILLs: the file is always whole, nothing reported is lost, a dead lock holder costs no wait`, async () => {
		const dir = tempDir();
		const state = path.join(dir, 'machine.json');
		writeMachine(state, machine());
		const started = performance.now();
		let kills = 0;
		let rounds = 0;
		let staleLocks = 0;
		let deadHolders = 0;
		let leftTemporaries = 0;
		let worstTakeover = 0;
		let worstNext = 0;
		let worstCli = 0;
		let cliChecks = 0;
		let before = attempts(state);
		while (kills < minimumKills) {
			rounds++;
			// Four writers at once: when the first is killed, three race to step past its lock.
			const writers = [writer(state), writer(state), writer(state), writer(state)];
			const [first, ...others] = writers as [Writer, ...Writer[]];
			const lockDir = `${state}.lock`;
			const mode = Math.random();
			const early = mode < 0.2;
			if (early) {
				await pause(Math.random() * 250); // Anywhere from start-up to the first writes.
			} else {
				await Promise.all(writers.map(w => w.firstLine)); // All four in their loops of writes.
				await pause(Math.random() * 30);
				if (mode > 0.6) {
					// While it holds the lock: reading, deciding, writing the temporary file, renaming.
					const since = performance.now();
					while (!topLink().target.startsWith(`held:${first.child.pid}.`) && performance.now() - since < 500) {
						await pause(1);
					}
				}
			}

			first.child.kill('SIGKILL');
			kills += (await first.exited) === 'SIGKILL' ? 1 : 0;
			const died = performance.now();
			function topLink() {
				const names = fs
					.readdirSync(lockDir)
					.filter(name => /^\d+$/.test(name))
					.map(Number);
				const top = Math.max(-1, ...names);
				try {
					return {top, target: top < 0 ? '' : fs.readlinkSync(path.join(lockDir, String(top)))};
				} catch {
					return {top, target: ''};
				}
			}

			const left = topLink();
			if (!early && left.target.startsWith(`held:${first.child.pid}.`)) {
				// It died holding the lock, with three writers waiting: how long until one of them holds it?
				staleLocks++;
				while (topLink().top === left.top) {
					assert.ok(performance.now() - died < 1000, "nobody stepped past the dead writer's lock within 1 s");
					await pause(1);
				}

				worstTakeover = Math.max(worstTakeover, performance.now() - died);
			}

			// The others go on writing after the death.
			for (const other of others) {
				await other.firstLine;
				assert.ok((await nextLine(other, died, 5000)) !== undefined, 'a writer made no progress for 5 s after another was killed');
			}

			for (const other of others) {
				await pause(Math.random() * 20);
				other.child.kill('SIGKILL');
				kills += (await other.exited) === 'SIGKILL' ? 1 : 0;
			}

			// What they left: a valid state file (the old machine or a new one), maybe a lock held by
			// a dead process, maybe a temporary file of an atomic write.
			// Temporary files live in the lock directory; nothing but the state and its lock is ever beside it.
			const temporaries = () => fs.readdirSync(lockDir).filter(name => name.startsWith('write-'));
			assert.deepEqual(fs.readdirSync(path.dirname(state)).sort(), ['machine.json', 'machine.json.lock']);
			leftTemporaries += temporaries().length;
			deadHolders += topLink().target.startsWith('held:') ? 1 : 0;

			const after = attempts(state);
			// Every attempt line printed was a write done; a killed writer may have written once more
			// without printing it. Fewer would be a lost update; more, one applied twice.
			const printed = writers.reduce((sum, w) => sum + w.lines, 0);
			assert.ok(
				after - before >= printed,
				`round ${rounds}: ${printed} writes reported, the state has ${after - before}: updates were lost`,
			);
			assert.ok(after - before <= printed + writers.length, `round ${rounds}: ${printed} writes reported, the state has ${after - before}`);

			// The next change: at once, whatever the killed writers left.
			const nextStarted = performance.now();
			updateMachine(state, stored => ({
				machine: step(stored!, {type: 'workload', op: rounds % 2 ? 'heavy' : 'normal'}, now).machine,
				result: undefined,
			}));
			const next = performance.now() - nextStarted;
			worstNext = Math.max(worstNext, next);
			assert.ok(next < 1000, `the next change waited ${next.toFixed(0)} ms`);
			assert.deepEqual(
				fs.readdirSync(lockDir).filter(name => !/^\d+$/.test(name)),
				[],
				'the next holder removed the leftovers',
			);
			assert.deepEqual(temporaries(), [], 'the next writer removed the temporary files of killed writes');
			assert.ok(fs.readdirSync(lockDir).length <= 1);
			before = attempts(state);

			// And now and then the next command is the CLI itself.
			if (rounds % 10 === 1) {
				const cliStarted = performance.now();
				const result = spawnSync(process.execPath, [cliPath, '--workload', 'idle', '--state', state], {
					env: {...process.env, HAM_TUI_NOW: String(now)},
					encoding: 'utf8',
				});
				worstCli = Math.max(worstCli, performance.now() - cliStarted);
				assert.equal(result.status, 0, result.stderr);
				cliChecks++;
			}
		}

		const seconds = (performance.now() - started) / 1000;
		console.log(
			`# crash: ${kills} writers killed in ${rounds} rounds (${seconds.toFixed(1)} s); the state file was whole every time; ` +
				`${staleLocks} times a writer died holding the lock while three waited: one held it within ${worstTakeover.toFixed(1)} ms at worst; ` +
				`${deadHolders} rounds ended with the lock held by a dead writer, ${leftTemporaries} temporary files left; ` +
				`the next change took at most ${worstNext.toFixed(1)} ms, the next CLI command at most ${worstCli.toFixed(0)} ms (${cliChecks} checked)`,
		);
		assert.ok(kills >= minimumKills);
	});

	test('a process changing the machine in a tight loop does not starve the others', async () => {
		const state = path.join(tempDir(), 'machine.json');
		writeMachine(state, machine());
		const writers = [writer(state), writer(state), writer(state)];
		await Promise.all(writers.map(w => w.firstLine));
		const gaps = writers.map(() => 0);
		const started = performance.now();
		const last = writers.map(w => w.lastLine);
		while (performance.now() - started < 2500) {
			await pause(2);
			for (const [index, w] of writers.entries()) {
				if (w.lastLine !== last[index]) {
					last[index] = w.lastLine;
				}

				gaps[index] = Math.max(gaps[index]!, performance.now() - last[index]!);
			}
		}

		for (const w of writers) {
			w.child.kill('SIGKILL');
			await w.exited;
		}

		// Each took its turn: the waiters' queue hands a free lock to the earliest of them.
		assert.ok(Math.max(...gaps) < 750, `a writer went ${Math.max(...gaps).toFixed(0)} ms without the lock`);
		assert.ok(
			writers.every(w => w.lines > 20),
			writers.map(w => w.lines).join(', '),
		);
	});
});

/** A lock link as another process would have left it. */
function plantLock(state: string, generation: number, target: string): void {
	fs.mkdirSync(`${state}.lock`, {recursive: true});
	fs.symlinkSync(target, path.join(`${state}.lock`, String(generation)));
}

function deadPid(): number {
	const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {encoding: 'utf8'});
	return Number(child.stdout);
}

function pidNamespace(): string {
	return /\[(\d+)\]/.exec(fs.readlinkSync('/proc/self/ns/pid'))?.[1] ?? '-';
}

function startTime(pid: number): string {
	const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
	return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
}

describe('the lock', {concurrency: true}, () => {
	const timed = (fn: () => void) => {
		const started = performance.now();
		fn();
		return performance.now() - started;
	};

	test('a lock held by a dead process is stepped past at once, and tidied away', () => {
		const state = path.join(tempDir(), 'machine.json');
		plantLock(state, 41, `held:${deadPid()}.123.${pidNamespace()}@${os.hostname()}`);
		assert.ok(timed(() => withLock(state, () => undefined)) < 100);
		assert.deepEqual(fs.readdirSync(`${state}.lock`), ['43']);
		assert.equal(fs.readlinkSync(`${state}.lock/43`), 'free');
	});

	test('a reused pid (alive, but started at another time) does not hold the lock', () => {
		const state = path.join(tempDir(), 'machine.json');
		plantLock(state, 7, `held:${process.ppid}.1.${pidNamespace()}@${os.hostname()}`);
		assert.ok(timed(() => withLock(state, () => undefined)) < 100);
	});

	test('a live holder is waited for; one on another host or in another pid namespace counts as live', () => {
		for (const target of [
			`held:${process.ppid}.${startTime(process.ppid)}.${pidNamespace()}@${os.hostname()}`,
			`held:${deadPid()}.1.${pidNamespace()}@elsewhere.example`,
			`held:${deadPid()}.1.4026531999@${os.hostname()}`,
		]) {
			const state = path.join(tempDir(), 'machine.json');
			plantLock(state, 3, target);
			assert.throws(() => withLock(state, () => undefined, {waitMs: 150}), /held by process \d+.* for more than 0.15 s/);
		}
	});

	test('a change that cannot get the lock is a file problem naming the state file (exit 3)', async () => {
		const state = path.join(tempDir(), 'machine.json');
		plantLock(state, 3, `held:${process.ppid}.${startTime(process.ppid)}.${pidNamespace()}@${os.hostname()}`);
		const started = performance.now();
		// Waits its 10 s while the other tests of this group run.
		const child = spawn(process.execPath, [cliPath, '--plug', '2:1G', '--state', state], {
			env: {...process.env, HAM_TUI_NOW: String(now)},
			stdio: ['ignore', 'ignore', 'pipe'],
		});
		let stderr = '';
		child.stderr.on('data', chunk => {
			stderr += chunk;
		});
		const status = await new Promise(resolve => {
			child.on('exit', resolve);
		});
		const result = {status, stderr};
		assert.equal(result.status, 3, result.stderr);
		assert.match(
			result.stderr,
			new RegExp(`${state}: cannot change the state file: the lock .* has been held by process ${process.ppid} for more than 10 s`),
		);
		assert.ok(performance.now() - started > 9000);
	});

	test("an old-style lock file (a pid): a dead owner's is replaced, a live owner is waited for", () => {
		const state = path.join(tempDir(), 'machine.json');
		fs.writeFileSync(`${state}.lock`, String(deadPid()));
		withLock(state, () => undefined);
		assert.ok(fs.statSync(`${state}.lock`).isDirectory());
		const busy = path.join(tempDir(), 'machine.json');
		fs.writeFileSync(`${busy}.lock`, String(process.ppid));
		assert.throws(() => withLock(busy, () => undefined, {waitMs: 100}), /an older ham-tui/);
	});

	test('not re-entrant: a nested change of the same file is a programming error, not a deadlock', () => {
		const state = path.join(tempDir(), 'machine.json');
		assert.throws(() => withLock(state, () => withLock(state, () => undefined)), /holds that lock/);
		assert.ok(timed(() => withLock(state, () => undefined)) < 100, 'and the outer lock was let go');
	});

	test('a state directory that cannot be written: a file problem, not a crash', {
		skip: process.getuid?.() === 0 ? 'root writes anywhere (the hostile tests run this as another user)' : false,
	}, () => {
		const dir = tempDir();
		fs.chmodSync(dir, 0o500);
		assert.throws(() => updateMachine(path.join(dir, 'machine.json'), () => ({machine: undefined, result: 0})), FileProblem);
	});

	test('many processes meeting one stale lock at once: each change lands exactly once', () => {
		const state = path.join(tempDir(), 'machine.json');
		writeMachine(state, machine());
		const rounds = 12;
		const processes = 6;
		let generation = 1000;
		for (let round = 0; round < rounds; round++) {
			// A lock held by a dead writer, above everything, then six commands started together.
			generation += 10;
			plantLock(state, generation, `held:${deadPid()}.1.${pidNamespace()}@${os.hostname()}`);
			const script =
				Array.from({length: processes}, () => `"${process.execPath}" "${cliPath}" --workload drop-caches --state "${state}" & `).join('') +
				'wait';
			const result = spawnSync('bash', ['-c', script], {env: {...process.env, HAM_TUI_NOW: String(now)}, encoding: 'utf8'});
			assert.equal(result.status, 0, result.stderr);
			assert.equal(result.stdout.match(/caches dropped/g)?.length, processes, result.stderr);
			generation = Math.max(...fs.readdirSync(`${state}.lock`).map(Number));
		}

		assert.equal(readMachine(state)!.workload.drops.length, rounds * processes);
	});
});
