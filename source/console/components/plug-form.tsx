import {Text} from 'ink';
import type {SimulatedSnapshot} from '../../machine/snapshot.js';
import {formatSize} from '../../model/units.js';
import type {PlugForm as Form} from '../ui-state.js';
import {Pane} from './pane.js';

type Props = {form: Form; snapshot: SimulatedSnapshot; width: number; height: number};

/** Slot, size and mode for a new module; the controller's refusal shows here. */
export function PlugForm({form, snapshot, width, height}: Props) {
	const slot = snapshot.slots.find(candidate => candidate.slot === form.slot);
	const slotNote = slot?.state === 'empty' ? 'empty' : `${slot?.state ?? '?'}${slot?.size ? ` (${slot.size})` : ''}`;
	const fields = [
		['Slot', `‹ ${form.slot} ›  ${slotNote}`],
		[
			'Size',
			`‹ ${formatSize(snapshot.moduleSizes[form.sizeIndex] ?? 0)} ›  of ${snapshot.moduleSizes.map(size => formatSize(size)).join(' ')}`,
		],
		['Mode', `‹ ${form.mode} ›  ${form.mode === 'mirror' ? 'Hot-Mirror: never given to the OS' : 'given to the kernel when scrubbed'}`],
	] as const;
	return (
		<Pane title="Plug a module" focused width={width} height={height}>
			{fields.map(([name, value], index) => (
				<Text key={name} wrap="truncate" inverse={form.field === index} bold={form.field === index}>
					{`${form.field === index ? '›' : ' '} ${name.padEnd(5)} ${value}`}
				</Text>
			))}
			<Text wrap="truncate" color="red">
				{form.error ? `refused: ${form.error}` : ' '}
			</Text>
		</Pane>
	);
}
