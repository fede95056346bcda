import {Box, Text} from 'ink';
import type {ReactNode} from 'react';

type Props = {
	title: string;
	focused?: boolean;
	width: number;
	height: number;
	children?: ReactNode;
};

/**
 * A bordered pane with its title in the top border. Focus shows as a ▶ before the title and bold
 * text, not by colour alone.
 */
export function Pane({title, focused = false, width, height, children}: Props) {
	const label = `${focused ? '▶ ' : ''}${title}`;
	const rule = Math.max(0, width - label.length - 5);
	const color = focused ? 'cyan' : 'gray';
	return (
		<Box flexDirection="column" width={width} height={height} flexShrink={0}>
			<Text color={color} wrap="truncate">
				{'╭─ '}
				<Text bold={focused} color={focused ? 'cyan' : undefined}>{label}</Text>
				{` ${'─'.repeat(rule)}╮`}
			</Text>
			<Box borderStyle="round" borderTop={false} borderColor={color} flexDirection="column" width={width} height={height - 1} paddingX={1} overflow="hidden">
				{children}
			</Box>
		</Box>
	);
}
