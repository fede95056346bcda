import {Table} from '@alcalzone/ink-table';
import {Box, Text} from 'ink';
import type {Snapshot} from '../../machine/snapshot.js';
import {helpRows} from '../bindings.js';
import {actionKeys} from '../modes/browse.js';
import {specOf} from '../modes/index.js';
import type {Help, UiState} from '../ui-state.js';

type Props = {help: Help; snapshot: Snapshot; ui: UiState; width: number; height: number};

/** Every key of the mode the help was opened from, from its binding table: two bordered ink-tables side by side fit 80x24. */
export function HelpScreen({help, snapshot, ui, width, height}: Props) {
	const spec = specOf(help.back);
	const {rows} = helpRows(spec, {snapshot, ui: {...ui, mode: help.back}});
	const half = Math.ceil(rows.length / 2);
	const left = rows.slice(0, half);
	const right = rows.slice(half);
	const hint =
		help.back.kind !== 'browse'
			? 'Any other key does nothing here.'
			: snapshot.kind === 'simulated'
				? `FAILED for lack of lowmem? Free lowmem with ${actionKeys.workload}, then ${actionKeys.integrate} or ${actionKeys.retry}.`
				: `A block the kernel refused? ${actionKeys.integrate} tries again, ${actionKeys.retry} retries.`;
	return (
		<Box flexDirection="column" width={width} height={height}>
			<Text bold>{`${spec.title} · ? or Esc closes`}</Text>
			<Box gap={2}>
				<Table data={left} />
				{right.length > 0 ? <Table data={right} /> : null}
			</Box>
			<Text color="gray" wrap="truncate">
				{hint}
			</Text>
		</Box>
	);
}
