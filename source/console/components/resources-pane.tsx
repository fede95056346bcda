import {Text} from 'ink';
import type {RegionRow, ResourcesView} from '../../machine/snapshot.js';
import {resourceLines} from '../resource-lines.js';
import {Pane} from './pane.js';

type Props = {resources: ResourcesView; selected: RegionRow | undefined; failed: number; width: number; height: number};

/** Free lowmem against what the selected FAILED region needs, vmalloc, memory, the workload. */
export function ResourcesPane({resources, selected, failed, width, height}: Props) {
	// The spare hint goes first when rows are short; no line is ever drawn over another.
	const lines = resourceLines(resources, selected, failed, width)
		.filter(line => !line.spare || height > 7)
		.slice(0, Math.max(0, height - 2));
	return (
		<Pane title="Kernel resources" width={width} height={height}>
			{lines.map(({meter, text, color}) =>
				meter ? (
					<Text key={meter.label} wrap="truncate">
						{meter.label.padEnd(8)}
						<Text color={meter.low ? 'red' : 'green'}>{meter.cells}</Text>
						{` ${text}`}
					</Text>
				) : (
					<Text key={text.slice(0, 8)} wrap="truncate" {...(color ? {color} : {})}>
						{text}
					</Text>
				),
			)}
		</Pane>
	);
}
