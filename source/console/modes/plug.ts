// The plug form's keys: slot, size and mode of a new module; Enter asks the controller.
import {type ModeSpec, step} from '../bindings.js';
import type {PlugForm, UiState} from '../ui-state.js';
import {cancelKeys, fieldKeys, helpKey} from './common.js';

const set = (ui: UiState, form: PlugForm, changes: Partial<PlugForm>): UiState => ({...ui, mode: {...form, error: null, ...changes}});

function wrap(value: number, length: number): number {
	return length === 0 ? 0 : ((value % length) + length) % length;
}

export const plug: ModeSpec<PlugForm> = {
	title: 'Keys of the plug form',
	prompt: () => '',
	bindings: [
		{
			keys: ['left', 'right'],
			description: "change the field's value",
			bar: 'change',
			barKeys: ['left', 'right'],
			run({ui, mode: form, key, env}) {
				const delta = key === 'right' ? 1 : -1;
				if (env.snapshot.kind !== 'simulated') {
					return step(ui);
				}

				const {slots, moduleSizes} = env.snapshot;
				if (form.field === 0) {
					return step(set(ui, form, {slot: wrap(form.slot - 1 + delta, slots.length) + 1}));
				}

				if (form.field === 1) {
					return step(set(ui, form, {sizeIndex: wrap(form.sizeIndex + delta, moduleSizes.length)}));
				}

				return step(set(ui, form, {mode: form.mode === 'hot-add' ? 'mirror' : 'hot-add'}));
			},
		},
		fieldKeys(3),
		{
			keys: [],
			match: {test: key => /^[1-9]$/.test(key), shown: '1-9'},
			description: 'slot number, from any field',
			bar: 'slot',
			run({ui, mode: form, key, env}) {
				const slots = env.snapshot.kind === 'simulated' ? env.snapshot.slots.length : 0;
				const slot = Number(key);
				return step(
					slot <= slots
						? set(ui, form, {slot, field: 0})
						: {...ui, mode: {...form, error: `no slot ${slot}: this machine's slots are 1-${slots}`}},
				);
			},
		},
		{
			keys: ['enter'],
			description: 'plug the module',
			bar: 'plugs',
			run({ui, mode: form, env}) {
				const size = env.snapshot.kind === 'simulated' ? env.snapshot.moduleSizes[form.sizeIndex] : undefined;
				return size === undefined
					? step(ui)
					: step(ui, [{action: {type: 'plug', slot: form.slot, size, mode: form.mode}, purpose: 'plug'}]);
			},
		},
		cancelKeys(),
		helpKey(),
	],
};
