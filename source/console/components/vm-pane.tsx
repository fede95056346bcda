import {Text} from 'ink';
import type {VmView} from '../../machine/snapshot.js';
import {vmLines} from '../vm-lines.js';
import {Pane} from './pane.js';

type Props = {view: VmView; width: number; height: number};

/** A VM's memory where the simulated machine shows lowmem: boot and plugged against maxmem, virtio-mem, the guest's blocks. */
export function VmPane({view, width, height}: Props) {
	const lines = vmLines(view, width - 4).slice(0, Math.max(0, height - 2));
	return (
		<Pane title="VM memory" width={width} height={height}>
			{lines.map(line =>
				line.meter ? (
					<Text key={line.key} wrap="truncate">
						{'memory  '}
						<Text color={line.meter.full ? 'red' : 'green'}>{line.meter.cells}</Text>
						{` ${line.text}`}
					</Text>
				) : (
					<Text key={line.key} wrap="truncate" {...(line.color ? {color: line.color} : {})}>
						{line.key === 'plugged' ? `        ${line.text}` : line.text}
					</Text>
				),
			)}
		</Pane>
	);
}
