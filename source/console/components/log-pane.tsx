import {Text} from 'ink';
import type {BannerLine} from '../banner.js';
import {fitRows} from '../wrap.js';
import {Pane} from './pane.js';

type Props = {
	log: string[];
	banner: BannerLine[];
	hint: string | null;
	offset: number;
	follow: boolean;
	focused: boolean;
	width: number;
	height: number;
};

/**
 * The kernel, driver and controller log, newest last; follows the end until scrolled up. The
 * banner (a running loop, the last result) takes the first rows, wrapped, at most all but one: the
 * newest log line stays in sight, and banner rows that do not fit are counted.
 */
export function LogPane({log, banner, hint, offset, follow, focused, width, height}: Props) {
	const inner = Math.max(1, height - 2);
	const bannerRows =
		banner.length === 0
			? []
			: fitRows(
					banner.map(line => line.text),
					Math.max(1, width - 4),
					Math.max(1, inner - 1),
				);
	const rows = inner - bannerRows.length;
	const start = follow ? Math.max(0, log.length - rows) : Math.min(offset, Math.max(0, log.length - rows));
	const where = follow ? '' : ` (line ${start + 1} of ${log.length}, G follows)`;
	return (
		<Pane title={`Log${where}${hint ? ` · ${hint}` : ''}`} focused={focused} width={width} height={height}>
			{bannerRows.map((row, index) => {
				const line = banner[row.line];
				return (
					<Text key={`banner-${index}`} wrap="truncate" bold={line?.bold} color={line?.color ?? (row.line < 0 ? 'gray' : undefined)}>
						{row.text}
					</Text>
				);
			})}
			{log.slice(start, start + rows).map((line, index) => (
				<Text key={start + index} wrap="truncate" color={/failed|refused|NOT|no retry/.test(line) ? 'yellow' : undefined}>
					{line}
				</Text>
			))}
		</Pane>
	);
}
