// --watch: the changes between two reads of a tree (diffTrees), and runWatch on a generated tree
// changed between polls as a machine changes: a block onlined by ham-tui (its audit log says so)
// or by someone else, a block hot-added, one removed, the memory directory gone for a while.
import assert from 'node:assert/strict';
import {renameSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, test} from 'node:test';
import type {SysfsTarget} from '../source/cli/command.js';
import type {SysfsIo} from '../source/commands/sysfs.js';
import {runWatch, type WatchDeps, type WatchOptions} from '../source/commands/watch.js';
import {type AuditEntry, appendAuditEntry, auditEntry, auditedWriter} from '../source/sysfs/audit.js';
import {type SysfsWriter, writeSysfs} from '../source/sysfs/online.js';
import {readMemoryTree} from '../source/sysfs/read.js';
import {AuditWindow, attribute, diffTrees, type WatchEvent} from '../source/sysfs/watch.js';
import {captureIo} from './helpers/io.js';
import {makeMemoryTree, run, type TreeSpec, tempSysroot} from './helpers/sysfs-tree.js';

const scratch = tempSysroot('ham-sysfs-watch-');
after(scratch.remove);
let count = 0;
function tree(spec: TreeSpec): {sysroot: string; memory: string; log: string} {
	const sysroot = path.join(scratch.sysroot, `tree${count}`);
	const log = path.join(scratch.sysroot, `audit${count++}`, 'audit.log');
	return {sysroot, memory: makeMemoryTree(sysroot, spec), log};
}

const blockSize = 128 * 1024 * 1024;
const spec: TreeSpec = {blocks: [...run(0, 4, {zones: 'Normal'}), ...run(4, 4, {state: 'offline', zones: 'Normal Movable', node: 1})]};

function target(sysroot: string, extra: Partial<SysfsTarget> = {}): SysfsTarget {
	return {sysroot, all: false, onlineType: 'auto', dryRun: false, ...extra};
}

const output = () => captureIo(1_000_000);

/** Each io.out call must be whole lines of JSON: one object each. */
function events(out: readonly string[]): Array<Record<string, unknown>> {
	return out.flatMap(text => {
		assert.ok(text.endsWith('\n'), `not a whole line: ${text}`);
		return text
			.slice(0, -1)
			.split('\n')
			.map(line => JSON.parse(line) as Record<string, unknown>);
	});
}

function setState(memory: string, block: number, state: string): void {
	writeFileSync(path.join(memory, `memory${block}`, 'state'), `${state}\n`);
}

describe('diffTrees', () => {
	test('nothing changed: no events', () => {
		const {sysroot} = tree(spec);
		assert.deepEqual(diffTrees(readMemoryTree(sysroot), readMemoryTree(sysroot)), []);
	});

	test('a state change, a block added and one removed, in block order, with node, zones, start and size', () => {
		const {sysroot, memory} = tree(spec);
		const before = readMemoryTree(sysroot);
		setState(memory, 5, 'online');
		rmSync(path.join(memory, 'memory2'), {recursive: true});
		makeMemoryTree(sysroot, {blocks: [{index: 9, state: 'offline', zones: 'Movable', node: 1}]});
		assert.deepEqual(diffTrees(before, readMemoryTree(sysroot)), [
			{event: 'removed', block: 2, from: 'online', node: 0, zones: ['Normal'], start: '0x10000000', size: blockSize},
			{
				event: 'state',
				block: 5,
				from: 'offline',
				to: 'online',
				node: 1,
				zones: ['Normal', 'Movable'],
				start: '0x28000000',
				size: blockSize,
			},
			{event: 'added', block: 9, to: 'offline', node: 1, zones: ['Movable'], start: '0x48000000', size: blockSize},
		]);
	});

	test('every block gone, every block new', () => {
		const {sysroot} = tree({blocks: run(0, 2)});
		const other = tree({blocks: run(2, 2, {state: 'offline'})});
		const events = diffTrees(readMemoryTree(sysroot), readMemoryTree(other.sysroot));
		assert.deepEqual(
			events.map(event => `${event.event} ${event.block}`),
			['removed 0', 'removed 1', 'added 2', 'added 3'],
		);
	});

	test('a hostile state reaches the event without control characters', () => {
		const {sysroot, memory} = tree(spec);
		const before = readMemoryTree(sysroot);
		setState(memory, 1, '\u001b[2J\u009bonline');
		const [event] = diffTrees(before, readMemoryTree(sysroot));
		assert.equal(event?.to, '\ufffd[2J\ufffdonline');
	});
});

describe('attribute', () => {
	const root = '/r/sys/devices/system/memory';
	const event: WatchEvent = {event: 'state', block: 5, from: 'offline', to: 'online', node: 0, zones: [], start: '0x0', size: 1};
	const entry = (block: number, value: string, result: 'ok' | 'failed' = 'ok', file = `${root}/memory${block}/state`) =>
		auditEntry(file, value, result === 'ok' ? undefined : Object.assign(new Error('x'), {code: 'EBUSY'}));

	test('ham-tui when its write of a value leading to that state went through, in this tree', () => {
		assert.equal(attribute(event, [entry(5, 'online_movable')], root).by, 'ham-tui');
		assert.equal(attribute(event, [entry(5, 'offline')], root).by, 'other', 'a write of offline does not bring it online');
		assert.equal(attribute(event, [entry(5, 'online', 'failed')], root).by, 'other', 'a failed write changed nothing');
		assert.equal(attribute(event, [entry(6, 'online')], root).by, 'other', 'another block');
		assert.equal(attribute(event, [entry(5, 'online', 'ok', '/elsewhere/memory5/state')], root).by, 'other', 'another tree');
		assert.equal(attribute({...event, to: 'going-offline'}, [entry(5, 'offline')], root).by, 'ham-tui');
		assert.equal(attribute({...event, event: 'added'}, [entry(5, 'online')], root).by, 'other', 'ham-tui adds no memory');
	});

	test('an entry is kept for the poll it was read in and the next one', () => {
		const window = new AuditWindow();
		window.add(1, [entry(5, 'online')]);
		window.add(2, []);
		assert.equal(window.entries().length, 1);
		window.add(3, []);
		assert.equal(window.entries().length, 0);
	});
});

/** runWatch with hooks: `changes[k]` runs after poll k, and the watch stops after the last one's poll. */
async function watch(
	sysroot: string,
	log: string,
	changes: ReadonlyArray<() => void>,
	options: Partial<WatchOptions> = {},
	extra: Partial<SysfsTarget> = {},
) {
	const {io, out, err} = output();
	const deps: WatchDeps = {auditLog: log, afterPoll: poll => changes[poll]?.()};
	const code = await runWatch({format: 'json', interval: 1, polls: changes.length, ...options}, target(sysroot, extra), io, deps);
	return {code, out, err};
}

describe('runWatch, json', () => {
	test('a start line, then each change a monitor would see, told by ham-tui or by someone else', async () => {
		const {sysroot, memory, log} = tree(spec);
		const problems: string[] = [];
		// The kernel reads back "online" whatever zone it was onlined to; a file would keep "online_movable".
		const kernel: SysfsWriter = (file, value) => writeSysfs(file, `${value.startsWith('online') ? 'online' : value}\n`);
		const writer = auditedWriter(kernel, {log, onProblem: line => problems.push(line)});
		const {code, out, err} = await watch(sysroot, log, [
			() => setState(memory, 4, 'online'), // The kernel's auto-online, a udev rule: not ham-tui.
			() => writer(path.join(memory, 'memory5', 'state'), 'online_movable'),
			() => makeMemoryTree(sysroot, {blocks: [{index: 10, state: 'offline', zones: 'Movable'}]}),
			() => rmSync(path.join(memory, 'memory10'), {recursive: true}),
			() => {},
		]);
		assert.equal(code, 0);
		assert.deepEqual(err, []);
		assert.deepEqual(problems, []);
		const lines = events(out);
		assert.equal(out.length, lines.length, 'one io.out per line: each flushed by itself');
		assert.deepEqual(lines[0], {
			time: '1970-01-12T13:46:40.000Z',
			event: 'start',
			format: 1,
			sysroot,
			directory: memory,
			blocks: 8,
			online: 4,
			offline: 4,
			other: 0,
			blockSizeBytes: blockSize,
			blockSize: '128M',
			auditLog: log,
		});
		assert.deepEqual(
			lines.slice(1).map(line => [line.event, line.block, line.from ?? null, line.to ?? null, line.by]),
			[
				['state', 4, 'offline', 'online', 'other'],
				['state', 5, 'offline', 'online', 'ham-tui'],
				['added', 10, null, 'offline', 'other'],
				['removed', 10, 'offline', null, 'other'],
			],
		);
		const byUs = lines[2] ?? {};
		assert.equal((byUs.who as {pid: number}).pid, process.pid);
		assert.equal(byUs.value, 'online_movable');
		assert.deepEqual(byUs.zones, ['Normal', 'Movable']);
		assert.equal(byUs.node, 1);
		assert.equal(byUs.start, '0x28000000');
		assert.equal(Object.hasOwn(lines[1] ?? {}, 'who'), false);
		for (const line of lines) {
			assert.equal(typeof line.time, 'string');
		}
	});

	test('an entry read a poll before the change still counts; one from before the watch began does not', async () => {
		const {sysroot, memory, log} = tree(spec);
		appendAuditEntry(log, auditEntry(path.join(memory, 'memory7', 'state'), 'online', undefined));
		const {out} = await watch(sysroot, log, [
			() => appendAuditEntry(log, auditEntry(path.join(memory, 'memory6', 'state'), 'online', undefined)),
			() => setState(memory, 6, 'online'),
			() => setState(memory, 7, 'online'),
		]);
		assert.deepEqual(
			events(out)
				.slice(1)
				.map(line => [line.block, line.by]),
			[
				[6, 'ham-tui'],
				[7, 'other'],
			],
		);
	});

	test("a change seen before ham-tui's entry lands (the write returned, the append not yet) is still ham-tui's", async () => {
		const {sysroot, memory, log} = tree(spec);
		const {out} = await watch(sysroot, log, [
			() => setState(memory, 6, 'online'), // The write, seen by the next poll...
			() => appendAuditEntry(log, auditEntry(path.join(memory, 'memory6', 'state'), 'online', undefined)), // ...its entry one poll later.
			() => setState(memory, 7, 'online'), // Nobody's: held one poll, then said to be other.
			() => {},
			() => {},
		]);
		assert.deepEqual(
			events(out)
				.slice(1)
				.map(line => [line.block, line.by]),
			[
				[6, 'ham-tui'],
				[7, 'other'],
			],
		);
	});

	test('the memory directory gone for a while: one notice, an unreadable and a readable line, then the changes', async () => {
		const {sysroot, memory, log} = tree(spec);
		const away = `${memory}.away`;
		const {code, out, err} = await watch(sysroot, log, [
			() => renameSync(memory, away),
			() => {},
			() => {
				setState(away, 0, 'offline');
				renameSync(away, memory);
			},
			() => {},
		]);
		assert.equal(code, 0);
		assert.equal(err.length, 2, err.join(''));
		assert.match(err[0] ?? '', /^ham-tui: watch: cannot list memory blocks in .*: ENOENT; trying again every 1ms\n$/);
		assert.match(err[1] ?? '', /can be read again\n$/);
		assert.deepEqual(
			events(out).map(line => [line.event, line.block ?? null]),
			[
				['start', null],
				['unreadable', null],
				['readable', null],
				['state', 0],
			],
		);
	});

	test('the first read failing is exit 1 with one line, nothing on stdout', async () => {
		const {io, out, err} = output();
		const code = await runWatch({format: 'json', interval: 1, polls: 1}, target(path.join(scratch.sysroot, 'no-such-root')), io, {
			auditLog: path.join(scratch.sysroot, 'none.log'),
		});
		assert.equal(code, 1);
		assert.deepEqual(out, []);
		assert.equal(err.length, 1);
	});

	test('stopped by its AbortSignal, with a real interval: exit 0', async () => {
		const {sysroot, memory, log} = tree(spec);
		const controller = new AbortController();
		const out: string[] = [];
		const io: SysfsIo = {
			out: text => {
				out.push(text);
				if (text.includes('"event":"state"')) {
					controller.abort();
				}
			},
			err: () => {},
			now: () => Date.now() / 1000,
			fixedClock: false,
		};
		const running = runWatch({format: 'json', interval: 5, signal: controller.signal}, target(sysroot), io, {auditLog: log});
		setTimeout(() => setState(memory, 4, 'online'), 20);
		assert.equal(await running, 0);
		assert.deepEqual(
			events(out).map(line => line.event),
			['start', 'state'],
		);
	});

	test('an aborted signal ends the watch before the first wait', async () => {
		const {sysroot, log} = tree(spec);
		const {io, out} = output();
		const controller = new AbortController();
		controller.abort();
		assert.equal(await runWatch({format: 'json', interval: 60_000, signal: controller.signal}, target(sysroot), io, {auditLog: log}), 0);
		assert.equal(out.length, 1);
	});

	test('maxEvents stops it once that many changes were printed', async () => {
		const {sysroot, memory, log} = tree(spec);
		const {code, out} = await watch(sysroot, log, [() => setState(memory, 4, 'online'), () => setState(memory, 5, 'online'), () => {}], {
			maxEvents: 1,
			polls: undefined,
		});
		assert.equal(code, 0);
		assert.equal(events(out).length, 2);
	});

	test('a damaged audit log is a notice on stderr, once, and the watch goes on', async () => {
		const {sysroot, memory, log} = tree(spec);
		const {code, out, err} = await watch(sysroot, log, [
			() => {
				appendAuditEntry(log, auditEntry('/x/memory1/state', 'online', undefined));
				writeFileSync(log, 'garbage\n', {flag: 'a'});
			},
			() => {
				writeFileSync(log, 'garbage\n', {flag: 'a'});
				setState(memory, 4, 'online');
			},
			() => {},
		]);
		assert.equal(code, 0);
		assert.equal(err.length, 1, err.join(''));
		assert.match(err[0] ?? '', /audit log .*: line at byte \d+ skipped: not JSON/);
		assert.equal(events(out).length, 2);
	});
});

describe('runWatch, status', () => {
	test('the /proc/ham/status rows at the start and after each poll that changed something, a blank line between frames', async () => {
		const {sysroot, memory, log} = tree(spec);
		const {code, out} = await watch(sysroot, log, [() => {}, () => setState(memory, 4, 'online'), () => {}], {format: 'status'});
		assert.equal(code, 0);
		const text = out.join('');
		assert.equal(
			text,
			'0\t0x00000000\t536870912\tREAD/WRITE\tENABLED\n' +
				'4\t0x20000000\t536870912\tREAD/WRITE\tOFFLINE\n' +
				'\n' +
				'0\t0x00000000\t671088640\tREAD/WRITE\tENABLED\n' +
				'5\t0x28000000\t402653184\tREAD/WRITE\tOFFLINE\n',
		);
		assert.equal(out.length, 2, 'one write per frame');
	});

	test('--all: one row per block', async () => {
		const {sysroot, log} = tree({blocks: run(0, 2)});
		const {out} = await watch(sysroot, log, [], {format: 'status'}, {all: true});
		assert.equal(out.join(''), '0\t0x00000000\t134217728\tREAD/WRITE\tENABLED\n1\t0x08000000\t134217728\tREAD/WRITE\tENABLED\n');
	});
});

describe('a long write: going-offline while ham-tui still waits for the kernel', () => {
	test('the started entry attributes it, and stays until its answer, however many polls that takes', () => {
		const root = '/r/sys/devices/system/memory';
		const entry = (result: 'started' | 'ok', time: string): AuditEntry => ({
			time,
			tool: 'ham-tui',
			who: {user: 'root', uid: 0, pid: 42},
			what: 'state',
			block: 9,
			value: 'offline',
			path: `${root}/memory9/state`,
			result,
		});
		const window = new AuditWindow();
		window.add(1, [entry('started', '2026-12-02T00:00:01.000Z')]);
		for (let poll = 2; poll < 10; poll++) {
			window.add(poll, []);
		}

		const going: WatchEvent = {
			event: 'state',
			block: 9,
			from: 'online',
			to: 'going-offline',
			node: 0,
			zones: ['Movable'],
			start: '0x48000000',
			size: 2 ** 27,
		};
		assert.equal(attribute(going, window.entries(), root).by, 'ham-tui');
		window.add(10, [entry('ok', '2026-12-02T00:03:00.000Z')]);
		assert.equal(attribute({...going, from: 'going-offline', to: 'offline'}, window.entries(), root).by, 'ham-tui');
		window.add(11, []);
		window.add(12, []);
		// Answered and two polls old: both gone, a later change is someone else's.
		assert.deepEqual(window.entries(), []);
	});
});
