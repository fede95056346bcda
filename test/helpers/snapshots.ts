// Snapshots as plain data, for driving the console's controllers without a machine source.
import type {Env} from '../../source/console/bindings.js';
import {simulatedSnapshot} from '../../source/machine/simulated.js';
import type {SimulatedSnapshot, Snapshot, SysfsSnapshot, VmSnapshot, VmView} from '../../source/machine/snapshot.js';
import {vmPlugSizes} from '../../source/machine/vm.js';
import type {Machine} from '../../source/model/state.js';
import {machineWith, t0} from './machine.js';

export function simulated(machine: Machine = machineWith()): SimulatedSnapshot {
	return simulatedSnapshot(machine, Math.max(t0, machine.now));
}

/** A real machine: one node, 8 blocks of 128M, blocks 8-15 offline and not yet tried. */
export function real(changes: Partial<SysfsSnapshot> = {}): SysfsSnapshot {
	const block = 128 * 1024 ** 2;
	return {
		kind: 'sysfs',
		name: 'vm1',
		kernel: '6.12.0',
		time: t0,
		uptimeSeconds: 100,
		regions: [
			{
				id: 0,
				start: '0x0',
				size: 8 * block,
				flags: 'online',
				status: 'ENABLED',
				slot: null,
				code: null,
				reason: null,
				retry: null,
				needBytes: null,
			},
			{
				id: 8,
				start: '0x40000000',
				size: 8 * block,
				flags: 'offline',
				status: 'FAILED',
				slot: null,
				code: null,
				reason: null,
				retry: null,
				needBytes: null,
			},
		],
		log: ['[00:00:00Z] read 16 block(s) of 128M in 2 range(s)'],
		sysfs: {
			root: '/sys/devices/system/memory',
			blockSizeBytes: block,
			autoOnline: 'offline',
			blocks: 16,
			online: {blocks: 8, bytes: 8 * block},
			offline: {blocks: 8, bytes: 8 * block},
			other: {blocks: 0, bytes: 0},
			onlineType: 'online',
			writable: true,
			problems: 0,
			nodes: [{node: 0, online: 8, offline: 8, other: 0}],
			readMs: 1,
			sweepSeconds: null,
			plan: {zones: [{zone: 'Movable', blocks: 8}], leftAlone: 0},
			ratio: 301,
		},
		...changes,
	};
}

export function envOf(snapshot: Snapshot, now = snapshot.time): Env {
	return {snapshot, now, rows: {slots: 6, regions: 5, log: 5}};
}

/**
 * A VM (--qmp --qga): 4 DIMM slots, a 512M DIMM in slot 1 whose 4 blocks are offline, one
 * virtio-mem device with nothing plugged, the agent answering.
 */
export function vm(changes: Partial<VmView> = {}): VmSnapshot {
	const block = 128 * 1024 ** 2;
	const empty = (slot: number) => ({
		slot,
		size: '',
		mode: '',
		state: 'empty' as const,
		scrubLeft: null,
		regionId: null,
		label: '',
		unplugRefusal: `slot ${slot} is empty: nothing to unplug`,
	});
	return {
		kind: 'vm',
		name: 'QEMU 7.2.22',
		kernel: 'guest agent',
		time: t0,
		uptimeSeconds: null,
		regions: [
			{
				id: 0,
				start: '0x00000000',
				size: 8 * block,
				flags: 'READ/WRITE',
				status: 'ENABLED',
				slot: null,
				code: null,
				reason: null,
				retry: null,
				needBytes: null,
				detail: 'blocks 0-7, boot memory',
				blocks: {first: 0, last: 7},
			},
			{
				id: 32,
				start: '0x100000000',
				size: 4 * block,
				flags: 'READ/WRITE',
				status: 'OFFLINE',
				slot: 1,
				code: null,
				reason: null,
				retry: null,
				needBytes: null,
				detail: 'blocks 32-35, ham-dimm-1 (slot 1)',
				blocks: {first: 32, last: 35},
			},
		],
		log: ['[00:00:00Z] QMP: connected to QEMU 7.2.22 at /run/vm.qmp'],
		slots: [
			empty(0),
			{
				slot: 1,
				size: '512M',
				mode: 'pc-dimm',
				state: 'plugged',
				scrubLeft: null,
				regionId: null,
				label: 'offline ham-dimm-1 n0',
				unplugRefusal: null,
			},
			empty(2),
			empty(3),
		],
		vm: {
			qmp: '/run/vm.qmp',
			qga: '/run/vm.qga',
			qemu: '7.2.22',
			connected: true,
			agent: true,
			memory: {baseBytes: 1024 ** 3, pluggedBytes: 512 * 1024 ** 2, maxBytes: 8 * 1024 ** 3, freeBytes: 6.5 * 1024 ** 3, slots: 4},
			virtioMem: [{id: 'vm0', sizeBytes: 0, requestedBytes: 0, maxBytes: 4 * 1024 ** 3, blockBytes: 2 * 1024 ** 2, node: 0}],
			guest: {blockSizeBytes: block, online: 8, offline: 4, toOnline: 4, leftAlone: 0},
			plugSizes: vmPlugSizes,
			nodes: [0],
			busy: null,
			...changes,
		},
	};
}
