// The rest of a machine around a fake memory tree (test/helpers/sysfs-tree.ts): the files that
// tell where blocks came from and how the kernel onlines them, in the kernel's own formats (as a
// 6.12 guest under QEMU showed them). Write the tree first (makeMemoryTree), then these.
import {mkdirSync, symlinkSync, writeFileSync} from 'node:fs';
import path from 'node:path';

export type MemmapSpec = {
	/** A number is written as the kernel prints it (`0x` and lower-case hex); a string as is, no newline added. */
	start: number | string;
	/** Inclusive, like start. */
	end: number | string;
	/** E.g. `System RAM`, `Reserved`; written with a trailing newline. */
	type: string;
};

export type MachineSpec = {
	/** `sys/firmware/memmap/N/{start,end,type}`, N = position in the list (0, 1, ...). */
	memmap?: readonly MemmapSpec[];
	/** `proc/iomem`, written as is (lines `start-end : name`, nested two spaces a level). */
	iomem?: string;
	/** `sys/module/memory_hotplug/parameters/<name>`: each value written with the kernel's trailing newline. */
	params?: Readonly<Record<string, string>>;
	/**
	 * `memoryN/firmware_node` links: block index -> ACPI device name (`PNP0C80:00`). The link points
	 * where the kernel's does (`../../../LNXSYSTM:00/LNXSYBUS:00/PNP0A06:04/<name>`), at nothing here.
	 * The block's directory must exist (makeMemoryTree).
	 */
	firmwareNodes?: Readonly<Record<number, string>>;
	/** `proc/meminfo`: MemTotal, MemFree and MemAvailable, in the kernel's layout. */
	meminfo?: {totalKiB: number; freeKiB: number; availableKiB: number};
	/** `sys/devices/system/node/nodeN/meminfo`: `Node N MemTotal:  ... kB`, MemFree and MemUsed, in the kernel's layout. */
	nodeMeminfo?: Readonly<Record<number, {totalKiB: number; freeKiB: number}>>;
};

/** Where a firmware_node link points on the kernel's machine, for a device name. */
export function firmwareNodeTarget(device: string): string {
	return `../../../LNXSYSTM:00/LNXSYBUS:00/PNP0A06:04/${device}`;
}

/** Writes the files of `spec` under `sysroot` (directories made as needed). */
export function writeMachineFiles(sysroot: string, spec: MachineSpec): void {
	if (spec.memmap !== undefined) {
		const memmap = path.join(sysroot, 'sys/firmware/memmap');
		mkdirSync(memmap, {recursive: true});
		for (const [n, entry] of spec.memmap.entries()) {
			const directory = path.join(memmap, String(n));
			mkdirSync(directory, {recursive: true});
			writeFileSync(path.join(directory, 'start'), hex(entry.start));
			writeFileSync(path.join(directory, 'end'), hex(entry.end));
			writeFileSync(path.join(directory, 'type'), `${entry.type}\n`);
		}
	}

	if (spec.iomem !== undefined) {
		mkdirSync(path.join(sysroot, 'proc'), {recursive: true});
		writeFileSync(path.join(sysroot, 'proc/iomem'), spec.iomem);
	}

	if (spec.params !== undefined) {
		const parameters = path.join(sysroot, 'sys/module/memory_hotplug/parameters');
		mkdirSync(parameters, {recursive: true});
		for (const [name, value] of Object.entries(spec.params)) {
			writeFileSync(path.join(parameters, name), `${value}\n`);
		}
	}

	if (spec.firmwareNodes !== undefined) {
		const memory = path.join(sysroot, 'sys/devices/system/memory');
		for (const [index, device] of Object.entries(spec.firmwareNodes)) {
			symlinkSync(firmwareNodeTarget(device), path.join(memory, `memory${index}`, 'firmware_node'));
		}
	}

	if (spec.meminfo !== undefined) {
		mkdirSync(path.join(sysroot, 'proc'), {recursive: true});
		const {totalKiB, freeKiB, availableKiB} = spec.meminfo;
		writeFileSync(
			path.join(sysroot, 'proc/meminfo'),
			[meminfoLine('MemTotal:', totalKiB), meminfoLine('MemFree:', freeKiB), meminfoLine('MemAvailable:', availableKiB)].join(''),
		);
	}

	if (spec.nodeMeminfo !== undefined) {
		for (const [node, {totalKiB, freeKiB}] of Object.entries(spec.nodeMeminfo)) {
			const directory = path.join(sysroot, `sys/devices/system/node/node${node}`);
			mkdirSync(directory, {recursive: true});
			const lines = [
				meminfoLine(`Node ${node} MemTotal:`, totalKiB, `Node ${node} `.length),
				meminfoLine(`Node ${node} MemFree:`, freeKiB, `Node ${node} `.length),
				meminfoLine(`Node ${node} MemUsed:`, totalKiB - freeKiB, `Node ${node} `.length),
			];
			writeFileSync(path.join(directory, 'meminfo'), lines.join(''));
		}
	}
}

function hex(value: number | string): string {
	return typeof value === 'number' ? `0x${value.toString(16)}\n` : value;
}

/**
 * `MemTotal:        3019172 kB`: the label padded to 16 columns, the number right-aligned in 8
 * (seq_put_decimal_ull_width); a node's lines pad the label after their `Node N ` prefix.
 */
function meminfoLine(label: string, kib: number, prefix = 0): string {
	return `${label.padEnd(prefix + 16)}${String(kib).padStart(8)} kB\n`;
}
