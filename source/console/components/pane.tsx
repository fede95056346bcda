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
	// A title longer than the border (a pasted filter, a long path) is cut with an ellipsis, so
	// the corner is always drawn.
	const room = Math.max(1, width - 5);
	const full = `${focused ? '▶ ' : ''}${title}`;
	const label = full.length > room ? `${full.slice(0, room - 1)}…` : full;
	const rule = Math.max(0, width - label.length - 5);
	const color = focused ? 'cyan' : 'gray';
	return (
		<Box flexDirection="column" width={width} height={height} flexShrink={0}>
			<Text color={color} wrap="truncate">
				{'╭─ '}
				<Text bold={focused} color={focused ? 'cyan' : undefined}>
					{label}
				</Text>
				{` ${'─'.repeat(rule)}╮`}
			</Text>
			<Box
				borderStyle="round"
				borderTop={false}
				borderColor={color}
				flexDirection="column"
				width={width}
				height={height - 1}
				paddingX={1}
				overflow="hidden"
			>
				{children}
			</Box>
		</Box>
	);
}
