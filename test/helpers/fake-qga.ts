// A fake QEMU guest agent on a unix socket, fed qemu-ga 7.2's recorded replies (test/fixtures/qga/):
// it takes the 0xFF flush byte, answers guest-sync-delimited with a 0xFF before its reply as the
// real one does, lists the recorded blocks (with what the test changes), and records every
// guest-set-memory-blocks request, answering each block as the test says (success, or
// operation-failed with an errno), as qga/commands-posix.c answers.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {root} from './fake-qmp.js';

let made = 0;

export function recordedReply(name: string): unknown {
	const recording = JSON.parse(fs.readFileSync(`test/fixtures/qga/qemu-ga-7.2.22-${name}.json`, 'utf8'));
	return recording.reply.return;
}

export type AgentBlock = {'phys-index': number; online: boolean; 'can-offline': boolean};
/** A block's answer to an online request: success, or operation-failed with this errno. */
export type BlockAnswer = 'success' | {errno: number} | 'not-found';

export type FakeAgent = {
	path: string;
	/** The blocks as guest-get-memory-blocks lists them (in the recorded, unsorted order). */
	blocks: AgentBlock[];
	/** Each guest-set-memory-blocks request's block numbers. */
	requests: number[][];
	close: () => void;
};

/**
 * `answer(block, attempt)` says what asking `block` online the attempt-th time gets (default
 * success); `onCommand` may take a command over (return true), e.g. to drop the connection.
 */
export async function fakeAgent(
	options: {answer?: (block: number, attempt: number) => BlockAnswer; onCommand?: (execute: string, socket: net.Socket) => boolean} = {},
): Promise<FakeAgent> {
	const socketPath = path.join(root, `qga-${made++}.sock`);
	const blocks = structuredClone(recordedReply('get-memory-blocks')) as AgentBlock[];
	const requests: number[][] = [];
	const asked = new Map<number, number>();
	const sockets = new Set<net.Socket>();
	const send = (socket: net.Socket, message: unknown) => socket.write(`${JSON.stringify(message)}\n`);
	const server = net.createServer(socket => {
		sockets.add(socket);
		socket.on('error', () => {});
		let buffer = '';
		socket.on('data', data => {
			// The flush byte: the real agent's parser drops what came before it.
			buffer += data.toString('latin1').replaceAll('\u00ff', '');
			for (let newline = buffer.indexOf('\n'); newline !== -1; newline = buffer.indexOf('\n')) {
				const command = JSON.parse(buffer.slice(0, newline)) as {execute: string; arguments?: Record<string, unknown>};
				buffer = buffer.slice(newline + 1);
				if (options.onCommand?.(command.execute, socket)) continue;
				switch (command.execute) {
					case 'guest-sync-delimited': {
						socket.write(Buffer.from([0xff]));
						send(socket, {return: command.arguments?.id});
						break;
					}

					case 'guest-get-memory-block-info': {
						send(socket, {return: recordedReply('get-memory-block-info')});
						break;
					}

					case 'guest-get-memory-blocks': {
						send(socket, {return: blocks});
						break;
					}

					case 'guest-set-memory-blocks': {
						const list = (command.arguments?.['mem-blks'] ?? []) as {'phys-index': number; online: boolean}[];
						requests.push(list.map(entry => entry['phys-index']));
						const replies = list.map(entry => {
							const index = entry['phys-index'];
							const attempt = (asked.get(index) ?? 0) + 1;
							asked.set(index, attempt);
							const block = blocks.find(one => one['phys-index'] === index);
							const answer = block ? (options.answer?.(index, attempt) ?? 'success') : 'not-found';
							if (answer === 'success' && block) block.online = entry.online;
							return answer === 'success'
								? {response: 'success', 'phys-index': index}
								: answer === 'not-found'
									? {response: 'not-found', 'error-code': 2, 'phys-index': index}
									: {response: 'operation-failed', 'error-code': answer.errno, 'phys-index': index};
						});
						send(socket, {return: replies});
						break;
					}

					default: {
						send(socket, {error: {class: 'CommandNotFound', desc: `The command ${command.execute} has not been found`}});
					}
				}
			}
		});
	});
	await new Promise<void>(resolve => server.listen(socketPath, resolve));
	return {
		path: socketPath,
		blocks,
		requests,
		close: () => {
			for (const socket of sockets) socket.destroy();
			server.close();
		},
	};
}
