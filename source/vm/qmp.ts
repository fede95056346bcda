// A client for QEMU's machine protocol (QMP) over a unix socket (`-qmp unix:PATH,server=on,wait=off`).
// The protocol (QEMU's docs/interop/qmp-spec): a greeting `{"QMP": {"version": ..., "capabilities"}}`,
// then `qmp_capabilities` leaves negotiation; each command `{"execute", "arguments", "id"}` is
// answered by `{"return", "id"}` or `{"error": {"class", "desc"}, "id"}`, and events
// `{"event", "data", "timestamp"}` arrive between replies at any time. Replies are matched by id.
// Everything QEMU sends is bounded (line length, events kept) and treated as hostile: a protocol
// error closes the connection and rejects every pending command with one line, never a throw from
// an event handler. Texts from QEMU are kept as QEMU said them; callers print them through safeText.
import {lstatSync} from 'node:fs';
import {connect, type Socket} from 'node:net';
import {errnoName} from '../errno.js';
import {safeText} from '../model/sanitize.js';
import {fail, ok, type Result} from '../result.js';
import {kindOf} from '../sysfs/read.js';

/** A line longer than this closes the connection: query-memory-devices for 256 DIMMs is about 50 KB. */
export const maxLineBytes = 2 ** 20;
/** Events kept for `events` (the newest); waiters see every one as it arrives. */
export const maxEventsKept = 256;
/** QEMU answers a query in milliseconds; device_add of a large backend may take a second or two. */
export const defaultTimeoutMs = 10_000;

export type QmpVersion = {major: number; minor: number; micro: number; package: string};
export type QmpEvent = {event: string; data: Record<string, unknown>; timestamp: {seconds: number; microseconds: number} | undefined};

export type QmpOptions = {
	/** For the greeting and the capabilities negotiation (default defaultTimeoutMs). */
	timeoutMs?: number;
	onEvent?: (event: QmpEvent) => void;
};

/** A command QEMU refused: its error class and description, in QEMU's own words. */
export class QmpError extends Error {
	constructor(
		readonly command: string,
		readonly errorClass: string,
		readonly desc: string,
	) {
		super(`${command}: QEMU refused: ${safeText(desc)} (${safeText(errorClass)})`);
	}
}

/** The connection failed or QEMU broke the protocol: `message` is the one line to show. */
export class QmpConnectionError extends Error {}

/**
 * Checks the operator's path before connecting: it must be a socket. lstat, not stat: a symbolic
 * link is refused with its kind, as every other path ham-tui is given (sysfs, --qga), so a link
 * planted where the socket was never sends commands to whatever it points at.
 */
export function checkSocketPath(socketPath: string, flag = '--qmp'): Result<string> {
	const shown = safeText(socketPath);
	try {
		const stats = lstatSync(socketPath);
		return stats.isSocket() ? ok(socketPath) : fail(`${flag} ${shown}: ${kindOf(stats)}, not a socket`);
	} catch (error) {
		const code = errnoName(error) ?? 'error';
		return fail(
			code === 'ENOENT'
				? `${flag} ${shown}: no such socket (is QEMU running with -qmp unix:${shown},server=on,wait=off?)`
				: `${flag} ${shown}: cannot be read (${code})`,
		);
	}
}

function connectMessage(socketPath: string, error: unknown): string {
	const shown = safeText(socketPath);
	const code = errnoName(error);
	switch (code) {
		case 'ENOENT': {
			return `--qmp ${shown}: no such socket (is QEMU running?)`;
		}

		case 'ECONNREFUSED': {
			return `--qmp ${shown}: connection refused: nothing listens there (QEMU quit and left its socket?)`;
		}

		case 'EACCES':
		case 'EPERM': {
			return `--qmp ${shown}: permission denied (${code}): run as QEMU's user or root`;
		}

		default: {
			return `--qmp ${shown}: cannot connect (${code ?? safeText(error instanceof Error ? error.message : String(error))})`;
		}
	}
}

type Pending = {command: string; resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout};
type Waiter = {
	match: (event: QmpEvent) => boolean;
	resolve: (event: QmpEvent | undefined) => void;
	reject: (error: Error) => void;
	timer: NodeJS.Timeout;
};

/** A plain object (not an array, not null). */
function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON.parse makes `__proto__` an own key; dropped, so no later spread or merge can give it meaning. */
function parseLine(line: string): unknown {
	return JSON.parse(line, (key, value: unknown) => (key === '__proto__' ? undefined : value));
}

function isCount(value: unknown): value is number {
	return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** The greeting's version, or why it is not a QMP greeting. */
export function parseGreeting(message: unknown): Result<QmpVersion> {
	const qmp = isRecord(message) && Object.hasOwn(message, 'QMP') ? message.QMP : undefined;
	const version = isRecord(qmp) && isRecord(qmp.version) ? qmp.version : undefined;
	const qemu = version && isRecord(version.qemu) ? version.qemu : undefined;
	if (!version || !qemu || !isCount(qemu.major) || !isCount(qemu.minor) || !isCount(qemu.micro)) {
		return fail("not a QMP greeting (is it QEMU's -qmp socket, not a monitor or the guest agent?)");
	}

	return ok({major: qemu.major, minor: qemu.minor, micro: qemu.micro, package: typeof version.package === 'string' ? version.package : ''});
}

export class QmpClient {
	/** The newest events (at most maxEventsKept), oldest first. */
	readonly events: QmpEvent[] = [];
	private chunks: Buffer[] = [];
	private buffered = 0;
	private nextId = 1;
	private readonly pending = new Map<number, Pending>();
	private readonly waiters = new Set<Waiter>();
	/** While the greeting is awaited: where it goes, or why it never came. */
	private greeting: {resolve: (message: unknown) => void; reject: (error: Error) => void} | undefined;
	private closedWith: string | undefined;
	private version_: QmpVersion | undefined;

	private constructor(
		private readonly socket: Socket,
		private readonly onEvent: ((event: QmpEvent) => void) | undefined,
	) {
		socket.on('data', (data: Buffer) => this.receive(data));
		socket.on('error', error => {
			const code = errnoName(error);
			// A reset is how a killed QEMU's socket ends: the same news as a closed one.
			this.drop(
				code === 'ECONNRESET' || code === 'EPIPE'
					? 'QEMU closed the QMP socket'
					: `the QMP socket failed (${code ?? safeText(error.message)})`,
			);
		});
		socket.on('close', () => this.drop('QEMU closed the QMP socket'));
	}

	/** Checks the path, connects, reads the greeting and leaves capabilities negotiation. */
	static async open(socketPath: string, options: QmpOptions = {}): Promise<Result<QmpClient>> {
		const checked = checkSocketPath(socketPath);
		if (!checked.ok) {
			return checked;
		}

		const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
		const connected = await new Promise<Result<Socket>>(resolve => {
			const socket = connect(socketPath);
			const refused = (error: Error) => resolve(fail(connectMessage(socketPath, error)));
			socket.once('error', refused);
			socket.once('connect', () => {
				socket.off('error', refused);
				resolve(ok(socket));
			});
		});
		if (!connected.ok) {
			return connected;
		}

		const client = new QmpClient(connected.value, options.onEvent);
		try {
			const greeting = await client.readGreeting(timeoutMs);
			const version = parseGreeting(greeting);
			if (!version.ok) {
				client.close(version.error);
				return fail(`--qmp ${safeText(socketPath)}: ${version.error}`);
			}

			client.version_ = version.value;
			await client.execute('qmp_capabilities', undefined, {timeoutMs});
			return ok(client);
		} catch (error) {
			client.close();
			return fail(`--qmp ${safeText(socketPath)}: ${error instanceof Error ? error.message : String(error)}`);
		}
	}

	/** QEMU's version from its greeting. */
	get version(): QmpVersion {
		// open() sets it before it hands the client out.
		return this.version_ ?? {major: 0, minor: 0, micro: 0, package: ''};
	}

	/** Why the connection is closed, once it is; every command after that is refused with it. */
	get closed(): string | undefined {
		return this.closedWith;
	}

	/** Runs one command: QEMU's `return`, or a rejection (QmpError for QEMU's own refusal, QmpConnectionError else). */
	execute(command: string, args?: Record<string, unknown>, {timeoutMs = defaultTimeoutMs}: {timeoutMs?: number} = {}): Promise<unknown> {
		if (this.closedWith !== undefined) {
			return Promise.reject(new QmpConnectionError(`${command}: ${this.closedWith}`));
		}

		const id = this.nextId++;
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => {
				this.pending.delete(id);
				reject(new QmpConnectionError(`${command}: QEMU did not answer within ${timeoutMs / 1000} s`));
			}, timeoutMs);
			this.pending.set(id, {command, resolve, reject, timer});
			this.socket.write(`${JSON.stringify(args === undefined ? {execute: command, id} : {execute: command, arguments: args, id})}\n`);
		});
	}

	/**
	 * The first event from now on whose name is one of `names` and that `predicate` accepts, or
	 * undefined after `timeoutMs`; rejects when the connection closes. Ask before sending the
	 * command that causes it: events before the call are not looked at.
	 */
	waitForEvent(
		names: string | readonly string[],
		predicate: (event: QmpEvent) => boolean,
		timeoutMs: number,
	): Promise<QmpEvent | undefined> {
		if (this.closedWith !== undefined) {
			return Promise.reject(new QmpConnectionError(this.closedWith));
		}

		const wanted = new Set(typeof names === 'string' ? [names] : names);
		return new Promise((resolve, reject) => {
			const waiter: Waiter = {
				match: event => wanted.has(event.event) && predicate(event),
				resolve,
				reject,
				timer: setTimeout(() => {
					this.waiters.delete(waiter);
					resolve(undefined);
				}, timeoutMs),
			};
			this.waiters.add(waiter);
		});
	}

	/** Closes the connection; pending commands are rejected with `why`. */
	close(why = 'the QMP connection was closed'): void {
		this.drop(why);
		this.socket.destroy();
	}

	private readGreeting(timeoutMs: number): Promise<unknown> {
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => {
				this.greeting = undefined;
				// QEMU serves one QMP client per socket: a second one waits, greeted only when the first leaves.
				reject(new QmpConnectionError(`no QMP greeting within ${timeoutMs / 1000} s (another client may hold the socket)`));
			}, timeoutMs);
			this.greeting = {
				resolve: message => {
					clearTimeout(timer);
					resolve(message);
				},
				reject: error => {
					clearTimeout(timer);
					reject(error);
				},
			};
		});
	}

	private receive(data: Buffer): void {
		let start = 0;
		for (let newline = data.indexOf(10); newline !== -1 && this.closedWith === undefined; newline = data.indexOf(10, start)) {
			const line = Buffer.concat([...this.chunks, data.subarray(start, newline)]).toString('utf8');
			this.chunks = [];
			this.buffered = 0;
			start = newline + 1;
			if (line.length > maxLineBytes) {
				this.protocolError(`QEMU sent a line longer than ${maxLineBytes} bytes`);
				return;
			}

			this.line(line);
		}

		if (this.closedWith !== undefined) {
			return;
		}

		const rest = data.subarray(start);
		this.buffered += rest.length;
		if (this.buffered > maxLineBytes) {
			this.protocolError(`QEMU sent a line longer than ${maxLineBytes} bytes`);
			return;
		}

		if (rest.length > 0) {
			this.chunks.push(Buffer.from(rest));
		}
	}

	private line(line: string): void {
		if (line.trim() === '') {
			return;
		}

		let message: unknown;
		try {
			message = parseLine(line);
		} catch {
			this.protocolError('QEMU sent a line that is not JSON');
			return;
		}

		if (!isRecord(message)) {
			this.protocolError('QEMU sent JSON that is not an object');
			return;
		}

		const greeting = this.greeting;
		if (greeting) {
			this.greeting = undefined;
			greeting.resolve(message);
			return;
		}

		if (typeof message.event === 'string') {
			this.event(message);
			return;
		}

		// A reply whose id is not a pending command's (one that timed out) is dropped.
		const pending = typeof message.id === 'number' ? this.pending.get(message.id) : undefined;
		if (!pending || typeof message.id !== 'number') {
			return;
		}

		this.pending.delete(message.id);
		clearTimeout(pending.timer);
		if (Object.hasOwn(message, 'return')) {
			pending.resolve(message.return);
		} else if (isRecord(message.error)) {
			const {class: errorClass, desc} = message.error;
			pending.reject(
				new QmpError(pending.command, typeof errorClass === 'string' ? errorClass : 'GenericError', typeof desc === 'string' ? desc : ''),
			);
		} else {
			pending.reject(new QmpConnectionError(`${pending.command}: QEMU's reply has neither a return nor an error`));
		}
	}

	private event(message: Record<string, unknown>): void {
		const {timestamp} = message;
		const event: QmpEvent = {
			event: String(message.event),
			data: isRecord(message.data) ? message.data : {},
			timestamp:
				isRecord(timestamp) && isCount(timestamp.seconds) && isCount(timestamp.microseconds)
					? {seconds: timestamp.seconds, microseconds: timestamp.microseconds}
					: undefined,
		};
		this.events.push(event);
		if (this.events.length > maxEventsKept) {
			this.events.shift();
		}

		for (const waiter of this.waiters) {
			if (waiter.match(event)) {
				this.waiters.delete(waiter);
				clearTimeout(waiter.timer);
				waiter.resolve(event);
			}
		}

		try {
			this.onEvent?.(event);
		} catch {} // A caller's handler failing must not break the connection's reading.
	}

	private protocolError(why: string): void {
		this.close(`${why}: the connection was closed`);
	}

	private drop(why: string): void {
		if (this.closedWith !== undefined) {
			return;
		}

		this.closedWith = why;
		this.chunks = [];
		this.buffered = 0;
		this.greeting?.reject(new QmpConnectionError(why));
		this.greeting = undefined;
		for (const [id, pending] of this.pending) {
			this.pending.delete(id);
			clearTimeout(pending.timer);
			pending.reject(new QmpConnectionError(`${pending.command}: ${why}`));
		}

		for (const waiter of this.waiters) {
			this.waiters.delete(waiter);
			clearTimeout(waiter.timer);
			waiter.reject(new QmpConnectionError(why));
		}
	}
}
