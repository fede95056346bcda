// The one-shot commands on a running QEMU (--qmp SOCKET): --status and --json read its memory
// devices, --plug adds a memory-backend-ram and a pc-dimm, --unplug asks for the DIMM's eject and
// waits for the guest's answer. The controller side only: without the guest agent ham-tui cannot
// see the guest's memory blocks (docs/VM.md). No Ink, no React, no state store.
import type {Command, VmTarget} from '../cli/command.js';
import {exit} from '../exit.js';
import {safeText} from '../model/sanitize.js';
import {formatAddress, formatSize} from '../model/units.js';
import type {Result} from '../result.js';
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
import {QmpClient, QmpError, type QmpEvent} from '../vm/qmp.js';

export type VmIo = {out: (text: string) => void; err: (text: string) => void};

/** Said once on stderr by --status: stdout stays the /proc/ham/status lines. */
export const noGuestNote = "ham-tui: note: no --qga: the guest's memory blocks are not visible; STATUS is the controller's\n";

export async function runVmCommand(command: Command, target: VmTarget, io: VmIo): Promise<number> {
	const opened = await QmpClient.open(target.qmp);
	if (!opened.ok) {
		io.err(`ham-tui: ${safeText(opened.error)}\n`);
		return exit.failed;
	}

	const client = opened.value;
	try {
		return await run(command, target, client, io);
	} catch (error) {
		// A refusal is answered where it is asked; what reaches here is a dropped socket or a timeout.
		io.err(`ham-tui: ${safeText(error instanceof Error ? error.message : String(error))}\n`);
		return exit.failed;
	} finally {
		client.close();
	}
}

async function run(command: Command, target: VmTarget, client: QmpClient, io: VmIo): Promise<number> {
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

			if (command.kind === 'json') {
				io.out(`${JSON.stringify(vmReport(memory.value, target, client), null, 2)}\n`);
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
