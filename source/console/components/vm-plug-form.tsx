import {Text} from 'ink';
import type {VmSnapshot} from '../../machine/snapshot.js';
import {formatSize} from '../../model/units.js';
import type {VmPlugForm as Form} from '../ui-state.js';
import {fitRows} from '../wrap.js';
import {Pane} from './pane.js';

type Props = {form: Form; snapshot: VmSnapshot; width: number; height: number};

/** Slot, size, kind and node of a new memory device for a VM; QEMU's refusal shows here, whole. */
export function VmPlugForm({form, snapshot, width, height}: Props) {
	const slot = snapshot.slots.find(candidate => candidate.slot === form.slot);
	const free = snapshot.vm.memory ? `; ${formatSize(snapshot.vm.memory.freeBytes)} free below maxmem` : '';
	const fields = [
		[
			'Slot',
			form.device === 'virtio-mem'
				? `‹ ${form.slot} ›  not used: virtio-mem takes no DIMM slot`
				: `‹ ${form.slot} ›  ${slot?.state === 'empty' ? 'empty' : `${slot?.state ?? 'no such slot'}${slot?.size ? ` (${slot.size} ${slot.label})` : ''}`}`,
		],
		['Size', `‹ ${formatSize(snapshot.vm.plugSizes[form.sizeIndex] ?? 0)} ›${free}`],
		[
			'Kind',
			`‹ ${form.device} ›  ${form.device === 'pc-dimm' ? 'a DIMM: the guest onlines it, u ejects it' : 'one region that grows and shrinks (s); all of it asked for'}`,
		],
		['Node', `‹ ${form.node} ›  NUMA node (QEMU says when the VM has no such node)`],
	] as const;
	const inner = Math.max(1, width - 4);
	const errorRows = form.error ? fitRows([`refused: ${form.error}`], inner, Math.max(1, height - 2 - fields.length)) : [];
	return (
		<Pane title="Plug a memory device into the VM" focused width={width} height={height}>
			{fields.map(([name, value], index) => (
				<Text key={name} wrap="truncate" inverse={form.field === index} bold={form.field === index}>
					{`${form.field === index ? '›' : ' '} ${name.padEnd(5)} ${value}`}
				</Text>
			))}
			{errorRows.map(row => (
				<Text key={`${row.line}:${row.text}`} wrap="truncate" color="red">
					{row.text}
				</Text>
			))}
		</Pane>
	);
}
