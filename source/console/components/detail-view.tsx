import {Text} from 'ink';
import {fitRows} from '../wrap.js';
import {Pane} from './pane.js';

type Props = {title: string; lines: string[]; scroll: number; width: number; height: number};

/** One row's whole text, wrapped to the width; what is below the fold is counted. */
export function DetailView({title, lines, scroll, width, height}: Props) {
	const inner = Math.max(1, height - 2);
	const all = fitRows(lines, Math.max(1, width - 4), Number.MAX_SAFE_INTEGER);
	const start = Math.min(scroll, Math.max(0, all.length - inner));
	const below = all.length - start - inner;
	const shown =
		below > 0
			? [...all.slice(start, start + inner - 1), {text: `… +${below + 1} more rows below`, line: -1}]
			: all.slice(start, start + inner);
	return (
		<Pane title={`${title}${start > 0 ? ` (from row ${start + 1})` : ''}`} focused width={width} height={height}>
			{shown.map((row, index) => (
				<Text key={index} wrap="truncate" color={row.line < 0 ? 'gray' : undefined}>
					{row.text || ' '}
				</Text>
			))}
		</Pane>
	);
}
