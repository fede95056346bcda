import {Text} from 'ink';
import type {RegionRow, ResourcesView} from '../../machine/snapshot.js';
import {bar, formatBytes} from '../rows.js';
import {Pane} from './pane.js';

type Props = {resources: ResourcesView; selected: RegionRow | undefined; width: number; height: number};

/** A labelled bar: the numbers beside it carry the meaning; colour only repeats it. */
function Meter({
	label,
	used,
	total,
	text,
	low,
	inner,
}: {
	label: string;
	used: number;
	total: number;
	text: string;
	low: boolean;
	inner: number;
}) {
	const width = Math.max(4, Math.min(30, inner - 8 - text.length - 1));
	return (
		<Text wrap="truncate">
			{label.padEnd(8)}
			<Text color={low ? 'red' : 'green'}>{bar(used, total, width)}</Text>
			{` ${text}`}
		</Text>
	);
}

/** Free lowmem against what the selected FAILED region needs, vmalloc, memory, the workload. */
export function ResourcesPane({resources, selected, width, height}: Props) {
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
				used={lowmem.totalBytes - lowmem.freeBytes}
				total={lowmem.totalBytes}
				low={lowmem.freeBytes < lowmem.watermarkBytes * 4}
				inner={inner}
				text={`${formatBytes(lowmem.freeBytes)} free / ${formatBytes(lowmem.totalBytes)}`}
			/>
			<Text wrap="truncate" color={need === null ? 'gray' : short > 0 ? 'yellow' : 'green'}>
				{need === null
					? selected?.status === 'FAILED'
						? `needs   nothing helps region ${selected.id}: no retry can`
						: 'needs   (select a FAILED region)'
					: `needs   ${formatBytes(need)}: ${short > 0 ? `${formatBytes(short)} short` : 'fits now'}`}
			</Text>
			{vmalloc ? (
				<Meter
					label="vmalloc"
					used={vmalloc.usedBytes}
					total={vmalloc.totalBytes}
					low={vmallocFree < 16 * 1024 * 1024}
					inner={inner}
					text={`${formatBytes(vmallocFree)} free / ${formatBytes(vmalloc.totalBytes)}`}
				/>
			) : (
				<Text wrap="truncate">vmalloc no practical limit (x86_64)</Text>
			)}
			<Text wrap="truncate">{`memory  ${formatBytes(memory.bootBytes)} boot + ${formatBytes(memory.hotAddedBytes)} hot-added`}</Text>
			<Text wrap="truncate">{`load    ${resources.load}, workload holds ${formatBytes(lowmem.workloadBytes)}`}</Text>
			{height > 7 ? (
				<Text wrap="truncate" color="gray">
					w drops caches or sets the load
				</Text>
			) : null}
		</Pane>
	);
}
