// A VM's plug form: which DIMM slot, what size, pc-dimm or virtio-mem, which NUMA node; Enter asks
// QEMU (vm/operations.ts), whose refusal stays in the form, in its own words.
import {type ModeSpec, step} from '../bindings.js';
import type {UiState, VmPlugForm} from '../ui-state.js';
import {cancelKeys, fieldKeys, helpKey} from './common.js';

const set = (ui: UiState, form: VmPlugForm, changes: Partial<VmPlugForm>): UiState => ({...ui, mode: {...form, error: null, ...changes}});

/** The next of `values` after `value` (wrapping), or the first when it is not among them. */
function cycle<T>(values: readonly T[], value: T, by: number): T {
	const index = values.indexOf(value);
	const length = values.length;
	return values[index < 0 ? 0 : (((index + by) % length) + length) % length] ?? value;
}

export const vmPlug: ModeSpec<VmPlugForm> = {
	title: 'Keys of the plug form (a VM)',
	prompt: () => '',
	bindings: [
		{
			keys: ['left', 'right'],
			description: "change the field's value",
			bar: 'change',
			barKeys: ['left', 'right'],
			run({ui, mode: form, key, env}) {
				const by = key === 'right' ? 1 : -1;
				if (env.snapshot.kind !== 'vm') {
					return step(ui);
				}

				const {slots, vm} = env.snapshot;
				switch (form.field) {
					case 0: {
						return step(
							set(ui, form, {
								slot: cycle(
									slots.map(slot => slot.slot),
									form.slot,
									by,
								),
							}),
						);
					}

					case 1: {
						return step(set(ui, form, {sizeIndex: cycle([...vm.plugSizes.keys()], form.sizeIndex, by)}));
					}

					case 2: {
						return step(set(ui, form, {device: form.device === 'pc-dimm' ? 'virtio-mem' : 'pc-dimm'}));
					}

					case 3: {
						// The nodes QEMU's devices name, and one more: QEMU says when the VM has no such node.
						const nodes = [...vm.nodes, (vm.nodes.at(-1) ?? 0) + 1];
						return step(set(ui, form, {node: cycle(nodes, form.node, by)}));
					}
				}
			},
		},
		fieldKeys(4),
		{
			keys: [],
			match: {test: key => /^\d$/.test(key), shown: '0-9'},
			description: 'slot number, from any field',
			bar: 'slot',
			run({ui, mode: form, key, env}) {
				const slots = env.snapshot.kind === 'vm' ? env.snapshot.slots.length : 0;
				const slot = Number(key);
				return step(
					slot < slots
						? set(ui, form, {slot, field: 0, device: 'pc-dimm'})
						: {
								...ui,
								mode: {
									...form,
									error:
										slots === 0
											? 'this VM has no DIMM slots (-m SIZE,slots=N,maxmem=M)'
											: `no slot ${slot}: this VM's slots are 0-${slots - 1}`,
								},
							},
				);
			},
		},
		{
			keys: ['enter'],
			description: 'ask QEMU to plug it',
			bar: 'plugs',
			run({ui, mode: form, env}) {
				const size = env.snapshot.kind === 'vm' ? env.snapshot.vm.plugSizes[form.sizeIndex] : undefined;
				return size === undefined
					? step(ui)
					: step(ui, [{action: {type: 'vm-plug', device: form.device, slot: form.slot, size, node: form.node}, purpose: 'plug'}]);
			},
		},
		cancelKeys(),
		helpKey(),
	],
};
