// The one-shot commands on a running QEMU (--qmp SOCKET): --status and --json read its memory
// devices, --plug adds a memory-backend-ram and a pc-dimm, --unplug asks for the DIMM's eject and
// waits for the guest's answer. With --qga SOCKET the guest's side too, through the QEMU guest
// agent: --status and --json show the guest's memory blocks as ranges, each tied to the device it
// came from, and --integrate onlines the offline blocks of hot-plugged devices with
// guest-set-memory-blocks, retrying by model/retry.ts's rule, in --integrate's words
// (integrate-lines.ts). Without the agent ham-tui cannot see the guest's memory blocks
// (docs/VM.md). No Ink, no React, no state store.
import type {Command, VmTarget} from '../cli/command.js';
import {exit} from '../exit.js';
import {safeText} from '../model/sanitize.js';
import {formatAddress, formatSize} from '../model/units.js';
import {fail, ok, type Result} from '../result.js';
import {type BlockResult, blockList, groupResults} from '../sysfs/integrate.js';
import type {MemoryTree} from '../sysfs/read.js';
import {selectBlocks} from '../sysfs/select.js';
import {blockStatus, formatStatusRows, statusRows} from '../sysfs/status.js';
import {
	controllerStatus,
	type DimmDevice,
	dimmInSlot,
	ejectStatus,
	freeMemory,
	type MemoryDevice,
	statusFields,
	type VmMemory,
	vmMemory,
} from '../vm/controller.js';
import {
	agentCannotTell,
	agentOnlineNote,
	agentTree,
	type DeviceRange,
	parseBlockInfo,
	parseMemoryBlocks,
	parseSetMemoryBlocks,
	setMemoryBlocksArguments,
	type TiedRange,
	tiedRanges,
} from '../vm/guest.js';
import {checkSocketPath, GuestAgent} from '../vm/qga.js';
import {QmpClient, QmpError, type QmpEvent} from '../vm/qmp.js';
import {blockOutcome, groupLine, leftAloneLine, noRetryLine, nothingToDo, summaryLine} from './integrate-lines.js';

export type VmIo = {
	out: (text: string) => void;
	err: (text: string) => void;
	/** HAM_TUI_NOW is set: --integrate's retry loop does not sleep between attempts. */
	fixedClock?: boolean;
};

/** Said once on stderr by --status: stdout stays the /proc/ham/status lines. */
export const noGuestNote = "ham-tui: note: no --qga: the guest's memory blocks are not visible; STATUS is the controller's\n";

export async function runVmCommand(command: Command, target: VmTarget, io: VmIo): Promise<number> {
	// The agent's path is checked before anything connects: a wrong one changes nothing.
	const agentPath = target.qga === undefined ? undefined : checkSocketPath(target.qga);
	if (agentPath && !agentPath.ok) {
		io.err(`ham-tui: ${safeText(agentPath.error)}\n`);
		return exit.failed;
	}

	const opened = await QmpClient.open(target.qmp);
	if (!opened.ok) {
		io.err(`ham-tui: ${safeText(opened.error)}\n`);
		return exit.failed;
	}

	const client = opened.value;
	let agent: GuestAgent | undefined;
	try {
		if (target.qga !== undefined && command.kind !== 'plug' && command.kind !== 'unplug') {
			const connected = await GuestAgent.open(target.qga);
			if (!connected.ok) {
				io.err(`ham-tui: ${safeText(connected.error)}\n`);
				return exit.failed;
			}

			agent = connected.value;
		}

		return await run(command, target, {client, agent}, io);
	} catch (error) {
		// A refusal is answered where it is asked; what reaches here is a dropped socket or a timeout.
		io.err(`ham-tui: ${safeText(error instanceof Error ? error.message : String(error))}\n`);
		return exit.failed;
	} finally {
		agent?.close();
		client.close();
	}
}

type Sockets = {client: QmpClient; agent: GuestAgent | undefined};

async function run(command: Command, target: VmTarget, {client, agent}: Sockets, io: VmIo): Promise<number> {
	if (command.kind === 'integrate') {
		// parseCommand lets --integrate through only with --qga.
		if (!agent) throw new Error('--integrate with --qmp needs --qga SOCKET');
		return integrate(client, agent, command, target, io);
	}

	switch (command.kind) {
		case 'status':
		case 'json': {
			const memory = await readMemory(client);
			if (!memory.ok) {
				io.err(`ham-tui: ${safeText(memory.error)}\n`);
				return exit.failed;
			}

			for (const problem of memory.value.problems) {
				io.err(`ham-tui: ${safeText(problem)}\n`);
			}

			const guest = agent ? await readGuest(agent, memory.value) : undefined;
			if (guest && !guest.ok) {
				io.err(`ham-tui: ${safeText(guest.error)}\n`);
				return exit.failed;
			}

			if (command.kind === 'json') {
				const report = vmReport(memory.value, target, client);
				if (guest) report.guest = guestReport(guest.value);
				io.out(`${JSON.stringify(report, null, 2)}\n`);
				return exit.ok;
			}

			if (guest) {
				// The guest's blocks, as --status --sysfs shows them inside it: lsmem's grouping, sysfs's STATUS words.
				io.out(formatStatusRows(statusRows(guest.value.tree)));
				return exit.ok;
			}

			const lines = statusFields(memory.value).map(fields => `${fields.map(field => safeText(field)).join('\t')}\n`);
			io.out(lines.join(''));
			io.err(noGuestNote);
			if (lines.length === 0) {
				const free = memory.value.slots.filter(row => row.device === undefined).length;
				io.err(
					`ham-tui: note: no memory devices: ${free} DIMM slot${free === 1 ? '' : 's'} free, ${formatSize(freeMemory(memory.value))} below maxmem ${formatSize(memory.value.machine.maxMemory)}\n`,
				);
			}

			return exit.ok;
		}

		case 'plug': {
			return plug(client, command, io);
		}

		case 'unplug': {
			return unplug(client, command, io);
		}

		default: {
			// parseCommand lets no other action through with --qmp.
			throw new Error(`--${command.kind} is not a VM's command`);
		}
	}
}

/** The three replies a view of the VM's memory is made from. */
async function readMemory(client: QmpClient): Promise<Result<VmMemory>> {
	const devices = await client.execute('query-memory-devices');
	const summary = await client.execute('query-memory-size-summary');
	const machine = await client.execute('qom-get', {path: '/machine', property: 'memory'});
	return vmMemory({devices, summary, machine});
}

/** The guest's blocks through its agent, and the devices they lie in. */
type Guest = {tree: MemoryTree; ranges: TiedRange[]};

/** Where each memory device lies in the guest's physical memory: a pc-dimm's addr and size, virtio-mem's memaddr and max-size. */
function deviceRanges(memory: VmMemory): DeviceRange[] {
	return memory.devices.map(device => ({
		id: device.id ?? (device.kind === 'pc-dimm' ? `slot ${device.slot}` : device.memdev),
		start: device.address,
		size: device.kind === 'pc-dimm' ? device.size : device.maxSize,
	}));
}

async function readGuest(agent: GuestAgent, memory: VmMemory): Promise<Result<Guest>> {
	const size = parseBlockInfo(await agent.command('guest-get-memory-block-info'));
	if (!size.ok) return size;
	const blocks = parseMemoryBlocks(await agent.command('guest-get-memory-blocks'));
	if (!blocks.ok) return blocks;
	if (blocks.value.length === 0) return fail('guest-get-memory-blocks: the guest agent lists no memory blocks');
	const tree = agentTree(size.value, blocks.value);
	return ok({tree, ranges: tiedRanges(tree, deviceRanges(memory))});
}

/** --json's `guest` with --qga: the block size, each range with the device it lies in (or "boot"), and what the agent cannot tell. */
function guestReport(guest: Guest): Record<string, unknown> {
	return {
		visible: true,
		blockSize: guest.tree.blockSizeBytes,
		ranges: guest.ranges.map(range => ({
			firstBlock: range.firstBlock,
			lastBlock: range.lastBlock,
			start: formatAddress(range.start),
			end: formatAddress(range.end),
			size: range.size,
			state: range.state,
			status: blockStatus(range.state),
			device: safeText(range.device),
		})),
		cannotTell: agentCannotTell,
	};
}

/**
 * --integrate through the guest agent: the offline blocks of hot-plugged devices asked online
 * with guest-set-memory-blocks (plain online: the agent has no other), attempt after attempt as
 * model/retry.ts's rule says; boot memory left offline is an operator's, and is left alone.
 */
async function integrate(
	client: QmpClient,
	agent: GuestAgent,
	command: Extract<Command, {kind: 'integrate'}>,
	target: VmTarget,
	io: VmIo,
): Promise<number> {
	const memory = await readMemory(client);
	if (!memory.ok) {
		io.err(`ham-tui: ${safeText(memory.error)}\n`);
		return exit.failed;
	}

	const guest = await readGuest(agent, memory.value);
	if (!guest.ok) {
		io.err(`ham-tui: ${safeText(guest.error)}\n`);
		return exit.failed;
	}

	const {tree, ranges} = guest.value;
	const blockSize = tree.blockSizeBytes;
	const offline = ranges.filter(range => range.state !== 'online');
	const blocksOf = (list: readonly TiedRange[]) => list.flatMap(range => spanOf(range.firstBlock, range.lastBlock));
	let wanted = blocksOf(offline.filter(range => range.device !== 'boot'));
	if (target.selection) {
		// Named blocks are onlined whoever holds them, boot memory too, as on sysfs.
		const chosen = selectBlocks(tree, target.selection, 'online');
		if (!chosen.ok) {
			io.err(`ham-tui: ${safeText(chosen.error)}\n`);
			return exit.failed;
		}

		wanted = chosen.value.blocks;
	}

	const leftAlone = target.selection
		? ''
		: leftAloneLine(
				blocksOf(offline.filter(range => range.device === 'boot')),
				(first, last) => `name it to online it: --blocks ${first === last ? first : `${first}-${last}`}`,
			);
	if (wanted.length === 0) {
		io.out(`${leftAlone}${nothingToDo}`);
		return exit.ok;
	}

	io.err(`ham-tui: note: ${agentOnlineNote}\n`);
	io.out(leftAlone);
	if (target.dryRun) {
		const deviceOf = new Map(
			offline.flatMap(range => spanOf(range.firstBlock, range.lastBlock).map(block => [block, range.device] as const)),
		);
		const asked = new Set(wanted);
		for (const range of offline) {
			const blocks = spanOf(range.firstBlock, range.lastBlock).filter(block => asked.has(block));
			if (blocks.length > 0) {
				io.out(
					`guest-set-memory-blocks ${JSON.stringify(setMemoryBlocksArguments(blocks))}  # ${safeText(deviceOf.get(blocks[0] ?? -1) ?? '?')}\n`,
				);
			}
		}

		io.out(
			`dry run: would ask the guest agent to online ${wanted.length} offline block(s) (${formatSize(wanted.length * blockSize)}): ${blockList(wanted)}; nothing written\n`,
		);
		return exit.ok;
	}

	const {nextAttempt} = await import('../model/retry.js');
	const {setTimeout: sleep} = await import('node:timers/promises');
	// Each block's latest answer; a block is asked again only while a retry can help it.
	const answers = new Map<number, BlockResult>();
	for (let attempt = 1; ; attempt++) {
		const asked = wanted.filter(block => {
			const answer = answers.get(block);
			return answer === undefined || (!answer.ok && !answer.gone && answer.retry === true);
		});
		const parsed = parseSetMemoryBlocks(await agent.command('guest-set-memory-blocks', setMemoryBlocksArguments(asked)), asked);
		if (parsed.ok) {
			for (const result of parsed.value) {
				answers.set(result.block, result);
			}

			io.out(
				groupResults(parsed.value)
					.map(
						group =>
							`attempt ${attempt}/${command.attempts}: ${groupLine(blockSize, group, 'the guest agent found no such block: removed since it was read')}\n`,
					)
					.join(''),
			);
		}

		const next = nextAttempt(
			parsed.ok ? [...answers.values()].map(blockOutcome) : {error: parsed.error},
			attempt,
			command.attempts,
			command.interval,
		);
		if ('wait' in next) {
			if (!io.fixedClock) await sleep(next.wait * 1000);
			continue;
		}

		if (next.stop === 'error') {
			io.err(`ham-tui: ${safeText(next.error)}\n`);
			if (attempt === 1) return exit.failed;
		} else if (next.stop === 'no-retry') {
			io.out(noRetryLine(next.left));
		}

		const {line, code} = summaryLine(blockSize, [...answers.values()]);
		io.out(line);
		return code;
	}
}

function spanOf(first: number, last: number): number[] {
	return Array.from({length: last - first + 1}, (_, i) => first + i);
}

/** Every text QEMU gave made safe for a terminal: JSON.stringify escapes C0 controls but not C1 (U+009B is a CSI). */
function safeDevice(device: MemoryDevice): Record<string, unknown> {
	const common = {id: device.id === undefined ? null : safeText(device.id), memdev: safeText(device.memdev)};
	return device.kind === 'pc-dimm'
		? {
				kind: device.kind,
				slot: device.slot,
				...common,
				start: formatAddress(device.address),
				size: device.size,
				node: device.node,
				hotplugged: device.hotplugged,
				hotpluggable: device.hotpluggable,
				status: controllerStatus(device),
			}
		: {
				kind: device.kind,
				...common,
				start: formatAddress(device.address),
				size: device.size,
				requestedSize: device.requestedSize,
				maxSize: device.maxSize,
				blockSize: device.blockSize,
				node: device.node,
				status: controllerStatus(device),
			};
}

/** --json with --qmp (docs/VM.md). */
export function vmReport(memory: VmMemory, target: VmTarget, client: Pick<QmpClient, 'version'>): Record<string, unknown> {
	const {major, minor, micro, package: build} = client.version;
	return {
		target: {kind: 'qmp', socket: safeText(target.qmp)},
		qemu: {version: `${major}.${minor}.${micro}`, package: safeText(build)},
		memory: {
			base: memory.summary.baseMemory,
			plugged: memory.summary.pluggedMemory,
			maxmem: memory.machine.maxMemory,
			free: freeMemory(memory),
			slots: memory.machine.slots,
		},
		slots: memory.slots.map(row => ({slot: row.slot, device: row.device?.id === undefined ? null : safeText(row.device.id)})),
		devices: memory.devices.map(device => safeDevice(device)),
		guest: {visible: false, why: "no --qga: the guest's memory blocks are not visible; each status is the controller's"},
		problems: memory.problems.map(problem => safeText(problem)),
	};
}

/** The first of `base`, `base-2`, `base-3`, ... not taken: a backend left by an eject that finished later keeps its id. */
function freeId(base: string, taken: ReadonlySet<string>): string {
	let id = base;
	for (let n = 2; taken.has(id); n++) {
		id = `${base}-${n}`;
	}

	return id;
}

/** QEMU's words for a refusal, or the connection's one line. */
function refusal(error: unknown): string {
	if (error instanceof QmpError) {
		return `QEMU refused: ${safeText(error.desc)} (${safeText(error.errorClass)})`;
	}

	throw error;
}

async function plug(client: QmpClient, command: Extract<Command, {kind: 'plug'}>, io: VmIo): Promise<number> {
	const memory = await readMemory(client);
	if (!memory.ok) {
		io.err(`ham-tui: ${safeText(memory.error)}\n`);
		return exit.failed;
	}

	const objects = await client.execute('qom-list', {path: '/objects'});
	const taken = new Set(Array.isArray(objects) ? objects.flatMap(entry => (typeof entry?.name === 'string' ? [entry.name] : [])) : []);
	const backend = freeId(`ham-mem-${command.slot}`, taken);
	const device = freeId(`ham-dimm-${command.slot}`, new Set(memory.value.devices.flatMap(one => (one.id === undefined ? [] : [one.id]))));
	const what = `slot ${command.slot}: ${formatSize(command.size)} pc-dimm`;
	try {
		await client.execute('object-add', {'qom-type': 'memory-backend-ram', id: backend, size: command.size});
	} catch (error) {
		io.err(`ham-tui: ${what}: the backend: ${refusal(error)}\n`);
		return exit.failed;
	}

	try {
		const args: Record<string, unknown> = {driver: 'pc-dimm', id: device, memdev: backend, slot: command.slot};
		if (command.node !== undefined) {
			args.node = command.node;
		}

		await client.execute('device_add', args);
	} catch (error) {
		io.err(`ham-tui: ${what}: ${refusal(error)}\n`);
		// Nothing is left behind: the backend made for this DIMM goes with it.
		try {
			await client.execute('object-del', {id: backend});
		} catch (cleanup) {
			io.err(
				`ham-tui: the backend ${backend} is left in QEMU (object-del: ${safeText(cleanup instanceof Error ? cleanup.message : '')})\n`,
			);
		}

		return exit.failed;
	}

	const after = await readMemory(client);
	const added = after.ok ? dimmInSlot(after.value, command.slot) : undefined;
	io.out(
		`slot ${command.slot}: ${formatSize(command.size)} pc-dimm ${device} plugged${added ? ` at ${formatAddress(added.address)}, node ${added.node}` : ''} (backend ${backend})\n`,
	);
	return exit.ok;
}

/** The id of a backend from its QOM path, when it is one ham-tui made (ham-mem-...): only those does an unplug delete. */
function ownBackend(memdev: string): string | undefined {
	const match = /^\/objects\/(ham-mem-[\w-]+)$/.exec(memdev);
	return match?.[1];
}

function ostOf(event: QmpEvent, id: string): number | undefined {
	const info = event.data.info;
	if (typeof info !== 'object' || info === null || Array.isArray(info)) {
		return undefined;
	}

	const {device, status} = info as Record<string, unknown>;
	return device === id && typeof status === 'number' ? status : undefined;
}

async function unplug(client: QmpClient, command: Extract<Command, {kind: 'unplug'}>, io: VmIo): Promise<number> {
	const memory = await readMemory(client);
	if (!memory.ok) {
		io.err(`ham-tui: ${safeText(memory.error)}\n`);
		return exit.failed;
	}

	const {slots} = memory.value.machine;
	if (command.slot < 0 || command.slot >= slots) {
		io.err(
			`ham-tui: no such slot: ${command.slot} (${slots === 0 ? 'the VM has no DIMM slots: -m SIZE,slots=N,maxmem=M' : `slots are 0-${slots - 1}`})\n`,
		);
		return exit.failed;
	}

	const dimm: DimmDevice | undefined = dimmInSlot(memory.value, command.slot);
	if (!dimm) {
		io.err(`ham-tui: slot ${command.slot} is empty: nothing to unplug\n`);
		return exit.failed;
	}

	if (dimm.id === undefined) {
		io.err(`ham-tui: the DIMM in slot ${command.slot} has no id, and device_del needs one\n`);
		return exit.failed;
	}

	const id = dimm.id;
	const label = `slot ${command.slot} (${safeText(id)})`;
	const timeoutMs = (command.timeout ?? 10) * 1000;
	// Asked before device_del, so no answer can come before ham-tui listens.
	const answer = client.waitForEvent(
		['DEVICE_DELETED', 'ACPI_DEVICE_OST'],
		event => (event.event === 'DEVICE_DELETED' ? event.data.device === id : ejectStatus(ostOf(event, id) ?? 0x84).final),
		timeoutMs,
	);
	answer.catch(() => {}); // A dropped socket rejects it too; device_del's own rejection says so first.
	try {
		await client.execute('device_del', {id});
	} catch (error) {
		io.err(`ham-tui: ${label}: ${refusal(error)}\n`);
		return exit.failed;
	}

	const event = await answer;
	if (event?.event === 'DEVICE_DELETED') {
		const backend = ownBackend(dimm.memdev);
		let left = '';
		if (backend) {
			try {
				await client.execute('object-del', {id: backend});
			} catch (error) {
				left = `; its backend ${backend} is left (${refusal(error)})`;
			}
		}

		io.out(`${label}: unplugged: the guest ejected the DIMM${backend && left === '' ? `; backend ${backend} deleted` : left}\n`);
		return exit.ok;
	}

	if (event) {
		const status = ostOf(event, id) ?? 0;
		const {ok: ejected, means} = ejectStatus(status);
		if (!ejected) {
			io.err(
				`ham-tui: ${label}: the guest kept the memory: ${means} (ACPI _OST status 0x${status.toString(16)}): offline it first, e.g. ham-tui --offline inside the guest\n`,
			);
			return exit.failed;
		}
	}

	const ejecting = client.events.some(seen => seen.event === 'ACPI_DEVICE_OST' && ostOf(seen, id) === 0x84);
	const vmStatus = await client.execute('query-status').catch(() => undefined);
	const state = typeof vmStatus === 'object' && vmStatus !== null ? (vmStatus as Record<string, unknown>) : {};
	const seconds = timeoutMs / 1000;
	if (state.running === false) {
		io.err(
			`ham-tui: ${label}: the guest did not answer the eject within ${seconds} s: the VM is not running (${safeText(String(state.status ?? 'paused'))}), so no guest OS can eject the DIMM; QEMU keeps the request, and the DIMM stays until the guest ejects it\n`,
		);
	} else {
		io.err(
			`ham-tui: ${label}: the guest did not answer the eject within ${seconds} s${ejecting ? ' (it said it is ejecting it)' : ''}; QEMU keeps the request: --status shows the DIMM until the guest ejects it\n`,
		);
	}

	return exit.failed;
}
