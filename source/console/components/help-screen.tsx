import {Table} from '@alcalzone/ink-table';
import {Box, Text} from 'ink';
import {helpRows} from '../keys.js';

type Props = {width: number; height: number};

const left = helpRows.slice(0, 7).map(({keys, does}) => ({key: keys, does}));
const right = helpRows.slice(7).map(({keys, does}) => ({key: keys, does}));

/** The full key list: two bordered ink-tables side by side fit 80x24. */
export function HelpScreen({width, height}: Props) {
	return (
		<Box flexDirection="column" width={width} height={height}>
			<Text bold>Keys · ? or Esc closes</Text>
			<Box gap={2}>
				<Table data={left} />
				<Table data={right} />
			</Box>
			<Text color="gray" wrap="truncate">FAILED for lack of lowmem? Free lowmem with w, then i or r.</Text>
		</Box>
	);
}
