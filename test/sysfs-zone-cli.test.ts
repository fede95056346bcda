// --integrate on a real machine's shape: boot memory offlined on purpose stays offline unless named
// (--blocks, --range, --size, chmem's syntax), and each block goes online in the zone the kernel's
// auto-movable rule allows, with the reason shown by --dry-run.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, test} from 'node:test';
import {runCli} from './helpers/cli.js';
import {writeMachineFiles} from './helpers/sysfs-machine.js';
import {makeMemoryTree, run, tempSysroot} from './helpers/sysfs-tree.js';

const scratch = tempSysroot('ham-sysfs-zone-');
after(scratch.remove);
const now = {HAM_TUI_NOW: '1000000'};
const block = 128 * 2 ** 20;
let count = 0;

/**
 * 1 GiB of boot memory (blocks 0-7, the last two offlined by an operator), a 1 GiB DIMM hot-added
 * at blocks 8-15 (ACPI PNP0C80, offline), as the 6.12 kernel under QEMU shows them.
 */
function machine(ratio = '301'): {sysroot: string; memory: string} {
	const sysroot = path.join(scratch.sysroot, `m${count++}`);
	const memory = makeMemoryTree(sysroot, {
		blocks: [
			...run(0, 6, {zones: 'Normal'}),
			...run(6, 2, {state: 'offline', zones: 'Normal Movable'}),
			...run(8, 8, {state: 'offline', zones: 'Normal Movable'}),
		],
	});
	writeMachineFiles(sysroot, {
		memmap: [
			{start: 0, end: 8 * block - 1, type: 'System RAM'},
			{start: 8 * block, end: 16 * block - 1, type: 'System RAM'},
		],
		firmwareNodes: Object.fromEntries(Array.from({length: 8}, (_, i) => [8 + i, 'PNP0C80:00'])),
		params: {auto_movable_ratio: ratio, auto_movable_numa_aware: 'Y', online_policy: 'contig-zones', memmap_on_memory: 'N'},
	});
	return {sysroot, memory};
}

const state = (memory: string, index: number) => readFileSync(path.join(memory, `memory${index}/state`), 'utf8').trim();

describe('--integrate on boot memory and a hot-added DIMM', () => {
	test('boot blocks offlined on purpose stay offline; the DIMM goes online Movable', () => {
		const {sysroot, memory} = machine();
		const result = runCli(['--integrate', '--sysroot', sysroot], now);
		assert.equal(result.code, 0, result.stderr);
		assert.match(result.stdout, /left offline: blocks 6-7, boot memory offlined on purpose \(name it to online it: --blocks 6-7\)/);
		assert.deepEqual(
			[6, 7].map(index => state(memory, index)),
			['offline', 'offline'],
		);
		assert.deepEqual(
			Array.from({length: 8}, (_, i) => state(memory, 8 + i)),
			Array.from({length: 8}, () => 'online_movable'),
		);
	});

	test('--blocks names boot memory: then it is onlined too', () => {
		const {sysroot, memory} = machine();
		const result = runCli(['--integrate', '--blocks', '6-7', '--sysroot', sysroot], now);
		assert.equal(result.code, 0, result.stderr);
		assert.doesNotMatch(result.stdout, /left offline/);
		assert.notEqual(state(memory, 6), 'offline');
		assert.equal(state(memory, 8), 'offline', 'a block outside --blocks is not written');
	});

	test('--dry-run gives each block its zone and the reason; over the ratio it is Normal', () => {
		// Ratio 100%: 6 online boot blocks allow 6 Movable blocks, the other 2 go Normal.
		const {sysroot, memory} = machine('100');
		const result = runCli(['--integrate', '--dry-run', '--sysroot', sysroot], now);
		assert.equal(result.code, 0, result.stderr);
		const lines = result.stdout.split('\n').filter(line => line.startsWith('echo'));
		assert.equal(lines.length, 8);
		assert.equal(lines.filter(line => line.startsWith('echo online_movable') && line.includes('# Movable: ')).length, 6);
		assert.match(lines[7] ?? '', /^echo online_kernel > .*memory15\/state {2}# Normal: .*auto_movable_ratio 100%/);
		assert.equal(state(memory, 8), 'offline', 'a dry run writes nothing');
	});

	test('--size takes the lowest offline blocks, as chmem; --range must be block-aligned', () => {
		const {sysroot, memory} = machine();
		const sized = runCli(['--integrate', '--size', '256M', '--sysroot', sysroot], now);
		assert.equal(sized.code, 0, sized.stderr);
		assert.deepEqual(
			[6, 7, 8].map(index => state(memory, index) !== 'offline'),
			[true, true, false],
		);
		const skewed = runCli(['--integrate', '--range', '0x40000000-0x40000fff', '--sysroot', sysroot], now);
		assert.equal(skewed.code, 1);
		assert.match(skewed.stderr, /must be multiples of the memory block size \(128M\)/);
		const missing = runCli(['--integrate', '--blocks', '90-99', '--sysroot', machine().sysroot], now);
		assert.equal(missing.code, 1);
		assert.equal(missing.stderr, 'ham-tui: no memory block in blocks 90-99 (blocks here are 0-15)\n');
	});

	for (const [args, message] of [
		[['--integrate', '--blocks', '9-3'], /--blocks 9-3: the first block is past the last/],
		[['--integrate', '--blocks', '__proto__'], /--blocks takes a block number or a block range/],
		[['--integrate', '--range', '4096-8191'], /--range takes START-END in hex with 0x/],
		[['--integrate', '--size', '1Q'], /--size takes a size/],
		[['--integrate', '--size', '1G', '--blocks', '3'], /--blocks and --size cannot be used together/],
		[['--status', '--blocks', '3'], /--blocks goes with --integrate/],
	] as const) {
		test(`usage: ${args.join(' ')}`, () => {
			const result = runCli([...args, '--sysroot', scratch.sysroot]);
			assert.equal(result.code, 2);
			assert.match(result.stderr, message);
		});
	}

	test('--blocks without a real machine is a usage error', () => {
		const result = runCli(['--integrate', '--blocks', '3']);
		assert.equal(result.code, 2);
		assert.match(result.stderr, /--blocks works on a real machine/);
	});
});

describe('--json and --status say where blocks came from and the policy', () => {
	test('each range with its origins; the policy as read, with what the memmap of the offline blocks holds', () => {
		const {sysroot} = machine('150');
		const result = runCli(['--json', '--sysroot', sysroot], now);
		assert.equal(result.code, 0, result.stderr);
		const report = JSON.parse(result.stdout);
		assert.deepEqual(
			report.ranges.map((range: {blocks: string; state: string; origins: string[]}) => [range.blocks, range.state, range.origins]),
			[
				['0-5', 'online', ['boot']],
				// lsmem's ranges (split on state, removable, node, zones), so one range holds both origins, in block order.
				['6-15', 'offline', ['boot', 'acpi-dimm']],
			],
		);
		assert.deepEqual(
			{...report.policy, says: report.policy.says.length},
			{
				autoOnlineBlocks: 'offline',
				onlinePolicy: 'contig-zones',
				autoMovableRatio: 150,
				autoMovableNumaAware: true,
				memmapOnMemory: false,
				memmapBytesPerBlock: 2 * 2 ** 20,
				// 10 offline blocks of 128M: their memmap (2M each) was taken when they were added.
				offlineMemmapBytes: 20 * 2 ** 20,
				says: 4,
			},
		);
		assert.match(
			report.policy.says[2],
			/^auto_movable_ratio is 150%: movable memory may be up to that share of the early kernel memory, on each node too$/,
		);
	});

	test('--status: stdout unchanged, the offline blocks and auto-online as a note on stderr', () => {
		const {sysroot} = machine();
		const result = runCli(['--status', '--sysroot', sysroot], now);
		assert.equal(result.code, 0);
		assert.equal(result.stdout, '0\t0x00000000\t805306368\tREAD/WRITE\tENABLED\n6\t0x30000000\t1342177280\tREAD/WRITE\tOFFLINE\n');
		assert.equal(
			result.stderr,
			'ham-tui: note: 10 blocks (1280M) offline; auto_online_blocks is offline, so hot-added memory stays offline until onlined: ham-tui --integrate onlines it\n',
		);
	});
});
