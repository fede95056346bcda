// Onlining on sysfs, in-process: one attempt, the retry loop of the one-shot command, the kernel's
// refusals through a writer test double, and the permission check through an access test double.
import assert from 'node:assert/strict';
import {readFileSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, test} from 'node:test';
import type {Command, SysfsTarget} from '../source/cli/command.js';
import {runSysfsCommand} from '../source/commands/sysfs.js';
import {sysfsSource} from '../source/machine/sysfs.js';
import {
	attemptOnline,
	blockList,
	describeError,
	faultyWriter,
	groupResults,
	integrateOnce,
	isThisMachine,
	retryCanHelp,
	writerFor,
} from '../source/sysfs/integrate.js';
import {canWrite, needsRoot, type SysfsWriter, writeSysfs} from '../source/sysfs/online.js';
import {readMemoryTree} from '../source/sysfs/read.js';
import {blockStatus, formatStatusRows, memoryTotals, statusRows} from '../source/sysfs/status.js';
import {captureIo} from './helpers/io.js';
import {makeMemoryTree, run, type TreeSpec, tempSysroot} from './helpers/sysfs-tree.js';

const scratch = tempSysroot('ham-sysfs-integrate-');
after(scratch.remove);
let count = 0;
function tree(spec: TreeSpec): {sysroot: string; memory: string} {
	const sysroot = path.join(scratch.sysroot, `tree${count++}`);
	return {sysroot, memory: makeMemoryTree(sysroot, spec)};
}

const errno = (code: string) => Object.assign(new Error(`${code}: refused`), {code});

/** The kernel, as a test double: refuses chosen blocks with an errno for their first k writes, records every write. */
function kernel(refusals: Record<number, {code: string; times: number}>) {
	const writes: string[] = [];
	const left = new Map(Object.entries(refusals).map(([block, refusal]) => [Number(block), {...refusal}]));
	const writer: SysfsWriter = (file, value) => {
		const block = Number(/memory(\d+)\/state$/.exec(file)?.[1]);
		writes.push(`${block}=${value}`);
		const refusal = left.get(block);
		if (refusal && refusal.times > 0) {
			refusal.times--;
			throw errno(refusal.code);
		}

		writeSysfs(file, value);
	};

	return {writer, writes};
}

const spec: TreeSpec = {blocks: [...run(0, 4), ...run(4, 6, {state: 'offline'}), ...run(12, 2, {state: 'offline'})]};

describe('one attempt', () => {
	test('writes each listed block once and says what the kernel answered', () => {
		const {sysroot} = tree(spec);
		const {writer, writes} = kernel({5: {code: 'EBUSY', times: 1}, 6: {code: 'EINVAL', times: 9}, 13: {code: 'ENOMEM', times: 1}});
		const results = attemptOnline(readMemoryTree(sysroot), [4, 5, 6, 7, 8, 9, 12, 13], 'online', writer);
		assert.deepEqual(writes, ['4=online', '5=online', '6=online', '7=online', '8=online', '9=online', '12=online', '13=online']);
		assert.deepEqual(results, [
			{block: 4, ok: true},
			{block: 5, ok: false, error: 'EBUSY', retry: true},
			{block: 6, ok: false, error: 'EINVAL', retry: false},
			{block: 7, ok: true},
			{block: 8, ok: true},
			{block: 9, ok: true},
			{block: 12, ok: true},
			{block: 13, ok: false, error: 'ENOMEM', retry: true},
		]);
		assert.deepEqual(
			groupResults(results).map(group => [group.first, group.last, group.ok, group.error ?? null]),
			[
				[4, 4, true, null],
				[5, 5, false, 'EBUSY'],
				[6, 6, false, 'EINVAL'],
				[7, 9, true, null],
				[12, 12, true, null],
				[13, 13, false, 'ENOMEM'],
			],
		);
	});

	test('EINVAL for a block that is online by now counts as done (someone else onlined it)', () => {
		const {sysroot, memory} = tree(spec);
		const before = readMemoryTree(sysroot);
		writeFileSync(path.join(memory, 'memory4/state'), 'online\n');
		const results = attemptOnline(before, [4], 'online', () => {
			throw errno('EINVAL');
		});
		assert.deepEqual(results, [{block: 4, ok: true, already: true}]);
	});

	test('which refusals a retry can help, and how they read', () => {
		for (const code of ['EBUSY', 'EAGAIN', 'ENOMEM', 'EINTR']) {
			assert.equal(retryCanHelp(code), true, code);
		}

		for (const code of ['EINVAL', 'EACCES', 'EPERM', 'ENOENT', 'EROFS', 'EISDIR']) {
			assert.equal(retryCanHelp(code), false, code);
		}

		assert.equal(describeError('EBUSY'), 'EBUSY (resource busy or locked)');
		assert.equal(describeError('EINVAL'), 'EINVAL (invalid argument)');
		assert.equal(describeError('ENOTACODE'), 'ENOTACODE');
		assert.equal(blockList([1, 2, 3, 7, 9, 10]), '1-3, 7, 9-10');
		assert.equal(blockList([1, 3, 5, 7], 2), '1, 3 and 2 more');
	});
});

describe('blocks that come and go between attempts, as virtio-mem adds and removes them', () => {
	/** After the first write, the hypervisor hot-adds block 20 and hot-removes block 13 (still offline). */
	function virtioMem(memory: string, sysroot: string, refusals: Record<number, {code: string; times: number}>) {
		const inner = kernel(refusals);
		let changed = false;
		const writer: SysfsWriter = (file, value) => {
			if (!changed) {
				changed = true;
				makeMemoryTree(sysroot, {blocks: [{index: 20, state: 'offline'}]});
				rmSync(path.join(memory, 'memory13'), {recursive: true});
			}

			inner.writer(file, value);
		};

		return {writer, writes: inner.writes};
	}

	test('integrateOnce: a block that arrived is tried, one that vanished is gone, not still offline', () => {
		const {sysroot, memory} = tree(spec);
		const {writer, writes} = virtioMem(memory, sysroot, {5: {code: 'EBUSY', times: 1}});
		const first = integrateOnce(readMemoryTree(sysroot), {mode: 'online', writer});
		assert.equal(first.reread, false);
		assert.deepEqual(
			first.results.filter(result => !result.ok).map(result => [result.block, result.error, result.gone ?? false]),
			[
				[5, 'EBUSY', false],
				[13, 'ENOENT', true],
			],
			'13 vanished while the attempt wrote: its write found no block',
		);
		assert.equal(
			first.tree.blocks.some(block => block.index === 13),
			false,
			'a block gone is left out of the tree',
		);
		const second = integrateOnce(first.tree, {mode: 'online', writer});
		assert.equal(second.reread, true, 'the listing changed: read again');
		assert.deepEqual(
			second.results,
			[
				{block: 5, ok: true},
				{block: 20, ok: true},
			],
			'13 is not reported gone twice',
		);
		assert.deepEqual(writes.slice(-2), ['5=online', '20=online']);
		assert.equal(readFileSync(path.join(memory, 'memory20/state'), 'utf8'), 'online');
	});

	test('integrateOnce: blocks offline when read and gone by the next attempt are gone', () => {
		const {sysroot, memory} = tree(spec);
		const before = readMemoryTree(sysroot);
		rmSync(path.join(memory, 'memory12'), {recursive: true});
		rmSync(path.join(memory, 'memory4'), {recursive: true});
		const {writer, writes} = kernel({});
		const once = integrateOnce(before, {mode: 'online', writer});
		assert.equal(once.reread, true);
		assert.deepEqual(
			once.results.filter(result => result.gone).map(result => result.block),
			[4, 12],
		);
		assert.deepEqual(writes, ['5=online', '6=online', '7=online', '8=online', '9=online', '13=online']);
	});

	test('the one-shot: new blocks onlined on a later attempt, a vanished one counted gone; exit 0', async () => {
		const {sysroot, memory} = tree(spec);
		const {writer} = virtioMem(memory, sysroot, {5: {code: 'EBUSY', times: 1}});
		const out: string[] = [];
		const err: string[] = [];
		const code = await runSysfsCommand(
			{kind: 'integrate', attempts: 3, interval: 10},
			{sysroot, all: false, onlineType: 'online', dryRun: false},
			{out: text => out.push(text), err: text => err.push(text), now: () => 1000, fixedClock: true},
			{writer, env: {}},
		);
		assert.equal(code, 0, err.join(''));
		assert.deepEqual(out.join('').split('\n'), [
			'attempt 1/3: block 4 (0x20000000-0x27ffffff): online',
			'attempt 1/3: block 5 (0x28000000-0x2fffffff): FAILED: EBUSY (resource busy or locked) [retry can help]',
			'attempt 1/3: blocks 6-9 (0x30000000-0x4fffffff): online',
			'attempt 1/3: block 12 (0x60000000-0x67ffffff): online',
			'attempt 1/3: block 13 (0x68000000-0x6fffffff): gone (no longer in sysfs: removed since it was read)',
			'attempt 2/3: block 5 (0x28000000-0x2fffffff): online',
			'attempt 2/3: block 20 (0xa0000000-0xa7ffffff): online',
			'integrate: 8 of 9 offline block(s) onlined (1G of 1152M), 1 gone (block 13)',
			'',
		]);
		// A generated tree has neither /proc/iomem nor a firmware map: said once, before the first attempt.
		assert.deepEqual(err, [
			`ham-tui: note: ${sysroot}/proc/iomem: missing, so virtio-mem and dax kmem memory are not told apart\n` +
				`ham-tui: note: ${sysroot}/sys/firmware/memmap: missing, so boot memory is not told apart from unknown\n`,
		]);
	});

	test('the console: i after blocks came and went onlines the new one and says the other is gone', () => {
		const {sysroot, memory} = tree(spec);
		const source = sysfsSource(sysroot, {now: () => 1000});
		makeMemoryTree(sysroot, {blocks: [{index: 20, state: 'offline'}]});
		rmSync(path.join(memory, 'memory13'), {recursive: true});
		const result = source.act({type: 'integrate'}, 1000);
		assert.equal(result.message, 'online: 8 of 9 offline block(s) onlined, 1 gone');
		assert.deepEqual(
			result.outcomes.map(outcome => `${outcome.label}: ${outcome.status}`),
			['blocks 4-9: ENABLED', 'block 12: ENABLED', 'block 13: GONE', 'block 20: ENABLED'],
		);
		const log = source.latest().log.join('\n');
		assert.match(
			log,
			// The tree as read again, before any write: block 20 still offline, a range of its own.
			/blocks came or went: re-read 12 block\(s\) of 128M in 4 range\(s\): /,
			'read again before writing (no time given: the integrate read it)',
		);
		assert.match(log, /online block 13: gone \(no longer in sysfs\)/);
		assert.equal(readFileSync(path.join(memory, 'memory20/state'), 'utf8'), 'online');
	});
});

describe('the kernel test double from the environment', () => {
	test('BLOCK[-BLOCK]=ECODE[*COUNT]: refuses that many times, then writes', () => {
		const writes: string[] = [];
		const writer = faultyWriter('3-4=EBUSY*2, 9=EINVAL', (file, value) => writes.push(`${file}=${value}`));
		assert.ok(writer.ok);
		const write = writer.value;
		const attempt = (block: number) => {
			try {
				write(`/x/memory${block}/state`, 'online');
				return 'ok';
			} catch (error) {
				return (error as NodeJS.ErrnoException).code;
			}
		};

		assert.deepEqual(
			[attempt(3), attempt(3), attempt(3), attempt(4), attempt(9), attempt(9), attempt(5)],
			['EBUSY', 'EBUSY', 'ok', 'EBUSY', 'EINVAL', 'EINVAL', 'ok'],
		);
		assert.deepEqual(writes, ['/x/memory3/state=online', '/x/memory5/state=online']);
		assert.deepEqual(faultyWriter('x=EBUSY'), {ok: false, error: '"x=EBUSY" is not BLOCK[-BLOCK]=ECODE[*COUNT]'});
		const backwards = faultyWriter('9-3=EBUSY');
		assert.ok(!backwards.ok);
		assert.match(backwards.error, /backwards/);
	});

	test("never for this machine's own /sys", () => {
		const env = {HAM_TUI_TEST_WRITE_ERRORS: '0=EBUSY'};
		assert.equal(isThisMachine('/'), true);
		assert.equal(isThisMachine('/tmp/..'), true);
		assert.equal(isThisMachine(scratch.sysroot), false);
		const writer = (sysroot: string, environment: NodeJS.ProcessEnv) => {
			const chosen = writerFor(sysroot, environment);
			assert.ok(chosen.ok);
			return chosen.value;
		};
		assert.equal(writer('/', env), writeSysfs);
		assert.equal(writer('/tmp/..', env), writeSysfs);
		assert.notEqual(writer(scratch.sysroot, env), writeSysfs);
		assert.equal(writer(scratch.sysroot, {}), writeSysfs);
		assert.deepEqual(writerFor(scratch.sysroot, {HAM_TUI_TEST_WRITE_ERRORS: 'x'}), {
			ok: false,
			error: 'HAM_TUI_TEST_WRITE_ERRORS: "x" is not BLOCK[-BLOCK]=ECODE[*COUNT]',
		});
	});
});

describe('the permission check', () => {
	test('a tree where writing is refused (a test double for non-root): "needs root"', () => {
		const {sysroot, memory} = tree(spec);
		const seen: string[] = [];
		const problem = canWrite(readMemoryTree(sysroot), file => {
			seen.push(path.basename(path.dirname(file)));
			throw errno('EACCES');
		});
		assert.equal(problem, `onlining memory needs root: cannot write ${memory}/memory4/state (EACCES)`);
		assert.equal(needsRoot(problem as string), true);
		assert.deepEqual(seen, ['memory4'], 'it stops at the first refusal');
		assert.equal(
			canWrite(readMemoryTree(sysroot), () => {
				throw errno('EROFS');
			}),
			`sysfs is mounted read-only here: cannot write ${memory}/memory4/state (EROFS)`,
		);
	});
});

describe('the one-shot retry loop, in-process', () => {
	const integrate = (attempts: number): Command => ({kind: 'integrate', attempts, interval: 10});
	const target = (sysroot: string, changes: Partial<SysfsTarget> = {}): SysfsTarget => ({
		sysroot,
		all: false,
		onlineType: 'online',
		dryRun: false,
		...changes,
	});
	const io = () => captureIo();

	test('EBUSY for the first k attempts: attempt k+1 onlines it; attempts stop there', async () => {
		const {sysroot, memory} = tree(spec);
		const {writer, writes} = kernel({6: {code: 'EBUSY', times: 3}});
		const output = io();
		const code = await runSysfsCommand(integrate(10), target(sysroot), output.io, {writer, env: {}});
		assert.equal(code, 0);
		assert.deepEqual(
			writes.filter(write => write.startsWith('6=')),
			['6=online', '6=online', '6=online', '6=online'],
		);
		assert.equal(writes.length, 8 + 3, 'blocks onlined on attempt 1 are not written again');
		const text = output.out.join('');
		assert.match(text, /attempt 3\/10: block 6 .*EBUSY/);
		assert.match(text, /attempt 4\/10: block 6 \(0x30000000-0x37ffffff\): online\n/);
		assert.doesNotMatch(text, /attempt 5/);
		assert.equal(readFileSync(path.join(memory, 'memory6/state'), 'utf8'), 'online');
	});

	test('refused by the permission check: one line, no write at all, exit 1', async () => {
		const {sysroot} = tree(spec);
		const {writer, writes} = kernel({});
		const output = io();
		const code = await runSysfsCommand(integrate(3), target(sysroot), output.io, {
			writer,
			access: () => {
				throw errno('EACCES');
			},
			env: {},
		});
		assert.equal(code, 1);
		assert.deepEqual(writes, []);
		assert.deepEqual(output.out, []);
		assert.equal(output.err.length, 1);
		assert.match(output.err[0]!, /needs root/);
	});

	test('--dry-run with no permission: the plan, and the reason it would fail', async () => {
		const {sysroot} = tree(spec);
		const {writer, writes} = kernel({});
		const output = io();
		const code = await runSysfsCommand(integrate(1), target(sysroot, {dryRun: true}), output.io, {
			writer,
			access: () => {
				throw errno('EACCES');
			},
			env: {},
		});
		assert.equal(code, 0);
		assert.deepEqual(writes, []);
		assert.match(output.out.join(''), /would write online to 8 offline block\(s\) \(1G\): 4-9, 12-13; nothing written/);
		assert.match(output.err.join(''), /needs root/);
	});
});

describe('status rows', () => {
	test('STATUS per state, FLAGS always READ/WRITE, totals', () => {
		const {sysroot} = tree({
			blocks: [...run(0, 2), {index: 2, state: 'offline'}, {index: 3, state: 'going-offline'}, {index: 4, omit: ['state']}],
		});
		const memoryTree = readMemoryTree(sysroot);
		assert.deepEqual(
			['online', 'offline', 'going-offline', 'unknown', 'sleeping'].map(state => blockStatus(state)),
			['ENABLED', 'OFFLINE', 'OFFLINING', 'UNKNOWN', 'UNKNOWN'],
		);
		assert.equal(
			formatStatusRows(statusRows(memoryTree)),
			[
				'0\t0x00000000\t268435456\tREAD/WRITE\tENABLED',
				'2\t0x10000000\t134217728\tREAD/WRITE\tOFFLINE',
				'3\t0x18000000\t134217728\tREAD/WRITE\tOFFLINING',
				'4\t0x20000000\t134217728\tREAD/WRITE\tUNKNOWN',
				'',
			].join('\n'),
		);
		const totals = memoryTotals(memoryTree);
		assert.deepEqual([totals.blocks, totals.online.blocks, totals.offline.blocks, totals.other.blocks], [5, 2, 1, 2]);
		assert.equal(totals.offline.bytes, 128 * 1024 * 1024);
	});
});
