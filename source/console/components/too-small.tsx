import {Box, Text} from 'ink';
import {minColumns, minRows} from '../layout.js';

type Props = {columns: number; rows: number};

export function TooSmall({columns, rows}: Props) {
	return (
		<Box flexDirection="column">
			<Text bold>Terminal too small</Text>
			<Text>{`ham-tui needs ${minColumns}x${minRows}; this one is ${columns}x${rows}.`}</Text>
			<Text>Make the window larger, or press q to quit.</Text>
		</Box>
	);
}
