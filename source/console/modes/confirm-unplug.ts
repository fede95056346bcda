// The unplug question. The default is No: only y unplugs, any other key keeps the module.
import {type ModeSpec, step} from '../bindings.js';
import type {Mode} from '../ui-state.js';
import {keepsIt} from './common.js';

type Confirm = Extract<Mode, {kind: 'confirm-unplug'}>;

export const confirmUnplug: ModeSpec<Confirm> = {
	title: 'Keys of the unplug question',
	prompt(mode, {snapshot}) {
		const slot = snapshot.kind === 'sysfs' ? undefined : snapshot.slots.find(candidate => candidate.slot === mode.slot);
		const region = slot?.regionId === null || slot?.regionId === undefined ? '' : `, region ${slot.regionId}`;
		// A VM's guest answers the eject: it lets go of a DIMM only when it can offline all of it.
		const guest = snapshot.kind === 'vm' ? ' The guest must let go of it.' : '';
		return `Unplug slot ${mode.slot} (${slot?.size ?? '?'} ${slot?.mode ?? '?'}${region})?${guest} [y/N]  `;
	},
	bindings: [
		{
			keys: ['y', 'Y'],
			description: 'unplug the module',
			bar: 'unplugs',
			run: ({ui, mode}) => step({...ui, mode: {kind: 'browse'}}, [{action: {type: 'unplug', slot: mode.slot}, purpose: 'unplug'}]),
		},
		keepsIt('keep it'),
	],
};
