import {Box, Text} from 'ink';
import {minColumns, minRows} from '../layout.js';

type Props = {columns: number; rows: number; keys: string};

/** Below 80x24: what is wrong, and the only key that acts (no other key reaches the hidden console). */
export function TooSmall({columns, rows, keys}: Props) {
	return (
		<Box flexDirection="column">
			<Text bold>Terminal too small</Text>
			<Text>{`ham-tui needs ${minColumns}x${minRows}; this one is ${columns}x${rows}.`}</Text>
			<Text>Make the window larger.</Text>
			<Text>{`Until then only ${keys}; other keys are ignored.`}</Text>
		</Box>
	);
}
