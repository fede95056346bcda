// --qmp against a real QEMU (paused, no guest: test/helpers/qemu.ts): what the one-shots print,
// QEMU's own refusals, and nothing left behind in QEMU when a plug is refused. The commands run
// in this process (parse, then runVmCommand); one runs as a process through the entry.
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {test} from 'node:test';
import {parseArgv} from '../source/cli/argv.js';
import {parseCommand} from '../source/cli/command.js';
import {usageLines} from '../source/cli/usage.js';
import {noGuestNote, runVmCommand} from '../source/commands/vm.js';
import {exit} from '../source/exit.js';
import {QmpClient} from '../source/vm/qmp.js';
import {type Qemu, qemuMissing, startQemu} from './helpers/qemu.js';

type Run = {code: number; stdout: string; stderr: string};

async function cli(...args: string[]): Promise<Run> {
	let stdout = '';
	let stderr = '';
	const line = parseArgv(args);
	assert.equal(line.kind, 'flags', JSON.stringify(line));
	if (line.kind !== 'flags') {
		return {code: -1, stdout, stderr};
	}

	const parsed = parseCommand(line.flags, line.input);
	if (!parsed.ok) {
		return {code: exit.usage, stdout, stderr: usageLines(parsed.error)};
	}

	assert.ok(parsed.value.vm, 'not a VM command');
	const code = await runVmCommand(parsed.value.command, parsed.value.vm, {
		out: text => {
			stdout += text;
		},
		err: text => {
			stderr += text;
		},
	});
	return {code, stdout, stderr};
}

/** A fresh paused QEMU for one test, stopped after it. */
function withQemu(name: string, body: (qemu: Qemu) => Promise<void>, options: Parameters<typeof startQemu>[0] = {}) {
	test(name, {skip: qemuMissing, timeout: 60_000}, async () => {
		const qemu = await startQemu(options);
		try {
			await body(qemu);
		} finally {
			await qemu.stop();
		}
	});
}

/** QEMU's objects (qom-list /objects): what a refused plug must not leave behind. */
async function objects(socket: string): Promise<string[]> {
	const client = await QmpClient.open(socket);
	assert.ok(client.ok, client.ok ? '' : client.error);
	try {
		const list = (await client.value.execute('qom-list', {path: '/objects'})) as Array<{name: string; type: string}>;
		return list.filter(entry => entry.type.startsWith('child<memory-backend')).map(entry => entry.name);
	} finally {
		client.value.close();
	}
}

withQemu("--status on a fresh VM: no lines, and on stderr why STATUS is the controller's and what is free", async ({socket}) => {
	const run = await cli('--status', '--qmp', socket);
	assert.equal(run.code, exit.ok, run.stderr);
	assert.equal(run.stdout, '');
	assert.ok(run.stderr.includes(noGuestNote), run.stderr);
	assert.match(run.stderr, /no memory devices: 4 DIMM slots free, 7G below maxmem 8G/);
});

withQemu('--plug 1:1G, then --status shows the DIMM in slot 1 at its address', async ({socket}) => {
	const plug = await cli('--plug', '1:1G', '--qmp', socket);
	assert.equal(plug.code, exit.ok, plug.stderr);
	assert.equal(plug.stdout, 'slot 1: 1G pc-dimm ham-dimm-1 plugged at 0x100000000, node 0 (backend ham-mem-1)\n');
	const status = await cli('--status', '--qmp', socket);
	assert.equal(status.code, exit.ok, status.stderr);
	assert.equal(status.stdout, '1\t0x100000000\t1073741824\tREAD/WRITE\tPLUGGED\n');
	assert.equal(status.stderr, noGuestNote);
});

withQemu('--json: QEMU version, slot count and maxmem, each slot and device', async ({socket}) => {
	assert.equal((await cli('--plug', '2:512M', '--qmp', socket)).code, exit.ok);
	const run = await cli('--json', '--qmp', socket);
	assert.equal(run.code, exit.ok, run.stderr);
	const report = JSON.parse(run.stdout);
	assert.match(report.qemu.version, /^\d+\.\d+\.\d+$/);
	assert.deepEqual(report.memory, {base: 2 ** 30, plugged: 2 ** 29, maxmem: 8 * 2 ** 30, free: 6.5 * 2 ** 30, slots: 4});
	assert.deepEqual(
		report.slots.map((slot: {device: string | null}) => slot.device),
		[null, null, 'ham-dimm-2', null],
	);
	assert.equal(report.devices.length, 1);
	assert.deepEqual(
		{kind: report.devices[0].kind, slot: report.devices[0].slot, size: report.devices[0].size, status: report.devices[0].status},
		{kind: 'pc-dimm', slot: 2, size: 2 ** 29, status: 'PLUGGED'},
	);
	assert.equal(report.guest.visible, false);
});

withQemu("plugging past maxmem: QEMU's refusal in its words, exit 1, and no backend left behind", async ({socket}) => {
	const run = await cli('--plug', '2:8G', '--qmp', socket);
	assert.equal(run.code, exit.failed);
	assert.equal(run.stdout, '');
	assert.match(
		run.stderr,
		/^ham-tui: slot 2: 8G pc-dimm: QEMU refused: not enough space, currently 0x0 in use of total space for memory devices 0x1c0000000 \(GenericError\)\n$/,
	);
	assert.deepEqual(await objects(socket), ['pc.ram']);
});

withQemu('a busy slot, a slot QEMU does not have, a size it cannot map: its refusals, and nothing left behind', async ({socket}) => {
	assert.equal((await cli('--plug', '1:1G', '--qmp', socket)).code, exit.ok);
	const busy = await cli('--plug', '1:1G', '--qmp', socket);
	assert.equal(busy.code, exit.failed);
	assert.match(busy.stderr, /QEMU refused: slot 1 is busy/);
	const missing = await cli('--plug', '9:1G', '--qmp', socket);
	assert.equal(missing.code, exit.failed);
	assert.match(missing.stderr, /QEMU refused: invalid slot number 9, valid range is \[0-3\]/);
	const unaligned = await cli('--plug', '3:1K', '--qmp', socket);
	assert.equal(unaligned.code, exit.failed);
	assert.match(unaligned.stderr, /QEMU refused: backend memory size must be multiple of 0x200000/);
	assert.deepEqual((await objects(socket)).sort(), ['ham-mem-1', 'pc.ram']);
});

withQemu('--unplug on a paused VM: the plain line that no guest answered the eject, exit 1, the DIMM still there', async ({socket}) => {
	assert.equal((await cli('--plug', '1:1G', '--qmp', socket)).code, exit.ok);
	const run = await cli('--unplug', '1', '--timeout', '0.5', '--qmp', socket);
	assert.equal(run.code, exit.failed);
	assert.equal(
		run.stderr,
		'ham-tui: slot 1 (ham-dimm-1): the guest did not answer the eject within 0.5 s: the VM is not running (prelaunch), so no guest OS can eject the DIMM; QEMU keeps the request, and the DIMM stays until the guest ejects it\n',
	);
	assert.match((await cli('--status', '--qmp', socket)).stdout, /^1\t0x100000000\t1073741824\tREAD\/WRITE\tPLUGGED\n$/);
});

withQemu('--unplug with the VM running but no OS in it (the BIOS only): no answer either, said as such', async ({socket}) => {
	assert.equal((await cli('--plug', '0:256M', '--qmp', socket)).code, exit.ok);
	const client = await QmpClient.open(socket);
	assert.ok(client.ok);
	await client.value.execute('cont');
	client.value.close();
	const run = await cli('--unplug', '0', '--timeout', '0.5', '--qmp', socket);
	assert.equal(run.code, exit.failed);
	assert.match(run.stderr, /^ham-tui: slot 0 \(ham-dimm-0\): the guest did not answer the eject within 0\.5 s; QEMU keeps the request/);
});

withQemu('--unplug of an empty slot or one the VM does not have: refused before device_del', async ({socket}) => {
	const empty = await cli('--unplug', '2', '--qmp', socket);
	assert.deepEqual(empty, {code: exit.failed, stdout: '', stderr: 'ham-tui: slot 2 is empty: nothing to unplug\n'});
	const none = await cli('--unplug', '4', '--qmp', socket);
	assert.deepEqual(none, {code: exit.failed, stdout: '', stderr: 'ham-tui: no such slot: 4 (slots are 0-3)\n'});
});

withQemu(
	'a virtio-mem device is listed by its id, RESIZING while the paused guest has not plugged what was asked',
	async ({socket}) => {
		const client = await QmpClient.open(socket);
		assert.ok(client.ok);
		await client.value.execute('qom-set', {path: '/machine/peripheral/vm0', property: 'requested-size', value: 2 ** 29});
		client.value.close();
		const run = await cli('--status', '--qmp', socket);
		assert.equal(run.code, exit.ok, run.stderr);
		assert.equal(run.stdout, 'vm0\t0x100000000\t0\tREAD/WRITE\tRESIZING\n');
	},
	{extra: ['-object', 'memory-backend-ram,id=vmem0,size=1G', '-device', 'virtio-mem-pci,id=vm0,memdev=vmem0,node=0,requested-size=0']},
);

withQemu('through the entry, as a process: --status --qmp and --integrate --qmp', async ({socket}) => {
	assert.equal((await cli('--plug', '1:1G', '--qmp', socket)).code, exit.ok);
	const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'cli.tsx', ...args], {encoding: 'utf8'});
	const status = run('--status', '--qmp', socket);
	assert.equal(status.status, exit.ok, status.stderr);
	assert.equal(status.stdout, '1\t0x100000000\t1073741824\tREAD/WRITE\tPLUGGED\n');
	const integrate = run('--integrate', '--qmp', socket);
	assert.equal(integrate.status, exit.usage);
	assert.match(integrate.stderr, /needs --qga SOCKET: onlining happens in the guest, through its agent/);
});
