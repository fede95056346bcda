// The audit log of writes to a real machine: what an entry holds, how the file is made and
// opened (0600 in a 0700 directory, no link followed, no FIFO waited on), appends from two
// processes, and reading it back for --watch from a log that may be huge, damaged or hostile.
import assert from 'node:assert/strict';
import {execFileSync, spawn, spawnSync} from 'node:child_process';
import {
	appendFileSync,
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
	statSync,
	symlinkSync,
	writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, describe, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {runSysfsCommand} from '../source/commands/sysfs.js';
import {
	appendAuditEntry,
	auditEntry,
	auditedAsyncWriter,
	auditedWriter,
	auditLine,
	auditLogEnd,
	auditLogPath,
	maxTailBytes,
	parseEntry,
	pipeBuf,
	readAuditTail,
} from '../source/sysfs/audit.js';
import {type SysfsWriter, writeSysfs} from '../source/sysfs/online.js';
import {OddFile} from '../source/sysfs/read.js';
import {captureIo} from './helpers/io.js';
import {makeMemoryTree, run, tempSysroot} from './helpers/sysfs-tree.js';

const scratch = tempSysroot('ham-sysfs-audit-');
after(scratch.remove);
let count = 0;
/** A fresh directory for one test. */
function place(): string {
	const directory = path.join(scratch.sysroot, `case${count++}`);
	mkdirSync(directory);
	return directory;
}

const errno = (code: string) => Object.assign(new Error(`${code}: refused`), {code});
/** A writer that only remembers what it was asked to write. */
function recording(): {writer: SysfsWriter; writes: string[]} {
	const writes: string[] = [];
	return {writer: (file, value) => void writes.push(`${file}=${value}`), writes};
}

function lines(log: string): unknown[] {
	return readFileSync(log, 'utf8')
		.split('\n')
		.filter(line => line !== '')
		.map(line => JSON.parse(line) as unknown);
}

const repository = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('the entries', () => {
	test('one JSON line per write: time, who, what, block, value, path, result, tool, version', () => {
		const {sysroot} = {sysroot: place()};
		const memory = makeMemoryTree(sysroot, {blocks: [...run(0, 2), ...run(2, 2, {state: 'offline'})]});
		const log = path.join(place(), 'state', 'ham-tui', 'audit.log');
		const seen: unknown[] = [];
		const problems: string[] = [];
		const writer = auditedWriter(writeSysfs, {
			log,
			now: () => 1_000_000,
			version: '0.1.0',
			onEntry: entry => seen.push(entry),
			onProblem: line => problems.push(line),
		});
		writer(path.join(memory, 'memory2', 'state'), 'online_movable');
		writer(path.join(memory, 'memory3', 'state'), 'online');
		assert.deepEqual(problems, []);
		assert.equal(readFileSync(path.join(memory, 'memory2', 'state'), 'utf8'), 'online_movable', 'the write to the machine was made');
		const entries = lines(log);
		assert.equal(entries.length, 2);
		assert.deepEqual(entries, seen);
		let user: string | null = null;
		try {
			user = os.userInfo().username;
		} catch {}

		assert.deepEqual(entries[0], {
			time: '1970-01-12T13:46:40.000Z',
			tool: 'ham-tui',
			version: '0.1.0',
			who: {user, uid: process.getuid?.() ?? -1, pid: process.pid},
			what: 'state',
			block: 2,
			value: 'online_movable',
			path: path.resolve(memory, 'memory2', 'state'),
			result: 'ok',
		});
		assert.equal((entries[1] as {block: number}).block, 3);
	});

	test('the file is made 0600 in a directory made 0700, parents included', () => {
		const log = path.join(place(), 'a', 'b', 'audit.log');
		appendAuditEntry(log, auditEntry('/sys/devices/system/memory/memory7/state', 'online', undefined));
		assert.equal(statSync(log).mode & 0o777, 0o600);
		assert.equal(statSync(path.dirname(log)).mode & 0o777, 0o700);
		assert.equal(statSync(path.dirname(path.dirname(log))).mode & 0o777, 0o700);
	});

	test('a failed write is recorded with its errno, and the very error is thrown again', () => {
		const log = path.join(place(), 'audit.log');
		const refusal = errno('EBUSY');
		const writer = auditedWriter(
			() => {
				throw refusal;
			},
			{log},
		);
		assert.throws(
			() => writer('/sys/devices/system/memory/memory9/state', 'online'),
			error => error === refusal,
		);
		const [entry] = lines(log) as Array<Record<string, unknown>>;
		assert.equal(entry?.result, 'failed');
		assert.equal(entry?.errno, 'EBUSY');
		assert.equal(entry?.block, 9);
		assert.equal(Object.hasOwn(entry ?? {}, 'reason'), false);
	});

	test('a write refused before the kernel saw it (a link) is recorded with the reason', () => {
		const log = path.join(place(), 'audit.log');
		const writer = auditedWriter(
			() => {
				throw new OddFile('memory8 is a symbolic link, not followed');
			},
			{log},
		);
		assert.throws(() => writer('/x/sys/devices/system/memory/memory8/state', 'offline'), OddFile);
		const [entry] = lines(log) as Array<Record<string, unknown>>;
		assert.equal(entry?.result, 'failed');
		assert.equal(entry?.reason, 'memory8 is a symbolic link, not followed');
		assert.equal(Object.hasOwn(entry ?? {}, 'errno'), false);
	});

	test('an async writer says when it starts (an offline may migrate for minutes), then its answer; a rejection passes through', async () => {
		const log = path.join(place(), 'audit.log');
		const written: string[] = [];
		const writer = auditedAsyncWriter(
			async (file, value) => {
				await new Promise(resolve => setImmediate(resolve));
				if (value === 'offline' && file.includes('memory4')) {
					throw errno('EBUSY');
				}

				written.push(value);
			},
			{log},
		);
		await writer('/r/sys/devices/system/memory/memory3/state', 'offline');
		await assert.rejects(writer('/r/sys/devices/system/memory/memory4/state', 'offline'), {code: 'EBUSY'});
		assert.deepEqual(written, ['offline']);
		assert.deepEqual(
			(lines(log) as Array<Record<string, unknown>>).map(entry => [entry.block, entry.result, entry.errno ?? null]),
			[
				[3, 'started', null],
				[3, 'ok', null],
				[4, 'started', null],
				[4, 'failed', 'EBUSY'],
			],
		);
	});

	test('a line stays under PIPE_BUF even for a path of 4000 quotes and control characters', () => {
		const long = `/${'"\u0001\u009b'.repeat(1300)}/memory1/state`;
		const line = auditLine(auditEntry(long, 'online', undefined));
		assert.ok(Buffer.byteLength(line) < pipeBuf, `${Buffer.byteLength(line)} bytes`);
		assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'));
		assert.doesNotMatch(line, /[\u0080-\u009f]/);
		const parsed = JSON.parse(line) as {path: string};
		assert.ok(parsed.path.endsWith('…'));
	});

	test("the log's path: HAM_TUI_AUDIT_LOG, else XDG_STATE_HOME, else ~/.local/state", () => {
		assert.equal(auditLogPath({HAM_TUI_AUDIT_LOG: '/var/log/ham.log', XDG_STATE_HOME: '/s'}), '/var/log/ham.log');
		assert.equal(auditLogPath({HAM_TUI_AUDIT_LOG: '', XDG_STATE_HOME: '/s'}), '/s/ham-tui/audit.log');
		assert.equal(auditLogPath({}), path.join(os.homedir(), '.local', 'state', 'ham-tui', 'audit.log'));
		// A relative XDG_STATE_HOME is not the spec's: ignored, as a relative HOME is.
		assert.equal(auditLogPath({XDG_STATE_HOME: 'state', HOME: '/home/op'}), '/home/op/.local/state/ham-tui/audit.log');
	});

	test('no HOME and no passwd entry (an initramfs, a bare service): still a place, never a crash at start', () => {
		const script = `const {auditLogPath} = await import(${JSON.stringify(path.join(repository, 'source/sysfs/audit.ts'))}); console.log(auditLogPath({}));`;
		// uid 0 has a passwd entry here; HOME unset is what reaches os.homedir().
		const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
			encoding: 'utf8',
			env: {PATH: process.env.PATH ?? ''},
		});
		assert.equal(result.status, 0, result.stderr);
		assert.match(result.stdout, /^\/.*\/ham-tui\/audit\.log\n$/);
	});
});

describe('two processes appending at once', () => {
	test('every line whole: 2 × 300 entries, none torn', async () => {
		const log = path.join(place(), 'audit.log');
		const script = `
			const {auditedWriter} = await import(${JSON.stringify(path.join(repository, 'source/sysfs/audit.ts'))});
			const writer = auditedWriter(() => {}, {log: ${JSON.stringify(log)}, onProblem: line => { console.error(line); process.exitCode = 1; }});
			for (let i = 0; i < 300; i++) writer('/sys/devices/system/memory/memory' + i + '/state', 'online_movable');
		`;
		const child = () =>
			new Promise<number | null>(resolve => {
				const process_ = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
					cwd: repository,
					stdio: 'inherit',
				});
				process_.on('exit', resolve);
			});
		assert.deepEqual(await Promise.all([child(), child()]), [0, 0]);
		const entries = lines(log) as Array<{who: {pid: number}; block: number}>;
		assert.equal(entries.length, 600);
		const pids = new Set(entries.map(entry => entry.who.pid));
		assert.equal(pids.size, 2);
		for (const pid of pids) {
			assert.deepEqual(
				entries.filter(entry => entry.who.pid === pid).map(entry => entry.block),
				Array.from({length: 300}, (_, i) => i),
			);
		}
	});
});

describe('a log that is not a plain file of ours is not written, and the write to the machine goes on', () => {
	test('the log as a symbolic link: not written through, the target unchanged, one notice for many writes', () => {
		const directory = place();
		const target = path.join(directory, 'precious');
		writeFileSync(target, 'keep me\n');
		const log = path.join(directory, 'audit.log');
		symlinkSync(target, log);
		const problems: string[] = [];
		const {writer, writes} = recording();
		const audited = auditedWriter(writer, {log, onProblem: line => problems.push(line)});
		audited('/sys/devices/system/memory/memory1/state', 'online');
		audited('/sys/devices/system/memory/memory2/state', 'online');
		assert.equal(writes.length, 2, 'both writes to the machine were made');
		assert.equal(readFileSync(target, 'utf8'), 'keep me\n');
		assert.equal(lstatSync(log).isSymbolicLink(), true);
		assert.equal(problems.length, 1, problems.join('\n'));
		assert.match(problems[0] ?? '', /audit log .*: a symbolic link, not followed; writes are not recorded/);
		assert.doesNotMatch(problems[0] ?? '', /\n/);
	});

	test('the log as a FIFO without a reader: no hang, a notice', () => {
		const log = path.join(place(), 'audit.log');
		execFileSync('mkfifo', [log]);
		const problems: string[] = [];
		const {writer, writes} = recording();
		auditedWriter(writer, {log, onProblem: line => problems.push(line)})('/sys/devices/system/memory/memory1/state', 'online');
		assert.equal(writes.length, 1);
		assert.match(problems[0] ?? '', /a FIFO, not a regular file; writes are not recorded/);
	});

	test('the log as a FIFO with a reader: opened, found a FIFO, nothing written to it', () => {
		const log = path.join(place(), 'audit.log');
		execFileSync('mkfifo', [log]);
		const reader = openSync(log, constants.O_RDONLY | constants.O_NONBLOCK);
		try {
			const problem = appendAuditEntry(log, auditEntry('/sys/devices/system/memory/memory1/state', 'online', undefined));
			assert.match(problem ?? '', /a FIFO, not a regular file/);
			let bytes = 0;
			try {
				bytes = readSync(reader, Buffer.alloc(16));
			} catch (error) {
				assert.equal((error as NodeJS.ErrnoException).code, 'EAGAIN');
			}

			assert.equal(bytes, 0, 'nothing was written to the FIFO');
		} finally {
			closeSync(reader);
		}
	});

	test("the log's directory as a symbolic link: refused, nothing made behind it", () => {
		const directory = place();
		const real = path.join(directory, 'real');
		mkdirSync(real);
		symlinkSync(real, path.join(directory, 'ham-tui'));
		const log = path.join(directory, 'ham-tui', 'audit.log');
		const problem = appendAuditEntry(log, auditEntry('/sys/devices/system/memory/memory1/state', 'online', undefined));
		assert.match(problem ?? '', /its directory .*ham-tui is a symbolic link, not followed/);
		assert.throws(() => lstatSync(path.join(real, 'audit.log')), {code: 'ENOENT'});
	});

	test('the log with a second name (a hard link): refused, the other file unchanged', () => {
		const directory = place();
		const other = path.join(directory, 'other');
		writeFileSync(other, 'other\n');
		const log = path.join(directory, 'audit.log');
		linkSync(other, log);
		const problem = appendAuditEntry(log, auditEntry('/sys/devices/system/memory/memory1/state', 'online', undefined));
		assert.match(problem ?? '', /has 2 names \(a hard link\)/);
		assert.equal(readFileSync(other, 'utf8'), 'other\n');
	});

	test('the log as a directory: a notice', () => {
		const log = path.join(place(), 'audit.log');
		mkdirSync(log);
		assert.match(
			appendAuditEntry(log, auditEntry('/m/memory1/state', 'online', undefined)) ?? '',
			/audit log .*: .*writes are not recorded/,
		);
	});

	test('a callback that throws does not turn a done write into a failed one', () => {
		const log = path.join(place(), 'audit.log');
		const {writer, writes} = recording();
		const audited = auditedWriter(writer, {
			log,
			onEntry: () => {
				throw new Error('monitor broke');
			},
		});
		audited('/sys/devices/system/memory/memory1/state', 'online');
		assert.equal(writes.length, 1);
	});
});

/** How many of this process's fds are open on `file` (its name as /proc/self/fd shows it, " (deleted)" too). */
function openOn(file: string): number {
	return readdirSync('/proc/self/fd').filter(fd => {
		try {
			return readlinkSync(`/proc/self/fd/${fd}`).replace(/ \(deleted\)$/, '') === file;
		} catch {
			return false; // The fd readdir itself used, closed since.
		}
	}).length;
}

const block = (n: number) => `/sys/devices/system/memory/memory${n}/state`;
const blocks = (log: string) => (lines(log) as Array<{block: number}>).map(entry => entry.block);

describe("one writer's log, held open between its entries, is checked again before each", () => {
	test('held open for its entries, let go by close(); an entry after close() opens it again', () => {
		const log = path.join(place(), 'audit.log');
		const audited = auditedWriter(recording().writer, {log});
		audited(block(1), 'online');
		audited(block(2), 'online');
		assert.equal(openOn(log), 1, 'one fd for both entries');
		audited.close();
		assert.equal(openOn(log), 0);
		audited(block(3), 'online');
		audited.close();
		assert.deepEqual(blocks(log), [1, 2, 3]);
		assert.equal(openOn(log), 0);
	});

	test('an --integrate run in-process leaves no fd on the log', async () => {
		const sysroot = place();
		makeMemoryTree(sysroot, {blocks: run(0, 3, {state: 'offline'})});
		const log = path.join(place(), 'audit.log');
		const output = captureIo();
		const code = await runSysfsCommand(
			{kind: 'integrate', attempts: 1, interval: 1},
			{sysroot, all: false, onlineType: 'online', dryRun: false},
			output.io,
			{env: {HAM_TUI_AUDIT_LOG: log}},
		);
		assert.equal(code, 0, output.err.join(''));
		assert.deepEqual(blocks(log), [0, 1, 2]);
		assert.equal(openOn(log), 0);
	});

	test('rotated between two entries (renamed away): the next entry goes to a new log at the path, 0600', () => {
		const log = path.join(place(), 'audit.log');
		const problems: string[] = [];
		const audited = auditedWriter(recording().writer, {log, onProblem: line => problems.push(line)});
		audited(block(1), 'online');
		renameSync(log, `${log}.1`);
		audited(block(2), 'online');
		audited.close();
		assert.deepEqual(problems, []);
		assert.deepEqual(blocks(`${log}.1`), [1]);
		assert.deepEqual(blocks(log), [2]);
		assert.equal(statSync(log).mode & 0o777, 0o600);
	});

	test('removed between two entries: made again', () => {
		const log = path.join(place(), 'audit.log');
		const audited = auditedWriter(recording().writer, {log});
		audited(block(1), 'online');
		rmSync(log);
		audited(block(2), 'online');
		audited.close();
		assert.deepEqual(blocks(log), [2]);
	});

	test('renamed away and a symbolic link put in its place between two entries: not written through, the old file not written either', () => {
		const directory = place();
		const target = path.join(directory, 'precious');
		writeFileSync(target, 'keep me\n');
		const log = path.join(directory, 'audit.log');
		const problems: string[] = [];
		const {writer, writes} = recording();
		const audited = auditedWriter(writer, {log, onProblem: line => problems.push(line)});
		audited(block(1), 'online');
		renameSync(log, `${log}.1`);
		symlinkSync(target, log);
		audited(block(2), 'online');
		audited(block(3), 'online');
		audited.close();
		assert.equal(writes.length, 3, 'every write to the machine was made');
		assert.equal(readFileSync(target, 'utf8'), 'keep me\n');
		assert.deepEqual(blocks(`${log}.1`), [1]);
		assert.equal(problems.length, 1, problems.join('\n'));
		assert.match(problems[0] ?? '', /audit log .*: a symbolic link, not followed; writes are not recorded/);
	});

	test('another file hard-linked in its place between two entries: refused, the other file unchanged', () => {
		const directory = place();
		const other = path.join(directory, 'other');
		writeFileSync(other, 'other\n');
		const log = path.join(directory, 'audit.log');
		const problems: string[] = [];
		const audited = auditedWriter(recording().writer, {log, onProblem: line => problems.push(line)});
		audited(block(1), 'online');
		rmSync(log);
		linkSync(other, log);
		audited(block(2), 'online');
		audited.close();
		assert.equal(readFileSync(other, 'utf8'), 'other\n');
		assert.match(problems[0] ?? '', /has 2 names \(a hard link\); writes are not recorded/);
	});

	test('the log held given a second name between two entries: refused as a fresh open refuses it', () => {
		const directory = place();
		const log = path.join(directory, 'audit.log');
		const problems: string[] = [];
		const audited = auditedWriter(recording().writer, {log, onProblem: line => problems.push(line)});
		audited(block(1), 'online');
		linkSync(log, path.join(directory, 'second-name'));
		audited(block(2), 'online');
		audited.close();
		assert.deepEqual(blocks(log), [1]);
		assert.match(problems[0] ?? '', /has 2 names \(a hard link\)/);
	});

	test('its directory swapped for a link between two entries, even a link back to the very directory: refused, nothing written behind it', () => {
		const directory = place();
		const logs = path.join(directory, 'ham-tui');
		mkdirSync(logs);
		const log = path.join(logs, 'audit.log');
		const problems: string[] = [];
		const audited = auditedWriter(recording().writer, {log, onProblem: line => problems.push(line)});
		audited(block(1), 'online');
		// The path still leads to the file held, but through a link: a fresh open refuses that.
		renameSync(logs, `${logs}.moved`);
		symlinkSync(`${logs}.moved`, logs);
		audited(block(2), 'online');
		// A link to another directory of ours: refused as well, nothing made there.
		const other = path.join(directory, 'other');
		mkdirSync(other);
		rmSync(logs);
		symlinkSync(other, logs);
		audited(block(3), 'online');
		audited.close();
		assert.deepEqual(blocks(path.join(`${logs}.moved`, 'audit.log')), [1]);
		assert.throws(() => lstatSync(path.join(other, 'audit.log')), {code: 'ENOENT'});
		assert.equal(problems.length, 1, problems.join('\n'));
		assert.match(problems[0] ?? '', /its directory .*ham-tui is a symbolic link, not followed; writes are not recorded/);
	});

	test('back to a plain file of ours after a refusal: recorded again', () => {
		const directory = place();
		const log = path.join(directory, 'audit.log');
		symlinkSync(path.join(directory, 'elsewhere'), log);
		const problems: string[] = [];
		const audited = auditedWriter(recording().writer, {log, onProblem: line => problems.push(line)});
		audited(block(1), 'online');
		rmSync(log);
		audited(block(2), 'online');
		audited.close();
		assert.equal(problems.length, 1);
		assert.deepEqual(blocks(log), [2]);
		assert.throws(() => lstatSync(path.join(directory, 'elsewhere')), {code: 'ENOENT'});
	});
});

describe('reading the log back (readAuditTail)', () => {
	const good = (block: number) => auditLine(auditEntry(`/sys/devices/system/memory/memory${block}/state`, 'online', undefined));

	test('from an offset: only the entries after it, and where to go on', () => {
		const log = path.join(place(), 'audit.log');
		appendFileSync(log, good(1));
		const end = auditLogEnd(log);
		appendFileSync(log, good(2) + good(3));
		const tail = readAuditTail(log, end);
		assert.deepEqual(
			tail.entries.map(entry => entry.block),
			[2, 3],
		);
		assert.equal(tail.next, statSync(log).size);
		assert.deepEqual(tail.problems, []);
		assert.deepEqual(readAuditTail(log, tail.next), {entries: [], next: tail.next, problems: []});
	});

	test('a line being written is left for the next call', () => {
		const log = path.join(place(), 'audit.log');
		const line = good(5);
		appendFileSync(log, good(4) + line.slice(0, 20));
		const first = readAuditTail(log, 0);
		assert.deepEqual(
			first.entries.map(entry => entry.block),
			[4],
		);
		appendFileSync(log, line.slice(20));
		assert.deepEqual(
			readAuditTail(log, first.next).entries.map(entry => entry.block),
			[5],
		);
	});

	test('no log yet: no entries, no problem; a log cut or rotated: read from its start', () => {
		const log = path.join(place(), 'audit.log');
		assert.deepEqual(readAuditTail(log, 0), {entries: [], next: 0, problems: []});
		assert.equal(auditLogEnd(log), 0);
		assert.deepEqual(readAuditTail(path.join(place(), 'no', 'such', 'audit.log'), 7), {entries: [], next: 7, problems: []});
		appendFileSync(log, good(6));
		const tail = readAuditTail(log, 100_000);
		assert.deepEqual(
			tail.entries.map(entry => entry.block),
			[6],
		);
		assert.match(tail.problems[0] ?? '', /shorter than at the last read/);
	});

	test('a huge log is read at most maxTailBytes per call, and caught up with over several', () => {
		const log = path.join(place(), 'audit.log');
		const line = good(7);
		const total = Math.ceil((2.5 * maxTailBytes) / line.length);
		writeFileSync(log, line.repeat(total));
		let next = 0;
		let entries = 0;
		let calls = 0;
		while (next < statSync(log).size) {
			const tail = readAuditTail(log, next);
			assert.ok(tail.next - next <= maxTailBytes);
			assert.deepEqual(tail.problems, []);
			entries += tail.entries.length;
			next = tail.next;
			calls++;
		}

		assert.equal(entries, total);
		assert.equal(calls, 3);
	});

	test('garbage: each bad line skipped, a few problems said, the good lines kept', () => {
		const log = path.join(place(), 'audit.log');
		const junk = [
			'not json at all',
			'[1, 2, 3]',
			'null',
			'{"time": "yesterday", "tool": "ham-tui"}',
			JSON.stringify({...JSON.parse(good(1)), tool: 'other-tool'}),
			JSON.stringify({...JSON.parse(good(1)), block: -1}),
			JSON.stringify({...JSON.parse(good(1)), block: '1'}),
			JSON.stringify({...JSON.parse(good(1)), result: 'maybe'}),
			JSON.stringify({...JSON.parse(good(1)), who: {user: 'x', uid: '0', pid: 1}}),
			'\u0000\u00ff\u001b[2J',
			'x'.repeat(pipeBuf + 10),
		];
		writeFileSync(log, `${good(1)}${junk.join('\n')}\n${good(2)}`);
		const tail = readAuditTail(log, 0);
		assert.deepEqual(
			tail.entries.map(entry => entry.block),
			[1, 2],
		);
		assert.equal(tail.problems.length, 6, tail.problems.join('\n'));
		assert.match(tail.problems.at(-1) ?? '', /6 more line\(s\) skipped/);
		for (const problem of tail.problems) {
			assert.doesNotMatch(problem, /[\u0000-\u001f\u007f-\u009f]/);
		}
	});

	test('a line over maxTailBytes with no newline is skipped, not read forever', () => {
		const log = path.join(place(), 'audit.log');
		writeFileSync(log, `${'y'.repeat(maxTailBytes + 100)}\n${good(3)}`);
		const first = readAuditTail(log, 0);
		assert.equal(first.next, maxTailBytes);
		assert.match(first.problems[0] ?? '', /a line over/);
		const second = readAuditTail(log, first.next);
		assert.deepEqual(
			second.entries.map(entry => entry.block),
			[3],
		);
	});

	test('__proto__ in a line: only a key; fields found only through it do not count', () => {
		const entry = parseEntry(`{"__proto__": {"polluted": true}, ${good(4).trim().slice(1)}`);
		assert.equal(typeof entry, 'object');
		assert.equal(Object.getPrototypeOf(entry), Object.prototype);
		assert.equal(Object.hasOwn(entry as object, '__proto__'), false);
		assert.equal(({} as {polluted?: boolean}).polluted, undefined);
		assert.equal(typeof parseEntry(`{"__proto__": ${good(4).trim()}}`), 'string');
		const who = JSON.parse(good(4)) as Record<string, unknown>;
		who.who = {};
		assert.equal(
			typeof parseEntry(JSON.stringify(who).replace('"who":{}', '"who":{"__proto__":{"user":"root","uid":0,"pid":1}}')),
			'string',
		);
	});

	test('the log as a symbolic link or a FIFO: a problem, no entries, no hang', () => {
		const directory = place();
		const target = path.join(directory, 'target');
		writeFileSync(target, good(1));
		const link = path.join(directory, 'link.log');
		symlinkSync(target, link);
		const linked = readAuditTail(link, 0);
		assert.deepEqual(linked.entries, []);
		assert.match(linked.problems[0] ?? '', /a symbolic link, not followed; not read/);
		const fifo = path.join(directory, 'fifo.log');
		execFileSync('mkfifo', [fifo]);
		const piped = readAuditTail(fifo, 0);
		assert.deepEqual(piped.entries, []);
		assert.match(piped.problems[0] ?? '', /a FIFO, not a regular file; not read/);
	});
});
