// The console on a VM (--qmp, --qga): what the operator sees of QEMU's DIMM slots and the guest's
// blocks, the plug form against a real paused QEMU, an eject the guest refuses or does, a QMP
// socket that drops and comes back, onlining through the guest agent, and hostile text from QEMU.
// Fake QEMUs answer with QEMU 7.2's recorded replies (test/fixtures/qmp/), the fake agent with
// qemu-ga 7.2's (test/fixtures/qga/).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type net from 'node:net';
import path from 'node:path';
import {afterEach, test} from 'node:test';
import {runKeys} from '../source/console/runner.js';
import {initialUi} from '../source/console/ui-state.js';
import {openVmSource, type VmSource, type VmSourceOptions} from '../source/machine/vm.js';
import {QmpClient} from '../source/vm/qmp.js';
import {keys, renderConsole, sleep, testClock} from './helpers/console.js';
import {type AgentBlock, fakeAgent} from './helpers/fake-qga.js';
import {type Command, fakeQemu, reply, root} from './helpers/fake-qmp.js';
import {qemuMissing, startQemu} from './helpers/qemu.js';

function recorded(name: string): unknown {
	const recording = JSON.parse(fs.readFileSync(`test/fixtures/qmp/qemu-7.2-${name}.json`, 'utf8'));
	return recording.exchanges[0].received.return;
}

type Answers = {devices?: unknown; summary?: unknown};

/** The recorded VM's queries (or the test's devices); every other command goes to `other` (and is logged). */
async function recordedQemu(other: (command: Command, socket: net.Socket) => void = () => {}, answers: Answers = {}, at?: string) {
	const log: string[] = [];
	const qemu = await fakeQemu(
		(command, socket) => {
			log.push(command.execute);
			const replies = new Map<string, unknown>([
				['query-memory-devices', answers.devices ?? recorded('query-memory-devices')],
				['query-memory-size-summary', answers.summary ?? recorded('query-memory-size-summary')],
				['qom-get', recorded('qom-get-machine-memory')],
				['qom-list', recorded('qom-list-objects')],
				['query-status', {status: 'running', singlestep: false, running: true}],
			]);
			if (replies.has(command.execute)) {
				reply(socket, {return: replies.get(command.execute), id: command.id});
			} else {
				other(command, socket);
			}
		},
		at === undefined ? {} : {path: at},
	);
	return {...qemu, log};
}

const fast: VmSourceOptions = {refreshMs: 20, reconnectMs: 50, unplugTimeoutMs: 3000, timeoutMs: 2000};

const sources: VmSource[] = [];
const screens: Array<{unmount: () => void}> = [];
const closers: Array<() => void | Promise<void>> = [];
afterEach(async () => {
	for (const screen of screens.splice(0)) screen.unmount();
	for (const source of sources.splice(0)) source.close();
	for (const close of closers.splice(0)) await close();
});

async function open(target: {qmp: string; qga?: string}, options: VmSourceOptions = {}) {
	const opened = await openVmSource(target, {...fast, ...options});
	assert.ok(opened.ok, opened.ok ? '' : opened.error);
	sources.push(opened.value);
	return opened.value;
}

/** The DIMM slots as the source last read them. */
function slotsOf(source: VmSource) {
	const snapshot = source.latest();
	assert.equal(snapshot.kind, 'vm');
	return snapshot.kind === 'vm' ? snapshot.slots : [];
}

/** The console on a VM source, with a clock the test moves. */
async function vmConsole(target: {qmp: string; qga?: string}, options: VmSourceOptions = {}) {
	const clock = testClock(1_000_000);
	const source = await open(target, {...options, now: clock.now});
	const screen = renderConsole(source, clock);
	screens.push(screen);
	return {source, ...screen};
}

/** The commands a test sent, leaving out the background loop's reads. */
const reads = new Set(['query-memory-devices', 'query-memory-size-summary', 'qom-get', 'qom-list']);
const asked = (log: readonly string[]) => log.filter(execute => !reads.has(execute));
/** The screen's text without the panes' borders, as one line: for text the panes wrap. */
const flat = (screen: string) => screen.replaceAll(/[│╭╮╰╯─]/g, ' ').replaceAll(/\s+/g, ' ');

test('without --qga: the DIMM slots from QEMU, the guest not visible, and i says why and asks nothing', async () => {
	const qemu = await recordedQemu();
	closers.push(qemu.close);
	const ui = await vmConsole({qmp: qemu.path});
	let screen = await ui.waitFor('DIMM slots 1/4');
	assert.match(screen, /QEMU 7\.2\.22 · no guest agent/);
	assert.match(screen, /│ {3}0 -\s+empty/);
	assert.match(screen, /│ › 1 1G\s+plugged\s+n0/);
	assert.match(screen, /│ {3}2 -\s+empty/);
	assert.match(screen, /│ {3}3 -\s+empty/);
	assert.match(screen, /boot 1G · plugged 1G · 6G free/);
	assert.match(screen, /Ranges 0/);
	assert.match(screen, /The guest is not visible: no --qga\./);
	assert.match(screen, /no --qga: the guest's memory blocks are not visible; i and r need the guest agent/);
	assert.doesNotMatch(screen, /i online|r retry/, 'i and r are off the key bar');
	await ui.press('i');
	screen = await ui.waitFor('No guest agent');
	assert.match(flat(screen), /Online: No guest agent \(--qga SOCKET\): ham-tui cannot see the guest's memory blocks or online them\./);
	await sleep(60); // A few of the loop's reads, to see that none but reads went.
	assert.deepEqual(asked(qemu.log), []);
});

type Device = {type: string; data: {slot?: number; size: number; id?: string}};
/** QEMU's memory devices and memory backends, asked on a connection of the test's own. */
async function devicesOf(socket: string): Promise<{devices: Device[]; backends: string[]}> {
	const client = await QmpClient.open(socket);
	assert.ok(client.ok, client.ok ? '' : client.error);
	try {
		const devices = (await client.value.execute('query-memory-devices')) as Device[];
		const objects = (await client.value.execute('qom-list', {path: '/objects'})) as Array<{name: string; type: string}>;
		const backends = objects.filter(entry => entry.type.startsWith('child<memory-backend')).map(entry => entry.name);
		return {devices, backends};
	} finally {
		client.value.close();
	}
}

test("the plug form against a real paused QEMU: 1G into slot 0, then 8G past maxmem stays in the form in QEMU's words", {
	skip: qemuMissing,
	timeout: 60_000,
}, async () => {
	const qemu = await startQemu();
	closers.push(qemu.stop);
	const ui = await vmConsole({qmp: qemu.socket});
	let screen = await ui.waitFor('DIMM slots 0/4');
	assert.match(screen, /7G free/);
	await ui.press('p');
	screen = await ui.waitFor('Enter plugs');
	await ui.press(keys.enter);
	screen = await ui.waitFor(/plugged at 0x100000000/, 8000);
	assert.match(flat(screen), /Plug at \S+: slot 0: 1G pc-dimm ham-dimm-0 plugged at 0x100000000, node 0 \(backend ham-mem-0\)/);
	assert.match(screen, /\[\d\d:\d\d:\d\dZ\] slot 0: 1G pc-dimm ham-dimm-0 plugged at 0x100000000, node 0/);
	screen = await ui.waitFor('DIMM slots 1/4');
	assert.match(screen, /│ {3}0 1G\s+plugged\s+n0/);
	assert.deepEqual(
		slotsOf(ui.source).map(slot => `${slot.slot} ${slot.state} ${slot.size}`),
		['0 plugged 1G', '1 empty ', '2 empty ', '3 empty '],
	);

	await ui.press(keys.escape, 'p');
	screen = await ui.waitFor('Enter plugs');
	// The size field: 1G is where it opens; three steps right is 8G, past the 6G left below maxmem.
	await ui.press(keys.down, keys.right, keys.right, keys.right);
	screen = await ui.waitFor(/Size\s+‹ 8G ›/);
	await ui.press(keys.enter);
	screen = await ui.waitFor('not enough space', 8000);
	assert.match(screen, /Enter plugs/, 'the form stays open');
	assert.match(
		flat(screen),
		/refused: QEMU refused: not enough space, currently 0x\w+ in use of total space for memory devices 0x\w+ \(GenericError\)/,
	);
	assert.match(screen, /DIMM slots 1\/4/);
	// QEMU's QMP takes one client at a time: the console lets go, then QEMU is asked itself.
	ui.source.close();
	const left = await devicesOf(qemu.socket);
	assert.deepEqual(
		left.devices.map(device => [device.type, device.data.slot, device.data.size, device.data.id]),
		[['dimm', 0, 2 ** 30, 'ham-dimm-0']],
		'nothing else was plugged',
	);
	assert.deepEqual(left.backends.sort(), ['ham-mem-0', 'pc.ram'], 'the refused backend went again');
});

const ost = (status: number) => ({
	event: 'ACPI_DEVICE_OST',
	data: {info: {device: 'ham-dimm-1', slot: '1', 'slot-type': 'DIMM', source: 3, status}},
	timestamp: {seconds: 1, microseconds: 0},
});

test('u, y on a DIMM the guest will not let go: the banner waits for the guest, then why it kept the memory', async () => {
	const qemu = await recordedQemu((command, socket) => {
		reply(socket, {return: {}, id: command.id});
		if (command.execute === 'device_del') {
			reply(socket, ost(0x84));
			setTimeout(() => reply(socket, ost(0x82)), 300);
		}
	});
	closers.push(qemu.close);
	const ui = await vmConsole({qmp: qemu.path});
	await ui.waitFor('DIMM slots 1/4');
	await ui.press(keys.left, 'u'); // The slots pane, its cursor on slot 1.
	await ui.waitFor(/Unplug .*slot 1/);
	await ui.press('y');
	let screen = await ui.waitFor('Waiting for the guest to eject slot 1 (ham-dimm-1)');
	assert.match(screen, /slot 1 \(ham-dimm-1\), up to 3 s/);
	screen = await ui.waitFor('Unplug at'); // The notice: the log may have the line before the answer is in.
	assert.match(
		flat(screen),
		/Unplug at \S+: slot 1 \(ham-dimm-1\): the guest kept the memory: the guest refused: the device is busy \(ACPI _OST status 0x82\): offline it first, e\.g\. ham-tui --offline inside the guest/,
	);
	screen = await ui.waitFor(/│ › 1 1G\s+plugged\s+n0/); // The DIMM is still there, no longer ejecting.
	assert.ok(slotsOf(ui.source)[0]?.state === 'empty');
	assert.ok(ui.source.latest().log.some(line => line.includes('QEMU: ham-dimm-1: the guest kept the memory')));
	assert.equal(slotsOf(ui.source)[1]?.unplugRefusal, null, 'and u may ask again');
	assert.equal(asked(qemu.log).includes('device_del'), true);
	assert.equal(asked(qemu.log).includes('object-del'), false, 'the backend stays while the DIMM does');
});

test('u, y and the guest ejects: DEVICE_DELETED, "unplugged", and the slot is empty', async () => {
	let gone = false;
	const devices = recorded('query-memory-devices') as Array<{type: string}>;
	const qemu = await recordedQemu(
		(command, socket) => {
			reply(socket, {return: {}, id: command.id});
			if (command.execute === 'device_del') {
				reply(socket, ost(0x84));
				setTimeout(() => {
					gone = true;
					reply(socket, {
						event: 'DEVICE_DELETED',
						data: {device: 'ham-dimm-1', path: '/machine/peripheral/ham-dimm-1'},
						timestamp: {seconds: 1, microseconds: 5},
					});
				}, 200);
			}
		},
		{
			get devices() {
				return gone ? devices.filter(device => device.type !== 'dimm') : devices;
			},
		},
	);
	closers.push(qemu.close);
	const ui = await vmConsole({qmp: qemu.path});
	await ui.waitFor('DIMM slots 1/4');
	await ui.press(keys.left, 'u'); // The slots pane, its cursor on slot 1.
	await ui.waitFor(/Unplug .*slot 1/);
	await ui.press('y');
	let screen = await ui.waitFor('Unplug at');
	assert.match(flat(screen), /Unplug at \S+: slot 1 \(ham-dimm-1\): unplugged: the guest ejected the DIMM; backend ham-mem-1 deleted/);
	screen = await ui.waitFor('DIMM slots 0/4');
	assert.match(screen, /│ › 1 -\s+empty/);
	assert.deepEqual(asked(qemu.log).slice(-2), ['device_del', 'object-del']);
});

test('a dropped QMP socket: said in the log, the console keeps running, p refused, then connected again', async () => {
	const first = await recordedQemu();
	const ui = await vmConsole({qmp: first.path});
	await ui.waitFor('DIMM slots 1/4');
	first.close();
	let screen = await ui.waitFor('QMP: QEMU closed the QMP socket; connecting again every 0.05 s');
	assert.match(screen, /QEMU 7\.2\.22 · no guest agent · QMP down/);
	assert.match(screen, /qmp\s+not connected: /);
	await ui.press('p');
	await ui.waitFor('Enter plugs');
	await ui.press(keys.enter);
	screen = await ui.waitFor('not connected to QEMU');
	assert.match(flat(screen), /refused: not connected to QEMU: nothing was asked/);
	// The console's own loop, without Ink: the same keys refused, and no wait.
	const ran = runKeys(ui.source, initialUi, ['p', 'enter'], 1_000_000, {slots: 4, regions: 5, log: 5});
	assert.equal(ran.busy, undefined);
	assert.equal(ran.ui.mode.kind, 'vm-plug', 'the form stays open');
	assert.match(
		ran.ui.mode.kind === 'vm-plug' ? (ran.ui.mode.error ?? '') : '',
		/^not connected to QEMU: nothing was asked \(the VM pane says why/,
	);

	const again = await recordedQemu(() => {}, {}, first.path);
	closers.push(again.close);
	screen = await ui.waitFor('QMP: connected again to QEMU 7.2.22');
	await ui.press(keys.escape);
	screen = await ui.waitFor(/qmp\s+QEMU 7\.2\.22 · /);
	assert.doesNotMatch(screen, /QMP down/);
	assert.match(screen, /DIMM slots 1\/4/);
});

const mebibytes128 = 128 * 2 ** 20;
/** A 512M DIMM in slot 1 at 4G: the guest's blocks 32-35 (block N at N * 128M). */
const dimmAt4G = [
	{
		type: 'dimm',
		data: {
			memdev: '/objects/ham-mem-1',
			hotplugged: true,
			addr: 32 * mebibytes128,
			hotpluggable: true,
			size: 4 * mebibytes128,
			slot: 1,
			node: 0,
			id: 'ham-dimm-1',
		},
	},
];
const summary512 = {'base-memory': 2 ** 30, 'plugged-memory': 4 * mebibytes128};
/** Boot blocks 0-7 online, the DIMM's 32-35 offline. */
const guestBlocks = (): AgentBlock[] => [
	...Array.from({length: 8}, (_, index) => ({'phys-index': index, online: true, 'can-offline': true})),
	...[33, 32, 35, 34].map(index => ({'phys-index': index, online: false, 'can-offline': true})),
];

async function withAgent(answer?: Parameters<typeof fakeAgent>[0]) {
	const qemu = await recordedQemu(() => {}, {devices: dimmAt4G, summary: summary512});
	const agent = await fakeAgent(answer);
	agent.blocks.splice(0, agent.blocks.length, ...guestBlocks());
	closers.push(qemu.close, agent.close);
	const ui = await vmConsole({qmp: qemu.path, qga: agent.path});
	return {qemu, agent, ui};
}

test("i onlines the DIMM's offline blocks through the guest agent: the range goes ENABLED", async () => {
	const {agent, qemu, ui} = await withAgent();
	let screen = await ui.waitFor(/32 0x100000000\s+512M\s+READ\/WRITE OFFLINE blocks 32-35, ham-dimm-1 \(slot 1\), i: online through/);
	assert.match(screen, /guest\s+8 online, 4 offline \(128M blocks\) · i onlines 4/);
	assert.match(screen, /│ › 1 512M\s+plugged\s+n0 offline/);
	assert.match(screen, /i online r retry/);
	await ui.press('i');
	// The notice once the answer is in (the background read may show the blocks online a moment before).
	screen = await ui.waitFor('Integrate at');
	assert.match(screen, /32 0x100000000\s+512M\s+READ\/WRITE ENABLED blocks 32-35, ham-dimm-1 \(slot 1\)/);
	assert.match(flat(screen), /Integrate at \S+: online \(agent, plain\): 4 of 4 offline block\(s\) onlined blocks 32-35: ENABLED/);
	assert.match(screen, /online \(agent\) blocks 32-35: online/);
	assert.match(screen, /guest\s+12 online, 0 offline/);
	assert.deepEqual(agent.requests, [[32, 33, 34, 35]]);
	assert.deepEqual(asked(qemu.log), [], "onlining is the agent's: QEMU is only read");
});

test('i with a block the guest kernel refuses (EBUSY): its range stays offline with the errno, and a retry can help', async () => {
	const {agent, ui} = await withAgent({answer: (block, attempt) => (block === 34 && attempt === 1 ? {errno: 16} : 'success')});
	await ui.waitFor(/READ\/WRITE OFFLINE blocks 32-35/);
	await ui.press('i');
	let screen = await ui.waitFor('Integrate at');
	assert.match(flat(screen), /3 of 4 offline block\(s\) onlined, 1 refused block 34: FAILED — EBUSY \(resource busy or locked\)/);
	assert.match(screen, /32 0x100000000\s+256M\s+READ\/WRITE ENABLED blocks 32-33/);
	assert.match(screen, /34 0x110000000\s+128M\s+READ\/WRITE OFFLINE EBUSY, retry can help/);
	assert.match(screen, /│ › 1 512M\s+plugged\s+n0 partly/);
	assert.deepEqual(agent.requests, [[32, 33, 34, 35]]);

	// r, Enter: the retry loop's first attempt at once; the agent onlines block 34 this time.
	await ui.press(keys.escape, 'r');
	await ui.waitFor('Enter starts');
	await ui.press(keys.enter);
	screen = await ui.waitFor('Retry loop ended');
	assert.match(screen, /Retry loop ended: every offline block online after 1 attempt/);
	assert.match(screen, /attempt 1: block 34: ENABLED/);
	assert.match(screen, /32 0x100000000\s+512M\s+READ\/WRITE ENABLED blocks 32-35, ham-dimm-1 \(slot 1\)/);
	assert.deepEqual(agent.requests, [[32, 33, 34, 35], [34]]);
});

test('hostile: a device id with an ESC sequence from QEMU is shown made safe; a --qga that is no socket is refused first', async () => {
	const hostile = structuredClone(dimmAt4G);
	const [dimm] = hostile;
	assert.ok(dimm);
	dimm.data.id = 'ham\u001b[2Jx\u0007y';
	const qemu = await recordedQemu(() => {}, {devices: hostile, summary: summary512});
	closers.push(qemu.close);
	const ui = await vmConsole({qmp: qemu.path});
	await ui.waitFor('DIMM slots 1/4');
	await ui.press(keys.left, keys.enter); // The slots pane, slot 1's whole row.
	const screen = await ui.waitFor('ham\uFFFD[2Jx');
	assert.match(screen, /Slot 1: plugged · 512M pc-dimm ham\uFFFD\[2Jx\uFFFDy/);
	assert.equal(/[\u0000-\u0008\u000b-\u001f\u007f]/.test(screen), false, 'no control character reaches the frame');
	assert.equal(slotsOf(ui.source)[1]?.mode, 'pc-dimm ham\uFFFD[2Jx\uFFFDy');

	const file = path.join(root, 'not-a-socket');
	fs.writeFileSync(file, '');
	const link = path.join(root, 'a-link');
	fs.symlinkSync(qemu.path, link);
	ui.source.close();
	await sleep(50);
	const asks = qemu.log.length;
	for (const [qga, kind] of [
		[file, 'a regular file'],
		[link, 'a symbolic link'],
	] as const) {
		const opened = await openVmSource({qmp: qemu.path, qga}, fast);
		assert.equal(opened.ok, false);
		if (!opened.ok) assert.equal(opened.error, `--qga ${qga}: ${kind}, not a socket`);
	}

	await sleep(50);
	assert.equal(qemu.log.length, asks, 'QEMU was not asked anything');
});
