// `npm run test:kernel`: ham-tui against a real kernel. Boots Debian's kernel under QEMU (TCG) once
// per kernel command-line variant; the guest's scenarios (guest/scenarios.mjs) ask for hot-adds,
// which this host process makes over QMP, and print CHECK lines, collected here with the host's own
// (the guest agent's, through source/vm/qga.ts). docs/TESTING.md.
import {execFile, execFileSync, spawn} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import type {Socket} from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {
	agentTree,
	type DeviceRange,
	parseBlockInfo,
	parseMemoryBlocks,
	parseSetMemoryBlocks,
	setMemoryBlocksArguments,
	tiedRanges,
} from '../../source/vm/guest.js';
import {GuestAgent, GuestAgentError} from '../../source/vm/qga.js';
import {boots, bootTimeoutSeconds, guestMachineArgs, kernels} from './config.js';
import {buildInitramfs, type Kernel, prepareKernel} from './prepare.js';
import {connectWhenThere, Qmp} from './qmp.js';

const app = path.resolve(process.env.HAM_KERNEL_APP ?? '.');
const work = mkdtempSync(path.join(tmpdir(), 'ham-kernel-'));
const started = Date.now();
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

async function phase<T>(name: string, run: () => T | Promise<T>): Promise<T> {
	const since = Date.now();
	const result = await run();
	console.log(`phase ${name}: ${seconds(since)}`);
	return result;
}

const sizes: Record<string, number> = {M: 2 ** 20, G: 2 ** 30};
const bytes = (text: string) => Number.parseInt(text, 10) * (sizes[text.slice(-1)] ?? 1);

/** The console's serial port (ttyS2): what it printed since the last key, and where keys go. */
type Terminal = {socket: Socket; screen: string};
const plain = (text: string) => text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, ' ').replace(/\u001b[()][A-Z0-9]|\u001b[=>78]/g, '');

type Check = {boot: string; name: string; ok: boolean; detail: string; known: boolean};

/** Where the agent's real replies are written (HAM_KERNEL_RECORD=DIR), as test/fixtures/qga/ keeps them. */
const record = process.env.HAM_KERNEL_RECORD ? path.resolve(process.env.HAM_KERNEL_RECORD) : undefined;

/** The blocks of a list like "0-3,8,9" or "-" (none). */
const indexes = (text: string) => (text === '-' ? [] : text.split(',').map(Number));

/**
 * `agent BLOCK ONLINE OFFLINE` (s13, guest/agent.mjs): the guest agent through source/vm/qga.ts and
 * source/vm/guest.ts, checked against the guest's sysfs view (ONLINE, OFFLINE: its block lists);
 * then BLOCK onlined with guest-set-memory-blocks, block 0 asked offline (the kernel refuses: a real
 * operation-failed) and a block that is not there asked online (not-found). Its checks are the host's.
 */
async function serveAgent(
	qmp: Qmp,
	socket: string,
	words: string[],
	check: (name: string, ok: boolean, detail: string) => void,
): Promise<string> {
	const [block, onlineText = '-', offlineText = '-'] = words;
	const opened = await GuestAgent.open(socket, {timeoutMs: 20_000});
	if (!opened.ok) return `error ${opened.error}`;
	const agent = opened.value;
	const replies: {name: string; execute: string; arguments?: Record<string, unknown>; reply: unknown}[] = [];
	const call = async (name: string, execute: string, args?: Record<string, unknown>) => {
		// Recorded as the agent sent it: {return} or {error: {class, desc}}.
		const reply = await agent.command(execute, args).then(
			value => ({return: value}),
			(error: Error) => ({error: error instanceof GuestAgentError ? {class: error.errorClass, desc: error.desc} : {desc: error.message}}),
		);
		replies.push({name, execute, ...(args ? {arguments: args} : {}), reply});
		if ('error' in reply) throw new Error(`${execute}: ${reply.error.desc}`);
		return reply.return;
	};
	try {
		const since = Date.now();
		const info = (await call('info', 'guest-info')) as {version?: string};
		check('agent-sync-and-info', typeof info.version === 'string', `guest-info in ${seconds(since)}: version ${info.version}`);
		const size = parseBlockInfo(await call('get-memory-block-info', 'guest-get-memory-block-info'));
		check('agent-block-size', size.ok && size.value === 128 * 2 ** 20, JSON.stringify(size));
		const listed = parseMemoryBlocks(await call('get-memory-blocks', 'guest-get-memory-blocks'));
		const online = listed.ok ? listed.value.filter(entry => entry.online).map(entry => entry.index) : [];
		const offline = listed.ok ? listed.value.filter(entry => !entry.online).map(entry => entry.index) : [];
		check(
			'agent-blocks-match-sysfs',
			listed.ok && JSON.stringify([online, offline]) === JSON.stringify([indexes(onlineText), indexes(offlineText)]),
			`agent online ${online} offline ${offline}; sysfs online ${onlineText} offline ${offlineText}`,
		);
		const devices = ((await qmp.command('query-memory-devices')) as {type: string; data: Record<string, unknown>}[]).map(
			(device): DeviceRange => ({
				id: String(device.data.id),
				// virtio-mem's region is memaddr and max-size (its size is what is plugged of it).
				start: Number(device.type === 'virtio-mem' ? device.data.memaddr : device.data.addr),
				size: Number(device.type === 'virtio-mem' ? device.data['max-size'] : device.data.size),
			}),
		);
		if (size.ok && listed.ok) {
			const ranges = tiedRanges(agentTree(size.value, listed.value), devices);
			const dimm = ranges.find(range => range.device === 'dimm13');
			check(
				'agent-range-tied-to-device',
				dimm?.firstBlock === Number(block) &&
					dimm.state === 'offline' &&
					ranges.some(range => range.device === 'boot' && range.firstBlock === 0),
				ranges.map(range => `${range.firstBlock}-${range.lastBlock}:${range.state}:${range.device}`).join(' '),
			);
		}
		const asked = [Number(block)];
		const set = parseSetMemoryBlocks(await call('set-memory-blocks', 'guest-set-memory-blocks', setMemoryBlocksArguments(asked)), asked);
		check('agent-set-online', set.ok && set.value[0]?.ok === true, JSON.stringify(set));
		const zero = parseSetMemoryBlocks(
			await call('set-memory-blocks-failed', 'guest-set-memory-blocks', setMemoryBlocksArguments([0], false)),
			[0],
		);
		check('agent-offline-block-0-refused', zero.ok && zero.value[0]?.ok === false && zero.value[0].retry === false, JSON.stringify(zero));
		const missing = parseSetMemoryBlocks(
			await call('set-memory-blocks-missing', 'guest-set-memory-blocks', setMemoryBlocksArguments([99_999])),
			[99_999],
		);
		check('agent-missing-block-gone', missing.ok && missing.value[0]?.gone === true, JSON.stringify(missing));
		await call('unknown-command', 'guest-no-such-command').catch(() => undefined);
		if (record) {
			mkdirSync(record, {recursive: true});
			const version = info.version ?? 'unknown';
			for (const {name, ...conversation} of replies) {
				writeFileSync(
					path.join(record, `qemu-ga-${version}-${name}.json`),
					`${JSON.stringify({'qemu-ga': version, ...conversation}, null, '\t')}\n`,
				);
			}
		}
		return set.ok && set.value[0]?.ok ? `ok ${JSON.stringify(set.value[0])}` : `error ${JSON.stringify(set)}`;
	} catch (error) {
		return `error ${(error as Error).message}`;
	} finally {
		agent.close();
	}
}

/** The built CLI as a process, as an operator runs it on the host: its exit code and output. */
function cli(...args: string[]): Promise<{code: number | null; stdout: string; stderr: string}> {
	return new Promise(resolve => {
		const child = execFile(
			process.execPath,
			[path.join(app, 'dist/cli.js'), ...args],
			{encoding: 'utf8', timeout: 120_000},
			(_error, stdout, stderr) => resolve({code: child.exitCode, stdout, stderr}),
		);
	});
}

const oneLine = (text: string) =>
	text
		.trim()
		.replace(/\s*\n\s*/g, ' | ')
		.slice(0, 600);

/**
 * `cli-integrate` (s14, guest/agent.mjs, with the guest's auto_online_blocks offline): the host
 * runs ham-tui itself, on QEMU's second QMP socket and the agent's: --plug 3:512M, then
 * --integrate through the guest agent (exit 0), then --status and --json with --qga show the new
 * DIMM's range ENABLED. Its checks are the host's; the answer is the DIMM's address and size.
 */
async function serveCliIntegrate(
	sockets: {qmp: string; qga: string},
	check: (name: string, ok: boolean, detail: string) => void,
): Promise<string> {
	const plug = await cli('--plug', '3:512M', '--qmp', sockets.qmp);
	const address = /plugged at (0x[0-9a-f]+)/.exec(plug.stdout)?.[1];
	check('s14-host-plug', plug.code === 0 && address !== undefined, `exit ${plug.code}: ${oneLine(plug.stdout + plug.stderr)}`);
	if (plug.code !== 0 || address === undefined) return `error --plug exit ${plug.code}: ${oneLine(plug.stderr)}`;
	const tied = (text: string) => {
		try {
			return (JSON.parse(text).guest?.ranges ?? []).filter((range: {device: string}) => range.device === 'ham-dimm-3') as {
				status: string;
				size: number;
			}[];
		} catch {
			return [];
		}
	};
	// The guest adds the DIMM's blocks once it has handled the ACPI event: ham-tui sees them through the agent when they are there.
	let before = await cli('--json', '--qmp', sockets.qmp, '--qga', sockets.qga);
	for (let tries = 0; tries < 30 && tied(before.stdout).reduce((sum, range) => sum + range.size, 0) < 512 * 2 ** 20; tries++) {
		await new Promise(resolve => setTimeout(resolve, 1000));
		before = await cli('--json', '--qmp', sockets.qmp, '--qga', sockets.qga);
	}
	check(
		's14-host-json-offline',
		before.code === 0 && tied(before.stdout).length > 0 && tied(before.stdout).every(range => range.status === 'OFFLINE'),
		`exit ${before.code}: ${JSON.stringify(tied(before.stdout))} ${oneLine(before.stderr)}`,
	);
	const since = Date.now();
	const integrate = await cli('--integrate', '--qmp', sockets.qmp, '--qga', sockets.qga);
	check(
		's14-host-integrate',
		integrate.code === 0 &&
			/integrate: 4 of 4 offline block\(s\) onlined/.test(integrate.stdout) &&
			integrate.stderr.includes('plain online'),
		`exit ${integrate.code} in ${seconds(since)}: ${oneLine(integrate.stdout + integrate.stderr)}`,
	);
	const status = await cli('--status', '--qmp', sockets.qmp, '--qga', sockets.qga);
	const start = Number(address);
	const covered = status.stdout.split('\n').some(line => {
		const [, from, size, , word] = line.split('\t');
		return word === 'ENABLED' && Number(from) <= start && start + 512 * 2 ** 20 <= Number(from) + Number(size);
	});
	check(
		's14-host-status-enabled',
		status.code === 0 && covered && status.stderr === '',
		`exit ${status.code}: ${oneLine(status.stdout + status.stderr)}`,
	);
	const after = await cli('--json', '--qmp', sockets.qmp, '--qga', sockets.qga);
	check(
		's14-host-json-enabled',
		after.code === 0 && tied(after.stdout).length > 0 && tied(after.stdout).every(range => range.status === 'ENABLED'),
		JSON.stringify(tied(after.stdout)),
	);
	return integrate.code === 0 ? `ok addr=${start} size=${512 * 2 ** 20}` : `error --integrate exit ${integrate.code}`;
}

/**
 * `console-vm` (s15, guest/agent.mjs, with the guest's online_policy auto-movable and
 * auto_online_blocks offline): the console on the host, `ham-tui --qmp --qga` in a pseudo-terminal,
 * driven by keys as an operator would: p plugs a 512M DIMM into slot 5, i onlines its blocks
 * through the agent, u y unplugs it (the guest ejects it: Movable), p past maxmem shows QEMU's
 * refusal in the form, q quits. The checks are the host's; the answer is the DIMM's address and size.
 */
async function serveConsoleVm(
	sockets: {qmp: string; qga: string},
	check: (name: string, ok: boolean, detail: string) => void,
): Promise<string> {
	const {openConsoleWith} = await import('../helpers/console-pty.js');
	const {keys} = await import('../helpers/pty.js');
	const session = await openConsoleWith(['--qmp', sockets.qmp, '--qga', sockets.qga], {cols: 100, rows: 30});
	const step = async (name: string, what: string | RegExp, timeoutMs = 30_000): Promise<boolean> => {
		try {
			await session.waitFor(what, timeoutMs);
			check(name, true, '');
			return true;
		} catch (error) {
			check(name, false, oneLine(String(error)));
			return false;
		}
	};
	// Esc and the key after it in one read are Alt+key to a terminal: let the Esc be drawn first.
	const pressEscape = async () => {
		session.press(keys.escape);
		await new Promise(resolve => setTimeout(resolve, 200));
		await session.waitFor('q quit');
	};
	let address: string | undefined;
	try {
		if (!(await step('s15-console-agent', /guest +\d+ online/))) return 'error the console saw no guest blocks';
		// The form opens on slot 1 with 1G: slot 5, one size smaller (512M).
		session.press('p');
		await session.waitFor('Plug a memory device');
		session.press('5');
		session.press(keys.down);
		session.press(keys.left);
		await session.waitFor('‹ 512M ›');
		session.press(keys.enter);
		if (!(await step('s15-console-plug', /slot 5: 512M pc-dimm ham-dimm-5 plugged at (0x[0-9a-f]+)/))) return 'error no plug';
		address = /plugged at (0x[0-9a-f]+)/.exec(session.screen())?.[1];
		// The guest adds the blocks offline (auto_online_blocks offline); the agent lists them.
		if (!(await step('s15-console-offline', /OFFLINE +blocks \d+-\d+, ham-dimm-5/, 60_000))) return 'error the DIMM never showed offline';
		await pressEscape();
		session.press('i');
		await step('s15-console-integrate', /Integrate at [\d:]+Z: online \(agent, plain\): 4 of 4 offline block\(s\) onlined/);
		await step('s15-console-online', /ENABLED +blocks \d+-\d+, ham-dimm-5 \(slot 5\), removable/, 30_000);
		// u acts on the selected slot: the slots pane, slot 5.
		await pressEscape();
		session.press('\u001B[Z'); // shift-tab: regions -> slots
		session.press('g');
		for (let slot = 0; slot < 5; slot++) session.press('j');
		session.press('u');
		await session.waitFor('Unplug slot 5 (512M pc-dimm ham-dimm-5)?');
		session.press('y');
		await step('s15-console-unplug', /Unplug at [\d:]+Z: slot 5 \(ham-dimm-5\): unplugged: the guest ejected the DIMM/, 60_000);
		// Past maxmem (16G - 1G boot - what is plugged): 16G, refused in the form in QEMU's words.
		await pressEscape();
		session.press('p');
		await session.waitFor('Plug a memory device');
		session.press(keys.down);
		for (let n = 0; n < 4; n++) session.press(keys.right);
		await session.waitFor('‹ 16G ›');
		session.press(keys.enter);
		await step('s15-console-refusal', /refused: QEMU refused: not enough space/);
		await pressEscape();
		session.press('q');
		const exit = await Promise.race([session.exited, new Promise<undefined>(resolve => setTimeout(() => resolve(undefined), 10_000))]);
		check('s15-console-quit', exit?.exitCode === 0, `exit ${JSON.stringify(exit)}`);
	} catch (error) {
		check('s15-console-keys', false, oneLine(`${String(error)}`));
	} finally {
		session.dispose();
	}
	return address ? `ok addr=${Number(address)} size=${512 * 2 ** 20}` : 'error no DIMM address';
}

/** What the guest asked for, done over QMP; the answer is one line ("ok addr=... size=..."). */
async function serve(
	qmp: Qmp,
	tty: Terminal,
	request: string,
	agent: {socket: string; cliQmp: string; check: (name: string, ok: boolean, detail: string) => void},
): Promise<string> {
	const [verb, id = '', size = '0', node = '0'] = request.split(' ');
	if (verb === 'agent') return serveAgent(qmp, agent.socket, request.split(' ').slice(1), agent.check);
	if (verb === 'cli-integrate') return serveCliIntegrate({qmp: agent.cliQmp, qga: agent.socket}, agent.check);
	if (verb === 'console-vm') return serveConsoleVm({qmp: agent.cliQmp, qga: agent.socket}, agent.check);
	const devices = async () => (await qmp.command('query-memory-devices')) as {type: string; data: Record<string, unknown>}[];
	if (verb === 'dimm') {
		await qmp.command('object-add', {'qom-type': 'memory-backend-ram', id: `mem-${id}`, size: bytes(size)});
		await qmp.command('device_add', {driver: 'pc-dimm', id, memdev: `mem-${id}`, node: Number(node)});
		const dimm = (await devices()).find(device => device.data.id === id);
		return `ok addr=${dimm?.data.addr} size=${dimm?.data.size}`;
	}
	if (verb === 'unplug') {
		// device_del asks the guest to eject (ACPI); QEMU says DEVICE_DELETED once the guest let go of it.
		const seen = qmp.events.length;
		await qmp.command('device_del', {id});
		const end = Date.now() + 60_000;
		while (!qmp.events.slice(seen).some(event => event.includes('"DEVICE_DELETED"') && event.includes(`"${id}"`))) {
			if (Date.now() > end) {
				const ost = qmp.events.slice(seen).filter(event => event.includes('ACPI_DEVICE_OST'));
				return `error ${id} not deleted in 60 s; ${ost.join(' ') || 'no ACPI_DEVICE_OST'}`;
			}
			await new Promise(resolve => setTimeout(resolve, 100));
		}
		await qmp.command('object-del', {id: `mem-${id}`});
		return 'ok';
	}
	if (verb === 'vmem') {
		await qmp.command('qom-set', {path: '/machine/peripheral/vm0', property: 'requested-size', value: bytes(id)});
		const vmem = (await devices()).find(device => device.data.id === 'vm0');
		return `ok addr=${vmem?.data.memaddr} size=${vmem?.data['max-size']}`;
	}
	if (verb === 'keys') {
		// keys TEXT KEY: wait until the console on ttyS2 has shown TEXT (escapes stripped; "-" for none), then type KEY.
		const text = id === '-' ? '' : id;
		const end = Date.now() + 90_000;
		while (!plain(tty.screen).toLowerCase().includes(text.toLowerCase())) {
			if (Date.now() > end)
				return `error ${JSON.stringify(text)} not shown in 90 s; the screen ends: ${JSON.stringify(plain(tty.screen).slice(-300))}`;
			await new Promise(resolve => setTimeout(resolve, 100));
		}
		tty.screen = '';
		tty.socket.write(size); // the key
		return 'ok';
	}
	return `error unknown request ${request}`;
}

/** One boot: QEMU with a pc-dimm-ready, two-node machine and a virtio-mem device; returns its checks. */
async function boot(
	kernel: Kernel,
	initramfs: string,
	name: string,
	append: string,
): Promise<{checks: Check[]; log: string; error?: string}> {
	const log = path.join(work, `serial-${name}.log`);
	const sockets = {
		s0: path.join(work, `${name}.s0`),
		s1: path.join(work, `${name}.s1`),
		qmp: path.join(work, `${name}.qmp`),
		s2: path.join(work, `${name}.s2`),
		qga: path.join(work, `${name}.qga`),
		// A second QMP monitor for ham-tui itself: QEMU serves one client per socket, and this process holds the first.
		cli: path.join(work, `${name}.qmp-cli`),
	};
	// The machine (config.ts), then this test's three serial ports: ttyS0 the guest's console and its
	// HOST/CHECK lines, ttyS1 the host's answers, ttyS2 ham-tui's console under test.
	const machine = guestMachineArgs({
		kernel: kernel.image,
		initramfs,
		append: `console=ttyS0 loglevel=4 panic=-1 hamtest=${name} ${append}`,
		qmp: [sockets.qmp, sockets.cli],
		qga: sockets.qga,
	});
	// biome-ignore format: one QEMU option a line
	const qemu = spawn('qemu-system-x86_64', [
		...machine,
		'-chardev', `socket,id=s0,path=${sockets.s0},server=on,wait=on,logfile=${log}`, '-serial', 'chardev:s0',
		'-chardev', `socket,id=s1,path=${sockets.s1},server=on,wait=on`, '-serial', 'chardev:s1',
		'-chardev', `socket,id=s2,path=${sockets.s2},server=on,wait=on,logfile=${path.join(work, `console-${name}.log`)}`, '-serial', 'chardev:s2',
	], {stdio: ['ignore', 'pipe', 'pipe']});
	let qemuOutput = '';
	for (const stream of [qemu.stdout, qemu.stderr]) {
		stream.on('data', data => {
			qemuOutput += data;
		});
	}
	const exited = new Promise<number | null>(resolve => qemu.on('exit', code => resolve(code)));
	const checks: Check[] = [];
	let error: string | undefined;
	const timer = setTimeout(() => {
		error = `timed out after ${bootTimeoutSeconds} s`;
		qemu.kill('SIGKILL');
	}, bootTimeoutSeconds * 1000);
	try {
		const console0 = await connectWhenThere(sockets.s0);
		const answers = await connectWhenThere(sockets.s1);
		const tty: Terminal = {socket: await connectWhenThere(sockets.s2), screen: ''};
		tty.socket.setEncoding('utf8');
		tty.socket.on('data', (data: string) => {
			tty.screen += data;
		});
		const qmp = await Qmp.open(sockets.qmp);
		let pending = '';
		let queue = Promise.resolve();
		// The host's own checks (the guest agent's, seen from here), collected with the guest's.
		const hostCheck = (check: string, ok: boolean, detail: string) => {
			checks.push({boot: name, name: check, ok, detail, known: false});
		};
		console0.setEncoding('utf8');
		console0.on('data', (data: string) => {
			pending += data;
			const lines = pending.split('\n');
			pending = lines.pop() ?? '';
			for (const raw of lines) {
				const line = raw.replace(/\r$/, '');
				const result = /(CHECK|KNOWN) (\S+) (ok|fail) ?(.*)$/.exec(line);
				if (result) checks.push({boot: name, name: result[2]!, ok: result[3] === 'ok', detail: result[4]!, known: result[1] === 'KNOWN'});
				if (line.startsWith('GUEST kernel')) console.log(`  ${line}`);
				const request = /^HOST (.*)$/.exec(line)?.[1];
				if (request) {
					queue = queue.then(async () => {
						const since = Date.now();
						const answer = await serve(qmp, tty, request, {socket: sockets.qga, cliQmp: sockets.cli, check: hostCheck}).catch(
							(failure: Error) => `error ${failure.message}`,
						);
						console.log(`  host: ${request} -> ${answer} (${seconds(since)})`);
						answers.write(`${answer}\n`);
					});
				}
			}
		});
		const code = await exited;
		qmp.close();
		if (code !== 0 && !error) error = `QEMU exited ${code}: ${qemuOutput.replace(/.*waiting for connection.*\n/g, '')}`;
	} catch (failure) {
		error = String(failure);
		qemu.kill('SIGKILL');
	} finally {
		clearTimeout(timer);
	}
	return {checks, log, error};
}

console.log(`qemu: ${execFileSync('qemu-system-x86_64', ['--version']).toString().split('\n')[0]}`);
if (!existsSync(path.join(app, 'dist/cli.js'))) {
	console.error(`test:kernel: ${app}/dist/cli.js is missing: run npm run build first`);
	process.exit(1);
}
const chosen = process.env.HAM_KERNEL_BOOTS?.split(',');
const chosenBoots = boots.filter(boot => !chosen || chosen.includes(boot.name));
const prepared = new Map<string, Kernel>();
for (const version of new Set(chosenBoots.map(boot => boot.kernel))) {
	const pin = kernels[version];
	console.log(`kernel ${version}: ${pin.package} ${pin.version} (${pin.suite})`);
	prepared.set(version, await phase(`kernel ${version}`, () => prepareKernel(pin)));
}
const initramfs = await phase('initramfs', () => buildInitramfs(work, app, [...prepared.values()]));
const all: Check[] = [];
const failures: string[] = [];
for (const variant of chosenBoots) {
	const result = await phase(`boot ${variant.name}`, () => boot(prepared.get(variant.kernel)!, initramfs, variant.name, variant.append));
	for (const check of result.checks) {
		const mark = check.known ? (check.ok ? 'NOW PASSES (make it a CHECK)' : 'known gap, not counted') : check.ok ? 'ok' : 'FAIL';
		console.log(`  ${mark.padEnd(4)} ${variant.name}/${check.name}${check.ok && !check.known ? '' : `: ${check.detail}`}`);
	}
	const checks = result.checks.filter(check => !check.known);
	all.push(...checks);
	if (result.error) failures.push(`boot ${variant.name}: ${result.error}; serial log: ${result.log}`);
	if (checks.some(check => !check.ok)) failures.push(`boot ${variant.name}: checks failed; serial log: ${result.log}`);
	if (!checks.some(check => check.name === 'scenarios-complete')) {
		failures.push(`boot ${variant.name}: the scenarios did not run to the end; serial log: ${result.log}`);
	}
}
const passed = all.filter(check => check.ok).length;
console.log(`checks: ${passed} of ${all.length} passed; total ${seconds(started)}`);
if (failures.length > 0) {
	for (const failure of failures) console.error(`test:kernel: ${failure}`);
	console.error(`test:kernel: kept ${work}`);
	process.exit(1);
}
if (process.env.HAM_KERNEL_KEEP) console.log(`kept ${work}`);
else rmSync(work, {recursive: true, force: true});
