import {Text} from 'ink';
import type {RegionRow, ResourcesView} from '../../machine/snapshot.js';
import {actionKeys} from '../modes/browse.js';
import {bar, formatBytes, meterWidth} from '../rows.js';
import {Pane} from './pane.js';

type Props = {resources: ResourcesView; selected: RegionRow | undefined; failed: number; width: number; height: number};

/** A labelled bar filled with what is free (as the words beside it say); colour only repeats it. */
function Meter({
	label,
	free,
	total,
	text,
	low,
	inner,
}: {
	label: string;
	free: number;
	total: number;
	text: string;
	low: boolean;
	inner: number;
}) {
	return (
		<Text wrap="truncate">
			{label.padEnd(8)}
			<Text color={low ? 'red' : 'green'}>{bar(free, total, meterWidth(inner))}</Text>
			{` ${text}`}
		</Text>
	);
}

/** Free lowmem against what the selected FAILED region needs, vmalloc, memory, the workload. */
export function ResourcesPane({resources, selected, failed, width, height}: Props) {
	const inner = width - 4;
	const {lowmem, vmalloc, memory} = resources;
	// Only a failure that a retry can help has a need worth comparing with free lowmem.
	const need =
		selected?.status === 'FAILED' && selected.retry && selected.needBytes !== null ? selected.needBytes + lowmem.watermarkBytes : null;
	const short = need === null ? 0 : need - lowmem.freeBytes;
	const vmallocFree = vmalloc ? vmalloc.totalBytes - vmalloc.usedBytes : 0;
	return (
		<Pane title="Kernel resources" width={width} height={height}>
			<Meter
				label="lowmem"
				free={lowmem.freeBytes}
				total={lowmem.totalBytes}
				low={lowmem.freeBytes < lowmem.watermarkBytes * 4}
				inner={inner}
				text={`${formatBytes(lowmem.freeBytes)} free of ${formatBytes(lowmem.totalBytes)}`}
			/>
			<Text wrap="truncate" color={need === null ? 'gray' : short > 0 ? 'yellow' : 'green'}>
				{need === null
					? selected?.status === 'FAILED'
						? `needs   nothing helps region ${selected.id}: no retry can`
						: failed > 0
							? 'needs   (select a FAILED region)'
							: 'needs   nothing: no region is FAILED'
					: `needs   ${formatBytes(need)}: ${short > 0 ? `${formatBytes(short)} short` : 'fits now'}`}
			</Text>
			{vmalloc ? (
				<Meter
					label="vmalloc"
					free={vmallocFree}
					total={vmalloc.totalBytes}
					low={vmallocFree < 16 * 1024 * 1024}
					inner={inner}
					text={`${formatBytes(vmallocFree)} free of ${formatBytes(vmalloc.totalBytes)}`}
				/>
			) : (
				<Text wrap="truncate">vmalloc no practical limit (x86_64)</Text>
			)}
			<Text wrap="truncate">{`memory  ${formatBytes(memory.bootBytes)} boot + ${formatBytes(memory.hotAddedBytes)} hot-added`}</Text>
			<Text wrap="truncate">{`load    ${resources.load}, workload holds ${formatBytes(lowmem.workloadBytes)}`}</Text>
			{height > 7 ? (
				<Text wrap="truncate" color="gray">
					{`${actionKeys.workload} drops caches or sets the load`}
				</Text>
			) : null}
		</Pane>
	);
}
