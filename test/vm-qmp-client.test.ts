// The QMP client (source/vm/qmp.ts) against a fake QEMU on a unix socket: the greeting, replies
// matched by id, events, QEMU's refusals, and a hostile server (a huge line, garbage, JSON that is
// not an object, `__proto__`, a socket closed mid-reply), and the paths that are not sockets.
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import type net from 'node:net';
import path from 'node:path';
import {test} from 'node:test';
import {checkSocketPath, maxLineBytes, QmpClient, QmpError} from '../source/vm/qmp.js';
import {type Command, fakeQemu, reply, root} from './helpers/fake-qmp.js';

async function open(socketPath: string, options: Parameters<typeof QmpClient.open>[1] = {}): Promise<QmpClient> {
	const client = await QmpClient.open(socketPath, options);
	assert.ok(client.ok, client.ok ? '' : client.error);
	return client.value;
}

test('the greeting gives the version; a command resolves with its return', async () => {
	const qemu = await fakeQemu((command, socket) =>
		reply(socket, {return: {echo: command.execute, args: command.arguments}, id: command.id}),
	);
	const client = await open(qemu.path);
	assert.deepEqual(client.version, {major: 7, minor: 2, micro: 22, package: 'Debian 1:7.2+dfsg-7+deb12u18+b3'});
	assert.deepEqual(await client.execute('query-status', {a: 1}), {echo: 'query-status', args: {a: 1}});
	client.close();
	qemu.close();
});

test('replies are matched by id, whatever their order; a reply to no pending command is dropped', async () => {
	const held: Command[] = [];
	const qemu = await fakeQemu((command, socket) => {
		held.push(command);
		if (held.length === 2) {
			reply(socket, {return: 'stray', id: 999});
			reply(socket, {return: held[1]!.execute, id: held[1]!.id});
			reply(socket, {return: held[0]!.execute, id: held[0]!.id});
		}
	});
	const client = await open(qemu.path);
	const [first, second] = await Promise.all([client.execute('first'), client.execute('second')]);
	assert.deepEqual([first, second], ['first', 'second']);
	client.close();
	qemu.close();
});

test("a refusal rejects with QEMU's class and description, made safe in the message", async () => {
	const qemu = await fakeQemu((command, socket) =>
		reply(socket, {id: command.id, error: {class: 'GenericError', desc: 'slot 1 is busy\u001b[2J\u009b31m'}}),
	);
	const client = await open(qemu.path);
	await assert.rejects(client.execute('device_add'), (error: unknown) => {
		assert.ok(error instanceof QmpError);
		assert.equal(error.errorClass, 'GenericError');
		assert.equal(error.desc, 'slot 1 is busy\u001b[2J\u009b31m');
		assert.equal(error.message, 'device_add: QEMU refused: slot 1 is busy\uFFFD[2J\uFFFD31m (GenericError)');
		return true;
	});
	client.close();
	qemu.close();
});

test('events: onEvent sees each, waitForEvent the first that matches, or undefined after its time', async () => {
	const qemu = await fakeQemu((command, socket) => {
		reply(socket, {event: 'ACPI_DEVICE_OST', data: {info: {device: 'ham-dimm-1', status: 0x84}}, timestamp: {seconds: 1, microseconds: 2}});
		reply(socket, {event: 'DEVICE_DELETED', data: {device: 'other'}, timestamp: {seconds: 1, microseconds: 3}});
		reply(socket, {return: {}, id: command.id});
		reply(socket, {event: 'DEVICE_DELETED', data: {device: 'ham-dimm-1'}, timestamp: {seconds: 1, microseconds: 4}});
	});
	const seen: string[] = [];
	const client = await open(qemu.path, {onEvent: event => seen.push(event.event)});
	const deleted = client.waitForEvent('DEVICE_DELETED', event => event.data.device === 'ham-dimm-1', 2000);
	const never = client.waitForEvent('SHUTDOWN', () => true, 50);
	await client.execute('device_del', {id: 'ham-dimm-1'});
	const event = await deleted;
	assert.deepEqual(event, {event: 'DEVICE_DELETED', data: {device: 'ham-dimm-1'}, timestamp: {seconds: 1, microseconds: 4}});
	assert.equal(await never, undefined);
	assert.deepEqual(seen, ['ACPI_DEVICE_OST', 'DEVICE_DELETED', 'DEVICE_DELETED']);
	assert.equal(client.events.length, 3);
	client.close();
	qemu.close();
});

for (const [name, send, why] of [
	[
		'a line past the limit',
		(socket: net.Socket) => socket.write('x'.repeat(maxLineBytes + 10)),
		/longer than 1048576 bytes: the connection was closed/,
	],
	['a line that is not JSON', (socket: net.Socket) => socket.write('{"return": \n'), /not JSON: the connection was closed/],
	['JSON that is not an object', (socket: net.Socket) => socket.write('[1, 2]\n'), /not an object: the connection was closed/],
	['half a reply, then the socket closed', (socket: net.Socket) => socket.end('{"return": {"a"'), /QEMU closed the QMP socket/],
] as const) {
	test(`a hostile server: ${name} rejects the pending command with one line, and closes`, async () => {
		const qemu = await fakeQemu((_command, socket) => send(socket));
		const client = await open(qemu.path);
		await assert.rejects(client.execute('query-memory-devices'), why);
		assert.match(client.closed ?? '', why);
		await assert.rejects(client.execute('query-status'), why);
		await assert.rejects(
			client.waitForEvent('X', () => true, 10),
			why,
		);
		qemu.close();
	});
}

test('__proto__ in a reply is dropped: no prototype is touched, the rest is kept', async () => {
	const qemu = await fakeQemu((command, socket) =>
		socket.write(`{"return": {"__proto__": {"polluted": true}, "a": 1, "b": {"__proto__": {"x": 1}}}, "id": ${command.id}}\n`),
	);
	const client = await open(qemu.path);
	const value = (await client.execute('qom-get')) as Record<string, unknown>;
	assert.deepEqual(value, {a: 1, b: {}});
	assert.equal(Object.hasOwn(value, '__proto__'), false);
	assert.equal(Object.getPrototypeOf(value), Object.prototype);
	assert.equal(({} as Record<string, unknown>).polluted, undefined);
	client.close();
	qemu.close();
});

test('QEMU closing the socket rejects every pending command', async () => {
	const qemu = await fakeQemu(() => {});
	const client = await open(qemu.path);
	const pending = [client.execute('a'), client.execute('b')];
	qemu.close();
	const settled = await Promise.allSettled(pending);
	assert.deepEqual(
		settled.map(one => (one.status === 'rejected' ? String(one.reason) : 'resolved')),
		['Error: a: QEMU closed the QMP socket', 'Error: b: QEMU closed the QMP socket'],
	);
});

test('a command QEMU does not answer is rejected after its time', async () => {
	const qemu = await fakeQemu(() => {});
	const client = await open(qemu.path);
	await assert.rejects(client.execute('query-status', undefined, {timeoutMs: 50}), /query-status: QEMU did not answer within 0.05 s/);
	client.close();
	qemu.close();
});

test('a socket that does not greet as QMP, or not at all, is refused with why', async () => {
	const agent = await fakeQemu(() => {}, {greet: '{"hello": 1}\n'});
	assert.deepEqual(await QmpClient.open(agent.path), {
		ok: false,
		error: `--qmp ${agent.path}: not a QMP greeting (is it QEMU's -qmp socket, not a monitor or the guest agent?)`,
	});
	agent.close();
	const silent = await fakeQemu(() => {}, {greet: ''});
	assert.deepEqual(await QmpClient.open(silent.path, {timeoutMs: 100}), {
		ok: false,
		error: `--qmp ${silent.path}: no QMP greeting within 0.1 s (another client may hold the socket)`,
	});
	silent.close();
});

test('paths that are not sockets are refused with their kind; a missing one and a dead one say so', async () => {
	const file = path.join(root, 'file');
	fs.writeFileSync(file, '');
	assert.deepEqual(checkSocketPath(file), {ok: false, error: `--qmp ${file}: a regular file, not a socket`});
	const fifo = path.join(root, 'fifo');
	spawnSync('mkfifo', [fifo]);
	assert.deepEqual(checkSocketPath(fifo), {ok: false, error: `--qmp ${fifo}: a FIFO, not a socket`});
	assert.deepEqual(await QmpClient.open(fifo), {ok: false, error: `--qmp ${fifo}: a FIFO, not a socket`});
	const missing = path.join(root, 'missing.sock');
	assert.deepEqual(await QmpClient.open(missing), checkSocketPath(missing));
	assert.deepEqual(checkSocketPath(missing), {
		ok: false,
		error: `--qmp ${missing}: no such socket (is QEMU running with -qmp unix:${missing},server=on,wait=off?)`,
	});
	const qemu = await fakeQemu(() => {});
	const link = path.join(root, 'link.sock');
	fs.symlinkSync(qemu.path, link);
	assert.deepEqual(checkSocketPath(link), {ok: false, error: `--qmp ${link}: a symbolic link, not a socket`});
	qemu.close();
	// A socket file nothing listens on any more: its server was killed without unlinking it.
	const dead = path.join(root, 'dead.sock');
	spawnSync(process.execPath, [
		'-e',
		`require('net').createServer().listen(${JSON.stringify(dead)}, () => process.kill(process.pid, 'SIGKILL'))`,
	]);
	const refused = await QmpClient.open(dead);
	assert.deepEqual(refused, {
		ok: false,
		error: `--qmp ${dead}: connection refused: nothing listens there (QEMU quit and left its socket?)`,
	});
});
