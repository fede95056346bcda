// The workload lever of the simulated machine: drop caches, or set the load.
import type {LoadLevel} from '../../model/spec.js';
import {type Binding, type ModeSpec, step} from '../bindings.js';
import type {Mode} from '../ui-state.js';
import {cancelKeys, helpKey} from './common.js';

type Workload = Extract<Mode, {kind: 'workload'}>;

const lever = (key: string, op: 'drop-caches' | LoadLevel, word: string, description: string): Binding<Workload> => ({
	keys: [key],
	description,
	bar: word,
	run: ({ui}) => step({...ui, mode: {kind: 'browse'}}, [{action: {type: 'workload', op}, purpose: 'workload'}]),
});

export const workload: ModeSpec<Workload> = {
	title: 'Keys of the workload lever',
	prompt: () => 'workload: ',
	bindings: [
		lever('d', 'drop-caches', 'drop caches', 'drop the page cache: frees lowmem now'),
		lever('i', 'idle', 'idle', 'load: idle'),
		lever('n', 'normal', 'normal', 'load: normal'),
		lever('h', 'heavy', 'heavy', 'load: heavy (lowmem falls)'),
		lever('p', 'peak', 'peak', 'load: peak'),
		cancelKeys(),
		helpKey(),
	],
};
