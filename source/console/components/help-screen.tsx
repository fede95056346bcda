import {Table} from '@alcalzone/ink-table';
import {Box, Text} from 'ink';
import type {Snapshot} from '../../machine/snapshot.js';
import {helpRows} from '../keys.js';

type Props = {snapshot: Snapshot; width: number; height: number};

/** Every key that acts on this machine, from the binding table: two bordered ink-tables side by side fit 80x24. */
export function HelpScreen({snapshot, width, height}: Props) {
	const {rows, disabled} = helpRows(snapshot);
	const half = Math.ceil(rows.length / 2);
	const left = rows.slice(0, half);
	const right = rows.slice(half);
	const hint =
		snapshot.kind === 'simulated'
			? 'FAILED for lack of lowmem? Free lowmem with w, then i or r.'
			: `A block the kernel refused? i tries again, r retries.${disabled.length > 0 ? ` ${disabled.join(' ')} say why a real machine has none.` : ''}`;
	return (
		<Box flexDirection="column" width={width} height={height}>
			<Text bold>Keys · ? or Esc closes</Text>
			<Box gap={2}>
				<Table data={left} />
				<Table data={right} />
			</Box>
			<Text color="gray" wrap="truncate">
				{hint}
			</Text>
		</Box>
	);
}
