// The built CLI's real-machine verbs beyond --integrate, as a process on generated trees: --offline
// (chmem -d with checks first), --auto-online, --watch's flags, and the audit log every write of
// ham-tui leaves. The rules themselves are tested in-process (sysfs-offline, sysfs-watch,
// sysfs-audit); here: the flags, the exit codes, the files a user finds afterwards.
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {readFileSync, renameSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, test} from 'node:test';
import {cliPath, runCli} from './helpers/cli.js';
import {writeMachineFiles} from './helpers/sysfs-machine.js';
import {makeMemoryTree, run, tempSysroot} from './helpers/sysfs-tree.js';

const scratch = tempSysroot('ham-sysfs-offline-cli-');
after(scratch.remove);
const now = {HAM_TUI_NOW: '1000000'};
let count = 0;

/** 2 GiB on node 0 (blocks 0-15, 8-15 Movable), plenty of MemAvailable; its own audit log. */
function machine(blocks = [...run(0, 8), ...run(8, 8, {zones: 'Movable'})]): {
	sysroot: string;
	memory: string;
	audit: string;
	env: Record<string, string>;
} {
	const sysroot = path.join(scratch.sysroot, `m${count++}`);
	const memory = makeMemoryTree(sysroot, {blocks});
	writeMachineFiles(sysroot, {meminfo: {totalKiB: 2 * 1024 * 1024, freeKiB: 1536 * 1024, availableKiB: 1700 * 1024}});
	const audit = path.join(sysroot, 'audit.log');
	return {sysroot, memory, audit, env: {...now, HAM_TUI_AUDIT_LOG: audit}};
}

const state = (memory: string, index: number) => readFileSync(path.join(memory, `memory${index}/state`), 'utf8').trim();
const entries = (log: string) =>
	readFileSync(log, 'utf8')
		.trim()
		.split('\n')
		.map(line => JSON.parse(line) as {block: number; value: string; result: string; errno?: string; who: {pid: number}});

describe('--offline --sysroot', () => {
	test('offlines the blocks named, highest first; each write is in the audit log', () => {
		const {sysroot, memory, audit, env} = machine();
		const result = runCli(['--offline', '--blocks', '14-15', '--sysroot', sysroot], env);
		assert.equal(result.code, 0, result.stderr);
		assert.match(result.stdout, /Memory Block 15 \(0x78000000-0x7fffffff\): offline\n(?:.*\n)?Memory Block 14 /);
		assert.deepEqual([state(memory, 14), state(memory, 15), state(memory, 13)], ['offline', 'offline', 'online']);
		// An offline says when it starts (the kernel may migrate for minutes, --watch attributes what it sees then), then how it ended.
		assert.deepEqual(
			entries(audit).map(entry => [entry.block, entry.value, entry.result]),
			[
				[15, 'offline', 'started'],
				[15, 'offline', 'ok'],
				[14, 'offline', 'started'],
				[14, 'offline', 'ok'],
			],
		);
	});

	test('a kernel refusal: its errno, the diagnosis, exit 64 for a partial result; the failure is audited too', () => {
		const {sysroot, memory, audit, env} = machine();
		const result = runCli(['--offline', '--blocks', '6-7', '--sysroot', sysroot], {...env, HAM_TUI_TEST_WRITE_ERRORS: '6=EBUSY'});
		assert.equal(result.code, 64, result.stderr);
		// Block 6 is in ZONE_NORMAL: EBUSY there is unmovable kernel memory, which no retry moves.
		assert.match(result.stdout, /Memory Block 6 .*FAILED: EBUSY.*no retry can help/);
		assert.deepEqual([state(memory, 6), state(memory, 7)], ['online', 'offline']);
		assert.deepEqual(
			entries(audit)
				.filter(entry => entry.result !== 'started')
				.map(entry => [entry.block, entry.result, entry.errno ?? '']),
			[
				[7, 'ok', ''],
				[6, 'failed', 'EBUSY'],
			],
		);
	});

	test('--dry-run writes nothing and records nothing', () => {
		const {sysroot, memory, audit, env} = machine();
		const result = runCli(['--offline', '--size', '256M', '--dry-run', '--sysroot', sysroot], env);
		assert.equal(result.code, 0, result.stderr);
		assert.match(result.stdout, /echo offline > .*memory15\/state/);
		assert.equal(state(memory, 15), 'online');
		assert.throws(() => readFileSync(audit), /ENOENT/);
	});

	test('refused before any write when MemAvailable would fall below the floor; --force goes on', () => {
		const {sysroot, memory, env} = machine();
		// 150 MiB available, of 2 GiB: the floor is max(5%, 128M) = 128M, and one block is 128M.
		writeMachineFiles(sysroot, {meminfo: {totalKiB: 2 * 1024 * 1024, freeKiB: 150 * 1024, availableKiB: 150 * 1024}});
		const refused = runCli(['--offline', '--blocks', '15', '--sysroot', sysroot], env);
		assert.equal(refused.code, 1);
		assert.match(refused.stdout + refused.stderr, /MemAvailable/);
		assert.equal(state(memory, 15), 'online');
		const forced = runCli(['--offline', '--blocks', '15', '--force', '--sysroot', sysroot], env);
		assert.equal(forced.code, 0, forced.stderr);
		assert.equal(state(memory, 15), 'offline');
	});

	for (const [args, message] of [
		[['--offline', '--sysfs'], /--offline needs the blocks to take offline: --blocks N\[-M\], --range 0xSTART-0xEND or --size SIZE/],
		[['--offline', '--blocks', '3'], /--offline works on a real machine: add --sysroot DIR or --sysfs/],
		[['--offline', '--blocks', '3', '--timeout', '0', '--sysfs'], /--timeout must be a number of seconds from 1 to 86400, not 0/],
		[['--offline', '--blocks', '3', '--timeout', '__proto__', '--sysfs'], /--timeout must be/],
		[['--integrate', '--force', '--sysfs'], /--force goes with --offline/],
		[['--status', '--timeout', '5', '--sysfs'], /--timeout goes with --offline/],
		[['--offline', '--integrate', '--blocks', '3', '--sysfs'], /--integrate and --offline cannot be used together/],
		[['--auto-online', '__proto__', '--sysfs'], /--auto-online takes offline, online, online_kernel or online_movable, not "__proto__"/],
		[['--auto-online', 'constructor', '--sysfs'], /--auto-online takes offline, online/],
		[['--auto-online', 'online'], /--auto-online works on a real machine/],
		[['--watch'], /--watch works on a real machine/],
		[['--watch', '--json', '--sysfs'], /--json and --watch cannot be used together/],
		[['--watch', '--interval', '0', '--sysfs'], /--interval must be a number of seconds from 0.1 to 86400, not 0/],
	] as const) {
		test(`${args.join(' ')}: exit 2, nothing read or written`, () => {
			const result = runCli([...args]);
			assert.equal(result.code, 2, result.stderr);
			assert.match(result.stderr, message);
		});
	}
});

describe('--auto-online --sysroot', () => {
	test('writes auto_online_blocks and says what it was; the write is audited', () => {
		const {sysroot, memory, audit, env} = machine();
		const result = runCli(['--auto-online', 'online_movable', '--sysroot', sysroot], env);
		assert.equal(result.code, 0, result.stderr);
		assert.equal(result.stdout, 'auto-online: auto_online_blocks was offline, now online_movable\n');
		assert.equal(readFileSync(path.join(memory, 'auto_online_blocks'), 'utf8').trim(), 'online_movable');
		assert.deepEqual(
			entries(audit).map(entry => [entry.value, entry.result]),
			[['online_movable', 'ok']],
		);
	});
});

describe('--auto-online on a hostile tree', () => {
	test('auto_online_blocks as a link: not followed, not written through, exit 1', () => {
		const {sysroot, memory, env} = machine();
		const victim = path.join(sysroot, 'victim');
		writeFileSync(victim, 'keep\n');
		rmSync(path.join(memory, 'auto_online_blocks'));
		symlinkSync(victim, path.join(memory, 'auto_online_blocks'));
		const result = runCli(['--auto-online', 'online', '--sysroot', sysroot], env);
		assert.equal(result.code, 1);
		assert.match(result.stderr, /auto_online_blocks.*(symbolic link|cannot be read)/);
		assert.equal(readFileSync(victim, 'utf8'), 'keep\n');
	});

	test('the memory directory as a link: the write is refused, nothing written beyond it', () => {
		const {sysroot, memory, env} = machine();
		const elsewhere = path.join(sysroot, 'elsewhere');
		renameSync(memory, elsewhere);
		symlinkSync(elsewhere, memory);
		const result = runCli(['--auto-online', 'online', '--sysroot', sysroot], env);
		assert.equal(result.code, 1);
		assert.match(result.stderr, /memory is a symbolic link, not followed/);
		assert.equal(readFileSync(path.join(elsewhere, 'auto_online_blocks'), 'utf8'), 'offline\n');
	});
});

describe('--integrate leaves an audit trail', () => {
	test('one entry per block written, with the value written and who wrote it', () => {
		const {sysroot, memory, audit, env} = machine([...run(0, 8), ...run(8, 2, {state: 'offline', zones: 'Normal Movable'})]);
		const result = runCli(['--integrate', '--sysroot', sysroot], env);
		assert.equal(result.code, 0, result.stderr);
		assert.equal(state(memory, 8), 'online_movable');
		const log = entries(audit);
		assert.deepEqual(
			log.map(entry => [entry.block, entry.value, entry.result]),
			[
				[8, 'online_movable', 'ok'],
				[9, 'online_movable', 'ok'],
			],
		);
		assert.ok(log.every(entry => Number.isInteger(entry.who.pid) && entry.who.pid !== process.pid));
	});
});

describe('--watch --sysroot', () => {
	test('a JSON line per change, by another process; --watch --status prints the status frames; SIGTERM ends it with exit 0', async () => {
		const {sysroot, memory, env} = machine();
		for (const status of [false, true]) {
			const child = spawn(
				process.execPath,
				[cliPath, '--watch', ...(status ? ['--status'] : []), '--interval', '0.1', '--sysroot', sysroot],
				{
					env: {...process.env, ...env, HAM_TUI_NOW: ''},
					stdio: ['ignore', 'pipe', 'pipe'],
				},
			);
			let out = '';
			child.stdout.on('data', data => {
				out += data;
			});
			const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)));
			const until = async (text: string) => {
				for (let waited = 0; !out.includes(text); waited += 50) {
					assert.ok(waited < 15_000, `"${text}" not printed in 15 s: ${out}`);
					await new Promise(resolve => setTimeout(resolve, 50));
				}
			};

			// The JSON run takes block 15 offline; the status run brings it back.
			await until(status ? 'OFFLINE' : '"event":"start"');
			writeFileSync(path.join(memory, 'memory15/state'), status ? 'online\n' : 'offline\n');
			await until(status ? '2147483648' : '"event":"state"');
			child.kill('SIGTERM');
			assert.equal(await exited, 0);
			if (status) {
				// The first frame as it was, a blank line, the frame after the change.
				assert.equal(
					out,
					'0\t0x00000000\t2013265920\tREAD/WRITE\tENABLED\n15\t0x78000000\t134217728\tREAD/WRITE\tOFFLINE\n\n0\t0x00000000\t2147483648\tREAD/WRITE\tENABLED\n',
				);
			} else {
				const change = out
					.trim()
					.split('\n')
					.map(line => JSON.parse(line))
					.find(line => line.event === 'state');
				assert.deepEqual([change.block, change.from, change.to, change.by], [15, 'online', 'offline', 'other']);
			}
		}
	});
});
