import {Text} from 'ink';
import type {Notice} from '../ui-state.js';
import {Pane} from './pane.js';

type Props = {notice: Notice; width: number; height: number};

/** The outcome of the last action, until Esc or the next action. */
export function NoticePanel({notice, width, height}: Props) {
	return (
		<Pane title={`${notice.title}${notice.error ? ' · refused' : ''} · Esc closes`} focused width={width} height={height}>
			{notice.lines.slice(0, Math.max(1, height - 2)).map((line, index) => (
				<Text key={index} wrap="truncate" color={notice.error ? 'red' : line.includes('FAILED') ? 'yellow' : undefined}>{line}</Text>
			))}
		</Pane>
	);
}
