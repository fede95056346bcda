// The virtio-mem lever: a VM's virtio-mem device asked to grow or shrink (requested-size), as the
// workload lever moves the simulated machine's load. ←/→ move the size a step (the guest's memory
// block, or the device's own block when larger), Enter asks QEMU; the guest's driver then plugs
// or unplugs towards it, and the VM pane shows it RESIZING until it is there.
import {formatSize} from '../../model/units.js';
import {type ModeSpec, step, type View} from '../bindings.js';
import type {UiState, VmResize} from '../ui-state.js';
import {cancelKeys, helpKey} from './common.js';

/** 128M: x86's memory block, the least a Linux guest plugs of a virtio-mem device at a time. */
const defaultStep = 128 * 2 ** 20;

function deviceOf(view: Pick<View, 'snapshot'>, id: string) {
	return view.snapshot.vm?.virtioMem.find(device => device.id === id);
}

function stepOf(view: Pick<View, 'snapshot'>, id: string): number {
	const device = deviceOf(view, id);
	const guestBlock = view.snapshot.vm?.guest?.blockSizeBytes ?? defaultStep;
	return Math.max(guestBlock, device?.blockBytes ?? 0);
}

const to = (ui: UiState, mode: VmResize, size: number): UiState => ({...ui, mode: {...mode, size}});

export const vmResize: ModeSpec<VmResize> = {
	title: 'Keys of the virtio-mem lever',
	prompt(mode, view) {
		const device = deviceOf(view, mode.id);
		const now = device ? ` (${formatSize(device.sizeBytes)} of ${formatSize(device.maxBytes)} plugged)` : '';
		return `${mode.id} ‹ ${formatSize(mode.size)} ›${now}  `;
	},
	bindings: [
		{
			keys: ['left', 'right'],
			description: 'a step smaller / larger (a memory block)',
			bar: 'size',
			barKeys: ['left', 'right'],
			run({ui, mode, key, env}) {
				const max = deviceOf(env, mode.id)?.maxBytes ?? mode.size;
				const by = stepOf(env, mode.id) * (key === 'right' ? 1 : -1);
				return step(to(ui, mode, Math.min(max, Math.max(0, mode.size + by))));
			},
		},
		{
			keys: ['home', 'end'],
			description: 'nothing / all of it',
			bar: 'none/all',
			barKeys: ['home', 'end'],
			barSpare: true,
			run: ({ui, mode, key, env}) => step(to(ui, mode, key === 'home' ? 0 : (deviceOf(env, mode.id)?.maxBytes ?? mode.size))),
		},
		{
			keys: ['tab'],
			description: 'the next virtio-mem device',
			disabled: view => ((view.snapshot.vm?.virtioMem.length ?? 0) > 1 ? null : ['This VM has one virtio-mem device.']),
			bar: 'device',
			run({ui, mode, env}) {
				const devices = env.snapshot.kind === 'vm' ? env.snapshot.vm.virtioMem : [];
				const index = devices.findIndex(device => device.id === mode.id);
				const next = devices[(index + 1) % devices.length];
				return step(next ? {...ui, mode: {kind: 'vm-resize', id: next.id, size: next.requestedBytes}} : ui);
			},
		},
		{
			keys: ['enter'],
			description: 'ask QEMU for this size',
			bar: 'asks',
			run: ({ui, mode}) =>
				step({...ui, mode: {kind: 'browse'}}, [{action: {type: 'vm-resize', id: mode.id, size: mode.size}, purpose: 'resize'}]),
		},
		cancelKeys(),
		helpKey(),
	],
};
