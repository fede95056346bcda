// --unplug and --plug with --qmp against a fake QEMU that answers with QEMU 7.2's recorded replies
// (test/fixtures/qmp/) and sends the guest's answers a paused real QEMU never does: the eject done
// (DEVICE_DELETED), the eject refused (ACPI_DEVICE_OST 0x84 then 0x82, as a 6.1 guest answered for
// a DIMM onlined into ZONE_NORMAL), and QEMU quitting in the middle.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type net from 'node:net';
import {test} from 'node:test';
import type {Command as CliCommand} from '../source/cli/command.js';
import {runVmCommand} from '../source/commands/vm.js';
import {exit} from '../source/exit.js';
import {type Command, fakeQemu, reply} from './helpers/fake-qmp.js';

function recorded(name: string): unknown {
	const recording = JSON.parse(fs.readFileSync(`test/fixtures/qmp/qemu-7.2-${name}.json`, 'utf8'));
	return recording.exchanges[0].received.return;
}

/** The recorded VM's queries; every other command goes to `other` (and is logged). */
async function recordedQemu(other: (command: Command, socket: net.Socket) => void) {
	const log: string[] = [];
	const qemu = await fakeQemu((command, socket) => {
		log.push(command.execute);
		const answers = new Map<string, unknown>([
			['query-memory-devices', recorded('query-memory-devices')],
			['query-memory-size-summary', recorded('query-memory-size-summary')],
			['qom-get', recorded('qom-get-machine-memory')],
			['qom-list', recorded('qom-list-objects')],
			['query-status', {status: 'running', singlestep: false, running: true}],
		]);
		if (answers.has(command.execute)) {
			reply(socket, {return: answers.get(command.execute), id: command.id});
		} else {
			other(command, socket);
		}
	});
	return {...qemu, log};
}

async function run(command: CliCommand, socket: string) {
	let stdout = '';
	let stderr = '';
	const code = await runVmCommand(command, {qmp: socket}, {out: text => (stdout += text), err: text => (stderr += text)});
	return {code, stdout, stderr};
}

const ost = (status: number) => ({
	event: 'ACPI_DEVICE_OST',
	data: {info: {device: 'ham-dimm-1', slot: '1', 'slot-type': 'DIMM', source: 3, status}},
	timestamp: {seconds: 1, microseconds: 0},
});

test('--unplug: the guest ejects the DIMM, DEVICE_DELETED arrives, and the backend ham-tui made is deleted', async () => {
	const qemu = await recordedQemu((command, socket) => {
		reply(socket, {return: {}, id: command.id});
		if (command.execute === 'device_del') {
			reply(socket, ost(0x84));
			reply(socket, {
				event: 'DEVICE_DELETED',
				data: {device: 'ham-dimm-1', path: '/machine/peripheral/ham-dimm-1'},
				timestamp: {seconds: 1, microseconds: 5},
			});
		}
	});
	const result = await run({kind: 'unplug', slot: 1, timeout: 5}, qemu.path);
	assert.deepEqual(result, {
		code: exit.ok,
		stdout: 'slot 1 (ham-dimm-1): unplugged: the guest ejected the DIMM; backend ham-mem-1 deleted\n',
		stderr: '',
	});
	assert.deepEqual(qemu.log.slice(-2), ['device_del', 'object-del']);
	qemu.close();
});

test('--unplug: the guest refuses the eject (0x84, then 0x82): it kept the memory, and what helps', async () => {
	const qemu = await recordedQemu((command, socket) => {
		reply(socket, {return: {}, id: command.id});
		if (command.execute === 'device_del') {
			reply(socket, ost(0x84));
			setTimeout(() => reply(socket, ost(0x82)), 20);
		}
	});
	const result = await run({kind: 'unplug', slot: 1, timeout: 5}, qemu.path);
	assert.deepEqual(result, {
		code: exit.failed,
		stdout: '',
		stderr:
			'ham-tui: slot 1 (ham-dimm-1): the guest kept the memory: the guest refused: the device is busy (ACPI _OST status 0x82): offline it first, e.g. ham-tui --offline inside the guest\n',
	});
	assert.equal(qemu.log.includes('object-del'), false);
	qemu.close();
});

test('--unplug: a running guest that says it is ejecting and then nothing more', async () => {
	const qemu = await recordedQemu((command, socket) => {
		reply(socket, {return: {}, id: command.id});
		if (command.execute === 'device_del') {
			reply(socket, ost(0x84));
		}
	});
	const result = await run({kind: 'unplug', slot: 1, timeout: 0.2}, qemu.path);
	assert.equal(result.code, exit.failed);
	assert.equal(
		result.stderr,
		'ham-tui: slot 1 (ham-dimm-1): the guest did not answer the eject within 0.2 s (it said it is ejecting it); QEMU keeps the request: --status shows the DIMM until the guest ejects it\n',
	);
	qemu.close();
});

test('QEMU quitting during a plug: one line, exit 1', async () => {
	const qemu = await recordedQemu((_command, socket) => socket.destroy());
	const result = await run({kind: 'plug', slot: 2, size: 2 ** 30, mode: 'hot-add'}, qemu.path);
	assert.deepEqual(result, {code: exit.failed, stdout: '', stderr: 'ham-tui: object-add: QEMU closed the QMP socket\n'});
	qemu.close();
});

test("--plug: a backend id already taken gets the next free one; QEMU's text is made safe", async () => {
	const qemu = await recordedQemu((command, socket) => {
		if (command.execute === 'object-add') {
			assert.equal(command.arguments?.id, 'ham-mem-1-2');
			reply(socket, {return: {}, id: command.id});
		} else if (command.execute === 'device_add') {
			assert.equal(command.arguments?.id, 'ham-dimm-1-2');
			reply(socket, {id: command.id, error: {class: 'GenericError', desc: 'slot 1 is busy\u001b]0;owned\u0007'}});
		} else {
			reply(socket, {return: {}, id: command.id});
		}
	});
	const result = await run({kind: 'plug', slot: 1, size: 2 ** 30, mode: 'hot-add'}, qemu.path);
	assert.deepEqual(result, {
		code: exit.failed,
		stdout: '',
		stderr: 'ham-tui: slot 1: 1G pc-dimm: QEMU refused: slot 1 is busy\uFFFD]0;owned\uFFFD (GenericError)\n',
	});
	assert.deepEqual(qemu.log.slice(-3), ['object-add', 'device_add', 'object-del']);
	qemu.close();
});
