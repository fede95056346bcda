// --qga SOCKET with --qmp: the guest's side in the one-shots, against a fake QEMU (its recorded
// replies, with devices where the recorded agent's blocks lie) and a fake guest agent fed qemu-ga
// 7.2's recorded replies (test/helpers/fake-qga.ts): --status and --json show the guest's blocks,
// --integrate onlines the offline blocks of a hot-plugged DIMM and leaves boot memory alone, in
// --integrate's words and chmem's exit codes; wrong paths and a dropped agent are one line.
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import type net from 'node:net';
import path from 'node:path';
import {test} from 'node:test';
import type {Command as CliCommand} from '../source/cli/command.js';
import {runVmCommand} from '../source/commands/vm.js';
import {exit} from '../source/exit.js';
import type {Selection} from '../source/selection.js';
import {agentCannotTell, agentOnlineNote} from '../source/vm/guest.js';
import {tempDir} from './helpers/cli.js';
import {type BlockAnswer, fakeAgent} from './helpers/fake-qga.js';
import {type Command, fakeQemu, reply} from './helpers/fake-qmp.js';

function recorded(name: string): unknown {
	const recording = JSON.parse(fs.readFileSync(`test/fixtures/qmp/qemu-7.2-${name}.json`, 'utf8'));
	return recording.exchanges[0].received.return;
}

const gib = 2 ** 30;
/** Where the recorded agent's blocks lie (128 MiB blocks): boot 0-7, a 1 GiB DIMM at block 64, a 512 MiB one at 72. */
const devices = [
	{
		type: 'dimm',
		data: {memdev: '/objects/mem-a', hotplugged: true, addr: 8 * gib, hotpluggable: true, size: gib, slot: 0, node: 0, id: 'dimm-a'},
	},
	{
		type: 'dimm',
		data: {
			memdev: '/objects/ham-mem-3',
			hotplugged: true,
			addr: 9 * gib,
			hotpluggable: true,
			size: gib / 2,
			slot: 3,
			node: 0,
			id: 'ham-dimm-3',
		},
	},
];

async function qemu() {
	const log: string[] = [];
	const server = await fakeQemu((command: Command, socket: net.Socket) => {
		log.push(command.execute);
		const answers = new Map<string, unknown>([
			['query-memory-devices', devices],
			['query-memory-size-summary', recorded('query-memory-size-summary')],
			['qom-get', recorded('qom-get-machine-memory')],
		]);
		reply(socket, answers.has(command.execute) ? {return: answers.get(command.execute), id: command.id} : {return: {}, id: command.id});
	});
	return {...server, log};
}

async function world(
	options: {answer?: (block: number, attempt: number) => BlockAnswer; onCommand?: (execute: string, socket: net.Socket) => boolean} = {},
) {
	const vm = await qemu();
	const agent = await fakeAgent(options);
	const run = async (command: CliCommand, extra: {dryRun?: boolean; selection?: Selection} = {}) => {
		let stdout = '';
		let stderr = '';
		const code = await runVmCommand(
			command,
			{qmp: vm.path, qga: agent.path, ...extra},
			{out: text => (stdout += text), err: text => (stderr += text), fixedClock: true},
		);
		return {code, stdout, stderr};
	};
	const close = () => {
		vm.close();
		agent.close();
	};
	return {vm, agent, run, close};
}

const integrate = (attempts = 1): CliCommand => ({kind: 'integrate', attempts, interval: 0});

test('--status with --qga: the guest blocks as ranges (lsmem grouping), sysfs STATUS words, no note about --qga', async () => {
	const {run, close} = await world();
	try {
		const status = await run({kind: 'status'});
		assert.equal(status.code, exit.ok, status.stderr);
		assert.equal(
			status.stdout,
			'0\t0x00000000\t1073741824\tREAD/WRITE\tENABLED\n64\t0x200000000\t1073741824\tREAD/WRITE\tENABLED\n72\t0x240000000\t536870912\tREAD/WRITE\tOFFLINE\n',
		);
		assert.equal(status.stderr, '');
	} finally {
		close();
	}
});

test('--json with --qga: guest.visible, the block size, each range with its device or "boot", and what the agent cannot tell', async () => {
	const {run, close} = await world();
	try {
		const json = await run({kind: 'json'});
		assert.equal(json.code, exit.ok, json.stderr);
		const {guest} = JSON.parse(json.stdout);
		assert.equal(guest.visible, true);
		assert.equal(guest.blockSize, 128 * 2 ** 20);
		assert.deepEqual(
			guest.ranges.map((range: Record<string, unknown>) => [range.firstBlock, range.lastBlock, range.status, range.device]),
			[
				[0, 7, 'ENABLED', 'boot'],
				[64, 71, 'ENABLED', 'dimm-a'],
				[72, 75, 'OFFLINE', 'ham-dimm-3'],
			],
		);
		assert.equal(guest.ranges[2].start, '0x240000000');
		assert.equal(guest.cannotTell, agentCannotTell);
	} finally {
		close();
	}
});

test('--integrate: the DIMM offline blocks asked online in one request, the plain-online note once, exit 0; --status then ENABLED', async () => {
	const {agent, run, close} = await world();
	try {
		const result = await run(integrate());
		assert.equal(result.code, exit.ok, result.stderr);
		assert.deepEqual(agent.requests, [[72, 73, 74, 75]]);
		assert.equal(
			result.stdout,
			'attempt 1/1: blocks 72-75 (0x240000000-0x25fffffff): online\nintegrate: 4 of 4 offline block(s) onlined (512M of 512M)\n',
		);
		assert.equal(result.stderr, `ham-tui: note: ${agentOnlineNote}\n`);
		assert.match(agentOnlineNote, /plain online/);
		assert.match(agentCannotTell, /plain online \(the kernel picks the zone\)/);
		const status = await run({kind: 'status'});
		assert.match(status.stdout, /^64\t0x200000000\t1610612736\tREAD\/WRITE\tENABLED$/m);
		const again = await run(integrate());
		assert.equal(again.stdout, 'integrate: no offline memory block, nothing to do\n');
		assert.equal(again.code, exit.ok);
		assert.equal(agent.requests.length, 1);
	} finally {
		close();
	}
});

test('--integrate: EBUSY retried, EINVAL not; some onlined is 64, with the errnos in the summary', async () => {
	const {agent, run, close} = await world({
		answer: (block, attempt) =>
			block === 75 ? {errno: 22} : block === 74 && attempt < 3 ? {errno: 16} : block === 73 ? {errno: 16} : 'success',
	});
	try {
		const result = await run(integrate(2));
		assert.equal(result.code, exit.partial, result.stderr);
		assert.deepEqual(agent.requests, [
			[72, 73, 74, 75],
			[73, 74],
		]);
		assert.match(result.stdout, /^attempt 1\/2: block 72 \(0x240000000-0x247ffffff\): online$/m);
		assert.match(result.stdout, /^attempt 1\/2: blocks 73-74 \(0x248000000-0x257ffffff\): FAILED: EBUSY \(.*\) \[retry can help\]$/m);
		assert.match(result.stdout, /^attempt 1\/2: block 75 \(0x258000000-0x25fffffff\): FAILED: EINVAL \(.*\) \[no retry can help\]$/m);
		assert.match(
			result.stdout,
			/^integrate: 1 of 4 offline block\(s\) onlined \(128M of 512M\), 3 still offline \(blocks 73-75: EBUSY, EINVAL\)$/m,
		);
	} finally {
		close();
	}
});

test('--integrate: none onlined is exit 1, and it stops when no retry can help', async () => {
	const {agent, run, close} = await world({answer: () => ({errno: 22})});
	try {
		const result = await run(integrate(5));
		assert.equal(result.code, exit.failed);
		assert.equal(agent.requests.length, 1);
		assert.match(result.stdout, /^integrate: stopping, no retry can help the 4 block\(s\) left offline$/m);
	} finally {
		close();
	}
});

test('--integrate: boot memory an operator offlined is left alone, said once; --dry-run asks nothing', async () => {
	const {agent, run, close} = await world();
	try {
		for (const block of agent.blocks) {
			if (block['phys-index'] === 5) block.online = false;
		}

		const dry = await run(integrate(), {dryRun: true});
		assert.equal(dry.code, exit.ok, dry.stderr);
		assert.match(dry.stdout, /^integrate: left offline: block 5, boot memory offlined on purpose \(name it to online it: --blocks 5\)$/m);
		assert.match(dry.stdout, /^guest-set-memory-blocks \{"mem-blks":\[\{"phys-index":72,"online":true\},.*\}\]\} {2}# ham-dimm-3$/m);
		assert.match(dry.stdout, /^dry run: would ask the guest agent to online 4 offline block\(s\) \(512M\): 72-75; nothing written$/m);
		assert.deepEqual(agent.requests, []);
		const result = await run(integrate());
		assert.equal(result.code, exit.ok);
		assert.deepEqual(agent.requests, [[72, 73, 74, 75]]);
		const after = await run(integrate());
		assert.equal(after.code, exit.ok);
		assert.match(
			after.stdout,
			/^integrate: left offline: block 5, boot memory offlined on purpose .*\nintegrate: no offline memory block, nothing to do\n$/,
		);
		assert.equal(agent.requests.length, 1);
		// Named, it is onlined: --blocks (or --range) as on sysfs; a block not there is refused before any request.
		const named = await run(integrate(), {selection: {kind: 'blocks', first: 5, last: 5}});
		assert.equal(named.code, exit.ok, named.stderr);
		assert.deepEqual(agent.requests.at(-1), [5]);
		assert.doesNotMatch(named.stdout, /left offline/);
		const missing = await run(integrate(), {selection: {kind: 'blocks', first: 40, last: 41}});
		assert.equal(missing.code, exit.failed);
		assert.match(missing.stderr, /^ham-tui: no memory block in blocks 40-41 \(blocks here are 0-75\)\n$/);
		assert.equal(agent.requests.length, 2);
	} finally {
		close();
	}
});

test('a dropped agent is one line and exit 1', async () => {
	const {run, close} = await world({
		onCommand: (execute, socket) => {
			if (execute !== 'guest-set-memory-blocks') return false;
			socket.destroy();
			return true;
		},
	});
	try {
		const result = await run(integrate());
		assert.equal(result.code, exit.failed);
		const lines = result.stderr.split('\n').filter(line => line !== '' && !line.includes('note:'));
		assert.equal(lines.length, 1, result.stderr);
		assert.match(lines[0] ?? '', /^ham-tui: guest-set-memory-blocks: the guest agent's socket .* closed/);
	} finally {
		close();
	}
});

test('an agent that does not answer is one line and exit 1, after its time limit', async () => {
	const {run, close} = await world({onCommand: execute => execute === 'guest-get-memory-blocks'});
	try {
		const result = await run({kind: 'status'});
		assert.equal(result.code, exit.failed);
		assert.equal(result.stdout, '');
		assert.match(
			result.stderr,
			/^ham-tui: guest-get-memory-blocks: the guest agent did not answer in 5 s: is qemu-ga running in the guest\?\n$/,
		);
	} finally {
		close();
	}
});

test('a --qga path that is not a socket: exit 1, one line, QEMU not asked anything', async () => {
	const vm = await qemu();
	try {
		const file = path.join(tempDir(), 'not-a-socket');
		fs.writeFileSync(file, '');
		let stderr = '';
		const code = await runVmCommand({kind: 'status'}, {qmp: vm.path, qga: file}, {out: () => {}, err: text => (stderr += text)});
		assert.equal(code, exit.failed);
		assert.match(stderr, /^ham-tui: --qga .*not-a-socket: .*, not a socket\n$/);
		const missing = await runVmCommand(
			{kind: 'status'},
			{qmp: vm.path, qga: `${file}-gone`},
			{out: () => {}, err: text => (stderr = text)},
		);
		assert.equal(missing, exit.failed);
		assert.match(stderr, /no such socket/);
		assert.deepEqual(vm.log, []);
	} finally {
		vm.close();
	}
});

test('through the entry, as a process: --qga without --qmp is a usage error (2); --integrate --qmp --qga onlines', async () => {
	const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'cli.tsx', ...args], {encoding: 'utf8'});
	const alone = cli('--status', '--qga', '/tmp/x.sock');
	assert.equal(alone.status, exit.usage);
	assert.match(alone.stderr, /--qga goes with --qmp SOCKET/);
	const {agent, vm, close} = await world();
	try {
		const result = await new Promise<{status: number | null; stdout: string}>(resolve => {
			// Asynchronous: the fake sockets answer from this process.
			import('node:child_process').then(({execFile}) => {
				const child = execFile(
					process.execPath,
					['--import', 'tsx', 'cli.tsx', '--integrate', '--qmp', vm.path, '--qga', agent.path],
					{encoding: 'utf8'},
					(_error, stdout) => resolve({status: child.exitCode, stdout}),
				);
			});
		});
		assert.equal(result.status, exit.ok, result.stdout);
		assert.match(result.stdout, /integrate: 4 of 4 offline block\(s\) onlined/);
	} finally {
		close();
	}
});
