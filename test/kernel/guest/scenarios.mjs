// Runs inside the guest (node, as /test/scenarios.mjs): each scenario asks the host for a hot-add
// (a `HOST ...` line on the console, the answer read from ttyS1), runs ham-tui, lsmem and sysfs, and
// prints one `CHECK <name> ok|fail <detail>` line per assertion for the host to collect.
import {spawn, spawnSync} from 'node:child_process';
import {mkdirSync, openSync, readdirSync, readFileSync, readSync} from 'node:fs';
import {scenarioAgent, scenarioAgentCli, scenarioConsoleVm} from './agent.mjs';
import {scenarioOfflineRemove, scenarioOfflineUnmovable} from './offline.mjs';
import {scenarioUdev} from './udev.mjs';

const memory = '/sys/devices/system/memory';
const channel = openSync('/dev/ttyS1', 'r');
const say = line => process.stdout.write(`${line}\n`);
const sleep = ms => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const oneLine = text =>
	String(text)
		.trim()
		.replace(/\s*\n\s*/g, ' | ')
		.slice(0, 600);

function check(name, pass, detail = '') {
	say(`CHECK ${name} ${pass ? 'ok' : 'fail'} ${oneLine(detail)}`.trimEnd());
	return pass;
}

/** Asks the host for something (a hot-add, a resize) and returns its answer's words as key=value pairs. */
function host(command) {
	const line = hostTry(command);
	if (!line.startsWith('ok')) throw new Error(`host refused "${command}": ${line}`);
	return Object.fromEntries(
		line
			.split(' ')
			.slice(1)
			.map(word => word.split('=')),
	);
}

/** The host's answer line as it is: "ok ..." or "error ...". */
function hostTry(command) {
	say(`HOST ${command}`);
	let line = '';
	const byte = Buffer.alloc(1);
	for (;;) {
		if (readSync(channel, byte, 0, 1, null) === 0) continue;
		if (byte[0] === 0x0a) break;
		if (byte[0] !== 0x0d) line += String.fromCharCode(byte[0]);
	}
	return line;
}

const blockSize = Number.parseInt(readFileSync(`${memory}/block_size_bytes`, 'utf8'), 16);

/** Every block: its number, state and node, as sysfs has them now. */
function blocks() {
	const result = [];
	for (const name of readdirSync(memory)) {
		const index = /^memory(\d+)$/.exec(name)?.[1];
		if (index === undefined) continue;
		try {
			const state = readFileSync(`${memory}/${name}/state`, 'utf8').trim();
			const node = readdirSync(`${memory}/${name}`).find(entry => /^node\d+$/.test(entry));
			result.push({index: Number(index), state, node: node ? Number(node.slice(4)) : -1});
		} catch {
			// Vanished while listed (virtio-mem unplugging).
		}
	}
	return result.sort((a, b) => a.index - b.index);
}

/** The blocks of the device the host placed at `addr` with `size` bytes. */
function deviceBlocks(device) {
	const first = Number(BigInt(device.addr) / BigInt(blockSize));
	const count = Number(BigInt(device.size) / BigInt(blockSize));
	return blocks().filter(block => block.index >= first && block.index < first + count);
}

function waitFor(what, seconds, predicate) {
	const end = Date.now() + seconds * 1000;
	while (Date.now() < end) {
		if (predicate()) return true;
		sleep(100);
	}
	say(`GUEST timed out after ${seconds} s waiting for ${what}`);
	return false;
}

/** waitFor that lets the event loop run (a background ham-tui's output keeps arriving). */
async function waitForAsync(what, seconds, predicate) {
	const end = Date.now() + seconds * 1000;
	while (Date.now() < end) {
		if (predicate()) return true;
		await new Promise(resolve => setTimeout(resolve, 100));
	}
	say(`GUEST timed out after ${seconds} s waiting for ${what}`);
	return false;
}

const memTotalKiB = () => Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]);

/** ham-tui run to its end; what it printed goes to the serial log (but for --json: too long). */
function ham(args, env = {}) {
	const run = spawnSync('node', ['/app/dist/cli.js', ...args], {encoding: 'utf8', env: {...process.env, ...env}, timeout: 120_000});
	const shown = args.includes('--json') ? run.stderr : run.stdout + run.stderr;
	say(`GUEST ham-tui ${args.join(' ')}: exit ${run.status}\n${shown}`.replace(/\n/g, '\nGUEST | ').trimEnd());
	return run;
}

/** ham-tui run in the background: its output so far, and a promise of its exit code. */
function hamLater(args, env = {}) {
	const child = spawn('node', ['/app/dist/cli.js', ...args], {env: {...process.env, ...env}});
	const run = {out: '', status: undefined, kill: signal => child.kill(signal)};
	child.stdout.on('data', data => {
		run.out += data;
	});
	child.stderr.on('data', data => {
		run.out += data;
	});
	run.exit = new Promise(resolve =>
		child.on('close', code => {
			run.status = code;
			say(`GUEST ham-tui ${args.join(' ')}: exit ${code}\n${run.out}`.replace(/\n/g, '\nGUEST | ').trimEnd());
			resolve(code);
		}),
	);
	return run;
}

const lsmemJson = args => JSON.parse(spawnSync('lsmem', ['-b', '-J', ...args], {encoding: 'utf8'}).stdout).memory;
const hex = value => BigInt(value).toString(16);
const statusWord = {online: 'ENABLED', offline: 'OFFLINE', 'on->off': 'OFFLINING', '?': 'UNKNOWN'};

/** `ham-tui --sysfs --status` and `--json` against the guest's lsmem: the same ranges, states, nodes and zones. */
function compareWithLsmem(when) {
	const status = ham(['--sysfs', '--status']);
	const ours = status.stdout
		.trim()
		.split('\n')
		.map(line => line.split('\t'));
	const theirs = lsmemJson([]).map(row => {
		const [start] = row.range.split('-');
		return [row.block.split('-')[0], `0x${hex(start).padStart(8, '0')}`, String(row.size), 'READ/WRITE', statusWord[row.state]];
	});
	check(
		`lsmem-status-${when}`,
		status.status === 0 && JSON.stringify(ours) === JSON.stringify(theirs),
		`ham-tui ${JSON.stringify(ours)} lsmem ${JSON.stringify(theirs)}`,
	);
	const json = ham(['--sysfs', '--json']);
	const ranges = JSON.parse(json.stdout).ranges.map(range => [
		range.blocks,
		range.size,
		range.state,
		range.node,
		(range.zones ?? []).join('/'),
	]);
	const expected = lsmemJson(['-o', 'RANGE,SIZE,STATE,REMOVABLE,BLOCK,NODE,ZONES']).map(row => [
		row.block,
		row.size,
		row.state,
		row.node,
		row.zones ?? '',
	]);
	check(
		`lsmem-json-${when}`,
		JSON.stringify(ranges) === JSON.stringify(expected),
		`ham-tui ${JSON.stringify(ranges)} lsmem ${JSON.stringify(expected)}`,
	);
}

/** Hot-adds a DIMM and waits for all its blocks; returns the device and its blocks. */
function addDimm(id, size, node) {
	const device = host(`dimm ${id} ${size} ${node}`);
	const count = Number(BigInt(device.size) / BigInt(blockSize));
	waitFor(`${count} blocks of ${id}`, 30, () => deviceBlocks(device).length === count);
	return {device, added: deviceBlocks(device)};
}

const rangeLine = (device, word) => `\t0x${hex(device.addr).padStart(8, '0')}\t${BigInt(device.size)}\tREAD/WRITE\t${word}`;

function scenarioOfflineDimm() {
	const before = memTotalKiB();
	const {device, added} = addDimm('dimm1', '1G', 0);
	check('s1-blocks-offline', added.length === 8 && added.every(block => block.state === 'offline'), JSON.stringify(added));
	const status = ham(['--sysfs', '--status']);
	check('s1-status-offline', status.stdout.includes(rangeLine(device, 'OFFLINE')), status.stdout);
	compareWithLsmem('s1-added');
	const run = ham(['--sysfs', '--integrate']);
	check('s1-integrate-exit', run.status === 0, `exit ${run.status}: ${run.stdout}${run.stderr}`);
	const after = deviceBlocks(device);
	check('s1-all-online', after.length === 8 && after.every(block => block.state === 'online'), JSON.stringify(after));
	const zones = after.map(block => readFileSync(`${memory}/memory${block.index}/valid_zones`, 'utf8').trim());
	// 1 GiB of boot memory allows 3 GiB Movable (auto_movable_ratio 301): the DIMM stays removable.
	check(
		's1-zone-movable',
		zones.every(zone => zone === 'Movable'),
		`zones ${JSON.stringify(zones)}: ${run.stdout}`,
	);
	const grown = memTotalKiB() - before;
	check('s1-memtotal', grown === 1024 * 1024, `MemTotal grew by ${grown} kB`);
	compareWithLsmem('s1-onlined');
}

function scenarioNode1() {
	const {device, added} = addDimm('dimm2', '1G', 1);
	check('s3-sysfs-node1', added.length === 8 && added.every(block => block.node === 1), JSON.stringify(added));
	const json = JSON.parse(ham(['--sysfs', '--json', '--all']).stdout);
	const nodes = json.ranges.filter(range => added.some(block => block.index === range.firstBlock)).map(range => range.node);
	check('s3-hamtui-node1', nodes.length === 8 && nodes.every(node => node === 1), `nodes ${JSON.stringify(nodes)}`);
	compareWithLsmem('s3-added');
	const run = ham(['--sysfs', '--integrate']);
	check('s3-integrate', run.status === 0 && deviceBlocks(device).every(block => block.state === 'online'), `exit ${run.status}`);
}

/** A second onliner: a shell that waits for ham-tui's first write, then onlines the same blocks from the top down. */
async function scenarioRace() {
	const {device, added} = addDimm('dimm3', '2G', 0);
	const first = added[0].index;
	const order = added.map(block => block.index).reverse();
	const shell = spawn('sh', [
		'-c',
		`cd ${memory}; while [ "$(cat memory${first}/state)" != online ]; do :; done; for b in ${order.join(' ')}; do echo online > memory$b/state 2>/dev/null && echo "shell onlined $b"; done`,
	]);
	let shellOut = '';
	shell.stdout.on('data', data => {
		shellOut += data;
	});
	const shellDone = new Promise(resolve => shell.on('close', resolve));
	const run = hamLater(['--sysfs', '--integrate']);
	await run.exit;
	await shellDone;
	say(`GUEST second onliner: ${oneLine(shellOut)}`);
	check('s6-exit', run.status === 0, `exit ${run.status}: ${run.out}`);
	check(
		's6-all-online',
		deviceBlocks(device).every(block => block.state === 'online'),
		JSON.stringify(deviceBlocks(device)),
	);
	check('s6-someone-else', run.out.includes('onlined by someone else'), `shell: ${shellOut} ham-tui: ${run.out}`);
}

/** virtio-mem grown to 3G: it plugs about 1G offline at a time; one --integrate --attempts run must online all. */
function scenarioVirtioGrow() {
	const device = host('vmem 3G');
	waitFor('virtio-mem blocks', 60, () => deviceBlocks(device).length >= 8);
	const run = ham(['--sysfs', '--integrate', '--attempts', '8', '--interval', '3']);
	const after = deviceBlocks(device);
	const online = after.filter(block => block.state === 'online').length;
	check('s4-exit', run.status === 0, `exit ${run.status}`);
	// virtio-mem plugs the next 1G only once the last is online: one run must look again and online it all.
	check(
		's4-all-onlined-in-one-run',
		online === 24 && after.length === 24,
		`${online} of ${after.length} blocks online after one run (want 24 of 24)`,
	);
	// Leave the device fully online for the next scenario, whatever this one found.
	waitFor('the rest of virtio-mem', 60, () => {
		spawnSync('sh', ['-c', `cd ${memory}; for f in memory*/state; do grep -q offline $f && echo online > $f; done 2>/dev/null`]);
		const now = deviceBlocks(device);
		return now.length === 24 && now.every(block => block.state === 'online');
	});
	return device;
}

/** virtio-mem shrunk while --integrate runs: the blocks that vanish are gone, not still offline. */
async function scenarioVirtioShrink(device) {
	host('vmem 4G');
	waitFor('8 more virtio-mem blocks', 60, () => deviceBlocks(device).filter(block => block.state === 'offline').length === 8);
	const offline = deviceBlocks(device).filter(block => block.state === 'offline');
	// Through a bind mount of /sys, so that ham-tui's test hook makes attempt 1 refuse them (EBUSY, retry can help):
	// the shrink then lands between attempt 1 and attempt 2, every time.
	mkdirSync('/mnt/r/sys', {recursive: true});
	spawnSync('mount', ['--bind', '/sys', '/mnt/r/sys']);
	const span = `${offline[0].index}-${offline.at(-1).index}`;
	const run = hamLater(['--sysroot', '/mnt/r', '--integrate', '--attempts', '3', '--interval', '8'], {
		HAM_TUI_TEST_WRITE_ERRORS: `${span}=EBUSY*1`,
	});
	await waitForAsync('attempt 1', 60, () => run.out.includes('attempt 1/3') || run.status !== undefined);
	host('vmem 3G');
	await waitForAsync('the offline blocks to vanish', 30, () => deviceBlocks(device).length === 24);
	await run.exit;
	check('s5-exit', run.status === 0, `exit ${run.status}: ${run.out}`);
	check('s5-reported-gone', /gone \(blocks/.test(run.out) && !run.out.includes('still offline'), run.out);
}

/** The console on a real serial tty (ttyS2, 80x24): it shows the new range, `i` onlines it, `q` exits 0 and restores the tty. */
async function scenarioConsole() {
	const {device} = addDimm('dimm4', '1G', 0);
	const tty = '/dev/ttyS2';
	spawnSync('stty', ['-F', tty, 'sane', 'rows', '24', 'cols', '80']);
	const before = spawnSync('stty', ['-F', tty, '-g'], {encoding: 'utf8'}).stdout.trim();
	const child = spawn('setsid', ['sh', '-c', `exec node /app/dist/cli.js --sysfs <${tty} >${tty} 2>&1`], {
		env: {...process.env, TERM: 'xterm-256color'},
		stdio: 'ignore',
	});
	let status;
	const exited = new Promise(resolve =>
		child.on('close', code => {
			status = code;
			resolve(code);
		}),
	);
	const start = hex(device.addr);
	// The DIMM is the highest range, below the rows an 80x24 pane shows: End (G) goes to it.
	hostTry('keys quit G');
	const shown = hostTry(`keys ${start} i`);
	check('s8-shows-range', shown === 'ok', `0x${start} on the screen: ${shown}`);
	await waitForAsync(`the console to online 0x${start}`, 60, () => deviceBlocks(device).every(block => block.state === 'online'));
	const after = deviceBlocks(device);
	check('s8-i-onlines', after.length === 8 && after.every(block => block.state === 'online'), JSON.stringify(after));
	hostTry('keys - q');
	await Promise.race([exited, new Promise(resolve => setTimeout(resolve, 30_000))]);
	check('s8-q-exits-0', status === 0, `exit ${status}`);
	if (status === undefined) child.kill('SIGKILL');
	const restored = spawnSync('stty', ['-F', tty, '-g'], {encoding: 'utf8'}).stdout.trim();
	check('s8-tty-restored', restored === before, `before ${before} after ${restored}`);
}

/**
 * 6.12 refuses to online a block holding a hardware-poisoned page: EHWPOISON (133), which Node calls
 * UNKNOWN. The block is onlined movable, one free page of it poisoned (hard_offline_page), the block
 * offlined again; ham-tui's onlining must name the errno, its meaning, and that no retry can help.
 */
function scenarioPoison() {
	const {device, added} = addDimm('dimm1', '1G', 0);
	const run = ham(['--sysfs', '--integrate', '--online-type', 'online_movable']);
	check('s7-online-movable', run.status === 0, `exit ${run.status}`);
	const block = added[0].index;
	const page = BigInt(device.addr) + 0x200000n;
	const poison = spawnSync(
		'sh',
		['-c', `echo 0x${page.toString(16)} > ${memory}/hard_offline_page && echo offline > ${memory}/memory${block}/state`],
		{
			encoding: 'utf8',
		},
	);
	check('s7-poisoned-and-offline', poison.status === 0 && blocks().find(b => b.index === block)?.state === 'offline', poison.stderr);
	const again = ham(['--sysfs', '--integrate']);
	const line = again.stdout.split('\n').find(text => text.includes(`block ${block}`)) ?? again.stdout;
	check('s7-ehwpoison-named', /EHWPOISON/.test(line) && !/UNKNOWN/.test(again.stdout), line);
	check('s7-no-retry', line.includes('no retry can help'), line);
	check('s7-exit', again.status === 1, `exit ${again.status} (chmem's 1: none onlined)`);
}

/** A boot block an operator offlined stays offline through --integrate; named with --blocks, it comes back. */
function scenarioBootOffline() {
	// The highest boot block the kernel lets go of (a lower one may hold kernel memory: EBUSY).
	const boot = blocks()
		.filter(block => block.index > 0 && block.index < 8 && block.state === 'online')
		.reverse();
	const chosen = boot.find(block => spawnSync('sh', ['-c', `echo offline > ${memory}/memory${block.index}/state`]).status === 0);
	if (!chosen) {
		say('KNOWN s10-boot-offline fail no boot block of 1-7 would go offline');
		return;
	}
	const run = ham(['--sysfs', '--integrate']);
	const state = () => blocks().find(block => block.index === chosen.index)?.state;
	check(
		's10-boot-left-offline',
		state() === 'offline' && run.stdout.includes('boot memory offlined on purpose'),
		`block ${chosen.index} ${state()}: ${run.stdout}`,
	);
	const named = ham(['--sysfs', '--integrate', '--blocks', String(chosen.index)]);
	check('s10-named-onlines', named.status === 0 && state() === 'online', `exit ${named.status}, block ${chosen.index} ${state()}`);
}

const scenarios = {
	poison: async () => {
		compareWithLsmem('boot');
		scenarioPoison();
	},
	offline: async () => {
		compareWithLsmem('boot');
		scenarioBootOffline();
		scenarioOfflineDimm();
		scenarioNode1();
		await scenarioRace();
		const device = scenarioVirtioGrow();
		await scenarioVirtioShrink(device);
		await scenarioConsole();
		await scenarioUdev({host, check, say});
	},
	online: async () => {
		compareWithLsmem('boot');
		const {device, added} = addDimm('dimm1', '1G', 0);
		check('s2-blocks-online', added.length === 8 && added.every(block => block.state === 'online'), JSON.stringify(added));
		const status = ham(['--sysfs', '--status']);
		check('s2-status-enabled', status.stdout.includes(rangeLine(device, 'ENABLED')), status.stdout);
		const run = ham(['--sysfs', '--integrate']);
		check('s2-integrate-nothing', run.status === 0 && run.stdout.includes('nothing to do'), `exit ${run.status}: ${run.stdout}`);
		compareWithLsmem('s2-added');
		const t = {host, hostTry, check, say, ham, hamLater, blocks, deviceBlocks, addDimm, waitForAsync, memory};
		await scenarioOfflineRemove(t);
		scenarioOfflineUnmovable(t);
		scenarioAgent(t);
		scenarioAgentCli(t);
		scenarioConsoleVm(t);
	},
};

try {
	await scenarios[process.argv[2]]();
	check('scenarios-complete', true);
} catch (error) {
	check('guest-script', false, error?.stack ?? error);
}
