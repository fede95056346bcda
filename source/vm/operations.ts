// What ham-tui asks of a running QEMU and its guest agent, one function a request: read the
// memory devices, read the guest's blocks, plug a DIMM or a virtio-mem device, resize virtio-mem,
// unplug a DIMM and wait for the guest's answer, online blocks through the agent. The one-shots
// (commands/vm.ts) print what these say; the console (machine/vm.ts) shows it. A refusal is
// QEMU's or the agent's own words; a dropped socket throws (the caller's problem: a line, or a
// reconnect).
import {safeText} from '../model/sanitize.js';
import {formatAddress, formatSize} from '../model/units.js';
import {fail, ok, type Result} from '../result.js';
import type {BlockResult} from '../sysfs/integrate.js';
import type {MemoryTree} from '../sysfs/read.js';
import {type DimmDevice, dimmInSlot, ejectStatus, type VmMemory, vmMemory} from './controller.js';
import {
	agentTree,
	type DeviceRange,
	parseBlockInfo,
	parseMemoryBlocks,
	parseSetMemoryBlocks,
	setMemoryBlocksArguments,
	type TiedRange,
	tiedRanges,
} from './guest.js';
import type {GuestAgent} from './qga.js';
import {type QmpClient, QmpError, type QmpEvent} from './qmp.js';

/** What a request came to: its lines (stdout's when ok, stderr's when not, without "ham-tui: "). */
export type Said = {ok: boolean; lines: string[]};

const said = (done: boolean, ...lines: string[]): Said => ({ok: done, lines});

/** The three replies a view of the VM's memory is made from. */
export async function readMemory(client: QmpClient): Promise<Result<VmMemory>> {
	const devices = await client.execute('query-memory-devices');
	const summary = await client.execute('query-memory-size-summary');
	const machine = await client.execute('qom-get', {path: '/machine', property: 'memory'});
	return vmMemory({devices, summary, machine});
}

/** The guest's blocks through its agent, and the devices they lie in. */
export type Guest = {tree: MemoryTree; ranges: TiedRange[]};

/** Where each memory device lies in the guest's physical memory: a pc-dimm's addr and size, virtio-mem's memaddr and max-size. */
export function deviceRanges(memory: VmMemory): DeviceRange[] {
	return memory.devices.map(device => ({
		id: device.id ?? (device.kind === 'pc-dimm' ? `slot ${device.slot}` : device.memdev),
		start: device.address,
		size: device.kind === 'pc-dimm' ? device.size : device.maxSize,
	}));
}

export async function readGuest(agent: GuestAgent, memory: VmMemory): Promise<Result<Guest>> {
	const size = parseBlockInfo(await agent.command('guest-get-memory-block-info'));
	if (!size.ok) return size;
	const blocks = parseMemoryBlocks(await agent.command('guest-get-memory-blocks'));
	if (!blocks.ok) return blocks;
	if (blocks.value.length === 0) return fail('guest-get-memory-blocks: the guest agent lists no memory blocks');
	const tree = agentTree(size.value, blocks.value);
	return ok({tree, ranges: tiedRanges(tree, deviceRanges(memory))});
}

/** Every block of the ranges. */
export function blocksOf(ranges: readonly TiedRange[]): number[] {
	return ranges.flatMap(range => Array.from({length: range.lastBlock - range.firstBlock + 1}, (_, i) => range.firstBlock + i));
}

/** What --integrate (and the console's i) onlines by default: the offline blocks of hot-plugged devices; boot memory offline is an operator's. */
export function hotPluggedOffline(guest: Guest): {wanted: number[]; leftAlone: number[]} {
	const offline = guest.ranges.filter(range => range.state !== 'online');
	return {
		wanted: blocksOf(offline.filter(range => range.device !== 'boot')),
		leftAlone: blocksOf(offline.filter(range => range.device === 'boot')),
	};
}

/** One guest-set-memory-blocks: each block's answer, or why the answer could not be read. */
export async function onlineBlocks(agent: GuestAgent, blocks: readonly number[]): Promise<Result<BlockResult[]>> {
	return parseSetMemoryBlocks(await agent.command('guest-set-memory-blocks', setMemoryBlocksArguments(blocks)), blocks);
}

/** The first of `base`, `base-2`, `base-3`, ... not taken: a backend left by an eject that finished later keeps its id. */
function freeId(base: string, taken: ReadonlySet<string>): string {
	let id = base;
	for (let n = 2; taken.has(id); n++) {
		id = `${base}-${n}`;
	}

	return id;
}

/** QEMU's words for a refusal; anything else (a dropped socket, a timeout) is thrown on. */
export function refusal(error: unknown): string {
	if (error instanceof QmpError) {
		return `QEMU refused: ${safeText(error.desc)} (${safeText(error.errorClass)})`;
	}

	throw error;
}

/** The ids QEMU has for objects and for memory devices: a new one must be neither. */
async function takenIds(client: QmpClient, memory: VmMemory): Promise<{objects: Set<string>; devices: Set<string>}> {
	const objects = await client.execute('qom-list', {path: '/objects'});
	return {
		objects: new Set(Array.isArray(objects) ? objects.flatMap(entry => (typeof entry?.name === 'string' ? [entry.name] : [])) : []),
		devices: new Set(memory.devices.flatMap(one => (one.id === undefined ? [] : [one.id]))),
	};
}

/**
 * A backend and the device on it: object-add, then device_add; when device_add is refused the
 * backend goes again, so a refused plug leaves nothing behind.
 */
async function addWithBackend(
	client: QmpClient,
	what: string,
	backend: {id: string; size: number},
	device: Record<string, unknown>,
): Promise<Said | undefined> {
	try {
		await client.execute('object-add', {'qom-type': 'memory-backend-ram', id: backend.id, size: backend.size});
	} catch (error) {
		return said(false, `${what}: the backend: ${refusal(error)}`);
	}

	try {
		await client.execute('device_add', {...device, memdev: backend.id});
		return undefined;
	} catch (error) {
		const refused = `${what}: ${refusal(error)}`;
		try {
			await client.execute('object-del', {id: backend.id});
			return said(false, refused);
		} catch (cleanup) {
			return said(
				false,
				refused,
				`the backend ${backend.id} is left in QEMU (object-del: ${safeText(cleanup instanceof Error ? cleanup.message : '')})`,
			);
		}
	}
}

/** A pc-dimm of `size` in `slot` (on `node`): ham-mem-SLOT and ham-dimm-SLOT. */
export async function plugDimm(client: QmpClient, request: {slot: number; size: number; node?: number | undefined}): Promise<Said> {
	const memory = await readMemory(client);
	if (!memory.ok) return said(false, memory.error);
	const taken = await takenIds(client, memory.value);
	const backend = freeId(`ham-mem-${request.slot}`, taken.objects);
	const device = freeId(`ham-dimm-${request.slot}`, taken.devices);
	const refused = await addWithBackend(
		client,
		`slot ${request.slot}: ${formatSize(request.size)} pc-dimm`,
		{id: backend, size: request.size},
		{driver: 'pc-dimm', id: device, slot: request.slot, ...(request.node === undefined ? {} : {node: request.node})},
	);
	if (refused) return refused;
	const after = await readMemory(client);
	const added = after.ok ? dimmInSlot(after.value, request.slot) : undefined;
	return said(
		true,
		`slot ${request.slot}: ${formatSize(request.size)} pc-dimm ${device} plugged${added ? ` at ${formatAddress(added.address)}, node ${added.node}` : ''} (backend ${backend})`,
	);
}

/**
 * A virtio-mem device of up to `size`, all of it asked for (requested-size = size): ham-vmem-N on
 * ham-vmem-mem-N. It takes no DIMM slot; QEMU decides whether it can be hot-plugged on this machine.
 */
export async function plugVirtioMem(client: QmpClient, request: {size: number; node?: number | undefined}): Promise<Said> {
	const memory = await readMemory(client);
	if (!memory.ok) return said(false, memory.error);
	const taken = await takenIds(client, memory.value);
	let n = 0;
	while (taken.devices.has(`ham-vmem-${n}`) || taken.objects.has(`ham-vmem-mem-${n}`)) n++;
	const device = `ham-vmem-${n}`;
	const backend = `ham-vmem-mem-${n}`;
	const refused = await addWithBackend(
		client,
		`${formatSize(request.size)} virtio-mem`,
		{id: backend, size: request.size},
		{driver: 'virtio-mem-pci', id: device, 'requested-size': request.size, ...(request.node === undefined ? {} : {node: request.node})},
	);
	return refused ?? said(true, `${formatSize(request.size)} virtio-mem ${device} plugged, all of it asked for (backend ${backend})`);
}

/** A virtio-mem device's requested-size: the guest's driver plugs or unplugs towards it. */
export async function resizeVirtioMem(client: QmpClient, id: string, size: number): Promise<Said> {
	try {
		await client.execute('qom-set', {path: `/machine/peripheral/${id}`, property: 'requested-size', value: size});
	} catch (error) {
		return said(false, `${safeText(id)}: requested-size ${formatSize(size)}: ${refusal(error)}`);
	}

	return said(true, `${safeText(id)}: requested-size ${formatSize(size)}: the guest's virtio-mem driver plugs towards it`);
}

/** The id of a backend from its QOM path, when it is one ham-tui made (ham-mem-...): only those does an unplug delete. */
function ownBackend(memdev: string): string | undefined {
	const match = /^\/objects\/(ham-mem-[\w-]+)$/.exec(memdev);
	return match?.[1];
}

function ostOf(event: QmpEvent, id: string): number | undefined {
	const info = ostInfo(event);
	return info?.device === id ? info.status : undefined;
}

/** An ACPI_DEVICE_OST event's device and status, when it has both. */
export function ostInfo(event: QmpEvent): {device: string; status: number} | undefined {
	const info = event.data.info;
	if (typeof info !== 'object' || info === null || Array.isArray(info)) return undefined;
	const {device, status} = info as Record<string, unknown>;
	return typeof device === 'string' && typeof status === 'number' ? {device, status} : undefined;
}

/** What the guest keeping a DIMM means, and what helps: one line. */
export function keptLine(label: string, status: number): string {
	const {means} = ejectStatus(status);
	return `${label}: the guest kept the memory: ${means} (ACPI _OST status 0x${status.toString(16)}): offline it first, e.g. ham-tui --offline inside the guest`;
}

/**
 * device_del of the DIMM in `slot`, then up to `timeoutMs` for the guest's answer: DEVICE_DELETED
 * (its backend deleted when ham-tui made it), a failed eject (ACPI_DEVICE_OST), or none.
 */
export async function unplugDimm(client: QmpClient, slot: number, timeoutMs: number): Promise<Said> {
	const memory = await readMemory(client);
	if (!memory.ok) return said(false, memory.error);
	const {slots} = memory.value.machine;
	if (slot < 0 || slot >= slots) {
		return said(
			false,
			`no such slot: ${slot} (${slots === 0 ? 'the VM has no DIMM slots: -m SIZE,slots=N,maxmem=M' : `slots are 0-${slots - 1}`})`,
		);
	}

	const dimm: DimmDevice | undefined = dimmInSlot(memory.value, slot);
	if (!dimm) return said(false, `slot ${slot} is empty: nothing to unplug`);
	if (dimm.id === undefined) return said(false, `the DIMM in slot ${slot} has no id, and device_del needs one`);
	const id = dimm.id;
	const label = `slot ${slot} (${safeText(id)})`;
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
		return said(false, `${label}: ${refusal(error)}`);
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

		return said(true, `${label}: unplugged: the guest ejected the DIMM${backend && left === '' ? `; backend ${backend} deleted` : left}`);
	}

	if (event) {
		const status = ostOf(event, id) ?? 0;
		if (!ejectStatus(status).ok) return said(false, keptLine(label, status));
	}

	const ejecting = client.events.some(seen => seen.event === 'ACPI_DEVICE_OST' && ostOf(seen, id) === 0x84);
	const vmStatus = await client.execute('query-status').catch(() => undefined);
	const state = typeof vmStatus === 'object' && vmStatus !== null ? (vmStatus as Record<string, unknown>) : {};
	const waited = `the guest did not answer the eject within ${timeoutMs / 1000} s`;
	if (state.running === false) {
		return said(
			false,
			`${label}: ${waited}: the VM is not running (${safeText(String(state.status ?? 'paused'))}), so no guest OS can eject the DIMM; QEMU keeps the request, and the DIMM stays until the guest ejects it`,
		);
	}

	return said(
		false,
		`${label}: ${waited}${ejecting ? ' (it said it is ejecting it)' : ''}; QEMU keeps the request: --status shows the DIMM until the guest ejects it`,
	);
}
