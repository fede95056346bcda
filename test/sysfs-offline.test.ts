// --offline on sysfs, in-process: the checks before any write (node left empty, MemAvailable floor,
// valid_zones none), the order and the size rule, the kernel's refusals through a writer test
// double and their diagnoses, the timed write through a child process, and hostile files.
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, test} from 'node:test';
import type {SysfsTarget} from '../source/cli/command.js';
import {type OfflineOptions, type OfflineWriter, runOffline} from '../source/commands/offline.js';
import {exit} from '../source/exit.js';
import type {Selection} from '../source/selection.js';
import {availableFloor, diagnoseOffline, parseMeminfo, readMeminfo} from '../source/sysfs/offline.js';
import {writeSysfs} from '../source/sysfs/online.js';
import {timedWriter} from '../source/sysfs/timed-write.js';
import {captureIo} from './helpers/io.js';
import {type MachineSpec, writeMachineFiles} from './helpers/sysfs-machine.js';
import {type BlockSpec, makeMemoryTree, run, tempSysroot} from './helpers/sysfs-tree.js';

const scratch = tempSysroot('ham-sysfs-offline-');
after(scratch.remove);
let count = 0;

const GiB = 2 ** 30;
/** 8 GiB, 4 GiB of it available: the floor (410M) is far off. */
const roomy: MachineSpec['meminfo'] = {totalKiB: (8 * GiB) / 1024, freeKiB: (3 * GiB) / 1024, availableKiB: (4 * GiB) / 1024};

function machine(blocks: readonly BlockSpec[], meminfo: MachineSpec['meminfo'] | null = roomy) {
	const sysroot = path.join(scratch.sysroot, `tree${count++}`);
	const memory = makeMemoryTree(sysroot, {blocks});
	if (meminfo !== null) {
		writeMachineFiles(sysroot, {meminfo});
	}

	const state = (index: number) => readFileSync(path.join(memory, `memory${index}/state`), 'utf8');
	return {sysroot, memory, state};
}

function output() {
	const captured = captureIo();
	return {...captured, text: () => captured.out.join(''), errors: () => captured.err.join('')};
}

function target(sysroot: string, selection: Selection | undefined, dryRun = false): SysfsTarget {
	return {sysroot, all: false, onlineType: 'auto', dryRun, ...(selection ? {selection} : {})};
}

const blocks = (first: number, last: number): Selection => ({kind: 'blocks', first, last});
const errno = (code: string) => Object.assign(new Error(`${code}: refused`), {code});

/** The kernel as a test double: chosen blocks refused with an errno (every time), every write recorded. */
function kernel(refusals: Record<number, string> = {}) {
	const writes: number[] = [];
	const left = new Map(Object.entries(refusals).map(([block, code]) => [Number(block), code]));
	const writer: OfflineWriter = (file, value) => {
		const block = Number(/memory(\d+)\/state$/.exec(file)?.[1]);
		writes.push(block);
		const code = left.get(block);
		if (code !== undefined) {
			throw errno(code);
		}

		writeSysfs(file, value);
	};

	return {writer, writes};
}

const safe: OfflineOptions = {timeoutSeconds: 30, force: false};
const forced: OfflineOptions = {timeoutSeconds: 30, force: true};

/** Blocks 0-7 online on node 0, Normal. */
const eight = run(0, 8);

describe('which blocks, in which order', () => {
	test('a block range goes highest first, and each line says what became of the block', async () => {
		const {sysroot, state} = machine(eight);
		const {writer, writes} = kernel();
		const o = output();
		const code = await runOffline(safe, target(sysroot, blocks(4, 6)), o.io, {writer});
		assert.equal(code, exit.ok);
		assert.deepEqual(writes, [6, 5, 4]);
		assert.deepEqual(o.out, [
			'Memory Block 6 (0x30000000-0x37ffffff): offline\n',
			'Memory Block 5 (0x28000000-0x2fffffff): offline\n',
			'Memory Block 4 (0x20000000-0x27ffffff): offline\n',
			'offline: 3 of 3 block(s) offlined (384M of 384M)\n',
		]);
		assert.equal(state(4), 'offline');
		assert.equal(state(7), 'online\n');
	});

	test('an address range too, highest first', async () => {
		const {sysroot} = machine(eight);
		const {writer, writes} = kernel();
		const code = await runOffline(safe, target(sysroot, {kind: 'range', start: 0x3000_0000, end: 0x3fff_ffff}), output().io, {writer});
		assert.equal(code, exit.ok);
		assert.deepEqual(writes, [7, 6]);
	});

	test('a selection already offline: nothing to do, exit 0', async () => {
		const {sysroot} = machine([...run(0, 4), ...run(4, 2, {state: 'offline'})]);
		const {writer, writes} = kernel();
		const o = output();
		assert.equal(await runOffline(safe, target(sysroot, blocks(4, 5)), o.io, {writer}), exit.ok);
		assert.deepEqual(writes, []);
		assert.equal(o.text(), 'offline: blocks 4-5 is already offline, nothing to do\n');
	});

	test('no selection: a usage error, nothing read or written', async () => {
		const {sysroot} = machine(eight);
		const o = output();
		assert.equal(await runOffline(safe, target(sysroot, undefined), o.io, {writer: kernel().writer}), exit.usage);
		assert.match(o.errors(), /--offline needs the blocks to offline: --blocks N-M, --range 0xSTART-0xEND or --size SIZE/);
	});

	test('a size continues past a failure, highest first, until the size is done', async () => {
		const {sysroot, state} = machine(eight);
		const {writer, writes} = kernel({7: 'EBUSY'});
		const o = output();
		const code = await runOffline(safe, target(sysroot, {kind: 'size', bytes: 256 * 2 ** 20}), o.io, {writer});
		assert.equal(code, exit.ok);
		assert.deepEqual(writes, [7, 6, 5]);
		assert.equal(state(7), 'online\n');
		assert.equal(state(5), 'offline');
		assert.match(o.text(), /^offline: 2 of 2 block\(s\) offlined \(256M of 256M\), 1 still online \(block 7: EBUSY\)$/m);
	});

	test('a size that runs out of blocks: "could only offline", exit 64', async () => {
		// Blocks 0-3 online: block 0 would leave node 0 empty, so only 3 of 4 can go.
		const {sysroot, state} = machine([...run(0, 4), ...run(4, 4, {state: 'offline'})]);
		const {writer, writes} = kernel();
		const o = output();
		const code = await runOffline(safe, target(sysroot, {kind: 'size', bytes: 512 * 2 ** 20}), o.io, {writer});
		assert.equal(code, exit.partial);
		assert.deepEqual(writes, [3, 2, 1]);
		assert.equal(state(0), 'online\n');
		assert.match(o.text(), /^Memory Block 0 \(0x00000000-0x07ffffff\): refused: node 0 would have no online memory left/m);
		assert.match(o.text(), /^offline: could only offline 384M of 512M$/m);
		assert.match(o.text(), /^offline: 3 of 4 block\(s\) offlined \(384M of 512M\)$/m);
	});

	test('a size stops where MemAvailable would fall below the floor', async () => {
		// 2 GiB, 400M available, floor 128M: two blocks (256M) fit, a third would leave 16M.
		const {sysroot, state} = machine(eight, {totalKiB: (2 * GiB) / 1024, freeKiB: 300 * 1024, availableKiB: 400 * 1024});
		const {writer, writes} = kernel();
		const o = output();
		const code = await runOffline(safe, target(sysroot, {kind: 'size', bytes: 512 * 2 ** 20}), o.io, {writer});
		assert.equal(code, exit.partial);
		assert.deepEqual(writes, [7, 6]);
		assert.equal(state(5), 'online\n');
		assert.match(
			o.text(),
			/^offline: stopping: MemAvailable would fall to 16 MiB, below the floor of 128M \(5% of MemTotal 2G, at least 128M\)$/m,
		);
		assert.match(o.text(), /^offline: could only offline 256M of 512M$/m);
	});

	test('some blocks refused by the kernel: exit 64, the summary names them', async () => {
		const {sysroot} = machine(eight);
		const {writer} = kernel({5: 'EBUSY'});
		const o = output();
		const code = await runOffline(safe, target(sysroot, blocks(4, 7)), o.io, {writer});
		assert.equal(code, exit.partial);
		assert.match(o.text(), /^offline: 3 of 4 block\(s\) offlined \(384M of 512M\), 1 still online \(block 5: EBUSY\)$/m);
	});

	test('every block refused by the kernel: exit 1', async () => {
		const {sysroot} = machine(eight);
		const {writer} = kernel({6: 'ENOMEM', 7: 'EAGAIN'});
		const o = output();
		assert.equal(await runOffline(safe, target(sysroot, blocks(6, 7)), o.io, {writer}), exit.failed);
		assert.match(o.text(), /^offline: 0 of 2 block\(s\) offlined \(0 of 256M\), 2 still online \(blocks 6-7: EAGAIN, ENOMEM\)$/m);
	});
});

describe('the checks before any write', () => {
	test('a node that would be left without online memory: refused, nothing written', async () => {
		const {sysroot, state} = machine([...run(0, 4), ...run(4, 2, {node: 1})]);
		const {writer, writes} = kernel();
		const o = output();
		const code = await runOffline(safe, target(sysroot, blocks(4, 5)), o.io, {writer});
		assert.equal(code, exit.failed);
		assert.deepEqual(writes, []);
		assert.equal(state(5), 'online\n');
		assert.deepEqual(o.out, [
			"Memory Block 4 (0x20000000-0x27ffffff): refused: node 1 would have no online memory left (a node without memory loses its CPUs' local allocations)\n",
			"offline: nothing written: 1 of 2 block(s) refused by the checks (--force skips the node and MemAvailable checks, not the kernel's own refusals)\n",
		]);
	});

	test('MemAvailable pushed below the floor: refused, nothing written', async () => {
		// 2 GiB, 512M available: the floor is 128M, four blocks (512M) would leave nothing.
		const {sysroot, state} = machine(eight, {totalKiB: (2 * GiB) / 1024, freeKiB: 400 * 1024, availableKiB: 512 * 1024});
		const {writer, writes} = kernel();
		const o = output();
		assert.equal(await runOffline(safe, target(sysroot, blocks(4, 7)), o.io, {writer}), exit.failed);
		assert.deepEqual(writes, []);
		assert.equal(state(4), 'online\n');
		assert.match(
			o.text(),
			/^Memory Block 4 \(0x20000000-0x27ffffff\): refused: MemAvailable would fall to 0 B, below the floor of 128M \(5% of MemTotal 2G, at least 128M\)$/m,
		);
	});

	test('--force passes the node and floor checks', async () => {
		const {sysroot, state} = machine([...run(0, 4), ...run(4, 4, {node: 1})], {
			totalKiB: (2 * GiB) / 1024,
			freeKiB: 400 * 1024,
			availableKiB: 512 * 1024,
		});
		const {writer, writes} = kernel();
		const o = output();
		assert.equal(await runOffline(forced, target(sysroot, blocks(4, 7)), o.io, {writer}), exit.ok);
		assert.deepEqual(writes, [7, 6, 5, 4]);
		assert.equal(state(4), 'offline');
	});

	test('valid_zones none: refused even with --force, nothing written', async () => {
		const {sysroot} = machine([...run(0, 6), {index: 6, zones: 'none'}, {index: 7}]);
		const {writer, writes} = kernel();
		const o = output();
		assert.equal(await runOffline(forced, target(sysroot, blocks(6, 7)), o.io, {writer}), exit.failed);
		assert.deepEqual(writes, []);
		assert.match(
			o.text(),
			/^Memory Block 6 \(0x30000000-0x37ffffff\): refused: valid_zones is none: the block spans zones or has holes, the kernel will never offline it$/m,
		);
		assert.match(o.text(), /^offline: nothing written: 1 of 2 block\(s\) refused by the checks\n$/m);
	});

	test('a block going-offline (another offline under way) is refused', async () => {
		const {sysroot} = machine([...run(0, 7), {index: 7, state: 'going-offline'}]);
		const {writer, writes} = kernel();
		const o = output();
		assert.equal(await runOffline(safe, target(sysroot, blocks(7, 7)), o.io, {writer}), exit.failed);
		assert.deepEqual(writes, []);
		assert.match(o.text(), /^Memory Block 7 \(0x38000000-0x3fffffff\): refused: it is going-offline: another offline of it is under way$/m);
	});

	test('without write access: "needs root", exit 1, nothing written', async () => {
		const {sysroot} = machine(eight);
		const {writer, writes} = kernel();
		const o = output();
		const access = () => {
			throw errno('EACCES');
		};
		assert.equal(await runOffline(safe, target(sysroot, blocks(7, 7)), o.io, {writer, access}), exit.failed);
		assert.deepEqual(writes, []);
		assert.match(o.errors(), /^ham-tui: offlining memory needs root: cannot write .*memory7\/state \(EACCES\)$/m);
	});

	test('--dry-run: each write as a shell line with the checks; nothing written', async () => {
		const {sysroot, memory, state} = machine([...run(0, 6), ...run(6, 2, {zones: 'Movable'})]);
		const {writer, writes} = kernel();
		const o = output();
		assert.equal(await runOffline(safe, target(sysroot, blocks(6, 7), true), o.io, {writer}), exit.ok);
		assert.deepEqual(writes, []);
		assert.equal(state(7), 'online\n');
		assert.equal(
			o.text(),
			`echo offline > ${memory}/memory7/state  # Movable; node 0 keeps 7 online block(s), MemAvailable would be 3.8 GiB, at or above the floor of 410M\n` +
				`echo offline > ${memory}/memory6/state  # Movable; node 0 keeps 6 online block(s), MemAvailable would be 3.7 GiB, at or above the floor of 410M\n` +
				'dry run: would offline 2 block(s) (256M): 6-7; nothing written\n',
		);
	});

	test('--dry-run with a refusal: the refusal, exit 1, nothing written', async () => {
		const {sysroot} = machine([...run(0, 7), {index: 7, zones: 'none'}]);
		const {writer, writes} = kernel();
		const o = output();
		assert.equal(await runOffline(safe, target(sysroot, blocks(7, 7), true), o.io, {writer}), exit.failed);
		assert.deepEqual(writes, []);
		assert.match(o.text(), /refused: valid_zones is none/);
	});

	test('the floor rule: 5% of MemTotal, at least 128 MiB', () => {
		assert.equal(availableFloor(2 * GiB), 128 * 2 ** 20);
		assert.equal(availableFloor(100 * GiB), 5 * GiB);
		assert.equal(availableFloor(8 * GiB), 410 * 2 ** 20);
	});
});

describe("the kernel's answers, diagnosed", () => {
	test('EBUSY in Normal: unmovable kernel memory, no retry; in Movable: pinned pages, a retry can help', async () => {
		const {sysroot} = machine([...run(0, 6), {index: 6, zones: 'Normal'}, {index: 7, zones: 'Movable'}]);
		const {writer} = kernel({6: 'EBUSY', 7: 'EBUSY'});
		const o = output();
		assert.equal(await runOffline(safe, target(sysroot, blocks(6, 7)), o.io, {writer}), exit.failed);
		assert.deepEqual(o.out.slice(0, 2), [
			'Memory Block 7 (0x38000000-0x3fffffff): FAILED: EBUSY (resource busy or locked): pages in zone Movable pinned or being migrated: a retry can help, dropping caches (echo 3 > /proc/sys/vm/drop_caches) or compaction (echo 1 > /proc/sys/vm/compact_memory) may too [retry can help]\n',
			'Memory Block 6 (0x30000000-0x37ffffff): FAILED: EBUSY (resource busy or locked): unmovable kernel memory in zone Normal (slab, page tables, pinned pages): the kernel cannot move it, a retry will not help [no retry can help]\n',
		]);
	});

	test('EINVAL for a block offline by now: someone else offlined it, done', async () => {
		const {sysroot, memory} = machine(eight);
		const o = output();
		const writer: OfflineWriter = () => {
			writeFileSync(path.join(memory, 'memory7/state'), 'offline\n');
			throw errno('EINVAL');
		};
		assert.equal(await runOffline(safe, target(sysroot, blocks(7, 7)), o.io, {writer}), exit.ok);
		assert.deepEqual(o.out, [
			'Memory Block 7 (0x38000000-0x3fffffff): offline (it already was: someone else offlined it)\n',
			'offline: 1 of 1 block(s) offlined (128M of 128M)\n',
		]);
	});

	test('EINVAL for a block still online: the kernel will not offline it', async () => {
		const {sysroot} = machine(eight);
		const o = output();
		assert.equal(await runOffline(safe, target(sysroot, blocks(7, 7)), o.io, {writer: kernel({7: 'EINVAL'}).writer}), exit.failed);
		assert.match(o.text(), /FAILED: EINVAL \(invalid argument\): the kernel will not offline it: .* \[no retry can help\]/);
	});

	test('the table', () => {
		const normal = {state: 'online', zones: ['Normal']};
		assert.equal(diagnoseOffline('EBUSY', normal).retry, false);
		assert.equal(diagnoseOffline('EBUSY', {state: 'online', zones: ['Movable']}).retry, true);
		assert.equal(diagnoseOffline('EBUSY', {state: 'online', zones: []}).retry, true);
		assert.deepEqual(diagnoseOffline('EINTR', normal), {
			text: 'interrupted while migrating its pages: the block stays online; a retry can help',
			retry: true,
		});
		assert.match(diagnoseOffline('ETIMEDOUT', normal, 30).text, /^still migrating pages after 30 s: stopped, the block stays online/);
		assert.equal(diagnoseOffline('EINVAL', {state: 'offline', zones: []}).text, 'it is offline now: someone else offlined it');
		assert.equal(diagnoseOffline('ENOMEM', normal).retry, true);
		assert.equal(diagnoseOffline('EAGAIN', normal).retry, true);
		assert.deepEqual(diagnoseOffline('EPERM', normal), {text: 'offlining memory needs root (CAP_SYS_ADMIN)', retry: false});
		assert.equal(diagnoseOffline('EACCES', normal).text, 'offlining memory needs root (CAP_SYS_ADMIN)');
		assert.equal(diagnoseOffline('ENOENT', normal).text, 'the block is gone: removed since it was read');
		assert.equal(diagnoseOffline('state is a symbolic link, not followed', normal).text, 'nothing was written');
	});
});

describe('the timed write, through a child process', () => {
	test('a real write on a regular file: the state file says offline', async () => {
		const {memory, state} = machine(eight);
		await timedWriter(10_000)(path.join(memory, 'memory7/state'), 'offline');
		assert.equal(state(7), 'offline');
	});

	test('runOffline writes through the child when no writer is given', async () => {
		const {sysroot, state} = machine(eight);
		const o = output();
		assert.equal(await runOffline(safe, target(sysroot, blocks(6, 7)), o.io), exit.ok);
		assert.equal(state(7), 'offline');
		assert.equal(state(6), 'offline');
	});

	test('a child still writing at the time limit is stopped: ETIMEDOUT, the block stays online', async () => {
		const {sysroot, state} = machine(eight);
		const writer = timedWriter(300, {childArgs: ['-e', 'setTimeout(() => {}, 20000)']});
		const o = output();
		const started = Date.now();
		const code = await runOffline({timeoutSeconds: 0.3, force: false}, target(sysroot, blocks(7, 7)), o.io, {writer});
		assert.ok(Date.now() - started < 10_000);
		assert.equal(code, exit.failed);
		assert.equal(state(7), 'online\n');
		assert.equal(
			o.out[0],
			'Memory Block 7 (0x38000000-0x3fffffff): FAILED: ETIMEDOUT (time limit): still migrating pages after 0.3 s: stopped, the block stays online; a retry or a longer time limit can help [retry can help]\n',
		);
	});

	test("the child's errno comes back as the write's code", async () => {
		const {memory} = machine(eight);
		const writer = timedWriter(10_000, {childArgs: ['-e', "process.stderr.write('EBUSY -16'); process.exitCode = 1"]});
		await assert.rejects(writer(path.join(memory, 'memory7/state'), 'offline'), {code: 'EBUSY'});
	});

	test('a state file that is a symbolic link: refused, nothing written', async () => {
		const {sysroot, memory} = machine(eight);
		const outside = path.join(scratch.sysroot, `outside${count++}`);
		writeFileSync(outside, 'precious\n');
		rmSync(path.join(memory, 'memory7/state'));
		symlinkSync(outside, path.join(memory, 'memory7/state'));
		const o = output();
		// The tree reads the link's state as unknown: named anyway, the block is refused by the checks
		// or, when written, by the open. Either way nothing is written through the link.
		const code = await runOffline(forced, target(sysroot, blocks(7, 7)), o.io);
		assert.equal(code, exit.failed);
		assert.equal(readFileSync(outside, 'utf8'), 'precious\n');
		await assert.rejects(timedWriter(10_000)(path.join(memory, 'memory7/state'), 'offline'), {
			code: 'state is a symbolic link, not followed',
		});
		assert.equal(readFileSync(outside, 'utf8'), 'precious\n');
	});
});

describe('a hostile /proc/meminfo', () => {
	/** A machine whose meminfo is made by `make`; the run must refuse without --force and write nothing. */
	async function refused(make: (file: string) => void, reason: RegExp) {
		const {sysroot, state} = machine(eight, null);
		execFileSync('mkdir', ['-p', path.join(sysroot, 'proc')]);
		make(path.join(sysroot, 'proc/meminfo'));
		const {writer, writes} = kernel();
		const o = output();
		assert.equal(await runOffline(safe, target(sysroot, blocks(7, 7)), o.io, {writer}), exit.failed);
		assert.deepEqual(writes, []);
		assert.equal(state(7), 'online\n');
		assert.match(o.errors(), reason);
		assert.doesNotMatch(o.errors(), /\u001b/);
		return sysroot;
	}

	test('missing: refused, and --force goes on without the floor check', async () => {
		const {sysroot, state} = machine(eight, null);
		const o = output();
		assert.equal(await runOffline(safe, target(sysroot, blocks(7, 7)), o.io, {writer: kernel().writer}), exit.failed);
		assert.match(o.errors(), /cannot read .*proc\/meminfo: ENOENT: MemAvailable unknown, nothing offlined \(--force skips this check\)/);
		const forcedOut = output();
		assert.equal(await runOffline(forced, target(sysroot, blocks(7, 7)), forcedOut.io, {writer: kernel().writer}), exit.ok);
		assert.match(forcedOut.errors(), /MemAvailable unknown, the floor check is skipped \(--force\)/);
		assert.equal(state(7), 'offline');
	});

	test('a symbolic link: not followed', async () => {
		const target = path.join(scratch.sysroot, `real-meminfo${count++}`);
		writeFileSync(target, 'MemTotal: 8388608 kB\nMemAvailable: 4194304 kB\n');
		await refused(file => symlinkSync(target, file), /meminfo: a symbolic link, not followed/);
	});

	test('a FIFO: not waited on', async () => {
		await refused(file => execFileSync('mkfifo', [file]), /meminfo: a FIFO, not a regular file/);
	});

	test('over 4 KiB: not read', async () => {
		await refused(
			file => writeFileSync(file, `MemTotal: 8388608 kB\nMemAvailable: 4194304 kB\n${'Filler: 1 kB\n'.repeat(400)}`),
			/meminfo: over 4096 bytes/,
		);
	});

	test('ESC bytes in the lines wanted: those lines do not parse, and nothing of them is shown', async () => {
		await refused(
			file => writeFileSync(file, 'MemTotal: 8388608 kB\nMemAvailable:\u001b[31m 4194304 kB\n'),
			/meminfo: no MemAvailable line/,
		);
	});

	test('odd lines around the real ones are skipped: __proto__, constructor, ESC, duplicates', () => {
		const parsed = parseMeminfo(
			'__proto__: 1 kB\uFFFDconstructor: 2 kB\uFFFDMemTotal:  8388608 kB\uFFFDJunk\u001b: 3 kB\uFFFDMemAvailable: 4194304 kB\uFFFDMemAvailable: 1 kB\uFFFD',
		);
		assert.deepEqual(parsed, {ok: true, value: {totalBytes: 8 * GiB, availableBytes: 4 * GiB}});
		assert.equal(Object.hasOwn(Object.prototype, 'totalBytes'), false);
	});

	test('as the kernel writes it', () => {
		const {sysroot} = machine(eight);
		assert.deepEqual(readMeminfo(sysroot), {ok: true, value: {totalBytes: 8 * GiB, availableBytes: 4 * GiB}});
	});
});

describe('holes: a block not wholly System RAM in /proc/iomem', () => {
	// As QEMU's 1 GiB PC shows it: RAM up to 0x3ffdffff, the BIOS's reserved range above (6.1 answers EINVAL for block 7).
	const iomem = [
		'00000000-00000fff : Reserved',
		'00001000-0009fbff : System RAM',
		'0009fc00-0009ffff : Reserved',
		'00100000-3ffdffff : System RAM',
		'  01000000-01ffffff : Kernel code',
		'3ffe0000-3fffffff : Reserved',
		'',
	].join('\n');

	test('refused before any write, naming the hole; a block wholly RAM is offlined', async () => {
		const {sysroot, state} = machine(eight);
		writeMachineFiles(sysroot, {iomem});
		const {writer, writes} = kernel();
		const refused = output();
		assert.equal(await runOffline(safe, target(sysroot, blocks(7, 7)), refused.io, {writer}), exit.failed);
		assert.match(
			refused.text(),
			/Memory Block 7 \(0x38000000-0x3fffffff\): refused: 0x3ffe0000-0x3fffffff in it is not System RAM \(\/proc\/iomem\): the kernel never offlines a block with holes/,
		);
		assert.deepEqual(writes, []);
		const done = output();
		assert.equal(await runOffline(safe, target(sysroot, blocks(6, 6)), done.io, {writer}), exit.ok, done.text());
		assert.equal(state(6), 'offline');
	});

	test('--force does not skip it: the kernel refuses anyway', async () => {
		const {sysroot} = machine(eight);
		writeMachineFiles(sysroot, {iomem});
		const {writer, writes} = kernel();
		assert.equal(await runOffline(forced, target(sysroot, blocks(7, 7)), output().io, {writer}), exit.failed);
		assert.deepEqual(writes, []);
	});

	test('iomem as non-root shows zeros: nothing known, the kernel is asked', async () => {
		const {sysroot, state} = machine(eight);
		writeMachineFiles(sysroot, {iomem: iomem.replace(/[\da-f]{8}-[\da-f]{8}/g, '00000000-00000000')});
		assert.equal(await runOffline(safe, target(sysroot, blocks(7, 7)), output().io, {writer: kernel().writer}), exit.ok);
		assert.equal(state(7), 'offline');
	});
});
