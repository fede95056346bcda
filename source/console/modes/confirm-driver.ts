// Starting, stopping or reinstalling ham changes what the kernel was given: asked first, default No.
import {type ModeSpec, step} from '../bindings.js';
import type {Mode} from '../ui-state.js';
import {keepsIt} from './common.js';

type Confirm = Extract<Mode, {kind: 'confirm-driver'}>;

const questions: Record<Confirm['op'], string> = {
	start: 'Start ham (its init script)? [y/N]  ',
	stop: 'Stop ham? /proc/ham/status goes, hot-added memory stays. [y/N]  ',
	reinstall: 'Rebuild ham for this kernel and start it? [y/N]  ',
};

export const confirmDriver: ModeSpec<Confirm> = {
	title: 'Keys of the driver question',
	prompt: mode => questions[mode.op],
	bindings: [
		{
			keys: ['y', 'Y'],
			description: 'do it',
			bar: ({ui}) =>
				ui.mode.kind === 'confirm-driver' ? {start: 'starts', stop: 'stops', reinstall: 'reinstalls'}[ui.mode.op] : 'does it',
			run: ({ui, mode}) => step({...ui, mode: {kind: 'browse'}}, [{action: {type: 'driver', op: mode.op}, purpose: 'driver'}]),
		},
		keepsIt('leave ham as it is'),
	],
};
