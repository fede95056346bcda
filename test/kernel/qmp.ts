// A small QMP client over QEMU's unix socket: one command at a time, events kept for the log.
import {connect, type Socket} from 'node:net';

export class Qmp {
	private buffer = '';
	private waiting: ((reply: {return?: unknown; error?: {desc: string}}) => void) | undefined;
	readonly events: string[] = [];

	private constructor(private readonly socket: Socket) {
		socket.setEncoding('utf8');
		socket.on('data', (data: string) => {
			this.buffer += data;
			for (let end = this.buffer.indexOf('\n'); end >= 0; end = this.buffer.indexOf('\n')) {
				const message = JSON.parse(this.buffer.slice(0, end));
				this.buffer = this.buffer.slice(end + 1);
				if (message.event) this.events.push(JSON.stringify(message));
				else if ('return' in message || 'error' in message) this.waiting?.(message);
			}
		});
	}

	static async open(path: string): Promise<Qmp> {
		const qmp = new Qmp(await connectWhenThere(path));
		await qmp.command('qmp_capabilities');
		return qmp;
	}

	/** Runs one command; a QMP error is thrown with QEMU's words. */
	command(execute: string, args?: Record<string, unknown>): Promise<unknown> {
		return new Promise((resolve, reject) => {
			this.waiting = reply => {
				this.waiting = undefined;
				if (reply.error) reject(new Error(`${execute}: ${reply.error.desc}`));
				else resolve(reply.return);
			};
			this.socket.write(`${JSON.stringify({execute, ...(args ? {arguments: args} : {})})}\n`);
		});
	}

	close() {
		this.socket.destroy();
	}
}

/** Connects to a unix socket QEMU is about to create (it makes them one after another as it starts). */
export async function connectWhenThere(socketPath: string): Promise<Socket> {
	for (let tries = 0; ; tries++) {
		try {
			return await new Promise<Socket>((resolve, reject) => {
				const socket = connect(socketPath, () => resolve(socket));
				socket.once('error', reject);
			});
		} catch (error) {
			if (tries > 200) throw error;
			await new Promise(resolve => setTimeout(resolve, 50));
		}
	}
}
