import {Text} from 'ink';
import {useMemo} from 'react';
import type {RegionRow} from '../../machine/snapshot.js';
import {formatSize} from '../../model/units.js';
import {actionKeys} from '../modes/browse.js';
import {fit, regionColumns, regionHeader, regionLine} from '../rows.js';
import {Pane} from './pane.js';

type Props = {
	regions: RegionRow[];
	total: number;
	filter: string;
	/** Set when ham is not loaded: what brings it back. */
	driverHint: string | null;
	/** A VM whose guest cannot be seen (no --qga, an agent not answering): why, instead of ranges. */
	unseen?: string | null;
	/** A real machine's memory directory: its ranges are shown instead of /proc/ham/status. */
	source?: string | undefined;
	cursor: number;
	offset: number;
	focused: boolean;
	width: number;
	height: number;
};

const statusColor = (status: string) => (status === 'ENABLED' ? 'green' : status === 'FAILED' ? 'red' : 'yellow');

/**
 * The /proc/ham/status columns. Our own small table rather than ink-table: it needs a cursor row
 * and must render only the window of a list that can be 10,000 rows long.
 */
export function RegionsPane({regions, total, filter, driverHint, unseen, source, cursor, offset, focused, width, height}: Props) {
	const inner = width - 4;
	const rows = Math.max(1, height - 4);
	// Column widths from the whole list, once per list, not per frame.
	const widest = useMemo(
		() =>
			regions.reduce(
				(max, region) => ({
					id: Math.max(max.id, region.id),
					start: Math.max(max.start, region.start.length),
					size: Math.max(max.size, formatSize(region.size).length),
					bytes: Math.max(max.bytes, String(region.size).length),
				}),
				{id: 0, start: 0, size: 0, bytes: 0},
			),
		[regions],
	);
	const columns = regionColumns(inner - 2, widest.id, widest.start, widest.size, widest.bytes);
	const selected = regions[cursor];
	// When the list is longer than the pane, the title says which rows show and how many are below.
	const shown =
		regions.length > rows
			? ` · ${offset + 1}-${Math.min(offset + rows, regions.length)}, +${Math.max(0, regions.length - offset - rows)} below`
			: '';
	const title = `${source ? 'Ranges' : 'Regions'} ${filter ? `${regions.length} of ${total}, filter "${filter}"` : total}${shown} · ${source ? 'memory blocks as lsmem groups them' : '/proc/ham/status'}`;
	if (driverHint !== null) {
		return (
			<Pane title={title} focused={focused} width={width} height={height}>
				<Text color="red">ham is not loaded: there is no /proc/ham/status.</Text>
				<Text>{driverHint}</Text>
			</Pane>
		);
	}

	if (unseen && total === 0) {
		return (
			<Pane title={title} focused={focused} width={width} height={height}>
				<Text color="yellow">{unseen}</Text>
			</Pane>
		);
	}

	if (regions.length === 0) {
		return (
			<Pane title={title} focused={focused} width={width} height={height}>
				<Text wrap="truncate-end">
					{total === 0
						? source
							? `No memory block in ${source}.`
							: 'No region yet: nothing has been hot-added since boot.'
						: `No ${source ? 'range' : 'region'} matches "${filter}".`}
				</Text>
				<Text color="gray">
					{total === 0
						? source
							? 'The log says what was read.'
							: `Press ${actionKeys.plug} to plug a module into an empty slot.`
						: 'Esc clears the filter.'}
				</Text>
			</Pane>
		);
	}

	return (
		<Pane title={title} focused={focused} width={width} height={height}>
			<Text bold wrap="truncate">
				{`  ${regionHeader(columns)}`}
			</Text>
			{regions.slice(offset, offset + rows).map((region, index) => {
				const isSelected = offset + index === cursor;
				return (
					<Text key={region.id} inverse={isSelected && focused} bold={isSelected} wrap="truncate" color={statusColor(region.status)}>
						{`${isSelected ? '›' : ' '} ${regionLine(region, columns)}`}
					</Text>
				);
			})}
			{Array.from({length: Math.max(0, rows - (regions.length - offset))}, (_, index) => (
				<Text key={`blank-${index}`}> </Text>
			))}
			<Text wrap="truncate" color={selected?.reason ? (selected.retry ? 'yellow' : 'red') : 'gray'}>
				{fit(
					selected?.reason
						? `${source ? 'range' : 'region'} ${selected.id}: ${selected.reason}`
						: selected
							? source
								? `range ${selected.id}: ${selected.status}, ${selected.detail ?? ''}`
								: `region ${selected.id}: ENABLED (slot ${selected.slot})`
							: '',
					inner,
				)}
			</Text>
		</Pane>
	);
}
