import {Text} from 'ink';
import {useMemo} from 'react';
import type {SlotRow} from '../../machine/snapshot.js';
import {slotLine} from '../rows.js';
import {Pane} from './pane.js';

type Props = {
	slots: SlotRow[];
	/** Each region's STATUS, by ID: a slot whose region FAILED says so. */
	regionStatus: ReadonlyMap<number, string>;
	cursor: number;
	offset: number;
	focused: boolean;
	width: number;
	height: number;
	/** A VM's are its DIMM slots. */
	title?: string;
};

const stateColor: Record<SlotRow['state'], string | undefined> = {
	boot: 'gray',
	empty: 'gray',
	scrubbing: 'yellow',
	ready: undefined,
	mirror: 'magenta',
	plugged: undefined,
	ejecting: 'yellow',
};

export function SlotsPane({slots, regionStatus, cursor, offset, focused, width, height, title}: Props) {
	const rows = height - 2;
	const used = useMemo(() => slots.filter(slot => slot.state !== 'empty').length, [slots]);
	const visible = slots.slice(offset, offset + rows);
	return (
		<Pane title={`${title ?? 'Slots'} ${used}/${slots.length}`} focused={focused} width={width} height={height}>
			{visible.map((slot, index) => {
				const selected = offset + index === cursor;
				const status = slot.regionId === null ? undefined : regionStatus.get(slot.regionId);
				return (
					<Text
						key={slot.slot}
						inverse={selected && focused}
						bold={selected}
						color={status === 'FAILED' ? 'red' : stateColor[slot.state]}
						wrap="truncate"
					>
						{`${selected ? '›' : ' '}${slotLine(slot, width - 5, status)}`}
					</Text>
				);
			})}
		</Pane>
	);
}
