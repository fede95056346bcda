// npm run vm: a throwaway QEMU guest to try `ham-tui --qmp SOCKET --qga SOCKET` against (the console
// and the one-shots in front of a real VM), without a VM of one's own. It is the kernel test's guest
// (test/kernel/: the same pinned Debian kernel, initramfs and machine, config.ts guestMachineArgs),
// booted with hamtest=vm: the guest starts qemu-ga and waits instead of running the scenarios.
// Stays in the foreground; Ctrl-C stops the guest and removes what it made. docs/VM.md.
import {type ChildProcess, execFileSync, spawn} from 'node:child_process';
import {chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmdirSync, rmSync} from 'node:fs';
import {connect} from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import {GuestAgent} from '../source/vm/qga.js';
import {guestMachineArgs, kernels} from '../test/kernel/config.js';
import {buildInitramfs, type Kernel, prepareKernel} from '../test/kernel/prepare.js';
import {Qmp} from '../test/kernel/qmp.js';

const app = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
// The kernel test's 6.1 (its `online` boot's kernel): downloaded and unpacked once into the cache.
const pin = kernels['6.1'];

// The preparation runs as a child process of its own (this script with --prepare-into WORK): it is
// synchronous (execFileSync, ~10 s), and a Ctrl-C meanwhile must find this process free to clean up.
if (process.argv[2] === '--prepare-into' && process.argv[3]) {
	const kernel = prepareKernel(pin);
	const initramfs = buildInitramfs(process.argv[3], app, [kernel]);
	console.log(JSON.stringify({kernel, initramfs}));
	process.exit(0);
}

function fail(line: string): never {
	console.error(`ham-tui vm: ${line}`);
	process.exit(1);
}

// What the guest is built and booted with (.ci/run installs the same).
const tools: [string, string][] = [
	['qemu-system-x86_64', 'qemu-system-x86'],
	['/bin/busybox', 'busybox-static'],
	['cpio', 'cpio'],
	['xz', 'xz-utils'],
];
const there = (program: string) =>
	program.startsWith('/')
		? existsSync(program)
		: execFileSync('sh', ['-c', `command -v ${program} || true`])
				.toString()
				.trim() !== '';
const missing = tools.filter(([program]) => !there(program));
if (missing.length > 0) {
	fail(`needs ${missing.map(([program]) => program).join(', ')}: apt-get install ${missing.map(([, debian]) => debian).join(' ')}`);
}

let options: {dir?: string | undefined};
try {
	options = parseArgs({options: {dir: {type: 'string'}}, strict: true}).values;
} catch (error) {
	fail(`${(error as Error).message} (usage: npm run vm [-- --dir DIR])`);
}
const uid = process.getuid?.() ?? 0;
const dir = path.resolve(
	options.dir ??
		(process.env.XDG_RUNTIME_DIR ? path.join(process.env.XDG_RUNTIME_DIR, 'ham-tui-vm') : path.join(os.tmpdir(), `ham-tui-vm-${uid}`)),
);
const files = {
	qmp: path.join(dir, 'qmp.sock'),
	qmp2: path.join(dir, 'qmp-2.sock'),
	qga: path.join(dir, 'qga.sock'),
	serial: path.join(dir, 'serial.log'),
};
// QEMU's options are split at commas, and a unix socket's path has 108 bytes at most.
if (dir.includes(',')) fail(`--dir ${dir}: QEMU's options cannot take a path with a comma`);
if (Buffer.byteLength(files.qmp2) > 107) fail(`--dir ${dir}: too long for a unix socket's path (${files.qmp2})`);

/** Whether something accepts connections on the socket (a live QEMU does; a stale socket file refuses). */
const answers = (socket: string) =>
	new Promise<boolean>(resolve => {
		const connection = connect(socket);
		const done = (held: boolean) => {
			connection.destroy();
			resolve(held);
		};
		connection.once('connect', () => done(true));
		connection.once('error', () => done(false));
		connection.setTimeout(2000, () => done(false));
	});

let created = false;
try {
	const stats = lstatSync(dir);
	if (!stats.isDirectory()) fail(`${dir} is there and is not a directory`);
	if (stats.uid !== uid) fail(`${dir} is owned by uid ${stats.uid}, not by this user (${uid})`);
	// Only an empty directory or an earlier run's is taken (and made 0700): never one that holds anything else.
	const others = readdirSync(dir).filter(name => !Object.values(files).includes(path.join(dir, name)));
	if (others.length > 0)
		fail(`${dir} holds other files than this script's (${others.slice(0, 3).join(', ')}...): give an empty or new --dir`);
	for (const socket of [files.qmp, files.qmp2, files.qga]) {
		if (existsSync(socket) && (await answers(socket))) fail(`a QEMU already holds ${socket} (another npm run vm?)`);
	}
} catch (error) {
	if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
	mkdirSync(dir, {mode: 0o700});
	created = true;
}
chmodSync(dir, 0o700); // The sockets control the VM.
for (const file of Object.values(files)) rmSync(file, {force: true});

const work = mkdtempSync(path.join(os.tmpdir(), 'ham-tui-vm-work-'));
let preparing: ChildProcess | undefined;
let qemu: ChildProcess | undefined;
let qemuCode: number | null | undefined;
let stopping = false;
let keepLog = false;

/** Removes the work directory, the sockets and (unless it tells why QEMU stopped) the serial log; DIR when this run made it. */
function clean() {
	rmSync(work, {recursive: true, force: true});
	for (const file of [files.qmp, files.qmp2, files.qga, ...(keepLog ? [] : [files.serial])]) rmSync(file, {force: true});
	if (created && !keepLog && readdirSync(dir).length === 0) rmdirSync(dir);
}

/** The preparation and what it runs (npm ci, cpio), in a process group of their own. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals | 0): boolean {
	try {
		return child.pid !== undefined && process.kill(-child.pid, signal);
	} catch {
		return false; // gone
	}
}

/** SIGTERM to QEMU, SIGKILL after 5 s; then clean up. */
async function stop(code: number): Promise<never> {
	if (preparing) {
		// The whole group (npm ci keeps writing into the work directory after its parent is gone): SIGTERM, SIGKILL after 5 s.
		const group = preparing;
		killGroup(group, 'SIGTERM');
		for (let waited = 0; killGroup(group, 0); waited += 100) {
			if (waited === 5000) killGroup(group, 'SIGKILL');
			await new Promise(resolve => setTimeout(resolve, 100));
		}
	}
	if (qemu && qemuCode === undefined) {
		const gone = new Promise(resolve => qemu?.once('exit', resolve));
		qemu.kill('SIGTERM');
		const timer = setTimeout(() => qemu?.kill('SIGKILL'), 5000);
		await gone;
		clearTimeout(timer);
	}
	clean();
	process.exit(code);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.on(signal, () => {
		if (stopping) return;
		stopping = true;
		console.log(`ham-tui vm: ${signal}: stopping the guest`);
		void stop(0);
	});
}
// Whatever else ends this process (a throw): no QEMU and no work directory left behind.
process.on('exit', () => {
	if (qemu && qemuCode === undefined) qemu.kill('SIGKILL');
	if (preparing) killGroup(preparing, 'SIGKILL');
	rmSync(work, {recursive: true, force: true});
});

const started = Date.now();
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(0)} s`;
console.log(`ham-tui vm: kernel ${pin.package} ${pin.version}, initramfs with ${path.join(app, 'dist')} (work directory ${work})`);
const prepared = await new Promise<{kernel: Kernel; initramfs: string} | undefined>(resolve => {
	const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--prepare-into', work], {
		stdio: ['ignore', 'pipe', 'inherit'],
		detached: true, // a group of its own: Ctrl-C reaches this process, which ends the whole preparation
	});
	preparing = child;
	let output = '';
	child.stdout?.on('data', data => {
		output += data;
	});
	child.on('exit', code => {
		preparing = undefined;
		try {
			resolve(code === 0 ? JSON.parse(output.trim().split('\n').pop() ?? '') : undefined);
		} catch {
			resolve(undefined);
		}
	});
});
if (stopping) await new Promise(() => undefined); // stop() exits
if (!prepared) {
	clean();
	fail('preparing the kernel or the initramfs failed (see above)');
}
const {kernel, initramfs} = prepared;

const append = 'console=ttyS0 loglevel=4 panic=-1 hamtest=vm memhp_default_state=offline';
qemu = spawn(
	'qemu-system-x86_64',
	[
		...guestMachineArgs({kernel: kernel.image, initramfs, append, qmp: [files.qmp, files.qmp2], qga: files.qga}),
		'-serial',
		`file:${files.serial}`,
	],
	// Its own process group: Ctrl-C reaches this process, which stops QEMU, not QEMU directly.
	{stdio: ['ignore', 'inherit', 'inherit'], detached: true},
);
const booted = Date.now();
qemu.on('exit', (code, signal) => {
	qemuCode = code;
	if (stopping) return;
	stopping = true;
	keepLog = true;
	console.error(`ham-tui vm: QEMU exited (${signal ?? `code ${code}`}); the guest's console: ${files.serial}`);
	void stop(code ?? 1);
});
console.log(`ham-tui vm: booting (TCG: a minute or so); the guest's console: ${files.serial}`);

/** The guest agent's answer to guest-info and guest-get-osinfo, or why not (yet). */
async function agentFacts(): Promise<{version: string; kernel: string} | string> {
	const opened = await GuestAgent.open(files.qga, {timeoutMs: 3000});
	if (!opened.ok) return opened.error;
	try {
		const info = (await opened.value.command('guest-info')) as {version?: string};
		const os = (await opened.value.command('guest-get-osinfo').catch(() => ({}))) as {'kernel-release'?: string};
		return {version: String(info.version), kernel: os['kernel-release'] ?? kernel.release};
	} catch (error) {
		return (error as Error).message;
	} finally {
		opened.value.close();
	}
}

let facts: {version: string; kernel: string} | string = 'not asked yet';
while (!stopping) {
	facts = await agentFacts();
	if (typeof facts !== 'string' || stopping) break;
	if (Date.now() - booted > 180_000) {
		stopping = true;
		keepLog = true;
		console.error(
			`ham-tui vm: the guest agent did not answer in 180 s (${facts}; a console left connected to ${files.qga} holds it: QEMU takes one agent client); the guest's console: ${files.serial}`,
		);
		await stop(1);
	}
	await new Promise(resolve => setTimeout(resolve, 1000));
}
// Stopping (stop() exits): wait for it.
const agent = stopping || typeof facts === 'string' ? await new Promise<never>(() => undefined) : facts;

const size = (bytes: number) => (bytes === 0 ? '0' : bytes % 2 ** 30 === 0 ? `${bytes / 2 ** 30}G` : `${bytes / 2 ** 20}M`);
/** The machine's shape as QEMU tells it (best effort: nothing is said that QEMU did not say). */
async function machineFacts(): Promise<string | undefined> {
	let qmp: Qmp | undefined;
	const asked = (async () => {
		qmp = await Qmp.open(files.qmp);
		const memory = (await qmp.command('qom-get', {path: '/machine', property: 'memory'})) as {
			size: number;
			slots: number;
			'max-size': number;
		};
		const devices = (await qmp.command('query-memory-devices')) as {type: string; data: Record<string, number | string>}[];
		const vmem = devices
			.filter(device => device.type === 'virtio-mem')
			.map(device => `virtio-mem ${device.data.id} ${size(Number(device.data.size))} of ${size(Number(device.data['max-size']))}`);
		return [`${size(memory.size)} boot memory`, `${memory.slots} DIMM slots`, `maxmem ${size(memory['max-size'])}`, ...vmem].join(', ');
	})();
	const timeout = new Promise<undefined>(resolve => setTimeout(() => resolve(undefined), 5000));
	try {
		return await Promise.race([asked, timeout]);
	} catch {
		return undefined;
	} finally {
		qmp?.close(); // The console takes this socket next: QEMU serves one client a socket.
	}
}
const machine = await machineFacts();
const cli = path.relative(process.cwd(), path.join(app, 'dist/cli.js')) || 'dist/cli.js';
console.log(
	`ham-tui vm: the guest is up in ${seconds(booted)} (${seconds(started)} in all): Linux ${agent.kernel}, qemu-ga ${agent.version}${machine ? `, ${machine}` : ''}; QMP ${files.qmp}, agent ${files.qga}`,
);
console.log(`the console:   node ${cli} --qmp ${files.qmp} --qga ${files.qga}`);
console.log(`a one-shot:    node ${cli} --status --qmp ${files.qmp2} --qga ${files.qga}`);
console.log('Ctrl-C here stops the guest.');
