// The VM pane's lines: presentation of a VmView, pure, so that tests read what the pane says.
import type {VmView} from '../machine/snapshot.js';
import {formatSize} from '../model/units.js';
import {actionKeys} from './modes/browse.js';
import {bar, meterWidth} from './rows.js';

export type VmLine = {key: string; text: string; color?: 'red' | 'yellow' | 'green' | 'gray'; meter?: {cells: string; full: boolean}};

/** Memory against maxmem, the DIMM slots, each virtio-mem device, the guest's blocks, what i would do, the sockets. */
export function vmLines(view: VmView, inner: number): VmLine[] {
	const lines: VmLine[] = [];
	const memory = view.memory;
	if (memory) {
		const used = memory.baseBytes + memory.pluggedBytes;
		lines.push({
			key: 'memory',
			text: `${formatSize(used)} of maxmem ${formatSize(memory.maxBytes)}${view.connected === true ? '' : ' (as last read)'}`,
			meter: {cells: bar(used, memory.maxBytes, meterWidth(inner)), full: memory.freeBytes <= 0},
		});
		lines.push({
			key: 'plugged',
			text: `boot ${formatSize(memory.baseBytes)} · plugged ${formatSize(memory.pluggedBytes)} · ${formatSize(memory.freeBytes)} free`,
		});
	} else {
		lines.push({key: 'memory', text: 'memory  not read yet', color: 'gray'});
	}

	for (const device of view.virtioMem.slice(0, 2)) {
		const resizing = device.sizeBytes === device.requestedBytes ? '' : `, asked ${formatSize(device.requestedBytes)} (RESIZING)`;
		lines.push({
			key: `virtio-${device.id}`,
			text: `${device.id.padEnd(7)} virtio-mem ${formatSize(device.sizeBytes)} of ${formatSize(device.maxBytes)}${resizing} · ${actionKeys.virtioMem} sizes`,
			...(resizing ? {color: 'yellow' as const} : {}),
		});
	}

	if (view.virtioMem.length > 2) {
		lines.push({
			key: 'virtio-more',
			text: `        +${view.virtioMem.length - 2} more virtio-mem devices (--json lists them)`,
			color: 'gray',
		});
	}

	lines.push(guestLine(view));
	lines.push(
		view.connected === true
			? {key: 'qmp', text: `qmp     QEMU ${view.qemu} · ${view.qmp}`, color: 'gray'}
			: {key: 'qmp', text: `qmp     not connected: ${view.connected}; connecting again`, color: 'red'},
	);
	return lines;
}

function guestLine(view: VmView): VmLine {
	if (view.agent === null) {
		return {key: 'guest', text: 'guest   not visible: no --qga (the guest agent shows and onlines its blocks)', color: 'gray'};
	}

	if (view.agent !== true || view.guest === null) {
		return {key: 'guest', text: `guest   agent not answering: ${view.agent === true ? 'no blocks read yet' : view.agent}`, color: 'red'};
	}

	const {online, offline, toOnline, leftAlone, blockSizeBytes} = view.guest;
	const what =
		toOnline > 0
			? ` · ${actionKeys.integrate} onlines ${toOnline}`
			: leftAlone > 0
				? ` · ${leftAlone} boot block${leftAlone === 1 ? '' : 's'} left offline`
				: '';
	return {
		key: 'guest',
		text: `guest   ${online} online, ${offline} offline (${formatSize(blockSizeBytes)} blocks)${what}`,
		...(toOnline > 0 ? {color: 'yellow' as const} : {}),
	};
}
