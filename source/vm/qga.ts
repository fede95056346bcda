// A client for the QEMU guest agent (qemu-ga) over the host side of its virtio-serial channel, a
// unix socket (`-chardev socket,path=P,server=on,wait=off,id=qga0 -device virtio-serial
// -device virtserialport,chardev=qga0,name=org.qemu.guest_agent.0`). The protocol (QEMU's qga
// reference): one JSON command a line, answered in order with `{"return": ...}` or
// `{"error": {"class", "desc"}}`, no greeting and no events. The channel outlives the agent: bytes
// of an earlier conversation (a reply to a command that timed out, half a line from an agent that
// restarted) may still be in it, so the client resyncs first and after every timeout or garbage:
// a 0xFF byte (the agent's parser takes it as "flush") then `guest-sync-delimited` {id}, whose
// reply the agent starts with a 0xFF byte; everything before that byte is stale, and a reply whose
// id is not ours is too. Commands go one at a time: the replies carry nothing to match them by.
// Everything the agent sends is bounded (line length) and treated as hostile: a failure is a
// rejected promise with one line, never a throw from an event handler.
import {lstatSync} from 'node:fs';
import {connect, type Socket} from 'node:net';
import {errnoName} from '../errno.js';
import {safeText} from '../model/sanitize.js';
import {fail, ok, type Result} from '../result.js';
import {kindOf} from '../sysfs/read.js';

/** A reply line longer than this is refused: guest-get-memory-blocks for 100,000 blocks is about 5.5 MB. */
export const maxLineBytes = 16 * 2 ** 20;
/** The agent answers in milliseconds when it runs; when it does not, nothing answers at all. */
export const defaultTimeoutMs = 5000;

export type GuestAgentOptions = {
	/** Per exchange (default defaultTimeoutMs): a command's resync, when it needs one, has its own. */
	timeoutMs?: number;
	/** Where sync ids come from; random by default, so that no earlier client's late reply can match. */
	syncId?: () => number;
};

/** An error the agent answered with: its class and description, made safe to show. */
export class GuestAgentError extends Error {
	constructor(
		readonly command: string,
		readonly errorClass: string,
		readonly desc: string,
	) {
		super(`${command}: the guest agent refused: ${desc} (${errorClass})`);
	}
}

/** Checks an operator-given path like every other: it must exist and be a socket, not followed through a link. */
export function checkSocketPath(socketPath: string, flag = '--qga'): Result<string> {
	const shown = safeText(socketPath);
	try {
		const stats = lstatSync(socketPath);
		if (!stats.isSocket()) return fail(`${flag} ${shown}: ${kindOf(stats)}, not a socket`);
		return ok(socketPath);
	} catch (error) {
		const code = errnoName(error) ?? 'error';
		return fail(`${flag} ${shown}: ${code === 'ENOENT' ? 'no such socket' : `cannot be read (${code})`}`);
	}
}

type Pending = {
	command: string;
	resolve: (value: unknown) => void;
	reject: (error: Error) => void;
	timer: NodeJS.Timeout;
	/** Set while resyncing: the id the guest-sync-delimited reply must carry. */
	syncId?: number;
};

export class GuestAgent {
	private chunks: Buffer[] = [];
	private buffered = 0;
	/** Bytes before the next 0xFF are stale (set until a resync has seen its own reply). */
	private stale = true;
	private synced = false;
	private pending: Pending | undefined;
	private queue: Promise<unknown> = Promise.resolve();
	private closedWith: string | undefined;
	private readonly timeoutMs: number;
	private readonly syncId: () => number;

	private constructor(
		private readonly socket: Socket,
		private readonly socketPath: string,
		options: GuestAgentOptions,
	) {
		this.timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
		this.syncId = options.syncId ?? (() => Math.floor(Math.random() * 2 ** 31));
		socket.on('data', (data: Buffer) => this.receive(data));
		socket.on('error', error => this.drop(`the guest agent's socket failed (${errnoName(error) ?? safeText(error.message)})`));
		socket.on('close', () =>
			this.drop(`the guest agent's socket ${safeText(this.socketPath)} closed (QEMU quit, or the channel was reset)`),
		);
	}

	/** Connects (after checking the path); the first command resyncs. */
	static async open(socketPath: string, options: GuestAgentOptions = {}): Promise<Result<GuestAgent>> {
		const checked = checkSocketPath(socketPath);
		if (!checked.ok) return checked;
		return new Promise(resolve => {
			const socket = connect(socketPath);
			const refused = (error: Error) => {
				resolve(fail(`--qga ${safeText(socketPath)}: cannot connect (${errnoName(error) ?? safeText(error.message)})`));
			};
			socket.once('error', refused);
			socket.once('connect', () => {
				socket.off('error', refused);
				resolve(ok(new GuestAgent(socket, socketPath, options)));
			});
		});
	}

	/** Whether the socket is still open; once closed, every command is refused with why. */
	get closed(): string | undefined {
		return this.closedWith;
	}

	/**
	 * Runs one command: the agent's `return`, or a rejection with one line (a GuestAgentError
	 * for the agent's own refusal). Commands queue: the agent answers one at a time.
	 */
	command(execute: string, args?: Record<string, unknown>, timeoutMs = this.timeoutMs): Promise<unknown> {
		const run = this.queue.then(async () => {
			if (!this.synced) await this.sync(timeoutMs);
			return this.send(execute, args, timeoutMs);
		});
		this.queue = run.catch(() => undefined);
		return run;
	}

	close() {
		this.drop('the guest agent client was closed');
		this.socket.destroy();
	}

	private async sync(timeoutMs: number) {
		const id = this.syncId();
		this.stale = true;
		if (!this.closedWith) this.socket.write(Buffer.from([0xff]));
		const answer = await this.send('guest-sync-delimited', {id}, timeoutMs, id);
		if (answer !== id) throw new Error(`guest-sync-delimited: the guest agent answered ${shorten(JSON.stringify(answer))}, not ${id}`);
		this.synced = true;
	}

	private send(execute: string, args: Record<string, unknown> | undefined, timeoutMs: number, syncId?: number): Promise<unknown> {
		if (this.closedWith) return Promise.reject(new Error(`${execute}: ${this.closedWith}`));
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => {
				this.pending = undefined;
				this.synced = false; // Its late reply would be taken for the next command's.
				reject(new Error(`${execute}: the guest agent did not answer in ${timeoutMs / 1000} s: is qemu-ga running in the guest?`));
			}, timeoutMs);
			this.pending = {command: execute, resolve, reject, timer, syncId};
			this.socket.write(`${JSON.stringify({execute, ...(args ? {arguments: args} : {})})}\n`);
			this.take(); // A sync may find its reply already buffered.
		});
	}

	private receive(data: Buffer) {
		this.chunks.push(data);
		this.buffered += data.length;
		// Joined only once a line is complete: a long reply in many chunks is copied once, not per chunk.
		if (this.stale || data.includes(0x0a)) this.take();
		else if (this.buffered > maxLineBytes) this.protocolError(`a line of more than ${maxLineBytes} bytes`);
	}

	/** Takes every complete line buffered: stale bytes dropped, each reply given to the command waiting. */
	private take() {
		let buffer = Buffer.concat(this.chunks, this.buffered);
		for (;;) {
			if (this.stale) {
				const sentinel = buffer.indexOf(0xff);
				// Until the sentinel, nothing is kept: stale bytes cannot fill memory.
				buffer = sentinel < 0 ? Buffer.alloc(0) : buffer.subarray(sentinel + 1);
				if (sentinel >= 0) this.stale = false;
			}

			const end = buffer.indexOf(0x0a);
			if (end < 0) break;
			const line = buffer.subarray(0, end);
			buffer = buffer.subarray(end + 1);
			if (end > maxLineBytes) {
				this.protocolError(`a line of more than ${maxLineBytes} bytes`);
				return;
			}

			this.line(line.toString('utf8'));
			if (this.closedWith) return;
		}

		this.chunks = buffer.length > 0 ? [buffer] : [];
		this.buffered = buffer.length;
		if (this.buffered > maxLineBytes) this.protocolError(`a line of more than ${maxLineBytes} bytes`);
	}

	private line(text: string) {
		if (text.trim() === '') return;
		let message: unknown;
		try {
			message = JSON.parse(text);
		} catch {
			this.protocolError(`not JSON: ${shorten(text)}`);
			return;
		}

		const pending = this.pending;
		if (!pending) {
			// Nothing asked: a late reply. Whatever follows may be out of step too.
			this.synced = false;
			return;
		}

		if (pending.syncId !== undefined && !(isObject(message) && Object.hasOwn(message, 'return') && message.return === pending.syncId)) {
			// Stale: an earlier sync's reply (its own 0xFF came first), or a reply to the flush byte.
			this.stale = true;
			return;
		}

		this.settle();
		if (isObject(message) && Object.hasOwn(message, 'return')) {
			pending.resolve(message.return);
		} else if (isObject(message) && Object.hasOwn(message, 'error') && isObject(message.error)) {
			const {error} = message;
			const text = (key: string) => (Object.hasOwn(error, key) && typeof error[key] === 'string' ? shorten(error[key]) : '?');
			pending.reject(new GuestAgentError(pending.command, text('class'), text('desc')));
		} else {
			this.synced = false;
			pending.reject(new Error(`${pending.command}: the guest agent sent something that is not a reply: ${shorten(text)}`));
		}
	}

	/** Garbage: the waiting command fails, buffered bytes go, the next command resyncs. */
	private protocolError(what: string) {
		this.chunks = [];
		this.buffered = 0;
		this.stale = true;
		this.synced = false;
		const pending = this.pending;
		if (!pending) return;
		this.settle();
		pending.reject(new Error(`${pending.command}: the guest agent sent ${what}`));
	}

	private settle() {
		if (this.pending) clearTimeout(this.pending.timer);
		this.pending = undefined;
	}

	private drop(why: string) {
		if (this.closedWith) return;
		this.closedWith = why;
		this.chunks = [];
		this.buffered = 0;
		const pending = this.pending;
		if (!pending) return;
		this.settle();
		pending.reject(new Error(`${pending.command}: ${why}`));
	}
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Text from the guest in a message: one line, no control characters, at most 80 characters. */
function shorten(text: string): string {
	const line = safeText(text);
	return line.length > 80 ? `${line.slice(0, 80)}…` : line;
}
