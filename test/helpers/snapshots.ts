// Snapshots as plain data, for driving the console's controllers without a machine source.
import type {Env} from '../../source/console/bindings.js';
import {simulatedSnapshot} from '../../source/machine/simulated.js';
import type {SimulatedSnapshot, SysfsSnapshot} from '../../source/machine/snapshot.js';
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

export function envOf(snapshot: SimulatedSnapshot | SysfsSnapshot, now = snapshot.time): Env {
	return {snapshot, now, rows: {slots: 6, regions: 5, log: 5}};
}
