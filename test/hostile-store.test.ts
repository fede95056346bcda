// The state file's neighbourhood under attack: files beside it, odd things inside its lock
// directory, numbers at their bounds, a lock held by a zombie or a stopped process, a path whose
// directory does not exist. What must hold: a write touches only the state file and its lock
// directory, a read writes nothing at all, a success never leaves a state the next command refuses,
// and no oddity hangs a command or wedges the lock for good.
import assert from 'node:assert/strict';
import {spawn, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {describe, test} from 'node:test';
import {createMachine} from '../source/model/machine.js';
import {presets} from '../source/model/presets.js';
import {maxSeconds} from '../source/model/units.js';
import {holding, type LockSystem, LockWait, lockDirectory, realLockSystem, withLock} from '../source/store/lock.js';
import {readMachine, writeMachine} from '../source/store/store.js';
import {cliPath, runProcess, tempDir} from './helpers/cli.js';
import {holdAs} from './helpers/lock-holder.js';

const now = 1_000_000;
/** A fresh directory (tempDir removes it when the test process ends). */
const dir = tempDir;

function cli(...args: string[]) {
	return runProcess(process.execPath, [cliPath, ...args], {HAM_TUI_NOW: String(now)});
}

/** Every entry under a directory with its type and content: what a command may not change. */
function tree(root: string): Record<string, string> {
	const entries: Record<string, string> = {};
	const walk = (relative: string) => {
		for (const name of fs.readdirSync(path.join(root, relative))) {
			const entry = path.join(relative, name);
			const stat = fs.lstatSync(path.join(root, entry));
			entries[entry] = stat.isSymbolicLink()
				? `-> ${fs.readlinkSync(path.join(root, entry))}`
				: stat.isDirectory()
					? 'dir'
					: stat.isFile()
						? `file ${stat.ino} ${fs.readFileSync(path.join(root, entry), 'utf8').length}`
						: `other ${stat.mode}`;
			if (stat.isDirectory()) {
				walk(entry);
			}
		}
	};

	walk('');
	return entries;
}

function without(entries: Record<string, string>, ...prefixes: string[]): Record<string, string> {
	return Object.fromEntries(
		Object.entries(entries).filter(([name]) => !prefixes.some(prefix => name === prefix || name.startsWith(`${prefix}/`))),
	);
}

function mkfifo(file: string): void {
	assert.equal(spawnSync('mkfifo', [file]).status, 0);
}

function machine() {
	return createMachine(presets['dl760-g2']!, 2003, now);
}

describe('a write touches the state file and its lock directory, nothing else', () => {
	test("the user's files beside the state file survive every change (another machine, backups, odd names)", async () => {
		const home = dir();
		const state = path.join(home, 'lab.json');
		assert.equal((await cli('--state', `${state}.2`, '--reset')).code, 0);
		for (const name of [
			'lab.json.1',
			'lab.json.bad',
			'lab.json.cafe',
			'lab.json.12345678',
			'lab.json.4294967295',
			'lab.json.tmp',
			'lab.json.bad-old',
		]) {
			fs.writeFileSync(path.join(home, name), `keep ${name}`);
		}

		fs.mkdirSync(path.join(home, 'lab.json.abcdef'));
		fs.writeFileSync(path.join(home, 'lab.json.abcdef', 'inside'), 'keep');
		assert.equal((await cli('--state', state, '--reset')).code, 0);
		const before = without(tree(home), 'lab.json', 'lab.json.lock');
		for (const args of [
			['--workload', 'idle'],
			['--plug', '2:1G'],
			['--integrate'],
			['--driver', 'stop'],
			['--driver', 'start'],
			['--reset'],
		]) {
			const result = await cli('--state', state, ...args);
			assert.ok(result.code === 0 || result.code === 1, `${args.join(' ')}: ${result.stderr}`);
			assert.deepEqual(without(tree(home), 'lab.json', 'lab.json.lock'), before, `${args.join(' ')} touched a file beside the state file`);
		}
	});

	test("a killed writer's temporary file (in the lock directory) is removed by the next write, and only ours are", async () => {
		const home = dir();
		const state = path.join(home, 'machine.json');
		writeMachine(state, machine());
		const lock = lockDirectory(state);
		const leftover = path.join(lock, 'write-4242-0123456789abcdef');
		fs.writeFileSync(leftover, 'x'.repeat(14 * 1024 * 1024));
		const foreign = ['write-notours', 'writer-1-0123456789abcdef', 'write-1-0123456789abcdeg'];
		for (const name of foreign) {
			fs.writeFileSync(path.join(lock, name), 'not ours');
		}

		fs.mkdirSync(path.join(lock, 'write-1-fedcba9876543210'));
		assert.equal((await cli('--state', state, '--workload', 'idle')).code, 0);
		assert.ok(!fs.existsSync(leftover), 'the leftover went');
		for (const name of [...foreign, 'write-1-fedcba9876543210']) {
			assert.ok(fs.existsSync(path.join(lock, name)), `${name} is not a temporary of ours: it stays`);
		}

		assert.deepEqual(fs.readdirSync(home).sort(), ['machine.json', 'machine.json.lock']);
	});
});

describe('a read writes nothing; only the default directory is ever made', () => {
	test('--status and --json on a path whose directory does not exist: exit 3 naming it, nothing made', async () => {
		const home = dir();
		const state = path.join(home, 'nonexistent', 'dir', 'm.json');
		for (const args of [['--status'], ['--json'], ['--plug', '2:1G'], ['--reset'], ['--integrate']]) {
			const result = await cli('--state', state, ...args);
			assert.equal(result.code, 3, `${args.join(' ')}: ${result.stderr}`);
			assert.match(result.stderr, /the directory .*nonexistent\/dir does not exist/);
			assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
		}

		assert.deepEqual(fs.readdirSync(home), []);
	});

	test('--status and --json on an empty directory show the fresh machine and write nothing', async () => {
		const home = dir();
		const state = path.join(home, 'machine.json');
		assert.equal((await cli('--state', state, '--status')).code, 0);
		const json = await cli('--state', state, '--json');
		assert.equal(json.code, 0);
		assert.equal(JSON.parse(json.stdout).machine.name, presets['dl760-g2']!.name);
		assert.deepEqual(fs.readdirSync(home), []);
		assert.equal((await cli('--state', state, '--workload', 'idle')).code, 0, 'the first change writes it');
		assert.deepEqual(fs.readdirSync(home).sort(), ['machine.json', 'machine.json.lock']);
	});

	test('the default XDG directory: a read makes nothing, the first change makes it', async () => {
		const home = dir();
		const env = {HAM_TUI_NOW: String(now), XDG_STATE_HOME: path.join(home, 'state')};
		assert.equal((await runProcess(process.execPath, [cliPath, '--status'], env)).code, 0);
		assert.deepEqual(fs.readdirSync(home), []);
		assert.equal((await runProcess(process.execPath, [cliPath, '--plug', '2:1G'], env)).code, 0);
		assert.ok(fs.statSync(path.join(home, 'state', 'ham-tui', 'machine.json')).isFile());
	});
});

describe('a success never writes a state the next command refuses', () => {
	/** A state file edited to the edge of a bound; a change either works (and the next read does) or is refused, unwritten. */
	const edges: Array<[string, (m: ReturnType<typeof machine>) => void]> = [
		[
			'driver.nextRegionId at its bound',
			m => {
				m.driver.nextRegionId = 4_294_967_295;
			},
		],
		[
			'the clock a second before the year 10000',
			m => {
				m.now = maxSeconds - 1;
				m.kernel.bootedAt = maxSeconds - 2;
				for (const line of m.log) {
					line.t = maxSeconds - 2;
				}
			},
		],
		[
			'a scrub of a year per GiB',
			m => {
				m.spec.controller.scrubSecondsPerGiB = 31_536_000;
				m.now = maxSeconds - 40_000_000;
				m.kernel.bootedAt = m.now;
				for (const line of m.log) {
					line.t = m.now;
				}
			},
		],
	];
	for (const [what, edit] of edges) {
		test(what, async () => {
			const home = dir();
			const state = path.join(home, 'machine.json');
			const edited = machine();
			edit(edited);
			fs.writeFileSync(state, JSON.stringify(edited));
			assert.ok(readMachine(state), 'the edited state is one this ham-tui reads');
			for (const args of [
				['--plug', '2:1G'],
				['--plug', '3:1G'],
				['--integrate'],
				['--driver', 'stop'],
				['--driver', 'start'],
				['--workload', 'drop-caches'],
			]) {
				const before = fs.readFileSync(state, 'utf8');
				const result = await runProcess(process.execPath, [cliPath, '--state', state, ...args], {
					HAM_TUI_NOW: String(Math.max(edited.now, now)),
				});
				if (result.code !== 0) {
					assert.equal(fs.readFileSync(state, 'utf8'), before, `${args.join(' ')} failed (${result.code}) but wrote`);
				}

				if (/refused: the change would leave/.test(result.stderr)) {
					assert.equal(result.code, 1);
					assert.match(result.stderr, /nothing was written/);
				}

				const status = await cli('--state', state, '--json');
				assert.equal(
					status.code,
					0,
					`after ${args.join(' ')} (exit ${result.code}: ${result.stderr.trim()}), the next read: ${status.stderr}`,
				);
			}
		});
	}

	test('a counter past its bound is refused at once with the field named (2^53 no longer parses)', async () => {
		const home = dir();
		const state = path.join(home, 'machine.json');
		const edited = machine();
		edited.driver.nextRegionId = 2 ** 53;
		fs.writeFileSync(state, JSON.stringify(edited));
		const result = await cli('--state', state, '--status');
		assert.equal(result.code, 3);
		assert.match(result.stderr, /driver\.nextRegionId: at most 4294967295/);
	});

	test('a scenario with a scrub past the year 9999 is refused as a scenario, not written', async () => {
		const home = dir();
		const scenario = path.join(home, 'scenario.json');
		fs.writeFileSync(scenario, JSON.stringify({base: 'dl760-g2', controller: {scrubSecondsPerGiB: 253_402_300_799}}));
		const result = await cli('--state', path.join(home, 'machine.json'), '--reset', '--scenario', scenario);
		assert.equal(result.code, 3);
		assert.match(result.stderr, /controller\.scrubSecondsPerGiB: more than a year/);
		assert.deepEqual(fs.readdirSync(home), ['scenario.json']);
	});

	test('format 1.5 is not "a newer ham-tui"', async () => {
		const home = dir();
		const state = path.join(home, 'machine.json');
		fs.writeFileSync(state, JSON.stringify({...machine(), format: 1.5}));
		const result = await cli('--state', state, '--status');
		assert.equal(result.code, 3);
		assert.doesNotMatch(result.stderr, /newer/);
		assert.match(result.stderr, /format/);
	});
});

describe('the lock directory, whatever is in it', () => {
	test('a FIFO (or a file, a socket, a link) where the lock directory goes: one line with the command that clears it, no hang', async () => {
		const kinds: Array<[string, (file: string) => void]> = [
			['a FIFO', mkfifo],
			['a symbolic link', file => fs.symlinkSync('/tmp', file)],
			[
				'a socket',
				file =>
					assert.equal(
						spawnSync('python3', ['-c', `import socket; socket.socket(socket.AF_UNIX).bind(${JSON.stringify(file)})`]).status,
						0,
					),
			],
		];
		for (const [kind, make] of kinds) {
			const home = dir();
			const state = path.join(home, 'machine.json');
			writeMachine(state, machine());
			fs.rmSync(lockDirectory(state), {recursive: true});
			make(lockDirectory(state));
			const started = Date.now();
			const result = await cli('--state', state, '--workload', 'idle');
			assert.ok(Date.now() - started < 5000, `${kind}: took ${Date.now() - started} ms`);
			assert.equal(result.code, 3, `${kind}: ${result.stderr}`);
			assert.match(result.stderr, new RegExp(`is ${kind}, not ham-tui's lock directory; remove it \\(rm -- '.*machine\\.json\\.lock'\\)`));
			const command = /\(rm -- '([^']*)'\)/.exec(result.stderr)![1]!;
			fs.rmSync(command);
			assert.equal((await cli('--state', state, '--workload', 'idle')).code, 0, `${kind}: the advised command cleared it`);
		}
	});

	test('a FIFO where the lock file of an older ham-tui would be is never opened for reading', async () => {
		const home = dir();
		const state = path.join(home, 'machine.json');
		mkfifo(lockDirectory(state));
		const result = await cli('--state', state, '--plug', '2:1G');
		assert.equal(result.code, 3);
	});

	test('directories, FIFOs, files and sockets inside it, under every name it uses, are stepped past', async () => {
		const names = [
			'0',
			'7',
			'8',
			'99',
			'want-000000000000001-1',
			`want-${String(Date.now()).padStart(15, '0')}-1`,
			'write-1-0123456789abcdef',
			'free',
			'007',
			'held:1.2.3@x',
		];
		const makers: Array<[string, (file: string) => void]> = [
			[
				'directory',
				file => {
					fs.mkdirSync(file);
					fs.writeFileSync(path.join(file, 'inside'), 'x');
				},
			],
			['FIFO', mkfifo],
			['file', file => fs.writeFileSync(file, `${process.pid}`)],
		];
		for (const [kind, make] of makers) {
			const home = dir();
			const state = path.join(home, 'machine.json');
			writeMachine(state, machine());
			const lock = lockDirectory(state);
			for (const name of fs.readdirSync(lock)) {
				fs.rmSync(path.join(lock, name));
			}

			for (const name of names) {
				make(path.join(lock, name));
			}

			for (const args of [['--workload', 'idle'], ['--plug', '2:1G'], ['--reset'], ['--workload', 'heavy']]) {
				const started = Date.now();
				const result = await cli('--state', state, ...args);
				assert.equal(result.code, 0, `${kind} entries, ${args.join(' ')}: ${result.stderr}`);
				assert.ok(Date.now() - started < 5000, `${kind}: took ${Date.now() - started} ms`);
			}
		}
	});

	test('generations past 15 digits (and of any length) still count up; names with leading zeros are no generation', () => {
		for (const top of ['999999999999999', '18446744073709551615', '9'.repeat(78)]) {
			const state = path.join(dir(), 'machine.json');
			writeMachine(state, machine());
			const lock = lockDirectory(state);
			for (const name of fs.readdirSync(lock)) {
				fs.rmSync(path.join(lock, name));
			}

			fs.symlinkSync('free', path.join(lock, top));
			fs.symlinkSync('free', path.join(lock, `0${top}`));
			const first = new LockWait(state);
			assert.equal(first.step().taken, true);
			assert.equal(first.generation, BigInt(top) + 1n);
			holding(first, () => {
				// While it holds the lock, no other taker gets it: the one mutual exclusion rests on.
				const second = new LockWait(state);
				const step = second.step();
				assert.equal(step.taken, false, `a second holder at once, above ${top}`);
				second.abandon();
			});
			withLock(state, () => undefined);
			assert.equal(fs.readdirSync(lock).filter(name => /^[1-9]/.test(name)).length, 1);
		}
	});
});

describe('who holds the lock', () => {
	test('a holder killed but not yet reaped (a zombie) is dead: the next change goes at once', async () => {
		const state = path.join(dir(), 'machine.json');
		writeMachine(state, machine());
		// The parent never waits for its child, so the killed child stays a zombie.
		const parent = spawn(
			'python3',
			[
				'-c',
				'import os, signal, sys, time\npid = os.fork()\nif pid == 0:\n    time.sleep(60)\n    os._exit(0)\nprint(pid, flush=True)\ntime.sleep(60)',
			],
			{stdio: ['ignore', 'pipe', 'inherit']},
		);
		try {
			const pid = Number(
				await new Promise<string>(resolve => {
					parent.stdout.once('data', chunk => {
						resolve(String(chunk).trim());
					});
				}),
			);
			holdAs(state, pid);
			process.kill(pid, 'SIGKILL');
			for (let tries = 0; !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')); tries++) {
				assert.ok(tries < 200, 'the child never became a zombie');
				await new Promise(resolve => setTimeout(resolve, 10));
			}

			const started = Date.now();
			const result = await cli('--state', state, '--workload', 'idle');
			assert.equal(result.code, 0, result.stderr);
			assert.ok(Date.now() - started < 3000, `waited ${Date.now() - started} ms for a zombie`);
		} finally {
			parent.kill('SIGKILL');
		}
	});

	test("the time limit is one holder's hold, not the whole wait: a queue that moves is waited for", () => {
		const state = path.join(dir(), 'machine.json');
		writeMachine(state, machine());
		let clock = 0;
		const alive = new Set<number>();
		const system: LockSystem = {...realLockSystem, now: () => clock, process: pid => (alive.has(pid) ? {state: 'S', start: '-'} : 'none')};
		const wait = new LockWait(state, {waitMs: 10_000, system});
		// Twelve holders one after another, 4 s each: 48 s of waiting, nobody past 10 s.
		for (let holder = 0; holder < 12; holder++) {
			const pid = 900_000 + holder;
			alive.add(pid);
			const lock = lockDirectory(state);
			const top = Math.max(
				...fs
					.readdirSync(lock)
					.filter(name => /^\d+$/.test(name))
					.map(Number),
			);
			fs.symlinkSync(`held:${pid}.-.${realLockSystem.self().pidns}@${realLockSystem.self().host}`, path.join(lock, String(top + 1)));
			for (let second = 0; second < 4; second++) {
				const step = wait.step();
				assert.equal(step.taken, false);
				assert.equal(!step.taken && step.waitFor, `process ${pid}`);
				clock += 1000;
			}

			alive.delete(pid);
		}

		assert.equal(wait.step().taken, true, 'and it got the lock in the end');
		wait.release();
		// One holder that keeps it for more than 10 s: given up, naming it.
		const stuck = 910_000;
		alive.add(stuck);
		const lock = lockDirectory(state);
		const top = Math.max(
			...fs
				.readdirSync(lock)
				.filter(name => /^\d+$/.test(name))
				.map(Number),
		);
		fs.symlinkSync(`held:${stuck}.-.${realLockSystem.self().pidns}@${realLockSystem.self().host}`, path.join(lock, String(top + 1)));
		const late = new LockWait(state, {waitMs: 10_000, system});
		assert.equal(late.step().taken, false);
		clock += 9000;
		assert.equal(late.step().taken, false);
		clock += 2000;
		assert.throws(() => late.step(), /held by process 910000 for more than 10 s/);
	});

	test('a stopped holder: the change gives up after 10 s naming it, and leaves no trace in the queue', async () => {
		const state = path.join(dir(), 'machine.json');
		writeMachine(state, machine());
		const holder = spawn('sleep', ['60']);
		try {
			holdAs(state, holder.pid!);
			process.kill(holder.pid!, 'SIGSTOP');
			const started = Date.now();
			const result = await cli('--state', state, '--workload', 'idle');
			const waited = Date.now() - started;
			assert.equal(result.code, 3);
			assert.match(result.stderr, new RegExp(`held by process ${holder.pid} for more than 10 s`));
			assert.ok(waited > 9000 && waited < 15_000, `waited ${waited} ms`);
			assert.deepEqual(
				fs.readdirSync(lockDirectory(state)).filter(name => name.startsWith('want-')),
				[],
			);
		} finally {
			holder.kill('SIGKILL');
		}
	});
});
