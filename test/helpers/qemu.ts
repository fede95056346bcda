// A real QEMU for the --qmp tests: paused (-S), no guest, no disk, its QMP socket in a temp
// directory; killed when the test is done (and when the test process exits, whatever happened).
import {type ChildProcess, spawn, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {tempDir} from './cli.js';

export const qemuBinary = 'qemu-system-x86_64';

/** Why the QEMU tests are skipped here, or undefined when QEMU can run. */
export const qemuMissing: string | undefined = (() => {
	const probe = spawnSync(qemuBinary, ['--version'], {encoding: 'utf8'});
	return probe.error || probe.status !== 0 ? `${qemuBinary} is not installed (apt-get install qemu-system-x86)` : undefined;
})();

export type Qemu = {socket: string; dir: string; stop: () => Promise<void>};

const running = new Set<ChildProcess>();
process.on('exit', () => {
	for (const child of running) {
		child.kill('SIGKILL');
	}
});

/** Starts `-M pc -m 1G,slots=4,maxmem=8G` paused (TCG: no KVM needed while nothing runs) and waits for its socket. */
export async function startQemu(options: {memory?: string; extra?: string[]} = {}): Promise<Qemu> {
	const dir = tempDir();
	const socket = path.join(dir, 'qmp.sock');
	const child = spawn(
		qemuBinary,
		[
			'-M',
			'pc',
			'-accel',
			'tcg',
			'-m',
			options.memory ?? '1G,slots=4,maxmem=8G',
			'-nodefaults',
			'-display',
			'none',
			'-S',
			'-qmp',
			`unix:${socket},server=on,wait=off`,
			...(options.extra ?? []),
		],
		{stdio: ['ignore', 'ignore', 'pipe']},
	);
	running.add(child);
	let stderr = '';
	child.stderr?.on('data', chunk => {
		stderr += chunk;
	});
	const stop = async () => {
		if (child.exitCode === null && child.signalCode === null) {
			const gone = new Promise(resolve => child.once('exit', resolve));
			child.kill('SIGTERM');
			await gone;
		}

		running.delete(child);
	};

	for (let waited = 0; waited < 15_000; waited += 50) {
		// QEMU makes the socket file (bind) a moment before it listens: under load a connect in
		// between is refused. Ready once a connection is taken; closed at once (QMP takes one client at a time).
		if (fs.existsSync(socket) && (await accepts(socket))) {
			await sleep(20);
			return {socket, dir, stop};
		}

		if (child.exitCode !== null) {
			break;
		}

		await sleep(50);
	}

	await stop();
	throw new Error(`QEMU did not make its QMP socket: ${stderr}`);
}

function accepts(socket: string): Promise<boolean> {
	return new Promise(resolve => {
		const client = net.connect(socket);
		client.once('connect', () => {
			client.destroy();
			resolve(true);
		});
		client.once('error', () => resolve(false));
	});
}
