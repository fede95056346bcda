// Hostile sysfs trees, as an attacker who can write the tree (and ham-tui runs as root) makes
// them: --integrate must write only a block's own `state` file, through no link, never truncating
// anything else (7); a file of any type where ham-tui reads must cost one problem line, never a
// hang or a slurp (9); control characters in any file must reach no output (13); block numbers
// and sizes past 2^53 are refused, never shown rounded (16); and a read never writes.
import assert from 'node:assert/strict';
import {type ChildProcess, execFileSync, spawn, spawnSync} from 'node:child_process';
import {
	closeSync,
	constants,
	linkSync,
	lstatSync,
	mkdirSync,
	openSync,
	readdirSync,
	readFileSync,
	readlinkSync,
	readSync,
	renameSync,
	rmSync,
	symlinkSync,
	truncateSync,
	writeFileSync,
} from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';
import {sysfsSource} from '../source/machine/sysfs.js';
import {recheckMs, type SysfsWriter, sysfsWriterForRun, writeSysfs} from '../source/sysfs/online.js';
import {readAutoOnline, readMemoryTree} from '../source/sysfs/read.js';
import {cliPath} from './helpers/cli.js';
import {renderConsole, testClock} from './helpers/console.js';
import {assertNoControl} from './helpers/no-control.js';
import type {ChildRead} from './helpers/sysfs-read-child.js';
import {makeMemoryTree, run, type TreeSpec, tempSysroot} from './helpers/sysfs-tree.js';

const scratch = tempSysroot('ham-hs-');
const held: number[] = [];
const servers: net.Server[] = [];
after(() => {
	for (const fd of held) {
		closeSync(fd);
	}

	for (const server of servers) {
		server.close();
	}

	scratch.remove();
});

const isRoot = process.getuid?.() === 0;
let count = 0;
/** A fresh tree under a short path (a unix socket's path must stay under 108 bytes). */
function tree(spec: TreeSpec): {sysroot: string; memory: string} {
	const sysroot = path.join(scratch.sysroot, `t${count++}`);
	return {sysroot, memory: makeMemoryTree(sysroot, spec)};
}

/** A file outside every tree, as an attacker's target: a copy of /etc/passwd. */
function victim(name: string): {file: string; content: string} {
	const file = path.join(scratch.sysroot, name);
	const content = readFileSync('/etc/passwd', 'utf8');
	writeFileSync(file, content);
	return {file, content};
}

type Run = {code: number | null; stdout: Buffer; stderr: Buffer; out: string; err: string};

/** The built CLI as a process with the clock fixed; a run that takes 20 s counts as a hang. */
function ham(args: string[], env: Record<string, string> = {}): Run {
	const result = spawnSync(process.execPath, [cliPath, ...args], {
		env: {...process.env, NO_COLOR: '1', HAM_TUI_NOW: '1000000', ...env},
		stdio: ['ignore', 'pipe', 'pipe'],
		timeout: 20_000,
	});
	assert.equal(result.error, undefined, `ham-tui ${args.join(' ')} did not finish in 20 s: ${result.error?.message}`);
	return {code: result.status, stdout: result.stdout, stderr: result.stderr, out: result.stdout.toString(), err: result.stderr.toString()};
}

const state = (memory: string, block: number) => readFileSync(path.join(memory, `memory${block}/state`), 'utf8');

describe("7. --integrate writes a block's own state file only, through no link", () => {
	const links = [
		['a link', symlinkSync, 'state is a symbolic link, not followed'],
		['a hard link', linkSync, 'state has 2 names (a hard link), not written'],
	] as const;
	for (const [what, link, refusal] of links) {
		test(`a state that is ${what} to another file: refused, the file untouched`, () => {
			const {memory} = tree({blocks: run(0, 1, {state: 'offline'})});
			const target = victim(`passwd-${link.name}`);
			const file = path.join(memory, 'memory0/state');
			rmSync(file);
			link(target.file, file);
			assert.throws(() => writeSysfs(file, 'online'), {code: refusal});
			assert.equal(readFileSync(target.file, 'utf8'), target.content);
		});
	}

	test('a block directory that is a link: read (as lsmem does), never written through; exit 64 as for a failed block', () => {
		const {sysroot, memory} = tree({blocks: run(0, 1, {state: 'offline'})});
		// Elsewhere, a directory that looks like a block and holds a file worth clobbering.
		const elsewhere = path.join(scratch.sysroot, 'elsewhere-1');
		mkdirSync(elsewhere);
		writeFileSync(path.join(elsewhere, 'state'), 'offline\n');
		symlinkSync(elsewhere, path.join(memory, 'memory1'));
		const result = ham(['--integrate', '--sysroot', sysroot]);
		assert.equal(result.code, 64, result.err);
		assert.equal(
			result.out,
			[
				'attempt 1/1: block 0 (0x00000000-0x07ffffff): online',
				'attempt 1/1: block 1 (0x08000000-0x0fffffff): FAILED: memory1 is a symbolic link, not followed [no retry can help]',
				'integrate: stopping, no retry can help the 1 block(s) left offline',
				'integrate: 1 of 2 offline block(s) onlined (128M of 256M), 1 still offline (block 1: memory1 is a symbolic link, not followed)',
				'',
			].join('\n'),
		);
		assert.equal(readFileSync(path.join(elsewhere, 'state'), 'utf8'), 'offline\n');
		assert.equal(state(memory, 0), 'online');
	});

	for (const [link, what] of [
		['sys/devices/system/memory', 'memory'],
		['sys', 'sys'],
	] as const) {
		test(`a link on the way to the blocks (${link}): every write refused, exit 1`, () => {
			const real = tree({blocks: run(0, 2, {state: 'offline'})});
			const sysroot = path.join(scratch.sysroot, `t${count++}`);
			mkdirSync(path.dirname(path.join(sysroot, link)), {recursive: true});
			symlinkSync(path.join(real.sysroot, link), path.join(sysroot, link));
			const result = ham(['--integrate', '--sysroot', sysroot]);
			assert.equal(result.code, 1, result.err);
			assert.match(
				result.out,
				new RegExp(`^attempt 1/1: blocks 0-1 \\(.*\\): FAILED: ${what} is a symbolic link, not followed \\[no retry can help\\]$`, 'm'),
			);
			assert.deepEqual([state(real.memory, 0), state(real.memory, 1)], ['offline\n', 'offline\n']);
		});
	}

	test('a state that is a FIFO someone reads: refused, nothing sent into it', () => {
		const {memory} = tree({blocks: run(0, 1, {state: 'offline'})});
		const file = path.join(memory, 'memory0/state');
		rmSync(file);
		execFileSync('mkfifo', [file]);
		const reader = openSync(file, constants.O_RDWR | constants.O_NONBLOCK);
		held.push(reader);
		assert.throws(() => writeSysfs(file, 'online'), {code: 'state is a FIFO, not a regular file'});
		assert.throws(() => readSync(reader, Buffer.alloc(16)), {code: 'EAGAIN'}, 'something was written into the FIFO');
	});

	test('a state that is a character device or a link to one: refused', {skip: !isRoot && 'mknod needs root'}, () => {
		const {memory} = tree({blocks: run(0, 2, {state: 'offline'})});
		const device = path.join(memory, 'memory0/state');
		rmSync(device);
		execFileSync('mknod', [device, 'c', '1', '3']);
		assert.throws(() => writeSysfs(device, 'online'), {code: 'state is a character device, not a regular file'});
		const link = path.join(memory, 'memory1/state');
		rmSync(link);
		symlinkSync('/dev/null', link);
		assert.throws(() => writeSysfs(link, 'online'), {code: 'state is a symbolic link, not followed'});
	});

	/** A child process that swaps `entry` between what it is and a link to `target`, until killed. */
	async function flipper(entry: string, target: string): Promise<ChildProcess> {
		const script = `
			const fs = require('node:fs');
			const [entry, target] = process.argv.slice(1);
			const away = entry + '.away';
			console.log('ready');
			for (;;) {
				fs.renameSync(entry, away);
				fs.symlinkSync(target, entry);
				fs.unlinkSync(entry);
				fs.renameSync(away, entry);
			}`;
		const child = spawn(process.execPath, ['-e', script, entry, target], {stdio: ['ignore', 'pipe', 'inherit']});
		await new Promise(resolve => {
			child.stdout!.once('data', resolve);
		});
		return child;
	}

	/** Writes `online` to `file` again and again while `entry` flips; counts how each write went. */
	async function raceWrites(
		file: string,
		entry: string,
		target: string,
		write: SysfsWriter = writeSysfs,
	): Promise<{written: number; refused: number}> {
		const child = await flipper(entry, target);
		const tally = {written: 0, refused: 0};
		const started = Date.now();
		try {
			while (Date.now() - started < 1500) {
				try {
					write(file, 'online');
					tally.written++;
				} catch {
					tally.refused++;
				}
			}
		} finally {
			child.kill('SIGKILL');
			await new Promise(resolve => {
				child.once('exit', resolve);
			});
		}

		return tally;
	}

	test('the race: memory0/state flipping between a file and a link to a copy of /etc/passwd never clobbers the copy', async () => {
		const {memory} = tree({blocks: run(0, 1, {state: 'offline'})});
		const target = victim('passwd-3');
		const file = path.join(memory, 'memory0/state');
		const tally = await raceWrites(file, file, target.file);
		assert.equal(readFileSync(target.file, 'utf8'), target.content);
		assert.ok(tally.written + tally.refused > 100, `only ${tally.written + tally.refused} writes were tried`);
	});

	test('the race: memory0 flipping between a directory and a link to one holding a copy of /etc/passwd as state', async () => {
		const {memory} = tree({blocks: run(0, 1, {state: 'offline'})});
		const elsewhere = path.join(scratch.sysroot, 'elsewhere-2');
		mkdirSync(elsewhere);
		const target = victim('elsewhere-2/state');
		const block = path.join(memory, 'memory0');
		await raceWrites(path.join(block, 'state'), block, elsewhere);
		assert.equal(readFileSync(target.file, 'utf8'), target.content);
	});

	// One run's writer (--integrate's) keeps its walk to the memory directory for recheckMs: the same races through it.
	for (const [what, entry] of [
		['memory0/state', 'memory0/state'],
		['memory0', 'memory0'],
		['the memory directory', ''],
	] as const) {
		test(`the race, one run's writer: ${what} flipping to a link to a copy of /etc/passwd never clobbers the copy`, async () => {
			const {memory} = tree({blocks: run(0, 1, {state: 'offline'})});
			const elsewhere = path.join(scratch.sysroot, `elsewhere-run-${count++}`);
			mkdirSync(path.join(elsewhere, 'memory0'), {recursive: true});
			// The link leads where `entry` would: to a file, to a block's directory, to a memory directory.
			const target = victim(path.relative(scratch.sysroot, path.join(elsewhere, 'memory0/state')));
			const to = entry === 'memory0/state' ? target.file : entry === 'memory0' ? path.join(elsewhere, 'memory0') : elsewhere;
			const writer = sysfsWriterForRun();
			try {
				const tally = await raceWrites(path.join(memory, 'memory0/state'), path.join(memory, entry), to, writer);
				assert.ok(tally.written + tally.refused > 100, `only ${tally.written + tally.refused} writes were tried`);
			} finally {
				writer.close();
			}

			assert.equal(readFileSync(target.file, 'utf8'), target.content);
		});
	}

	test("one run's writer: the memory directory swapped for a link mid-run is never written through, and refused within recheckMs", async () => {
		const {memory} = tree({blocks: run(0, 3, {state: 'offline'})});
		const elsewhere = path.join(scratch.sysroot, 'elsewhere-swap');
		const victims = [1, 2].map(block => {
			mkdirSync(path.join(elsewhere, `memory${block}`), {recursive: true});
			return victim(`elsewhere-swap/memory${block}/state`);
		});
		const writer = sysfsWriterForRun();
		try {
			writer(path.join(memory, 'memory0/state'), 'online');
			renameSync(memory, `${memory}.moved`);
			symlinkSync(elsewhere, memory);
			// Soon after: into the directory walked to (now memory.moved), or refused if the walk is made again already.
			try {
				writer(path.join(memory, 'memory1/state'), 'online');
				assert.equal(readFileSync(path.join(`${memory}.moved`, 'memory1/state'), 'utf8'), 'online');
			} catch (error) {
				assert.equal((error as {code?: string}).code, 'memory is a symbolic link, not followed');
			}

			await new Promise(resolve => setTimeout(resolve, recheckMs + 20));
			assert.throws(() => writer(path.join(memory, 'memory2/state'), 'online'), {code: 'memory is a symbolic link, not followed'});
		} finally {
			writer.close();
		}

		for (const target of victims) {
			assert.equal(readFileSync(target.file, 'utf8'), target.content);
		}

		assert.equal(readFileSync(path.join(`${memory}.moved`, 'memory2/state'), 'utf8'), 'offline\n');
	});

	test("one run's writer holds one fd on the memory directory, and close() lets it go", () => {
		const {memory} = tree({blocks: run(0, 2, {state: 'offline'})});
		const onMemory = () =>
			readdirSync('/proc/self/fd').filter(fd => {
				try {
					return readlinkSync(`/proc/self/fd/${fd}`) === memory;
				} catch {
					return false;
				}
			}).length;
		const writer = sysfsWriterForRun();
		writer(path.join(memory, 'memory0/state'), 'online');
		writer(path.join(memory, 'memory1/state'), 'online');
		assert.equal(onMemory(), 1);
		writer.close();
		assert.equal(onMemory(), 0);
		assert.deepEqual([state(memory, 0), state(memory, 1)], ['online', 'online']);
	});

	test("onlining writes nothing but the offline blocks' state files", () => {
		const {sysroot, memory} = tree({blocks: [...run(0, 2), ...run(2, 2, {state: 'offline'})]});
		const before = fingerprints(sysroot);
		const result = ham(['--integrate', '--sysroot', sysroot]);
		assert.equal(result.code, 0, result.err);
		const changed = diff(before, fingerprints(sysroot));
		assert.deepEqual(changed, [`${memory}/memory2/state`, `${memory}/memory3/state`]);
		assert.deepEqual([state(memory, 2), state(memory, 3)], ['online', 'online']);
	});
});

/** What is at every path under `root` (links not followed): type, inode, size, mtime, content. */
function fingerprints(root: string): Map<string, string> {
	const found = new Map<string, string>();
	const walk = (file: string) => {
		const stat = lstatSync(file);
		const content = stat.isSymbolicLink() ? readlinkSync(file) : stat.isFile() && stat.size < 100_000 ? readFileSync(file, 'base64') : '';
		found.set(file, `${stat.mode.toString(8)} ${stat.ino} ${stat.size} ${stat.mtimeMs} ${content}`);
		if (stat.isDirectory()) {
			for (const name of readdirSync(file)) {
				walk(path.join(file, name));
			}
		}
	};

	walk(root);
	return found;
}

function diff(before: Map<string, string>, after: Map<string, string>): string[] {
	return [...new Set([...before.keys(), ...after.keys()])].filter(file => before.get(file) !== after.get(file)).sort();
}

// 9: every path ham-tui reads under a sysroot, replaced by every kind of file.

type Kind = {name: string; make: (file: string, good: string) => void | Promise<void>; skip?: string | false};

const bigFile = path.join(scratch.sysroot, 'big');
writeFileSync(bigFile, '');
truncateSync(bigFile, 64 * 1024 * 1024);

const kinds: Kind[] = [
	{
		name: 'a FIFO',
		make: file => {
			execFileSync('mkfifo', [file]);
		},
	},
	{
		name: 'a FIFO with a writer',
		make: file => {
			execFileSync('mkfifo', [file]);
			held.push(openSync(file, 'r+'));
		},
	},
	{
		name: 'a directory',
		make: file => {
			mkdirSync(file);
		},
	},
	{
		name: 'a socket',
		make: file =>
			new Promise<void>(resolve => {
				const server = net.createServer();
				servers.push(server);
				server.listen(file, resolve);
			}),
	},
	{
		name: 'a link to /dev/zero',
		make: file => {
			symlinkSync('/dev/zero', file);
		},
	},
	{
		name: 'a link to a big file',
		make: file => {
			symlinkSync(bigFile, file);
		},
	},
	{
		name: 'a link to a file holding a good value',
		make: (file, good) => {
			writeFileSync(`${file}.real`, good);
			symlinkSync(`${file}.real`, file);
		},
	},
	{
		name: 'a link to a FIFO',
		make: file => {
			execFileSync('mkfifo', [`${file}.fifo`]);
			symlinkSync(`${file}.fifo`, file);
		},
	},
	{
		name: 'a dangling link',
		make: file => {
			symlinkSync('nowhere', file);
		},
	},
	{
		name: 'a big file (64 MiB)',
		make: file => {
			writeFileSync(file, '');
			truncateSync(file, 64 * 1024 * 1024);
		},
	},
	{
		name: 'a character device like /dev/null',
		skip: !isRoot && 'mknod needs root',
		make: file => {
			execFileSync('mknod', [file, 'c', '1', '3']);
		},
	},
	{
		name: 'a character device like /dev/zero',
		skip: !isRoot && 'mknod needs root',
		make: file => {
			execFileSync('mknod', [file, 'c', '1', '5']);
		},
	},
];

type Place = {
	/** Under the sysroot. */
	path: string;
	/** What a regular file there would hold. */
	good: string;
	/** A directory in a real tree: replaced by every kind but a directory and a link to a good one. */
	directory?: boolean;
	check: (read: ChildRead, file: string, memory: string) => void;
};

const memoryPath = 'sys/devices/system/memory';
const named = (problems: string[], file: string) =>
	assert.ok(
		problems.some(problem => problem.startsWith(`${file}: `)),
		`no problem names ${file}: ${JSON.stringify(problems)}`,
	);
/** A block's attribute: a problem names it, and the block is still read. */
const attribute = (name: string, good: string, more?: (read: ChildRead) => void): Place => ({
	path: `${memoryPath}/memory0/${name}`,
	good,
	check(read, file) {
		assert.equal(read.error, null);
		named(read.problems, file);
		assert.deepEqual(
			read.blocks.map(block => block.index),
			[0, 1],
		);
		assert.equal(read.consoleError, undefined);
		more?.(read);
	},
});
const places: Place[] = [
	{
		path: `${memoryPath}/block_size_bytes`,
		good: '8000000\n',
		check(read, file) {
			assert.match(read.error ?? '', new RegExp(`${file}: `));
			assert.match(read.consoleError ?? '', new RegExp(`${file}: `));
		},
	},
	{
		path: `${memoryPath}/auto_online_blocks`,
		good: 'offline\n',
		check(read, file) {
			assert.equal(read.error, null);
			assert.equal(read.autoOnline, null);
			named(read.problems, file);
			assert.ok(
				read.log?.some(line => line.includes(`${file}: `)),
				'the console logs it',
			);
		},
	},
	attribute('state', 'offline\n', read => {
		assert.equal(read.blocks[0]!.state, 'unknown');
	}),
	attribute('removable', '1\n'),
	attribute('valid_zones', 'Normal\n'),
	attribute('phys_device', '0\n'),
	attribute('phys_index', '00000000\n'),
	{
		path: `${memoryPath}/memory0/node0`,
		good: '',
		check(read) {
			// Only its name counts, as for lsmem: it is never opened.
			assert.equal(read.error, null);
			assert.equal(read.blocks[0]!.node, 0);
		},
	},
	{
		path: `${memoryPath}/memory0`,
		good: '',
		directory: true,
		check(read, _file, memory) {
			assert.equal(read.error, null);
			named(read.problems, `${memory}/memory0`);
			assert.deepEqual(
				read.blocks.map(block => block.index),
				[1],
			);
		},
	},
	{
		path: memoryPath,
		good: '',
		directory: true,
		check(read, file) {
			assert.match(read.error ?? '', new RegExp(`${file}`));
			assert.match(read.consoleError ?? '', new RegExp(`${file}`));
		},
	},
	{
		path: 'proc/sys/kernel/osrelease',
		good: '6.1.0\n',
		check(read) {
			assert.equal(read.consoleError, undefined);
			assert.equal(read.kernel, 'kernel unknown');
		},
	},
];

type Case = {name: string; sysroot: string; file: string; memory: string; place: Place};

/**
 * Reads the sysroots in child processes (test/helpers/sysfs-read-child.ts), a few at a time.
 * A child that prints nothing for `quietMs` hangs on the sysroot it is at: it is killed, that
 * sysroot counts as hung, and a new child goes on with the rest.
 */
async function readInChildren(sysroots: string[], quietMs = 6000): Promise<Map<string, ChildRead | string>> {
	const results = new Map<string, ChildRead | string>();
	const batch = async (left: string[]) => {
		while (left.length > 0) {
			const {done, stderr} = await readInChild(left, quietMs);
			for (const read of done) {
				results.set(read.sysroot, read);
			}

			left = left.slice(done.length);
			if (left.length > 0) {
				results.set(left[0]!, `hung or crashed reading ${left[0]}: ${stderr.slice(-400)}`);
				left = left.slice(1);
			}
		}
	};

	const half = Math.ceil(sysroots.length / 2);
	await Promise.all([batch(sysroots.slice(0, half)), batch(sysroots.slice(half))]);
	return results;
}

function readInChild(sysroots: string[], quietMs: number): Promise<{done: ChildRead[]; stderr: string}> {
	return new Promise(resolve => {
		const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('test/helpers/sysfs-read-child.ts'), ...sysroots], {
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		const done: ChildRead[] = [];
		let pending = '';
		let stderr = '';
		let timer = setTimeout(() => child.kill('SIGKILL'), quietMs * 3);
		child.stdout.on('data', (chunk: Buffer) => {
			pending += chunk.toString();
			const lines = pending.split('\n');
			pending = lines.pop()!;
			for (const line of lines) {
				done.push(JSON.parse(line) as ChildRead);
			}

			clearTimeout(timer);
			timer = setTimeout(() => child.kill('SIGKILL'), quietMs);
		});
		child.stderr.on('data', (chunk: Buffer) => {
			stderr += chunk.toString();
		});
		child.on('close', () => {
			clearTimeout(timer);
			resolve({done, stderr});
		});
	});
}

describe('9. any kind of file where ham-tui reads: a problem naming it, never a hang', async () => {
	const cases: Case[] = [];
	for (const place of places) {
		for (const kind of kinds) {
			if (kind.skip || (place.directory && kind.name === 'a directory')) {
				continue;
			}

			const {sysroot, memory} = tree({blocks: [{index: 0, state: 'offline'}, {index: 1}]});
			mkdirSync(path.join(sysroot, 'proc/sys/kernel'), {recursive: true});
			writeFileSync(path.join(sysroot, 'proc/sys/kernel/osrelease'), '6.1.0\n');
			const file = path.join(sysroot, place.path);
			rmSync(file, {recursive: true, force: true});
			await kind.make(file, place.good);
			cases.push({name: `${place.path} is ${kind.name}`, sysroot, file, memory, place});
		}
	}

	let results = new Map<string, ChildRead | string>();
	before(async () => {
		results = await readInChildren(cases.map(one => one.sysroot));
	});

	for (const one of cases) {
		test(one.name, () => {
			const read = results.get(one.sysroot);
			assert.ok(read !== undefined && typeof read !== 'string', typeof read === 'string' ? read : 'not read');
			one.place.check(read, one.file, one.memory);
		});
	}

	test('the CLI on a FIFO: --status, --json and --integrate --dry-run say so and go on', () => {
		const {sysroot, memory} = tree({blocks: [{index: 0, state: 'offline'}, ...run(1, 2, {state: 'offline'})]});
		for (const name of ['memory0/state', 'auto_online_blocks']) {
			rmSync(path.join(memory, name));
			execFileSync('mkfifo', [path.join(memory, name)]);
		}

		const status = ham(['--status', '--sysroot', sysroot]);
		assert.equal(
			status.err,
			`ham-tui: ${memory}/memory0/state: unreadable (a FIFO, not a regular file)\n` +
				'ham-tui: note: 2 blocks (256M) offline; auto_online_blocks cannot be read (the kernel leaves new memory offline without it), so hot-added memory stays offline until onlined: ham-tui --integrate onlines it\n',
		);
		assert.equal(status.out, '0\t0x00000000\t134217728\tREAD/WRITE\tUNKNOWN\n1\t0x08000000\t268435456\tREAD/WRITE\tOFFLINE\n');
		const json = ham(['--json', '--sysroot', sysroot]);
		assert.equal(json.code, 0, json.err);
		const report = JSON.parse(json.out) as {autoOnlineBlocks: string | null; problems: string[]};
		assert.equal(report.autoOnlineBlocks, null);
		assert.deepEqual(report.problems, [
			`${memory}/memory0/state: unreadable (a FIFO, not a regular file)`,
			`${memory}/auto_online_blocks: unreadable (a FIFO, not a regular file)`,
		]);
		assert.match(json.err, /auto_online_blocks: unreadable \(a FIFO, not a regular file\)/);
		const dry = ham(['--integrate', '--dry-run', '--sysroot', sysroot]);
		assert.equal(dry.code, 0, dry.err);
		assert.match(dry.out, /would write online to 2 offline block\(s\) \(256M\): 1-2; nothing written/);
	});

	test('the CLI on a FIFO as block_size_bytes: one line naming it, exit 1', () => {
		const {sysroot, memory} = tree({blocks: run(0, 1)});
		rmSync(path.join(memory, 'block_size_bytes'));
		execFileSync('mkfifo', [path.join(memory, 'block_size_bytes')]);
		for (const action of ['--status', '--json', '--integrate']) {
			const result = ham([action, '--sysroot', sysroot]);
			assert.equal(result.code, 1, `${action}: ${result.err}`);
			assert.equal(result.err, `ham-tui: cannot read the memory block size from ${memory}/block_size_bytes: a FIFO, not a regular file\n`);
		}
	});

	test('the messages say what was found', () => {
		const {sysroot, memory} = tree({blocks: run(0, 3)});
		const at = (name: string) => path.join(memory, name);
		rmSync(at('memory0/state'));
		symlinkSync('/etc/passwd', at('memory0/state'));
		rmSync(at('memory1/state'));
		writeFileSync(at('memory1/state'), 'online\n'.repeat(1000));
		rmSync(at('memory2/removable'));
		execFileSync('mkfifo', [at('memory2/removable')]);
		// As a process: on a FIFO, a blocking open would hang this one.
		assert.equal(
			ham(['--status', '--sysroot', sysroot]).err,
			[
				`ham-tui: ${memory}/memory0/state: unreadable (a symbolic link, not followed)`,
				`ham-tui: ${memory}/memory1/state: unreadable (over 4096 bytes, more than a sysfs attribute holds)`,
				`ham-tui: ${memory}/memory2/removable: unreadable (a FIFO, not a regular file)`,
				'',
			].join('\n'),
		);
	});
});

// 13: C1 controls, as a raw 0x9b byte and as U+009B in UTF-8, and C0 ones.

/** Bytes for a terminal: valid UTF-8 (a raw 0x9b is CSI to an 8-bit terminal) and no controls. */
function assertTerminalSafe(bytes: Buffer, what: string): void {
	const text = bytes.toString('utf8');
	assert.ok(Buffer.from(text, 'utf8').equals(bytes), `${what} is not valid UTF-8: a raw byte reaches the terminal`);
	assertNoControl(text, what);
}

/** Every string in a parsed JSON document (a consumer prints them as they are). */
function assertNoControlInside(value: unknown, what: string): void {
	if (typeof value === 'string') {
		assertNoControl(value, what);
	} else if (value && typeof value === 'object') {
		for (const [key, inner] of Object.entries(value)) {
			assertNoControlInside(inner, `${what}.${key}`);
		}
	}
}

const encodings = {'a raw 0x9b byte': Buffer.from([0x9b]), 'U+009B in UTF-8 (0xc2 0x9b)': Buffer.from([0xc2, 0x9b])};

/** A tree with a CSI (in `csi`'s encoding) and other controls in every file ham-tui reads. */
function controlTree(csi: Buffer): {sysroot: string; memory: string} {
	const made = tree({blocks: [{index: 0}, {index: 1, state: 'offline'}, ...run(2, 3)]});
	const put = (name: string, ...parts: Array<string | Buffer>) => {
		writeFileSync(path.join(made.sysroot, name), Buffer.concat(parts.map(part => Buffer.from(part))));
	};

	const at = (name: string) => `${memoryPath}/${name}`;
	put(at('auto_online_blocks'), csi, '31mX\n');
	put(at('memory0/state'), 'on', csi, '2J\u001B]0;owned\u0007line\n');
	put(at('memory1/valid_zones'), 'Normal', csi, '31m Movable\n');
	put(at('memory2/removable'), '1', csi, '\n');
	put(at('memory3/phys_device'), csi, '1\n');
	put(at('memory4/valid_zones'), '\u001B[31mNormal\n');
	mkdirSync(path.join(made.sysroot, 'proc/sys/kernel'), {recursive: true});
	put('proc/sys/kernel/osrelease', csi, '31m6.1\n');
	return made;
}

describe('13. control characters from sysfs reach no output', () => {
	for (const [encoding, csi] of Object.entries(encodings)) {
		test(`every one-shot, ${encoding}`, () => {
			const {sysroot} = controlTree(csi);
			for (const args of [
				['--status'],
				['--status', '--all'],
				['--json'],
				['--json', '--all'],
				['--integrate', '--dry-run'],
				['--integrate'],
			]) {
				const result = ham([...args, '--sysroot', sysroot]);
				const what = `ham-tui ${args.join(' ')}`;
				assertTerminalSafe(result.stdout, `${what}: stdout`);
				assertTerminalSafe(result.stderr, `${what}: stderr`);
				if (args[0] === '--json') {
					assertNoControlInside(JSON.parse(result.out), what);
				}
			}
		});

		test(`a block size with a CSI, ${encoding}: the refusal is clean`, () => {
			const {sysroot, memory} = tree({blocks: run(0, 1)});
			writeFileSync(path.join(memory, 'block_size_bytes'), Buffer.concat([Buffer.from('8000000'), csi, Buffer.from('\n')]));
			for (const action of ['--status', '--json', '--integrate']) {
				const result = ham([action, '--sysroot', sysroot]);
				assert.equal(result.code, 1);
				assertTerminalSafe(result.stderr, `${action}: stderr`);
			}
		});

		test(`what the reader gives out is clean, ${encoding}`, () => {
			const {sysroot, memory} = controlTree(csi);
			const tree = readMemoryTree(sysroot, {physical: true});
			assertNoControlInside(tree, 'the tree');
			assert.equal(tree.blocks[0]!.state.startsWith('on'), true);
			assert.equal(tree.blocks[1]!.zones.length, 2);
			const problems: string[] = [];
			const autoOnline = readAutoOnline(memory, problems);
			assert.notEqual(autoOnline, null);
			assertNoControl(autoOnline!, 'auto_online_blocks');
		});

		test(`the console, ${encoding}: snapshot and screen`, async () => {
			const {sysroot} = controlTree(csi);
			const clock = testClock(1_000_000);
			const source = sysfsSource(sysroot, {now: clock.now});
			assertNoControlInside(source.poll(1_000_000), 'the snapshot');
			const ui = renderConsole(source, clock);
			try {
				const screen = await ui.waitFor('Ranges');
				assertNoControl(screen, 'the screen');
				assert.match(screen, /auto_online \uFFFD31mX/);
			} finally {
				ui.unmount();
			}
		});
	}
});

describe('16. block numbers and sizes past 2^53: refused, never rounded', () => {
	test('a block number past 2^53, or addresses past it: a problem naming the block, left out everywhere', () => {
		const {sysroot, memory} = tree({blocks: [{index: 0}, {index: 1, state: 'offline'}]});
		for (const name of ['memory99999999999999999999', 'memory9007199254740993', 'memory70368744177664']) {
			mkdirSync(path.join(memory, name));
			writeFileSync(path.join(memory, name, 'state'), 'offline\n');
			writeFileSync(path.join(memory, name, 'removable'), '1\n');
		}

		const problems = [
			`ham-tui: ${memory}/memory9007199254740993: addresses past 2^53 - 1 cannot be shown exactly; block left out`,
			`ham-tui: ${memory}/memory70368744177664: addresses past 2^53 - 1 cannot be shown exactly; block left out`,
			`ham-tui: ${memory}/memory99999999999999999999: addresses past 2^53 - 1 cannot be shown exactly; block left out`,
		].sort();
		const status = ham(['--status', '--all', '--sysroot', sysroot]);
		assert.equal(status.out, '0\t0x00000000\t134217728\tREAD/WRITE\tENABLED\n1\t0x08000000\t134217728\tREAD/WRITE\tOFFLINE\n');
		assert.deepEqual(
			status.err
				.trim()
				.split('\n')
				.filter(line => !line.startsWith('ham-tui: note: 1 block (128M) offline'))
				.sort(),
			problems,
		);
		const json = JSON.parse(ham(['--json', '--all', '--sysroot', sysroot]).out) as {ranges: Array<{id: number}>; totals: {blocks: number}};
		assert.deepEqual(
			json.ranges.map(range => range.id),
			[0, 1],
		);
		assert.equal(json.totals.blocks, 2);
		const integrate = ham(['--integrate', '--sysroot', sysroot]);
		assert.equal(integrate.code, 0, integrate.err);
		assert.match(integrate.out, /^attempt 1\/1: block 1 \(0x08000000-0x0fffffff\): online\nintegrate: 1 of 1 offline/);
		assert.doesNotMatch(integrate.out + integrate.err, /e\+|9007199254740992|100000000000000000000/);
		assert.equal(readFileSync(path.join(memory, 'memory99999999999999999999/state'), 'utf8'), 'offline\n');
	});

	test('a block size at 2^53 - 1: the blocks whose end passes 2^53 - 1 are refused', () => {
		const {sysroot, memory} = tree({blockSize: '1fffffffffffff\n', blocks: run(0, 2)});
		const status = ham(['--status', '--all', '--sysroot', sysroot]);
		assert.equal(status.code, 0);
		assert.equal(status.out, '0\t0x00000000\t9007199254740991\tREAD/WRITE\tENABLED\n');
		assert.equal(status.err, `ham-tui: ${memory}/memory1: addresses past 2^53 - 1 cannot be shown exactly; block left out\n`);
	});

	for (const size of ['20000000000000', 'ffffffffffffffff', '10000000000000000000']) {
		test(`a block size of 0x${size}: the tree is refused, saying why`, () => {
			const {sysroot, memory} = tree({blockSize: `${size}\n`, blocks: run(0, 1)});
			const result = ham(['--json', '--sysroot', sysroot]);
			assert.equal(result.code, 1);
			assert.equal(result.err, `ham-tui: ${memory}/block_size_bytes: "${size}" is past 2^53 - 1, too large to show exactly\n`);
		});
	}

	test('the console keeps such blocks out, and its rolling re-read does not take them for new ones', () => {
		const {sysroot, memory} = tree({blocks: run(0, 2)});
		mkdirSync(path.join(memory, 'memory99999999999999999999'));
		const source = sysfsSource(sysroot, {now: () => 1_000_000});
		for (let poll = 0; poll < 3; poll++) {
			source.poll(1_000_000);
		}

		const snapshot = source.poll(1_000_000);
		assert.deepEqual(
			snapshot.regions.map(region => region.id),
			[0],
		);
		assert.ok(snapshot.log.some(line => line.includes('memory99999999999999999999: addresses past 2^53 - 1')));
		assert.ok(!snapshot.log.some(line => line.includes('came or went')), snapshot.log.join('\n'));
	});
});

describe('a read never writes', () => {
	test('--status, --json, --integrate --dry-run and the console leave the tree as it was', () => {
		const {sysroot, memory} = tree({blocks: [...run(0, 3), ...run(3, 2, {state: 'offline'}), {index: 7, omit: ['state', 'removable']}]});
		mkdirSync(path.join(memory, 'memory9'));
		const before = fingerprints(sysroot);
		for (const args of [['--status'], ['--status', '--all'], ['--json'], ['--json', '--all'], ['--integrate', '--dry-run']]) {
			ham([...args, '--sysroot', sysroot]);
			assert.deepEqual(diff(before, fingerprints(sysroot)), [], args.join(' '));
		}

		const source = sysfsSource(sysroot, {now: () => 1_000_000});
		for (let poll = 0; poll < 4; poll++) {
			source.poll(1_000_000);
		}

		readMemoryTree(sysroot, {physical: true});
		readAutoOnline(memory, []);
		assert.deepEqual(diff(before, fingerprints(sysroot)), [], 'the console and the reader');
	});
});
