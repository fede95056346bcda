// The guest agent client (source/vm/qga.ts) against a fake qemu-ga on a unix socket, and the pure
// half (source/vm/guest.ts) over replies recorded from the kernel test's real qemu-ga
// (test/fixtures/qga/, written by `HAM_KERNEL_RECORD=DIR npm run test:kernel`).
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {createServer, type Server, type Socket} from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, test} from 'node:test';
import {
	agentCannotTell,
	agentTree,
	blockOutcome,
	parseBlockInfo,
	parseMemoryBlocks,
	parseSetMemoryBlocks,
	setMemoryBlocksArguments,
	tiedRanges,
} from '../source/vm/guest.js';
import {checkSocketPath, GuestAgent, GuestAgentError, maxLineBytes} from '../source/vm/qga.js';

const work = mkdtempSync(path.join(tmpdir(), 'ham-qga-'));
after(() => rmSync(work, {recursive: true, force: true}));
let serial = 0;

type Command = {execute: string; arguments?: Record<string, unknown>};
/** What the fake agent does with one command: the bytes to write back (or nothing). */
type Handler = (command: Command, socket: Socket) => string | Buffer | undefined;

/** A fake qemu-ga: reads commands a line at a time (0xFF bytes skipped, as the agent's parser flushes on them). */
async function fakeAgent(handler: Handler): Promise<{server: Server; socketPath: string; received: Command[]}> {
	const socketPath = path.join(work, `qga-${serial++}.sock`);
	const received: Command[] = [];
	const server = createServer(socket => {
		let pending = '';
		socket.on('data', (data: Buffer) => {
			pending += data.toString('latin1').replaceAll('\u00ff', '');
			for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
				const command = JSON.parse(pending.slice(0, end)) as Command;
				pending = pending.slice(end + 1);
				received.push(command);
				const reply = handler(command, socket);
				if (reply !== undefined) socket.write(reply);
			}
		});
		socket.on('error', () => undefined);
	});
	await new Promise<void>(resolve => server.listen(socketPath, resolve));
	after(() => server.close());
	return {server, socketPath, received};
}

const syncReply = (command: Command) =>
	Buffer.concat([Buffer.from([0xff]), Buffer.from(`${JSON.stringify({return: command.arguments?.id})}\n`)]);

/** An agent that syncs and answers `return` for every other command with what `answers` gives. */
const answering =
	(answers: (command: Command) => unknown): Handler =>
	command =>
		command.execute === 'guest-sync-delimited' ? syncReply(command) : `${JSON.stringify({return: answers(command)})}\n`;

async function open(socketPath: string, timeoutMs = 2000): Promise<GuestAgent> {
	const opened = await GuestAgent.open(socketPath, {timeoutMs});
	assert.ok(opened.ok, opened.ok ? '' : opened.error);
	after(() => opened.value.close());
	return opened.value;
}

const rejection = async (promise: Promise<unknown>): Promise<Error> => {
	try {
		await promise;
	} catch (error) {
		return error as Error;
	}

	assert.fail('expected a rejection');
};

test('the first command resyncs: stale bytes before the 0xFF are dropped, then commands run in order', async () => {
	const fake = await fakeAgent((command, socket) => {
		if (command.execute === 'guest-sync-delimited') {
			// Half a reply from an earlier conversation, then the sentinel and the id.
			socket.write('{"return": {"size": 1}}\n{"retu');
			return syncReply(command);
		}

		return `${JSON.stringify({return: command.execute})}\n`;
	});
	const agent = await open(fake.socketPath);
	const answers = await Promise.all([agent.command('guest-info'), agent.command('guest-get-memory-blocks')]);
	assert.deepEqual(answers, ['guest-info', 'guest-get-memory-blocks']);
	assert.deepEqual(
		fake.received.map(command => command.execute),
		['guest-sync-delimited', 'guest-info', 'guest-get-memory-blocks'],
	);
});

test("a sync reply with another id (an earlier sync's, late) is stale too: the client waits for its own", async () => {
	const fake = await fakeAgent(command => {
		if (command.execute !== 'guest-sync-delimited') return `${JSON.stringify({return: 'ok'})}\n`;
		const old = Buffer.concat([Buffer.from([0xff]), Buffer.from(`${JSON.stringify({return: 12345})}\n`)]);
		return Buffer.concat([old, Buffer.from('garbage'), syncReply(command)]);
	});
	const agent = await open(fake.socketPath);
	assert.equal(await agent.command('guest-ping'), 'ok');
});

test('an agent that does not answer: one line naming the time and asking whether qemu-ga runs; the next command resyncs', async () => {
	let silent = true;
	const fake = await fakeAgent(command => (silent ? undefined : answering(() => 'late but fine')(command, undefined as never)));
	const agent = await open(fake.socketPath, 200);
	const error = await rejection(agent.command('guest-info'));
	assert.equal(error.message, 'guest-sync-delimited: the guest agent did not answer in 0.2 s: is qemu-ga running in the guest?');
	silent = false;
	assert.equal(await agent.command('guest-info'), 'late but fine');
	assert.equal(fake.received.filter(command => command.execute === 'guest-sync-delimited').length, 2);
});

test("a command's late reply after its timeout is not taken for the next command's", async () => {
	let first = true;
	const fake = await fakeAgent((command, socket) => {
		if (command.execute === 'guest-sync-delimited') return syncReply(command);
		if (first) {
			first = false;
			setTimeout(() => socket.write(`${JSON.stringify({return: 'stale'})}\n`), 300);
			return undefined;
		}

		return `${JSON.stringify({return: 'fresh'})}\n`;
	});
	const agent = await open(fake.socketPath, 150);
	assert.match((await rejection(agent.command('slow'))).message, /^slow: the guest agent did not answer in 0.15 s/);
	await new Promise(resolve => setTimeout(resolve, 400));
	assert.equal(await agent.command('quick'), 'fresh');
});

test("the agent's refusal is a GuestAgentError with its class and description, made safe", async () => {
	const fake = await fakeAgent(command =>
		command.execute === 'guest-sync-delimited'
			? syncReply(command)
			: `${JSON.stringify({error: {class: 'CommandNotFound', desc: 'The command \u001b[31mx has not been found'}})}\n`,
	);
	const agent = await open(fake.socketPath);
	const error = await rejection(agent.command('x'));
	assert.ok(error instanceof GuestAgentError);
	assert.equal(error.errorClass, 'CommandNotFound');
	assert.equal(error.message, 'x: the guest agent refused: The command \uFFFD[31mx has not been found (CommandNotFound)');
});

test('garbage is a protocol error for the waiting command, and the next command resyncs', async () => {
	let replies = ['not json at all\n', '[1, 2]\n'];
	const fake = await fakeAgent(command => {
		if (command.execute === 'guest-sync-delimited') return syncReply(command);
		const reply = replies[0];
		replies = replies.slice(1);
		return reply ?? `${JSON.stringify({return: 'recovered'})}\n`;
	});
	const agent = await open(fake.socketPath);
	assert.equal((await rejection(agent.command('a'))).message, 'a: the guest agent sent not JSON: not json at all');
	assert.equal((await rejection(agent.command('b'))).message, 'b: the guest agent sent something that is not a reply: [1, 2]');
	assert.equal(await agent.command('c'), 'recovered');
	assert.equal(fake.received.filter(command => command.execute === 'guest-sync-delimited').length, 3);
});

test('a line past the cap is refused without keeping it, in one chunk or in many', async () => {
	const fake = await fakeAgent((command, socket) => {
		if (command.execute === 'guest-sync-delimited') return syncReply(command);
		if (command.execute === 'many') {
			const chunk = Buffer.alloc(2 ** 20, 0x61);
			for (let i = 0; i <= maxLineBytes / chunk.length; i++) socket.write(chunk);
			return undefined;
		}

		return `{"return": "${'x'.repeat(maxLineBytes + 10)}"}\n`;
	});
	const agent = await open(fake.socketPath, 10_000);
	assert.equal((await rejection(agent.command('one'))).message, `one: the guest agent sent a line of more than ${maxLineBytes} bytes`);
	assert.equal((await rejection(agent.command('many'))).message, `many: the guest agent sent a line of more than ${maxLineBytes} bytes`);
});

test('__proto__ keys in a reply are plain data: nothing is polluted, parsing sees no return', async () => {
	const fake = await fakeAgent(command =>
		command.execute === 'guest-sync-delimited'
			? syncReply(command)
			: command.execute === 'proto-only'
				? '{"__proto__": {"return": "forged"}}\n'
				: '{"return": [{"__proto__": {"polluted": true}, "phys-index": 3, "online": false, "can-offline": true}]}\n',
	);
	const agent = await open(fake.socketPath);
	assert.match((await rejection(agent.command('proto-only'))).message, /^proto-only: the guest agent sent something that is not a reply/);
	const blocks = parseMemoryBlocks(await agent.command('guest-get-memory-blocks'));
	assert.deepEqual(blocks, {ok: true, value: [{index: 3, online: false, canOffline: true}]});
	assert.equal(({} as Record<string, unknown>).polluted, undefined);
	assert.equal(({} as Record<string, unknown>).return, undefined);
});

test('a socket dropped mid-reply rejects the waiting command with why, and every later one', async () => {
	const fake = await fakeAgent((command, socket) => {
		if (command.execute === 'guest-sync-delimited') return syncReply(command);
		socket.end('{"return": [{"phys-in');
		return undefined;
	});
	const agent = await open(fake.socketPath);
	const error = await rejection(agent.command('guest-get-memory-blocks'));
	assert.match(
		error.message,
		/^guest-get-memory-blocks: the guest agent's socket .*qga-\d+\.sock closed \(QEMU quit, or the channel was reset\)$/,
	);
	assert.match((await rejection(agent.command('guest-info'))).message, /^guest-info: the guest agent's socket .* closed/);
	assert.ok(agent.closed);
});

test('close() while a command waits rejects it with why, without a throw', async () => {
	const fake = await fakeAgent(command => (command.execute === 'guest-sync-delimited' ? syncReply(command) : undefined));
	const agent = await open(fake.socketPath);
	const waiting = agent.command('guest-get-memory-blocks');
	await new Promise(resolve => setTimeout(resolve, 50));
	agent.close();
	assert.equal((await rejection(waiting)).message, 'guest-get-memory-blocks: the guest agent client was closed');
});

test('the path must be a socket: a regular file, a FIFO, a missing path, a link to a socket are refused', async () => {
	const file = path.join(work, 'file');
	writeFileSync(file, '');
	const fifo = path.join(work, 'fifo');
	execFileSync('mkfifo', [fifo]);
	const fake = await fakeAgent(() => undefined);
	const link = path.join(work, 'link');
	execFileSync('ln', ['-s', fake.socketPath, link]);
	assert.deepEqual(checkSocketPath(file), {ok: false, error: `--qga ${file}: a regular file, not a socket`});
	assert.deepEqual(checkSocketPath(fifo), {ok: false, error: `--qga ${fifo}: a FIFO, not a socket`});
	assert.deepEqual(checkSocketPath(path.join(work, 'missing')), {ok: false, error: `--qga ${path.join(work, 'missing')}: no such socket`});
	assert.deepEqual(checkSocketPath(link), {ok: false, error: `--qga ${link}: a symbolic link, not a socket`});
	assert.deepEqual(checkSocketPath(fake.socketPath), {ok: true, value: fake.socketPath});
	const opened = await GuestAgent.open(fifo);
	assert.deepEqual(opened, {ok: false, error: `--qga ${fifo}: a FIFO, not a socket`});
	const name = path.join(work, 'bad\u001b[2Jname');
	assert.deepEqual(checkSocketPath(name), {ok: false, error: `--qga ${path.join(work, 'bad\uFFFD[2Jname')}: no such socket`});
});

test('a socket nobody listens on: one line', async () => {
	const fake = await fakeAgent(() => undefined);
	await new Promise(resolve => fake.server.close(resolve));
	// The listener is gone (Node removes its socket file on close: then the path check says so).
	const opened = await GuestAgent.open(fake.socketPath);
	assert.equal(opened.ok, false);
	assert.match(opened.ok ? '' : opened.error, /^--qga .*: (cannot connect \(ECONNREFUSED\)|no such socket)$/);
});

// --- guest.ts over the real replies ---

const fixtures = path.join(import.meta.dirname, 'fixtures/qga');
type Conversation = {
	'qemu-ga': string;
	execute: string;
	arguments?: Record<string, unknown>;
	reply: {return?: unknown; error?: {class: string; desc: string}};
};
const recorded = (name: string): Conversation => {
	const file = readdirSync(fixtures).find(entry => entry.endsWith(`-${name}.json`));
	assert.ok(file, `no test/fixtures/qga/qemu-ga-*-${name}.json`);
	return JSON.parse(readFileSync(path.join(fixtures, file), 'utf8')) as Conversation;
};

test('the real block size and blocks: sorted, grouped as lsmem groups them, tied to the DIMM by address', () => {
	const size = parseBlockInfo(recorded('get-memory-block-info').reply.return);
	assert.deepEqual(size, {ok: true, value: 128 * 2 ** 20});
	const listed = parseMemoryBlocks(recorded('get-memory-blocks').reply.return);
	assert.ok(listed.ok && size.ok);
	const indexes = listed.value.map(block => block.index);
	assert.deepEqual(
		indexes,
		[...indexes].sort((a, b) => a - b),
	);
	const tree = agentTree(size.value, listed.value);
	assert.equal(tree.hasZones || tree.hasNodes, false, 'the agent tells no node or zone');
	const offline = listed.value.filter(block => !block.online).map(block => block.index);
	assert.equal(offline.length, 4, 'the kernel test asked the agent with dimm13 (512M) offline');
	// dimm13 as query-memory-devices placed it in that boot (blocks 'offline' there), and a DIMM elsewhere.
	const dimm = {id: 'dimm13', start: offline[0]! * size.value, size: 4 * size.value};
	const ranges = tiedRanges(tree, [dimm, {id: 'far', start: 2 ** 40, size: 2 ** 30}]);
	const tied = ranges.filter(range => range.device === 'dimm13');
	assert.deepEqual(
		tied.map(range => [range.firstBlock, range.lastBlock, range.state]),
		[[offline[0], offline[0]! + 3, 'offline']],
	);
	assert.equal(ranges[0]?.device, 'boot');
	assert.equal(ranges[0]?.firstBlock, 0);
	assert.equal(
		ranges.reduce((sum, range) => sum + range.blocks, 0),
		listed.value.length,
	);
});

test('a range of one state spanning two devices is split where the second begins', () => {
	const blocks = [0, 1, 2, 3, 4, 5].map(index => ({index, online: true, canOffline: true}));
	const ranges = tiedRanges(agentTree(4096, blocks), [
		{id: 'a', start: 2 * 4096, size: 2 * 4096},
		{id: 'b', start: 4 * 4096, size: 2 * 4096},
	]);
	assert.deepEqual(
		ranges.map(range => [range.firstBlock, range.lastBlock, range.device, range.start, range.end, range.size]),
		[
			[0, 1, 'boot', 0, 2 * 4096 - 1, 2 * 4096],
			[2, 3, 'a', 2 * 4096, 4 * 4096 - 1, 2 * 4096],
			[4, 5, 'b', 4 * 4096, 6 * 4096 - 1, 2 * 4096],
		],
	);
});

test('guest-set-memory-blocks: the request, and the real answers as outcomes with "retry can help" or not', () => {
	const set = recorded('set-memory-blocks');
	const asked = ((set.arguments?.['mem-blks'] ?? []) as {'phys-index': number}[]).map(block => block['phys-index']);
	assert.deepEqual(set.arguments, setMemoryBlocksArguments(asked));
	assert.deepEqual(parseSetMemoryBlocks(set.reply.return, asked), {ok: true, value: [{block: asked[0], ok: true}]});
	const failed = recorded('set-memory-blocks-failed');
	const outcome = parseSetMemoryBlocks(failed.reply.return, [0]);
	assert.ok(outcome.ok);
	assert.equal(outcome.value[0]?.ok, false);
	assert.equal(outcome.value[0]?.retry, false);
	assert.match(outcome.value[0]?.error ?? '', /^E[A-Z]+$/);
	const missing = recorded('set-memory-blocks-missing');
	assert.deepEqual(parseSetMemoryBlocks(missing.reply.return, [99_999]), {
		ok: true,
		value: [{block: 99_999, ok: false, gone: true, error: 'ENOENT', retry: false}],
	});
	assert.deepEqual(recorded('unknown-command').reply.error, {
		class: 'CommandNotFound',
		desc: 'The command guest-no-such-command has not been found',
	});
});

test('outcomes by errno: busy can retry, invalid cannot, an unknown number is named as a number', () => {
	assert.deepEqual(blockOutcome(7, 'operation-failed', 16), {block: 7, ok: false, error: 'EBUSY', retry: true});
	assert.deepEqual(blockOutcome(7, 'operation-failed', 22), {block: 7, ok: false, error: 'EINVAL', retry: false});
	assert.deepEqual(blockOutcome(7, 'operation-failed', 133), {block: 7, ok: false, error: 'EHWPOISON', retry: false});
	assert.deepEqual(blockOutcome(7, 'operation-failed', 4000), {block: 7, ok: false, error: 'errno 4000', retry: false});
	assert.deepEqual(blockOutcome(7, 'operation-failed'), {block: 7, ok: false, error: 'operation-failed', retry: false});
	assert.deepEqual(blockOutcome(7, 'operation-not-supported', 2), {block: 7, ok: false, error: 'ENOENT', retry: false});
	assert.match(agentCannotTell, /not its node, zone or valid zones/);
});

test('hostile answers are refused with one line, never a throw', () => {
	assert.equal(parseBlockInfo({size: 3}).ok, false);
	assert.equal(parseBlockInfo({size: 2 ** 60}).ok, false);
	assert.equal(parseBlockInfo(JSON.parse('{"__proto__": {"size": 134217728}}')).ok, false);
	assert.equal(parseMemoryBlocks([{'phys-index': -1, online: true}]).ok, false);
	assert.equal(
		parseMemoryBlocks([
			{'phys-index': 1, online: true},
			{'phys-index': 1, online: false},
		]).ok,
		false,
	);
	assert.equal(parseMemoryBlocks({length: 1}).ok, false);
	const forged = parseSetMemoryBlocks([{'phys-index': 1, response: 'success\u001b[2J'}], [1]);
	assert.deepEqual(forged, {
		ok: false,
		error: 'guest-set-memory-blocks: not a block\'s answer: {"phys-index":1,"response":"success\\u001b[2J"}',
	});
	assert.equal(parseSetMemoryBlocks([{'phys-index': 2, response: 'success'}], [1]).ok, false);
	assert.deepEqual(parseSetMemoryBlocks(null, []), {ok: true, value: []});
});
