import {Table} from '@alcalzone/ink-table';
import {Box, Text} from 'ink';
import {readingWords, type Snapshot} from '../../machine/snapshot.js';
import {helpRows} from '../bindings.js';
import {actionKeys} from '../modes/browse.js';
import {specOf} from '../modes/index.js';
import type {Help, UiState} from '../ui-state.js';

type Props = {help: Help; snapshot: Snapshot; ui: UiState; width: number; height: number};

/** ink-table's width for these rows: each cell padded by a space each side, a border around each column. */
function tableWidth(rows: ReadonlyArray<{key: string; does: string}>): number {
	const widest = (texts: string[]) => Math.max(...texts.map(text => [...text].length));
	return widest(['key', ...rows.map(row => row.key)]) + widest(['does', ...rows.map(row => row.does)]) + 7;
}

/**
 * Every key of the mode the help was opened from, from its binding table: two bordered ink-tables
 * side by side where they fit, else one plain list of key and meaning (browse's 14 rows at 80x24;
 * the tables there were 93 columns wide and Ink cut them into pieces).
 */
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
				: snapshot.kind === 'vm'
					? `An eject the guest refused? Offline its blocks in the guest, then ${actionKeys.unplug} again.`
					: snapshot.sysfs.reading
						? // Left out above while they wait: say where they went.
							`${actionKeys.integrate}, ${actionKeys.retry} and ${actionKeys.offline} come once every block is read (${readingWords(snapshot.sysfs.reading.read, snapshot.sysfs.reading.total)}).`
						: `A block the kernel refused? ${actionKeys.integrate} tries again, ${actionKeys.retry} retries.`;
	// Title, the tables (borders, heading, a rule between rows), the hint.
	const tables = tableWidth(left) + (right.length > 0 ? 2 + tableWidth(right) : 0) <= width && 1 + 3 + 2 * half + 1 <= height;
	const keyWidth = Math.max(...rows.map(row => [...row.key].length));
	return (
		<Box flexDirection="column" width={width} height={height}>
			<Text bold>{`${spec.title} · ? or Esc closes`}</Text>
			{tables ? (
				<Box gap={2}>
					<Table data={left} />
					{right.length > 0 ? <Table data={right} /> : null}
				</Box>
			) : (
				<Box flexDirection="column" marginY={1}>
					{rows.map(row => (
						<Text key={row.key} wrap="truncate">
							<Text bold>{` ${row.key.padEnd(keyWidth)}`}</Text>
							{`  ${row.does}`}
						</Text>
					))}
				</Box>
			)}
			<Text color="gray" wrap="truncate">
				{hint}
			</Text>
		</Box>
	);
}
