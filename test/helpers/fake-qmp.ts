// A fake QEMU on a unix socket: it greets as QEMU 7.2 does, answers qmp_capabilities, and hands
// every other command to the test, which answers (or misbehaves) as it likes.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {after} from 'node:test';

export const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ham-tui-qmp-'));
after(() => fs.rmSync(root, {recursive: true, force: true}));
let made = 0;

export const greeting = `${JSON.stringify({QMP: {version: {qemu: {micro: 22, minor: 2, major: 7}, package: 'Debian 1:7.2+dfsg-7+deb12u18+b3'}, capabilities: ['oob']}})}\n`;

export type Command = {execute: string; arguments?: Record<string, unknown>; id: number};

/** A fake QEMU: greets, answers qmp_capabilities, then hands every other command to `serve`. */
export async function fakeQemu(
	serve: (command: Command, socket: net.Socket) => void,
	options: {greet?: string; path?: string} = {},
): Promise<{path: string; close: () => void}> {
	// A given path: a QEMU started again where the last one listened (the old socket file goes first).
	const socketPath = options.path ?? path.join(root, `qmp-${made++}.sock`);
	if (options.path !== undefined) fs.rmSync(options.path, {force: true});
	const sockets = new Set<net.Socket>();
	const server = net.createServer(socket => {
		sockets.add(socket);
		socket.on('error', () => {});
		socket.write(options.greet ?? greeting);
		let buffer = '';
		socket.on('data', data => {
			buffer += data.toString('utf8');
			for (let newline = buffer.indexOf('\n'); newline !== -1; newline = buffer.indexOf('\n')) {
				const command = JSON.parse(buffer.slice(0, newline)) as Command;
				buffer = buffer.slice(newline + 1);
				if (command.execute === 'qmp_capabilities') {
					socket.write(`${JSON.stringify({return: {}, id: command.id})}\n`);
				} else {
					serve(command, socket);
				}
			}
		});
	});
	await new Promise<void>(resolve => server.listen(socketPath, resolve));
	return {
		path: socketPath,
		close: () => {
			for (const socket of sockets) {
				socket.destroy();
			}

			server.close();
		},
	};
}

export function reply(socket: net.Socket, message: unknown): void {
	socket.write(`${JSON.stringify(message)}\n`);
}
