import {Text} from 'ink';
import {Pane} from './pane.js';

type Props = {log: string[]; offset: number; follow: boolean; focused: boolean; width: number; height: number};

/** The kernel, driver and controller log, newest last; follows the end until scrolled up. */
export function LogPane({log, offset, follow, focused, width, height}: Props) {
	const rows = height - 2;
	const start = follow ? Math.max(0, log.length - rows) : Math.min(offset, Math.max(0, log.length - rows));
	return (
		<Pane title={`Log${follow ? '' : ` (line ${start + 1} of ${log.length}, G follows)`}`} focused={focused} width={width} height={height}>
			{log.slice(start, start + rows).map((line, index) => (
				<Text key={start + index} wrap="truncate" color={/failed|refused|NOT|no retry/.test(line) ? 'yellow' : undefined}>
					{line}
				</Text>
			))}
		</Pane>
	);
}
