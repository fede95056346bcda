// A VM's memory controller as QMP tells it: QEMU's replies (query-memory-devices,
// query-memory-size-summary, qom-get /machine memory) checked and turned into the VM's DIMM slots
// and memory devices, and the words ham-tui prints for them. Pure: no I/O; the replies come in as
// values (recorded ones in tests: test/fixtures/qmp/).
import {formatAddress} from '../model/units.js';
import {fail, ok, type Result} from '../result.js';

/** A pc-dimm: one module in one of the machine's DIMM slots (`-m SIZE,slots=N,maxmem=M`). */
export type DimmDevice = {
	kind: 'pc-dimm';
	/** QEMU's device id (ham-tui's are ham-dimm-<slot>); a device added without one has none. */
	id: string | undefined;
	slot: number;
	address: number;
	size: number;
	node: number;
	/** The backend object's QOM path (/objects/ham-mem-<slot>). */
	memdev: string;
	hotplugged: boolean;
	hotpluggable: boolean;
};

/** A virtio-mem device: one region that grows and shrinks in blocks; it takes no DIMM slot. */
export type VirtioMemDevice = {
	kind: 'virtio-mem';
	id: string | undefined;
	address: number;
	/** What the guest has plugged so far. */
	size: number;
	/** What the host asked for (qom-set requested-size); the guest plugs towards it. */
	requestedSize: number;
	maxSize: number;
	blockSize: number;
	node: number;
	memdev: string;
};

export type MemoryDevice = DimmDevice | VirtioMemDevice;

/** The machine's memory as `-m` set it: boot memory, DIMM slots and maxmem. */
export type MachineMemory = {baseMemory: number; slots: number; maxMemory: number};
export type MemorySummary = {baseMemory: number; pluggedMemory: number};

/** One DIMM slot: its module, or empty. */
export type SlotRow = {slot: number; device: DimmDevice | undefined};

export type VmMemory = {
	machine: MachineMemory;
	summary: MemorySummary;
	devices: MemoryDevice[];
	/** Every DIMM slot 0..slots-1, in order. */
	slots: SlotRow[];
	/** Devices QEMU listed that ham-tui does not show (nvdimm, virtio-pmem, ...), or could not read. */
	problems: string[];
};

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
	return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** The fields that must be byte counts (or slot and node numbers), or the first that is not. */
function counts(data: Record<string, unknown>, names: readonly string[]): Result<Map<string, number>> {
	const values = new Map<string, number>();
	for (const name of names) {
		const value = Object.hasOwn(data, name) ? data[name] : undefined;
		if (!isCount(value)) {
			return fail(`${name} is not a whole number`);
		}

		values.set(name, value);
	}

	return ok(values);
}

function text(value: unknown): string | undefined {
	return typeof value === 'string' ? value : undefined;
}

/** query-memory-devices' return: the pc-dimm and virtio-mem devices; other kinds are named in problems. */
export function parseMemoryDevices(value: unknown, problems: string[] = []): Result<MemoryDevice[]> {
	if (!Array.isArray(value)) {
		return fail('query-memory-devices did not return a list');
	}

	const devices: MemoryDevice[] = [];
	for (const [index, entry] of value.entries()) {
		const type = isRecord(entry) ? text(entry.type) : undefined;
		const data = isRecord(entry) && isRecord(entry.data) ? entry.data : undefined;
		if (type === undefined || data === undefined) {
			problems.push(`memory device ${index}: not a {type, data} object; not shown`);
			continue;
		}

		const device = parseDevice(type, data);
		if (device.ok) {
			devices.push(device.value);
		} else {
			problems.push(`memory device ${index} (${type}): ${device.error}; not shown`);
		}
	}

	return ok(devices);
}

function parseDevice(type: string, data: Record<string, unknown>): Result<MemoryDevice> {
	const id = text(data.id);
	const memdev = text(data.memdev) ?? '';
	switch (type) {
		// QMP's MemoryDeviceInfo names a pc-dimm "dimm".
		case 'dimm': {
			const values = counts(data, ['slot', 'addr', 'size', 'node']);
			if (!values.ok) {
				return values;
			}

			const get = (name: string) => values.value.get(name) ?? 0;
			return ok({
				kind: 'pc-dimm',
				id,
				slot: get('slot'),
				address: get('addr'),
				size: get('size'),
				node: get('node'),
				memdev,
				hotplugged: data.hotplugged === true,
				hotpluggable: data.hotpluggable === true,
			});
		}

		case 'virtio-mem': {
			const values = counts(data, ['memaddr', 'size', 'requested-size', 'max-size', 'block-size', 'node']);
			if (!values.ok) {
				return values;
			}

			const get = (name: string) => values.value.get(name) ?? 0;
			return ok({
				kind: 'virtio-mem',
				id,
				address: get('memaddr'),
				size: get('size'),
				requestedSize: get('requested-size'),
				maxSize: get('max-size'),
				blockSize: get('block-size'),
				node: get('node'),
				memdev,
			});
		}

		default: {
			return fail('a kind of memory device ham-tui does not show');
		}
	}
}

/** query-memory-size-summary's return. */
export function parseSizeSummary(value: unknown): Result<MemorySummary> {
	const values = isRecord(value) ? counts(value, ['base-memory', 'plugged-memory']) : fail('not an object');
	return values.ok
		? ok({baseMemory: values.value.get('base-memory') ?? 0, pluggedMemory: values.value.get('plugged-memory') ?? 0})
		: fail(`query-memory-size-summary: ${values.error}`);
}

/**
 * `qom-get /machine memory`: the machine's MemorySizeConfiguration, `-m`'s size, slots and
 * maxmem (`{size, slots, max-size}`). QMP has no query for the slot count or maxmem; this
 * property is where QEMU keeps them (7.1 and later; `/machine maxmem` is not a property).
 */
export function parseMachineMemory(value: unknown): Result<MachineMemory> {
	if (!isRecord(value)) {
		return fail('qom-get /machine memory: not an object');
	}

	const size = value.size;
	const slots = Object.hasOwn(value, 'slots') ? value.slots : 0;
	const maxSize = Object.hasOwn(value, 'max-size') ? value['max-size'] : size;
	if (!isCount(size) || !isCount(slots) || !isCount(maxSize)) {
		return fail('qom-get /machine memory: size, slots or max-size is not a whole number');
	}

	return ok({baseMemory: size, slots, maxMemory: maxSize});
}

/** The VM's memory from the three replies; devices ordered as ham-tui shows them (slots, then virtio-mem by address). */
export function vmMemory(replies: {devices: unknown; summary: unknown; machine: unknown}): Result<VmMemory> {
	const problems: string[] = [];
	const devices = parseMemoryDevices(replies.devices, problems);
	const summary = parseSizeSummary(replies.summary);
	const machine = parseMachineMemory(replies.machine);
	if (!devices.ok) {
		return devices;
	}

	if (!summary.ok) {
		return summary;
	}

	if (!machine.ok) {
		return machine;
	}

	const sorted = [...devices.value].sort((a, b) =>
		a.kind === b.kind
			? a.kind === 'pc-dimm' && b.kind === 'pc-dimm'
				? a.slot - b.slot
				: a.address - b.address
			: a.kind === 'pc-dimm'
				? -1
				: 1,
	);
	const dimms = new Map(sorted.flatMap(device => (device.kind === 'pc-dimm' ? [[device.slot, device] as const] : [])));
	const slots = Array.from({length: machine.value.slots}, (_, slot) => ({slot, device: dimms.get(slot)}));
	return ok({machine: machine.value, summary: summary.value, devices: sorted, slots, problems});
}

/** Room left for memory devices: maxmem minus boot memory minus what is plugged (QEMU may refuse sooner: alignment). */
export function freeMemory(memory: VmMemory): number {
	return Math.max(0, memory.machine.maxMemory - memory.summary.baseMemory - memory.summary.pluggedMemory);
}

/**
 * The STATUS word of a device without the guest's view (no --qga): what the controller knows.
 * PLUGGED: QEMU has the module (a pc-dimm, or a virtio-mem device whose plugged size is what was
 * asked); RESIZING: a virtio-mem device the guest has not yet grown or shrunk to its requested size
 * (a paused guest, or a guest without the driver, leaves it there); EMPTY: a virtio-mem device
 * with nothing plugged or asked for.
 */
export type ControllerStatus = 'PLUGGED' | 'RESIZING' | 'EMPTY';

export function controllerStatus(device: MemoryDevice): ControllerStatus {
	if (device.kind === 'pc-dimm') {
		return 'PLUGGED';
	}

	if (device.size !== device.requestedSize) {
		return 'RESIZING';
	}

	return device.size === 0 ? 'EMPTY' : 'PLUGGED';
}

/** /proc/ham/status's ID: the DIMM slot; a virtio-mem device has none, so its QEMU id. */
export function deviceLabel(device: MemoryDevice): string {
	return device.kind === 'pc-dimm' ? String(device.slot) : (device.id ?? 'virtio-mem');
}

/** One line per device in the /proc/ham/status shape: ID START SIZE FLAGS STATUS, tab-separated (text from QEMU not yet made safe). */
export function statusFields(memory: VmMemory): string[][] {
	return memory.devices.map(device => [
		deviceLabel(device),
		formatAddress(device.address),
		String(device.size),
		'READ/WRITE',
		controllerStatus(device),
	]);
}

/** The device in a slot, if any. */
export function dimmInSlot(memory: VmMemory, slot: number): DimmDevice | undefined {
	return memory.slots.find(row => row.slot === slot)?.device;
}

/**
 * ACPI _OST status codes (ACPI 6.x, table "Status Codes" for ejection, source 0x103), as QEMU's
 * ACPI_DEVICE_OST event carries them. 0x84 is not an answer yet: the guest is still trying.
 */
const ejectCodes: ReadonlyMap<number, {final: boolean; means: string}> = new Map([
	[0x00, {final: true, means: 'ejected'}],
	[0x01, {final: true, means: 'eject failed (non-specific failure)'}],
	[0x80, {final: true, means: 'the guest does not support ejecting it'}],
	[0x81, {final: true, means: 'the guest refused: the device is in use'}],
	[0x82, {final: true, means: 'the guest refused: the device is busy'}],
	[0x83, {final: true, means: 'the guest refused: a dependent device is busy'}],
	[0x84, {final: false, means: 'the guest is ejecting it'}],
]);

/** What an eject status means, and whether the guest has finished answering. */
export function ejectStatus(status: number): {final: boolean; ok: boolean; means: string} {
	const known = ejectCodes.get(status);
	return known ? {...known, ok: status === 0} : {final: true, ok: false, means: `eject status 0x${status.toString(16)}`};
}
