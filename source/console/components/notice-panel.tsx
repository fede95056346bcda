import {Text} from 'ink';
import type {Notice} from '../ui-state.js';
import {fitRows} from '../wrap.js';
import {Pane} from './pane.js';

type Props = {notice: Notice; width: number; height: number};

/** The outcome of the last action, until Esc or the next action; long lines wrap. */
export function NoticePanel({notice, width, height}: Props) {
	return (
		<Pane
			title={`${notice.title}${notice.error ? ' · refused' : ''} · Esc ${notice.escape ?? 'closes'}`}
			focused
			width={width}
			height={height}
		>
			{fitRows(notice.lines, Math.max(1, width - 4), Math.max(1, height - 2)).map((row, index) => (
				<Text
					key={index}
					wrap="truncate"
					color={row.line < 0 ? 'gray' : notice.error ? 'red' : notice.lines[row.line]?.includes('FAILED') ? 'yellow' : undefined}
				>
					{row.text}
				</Text>
			))}
		</Pane>
	);
}
