import {Text} from 'ink';
import type {SysfsView} from '../../machine/snapshot.js';
import {fit, formatBytes} from '../rows.js';
import {Pane} from './pane.js';

type Props = {view: SysfsView; cursor: number; offset: number; focused: boolean; width: number; height: number};

/** A real machine's memory nodes where the simulated machine shows slots: online and offline memory on each. */
export function NodesPane({view, cursor, offset, focused, width, height}: Props) {
	const rows = height - 2;
	const visible = view.nodes.slice(offset, offset + rows);
	return (
		<Pane title={`Nodes ${view.nodes.length}`} focused={focused} width={width} height={height}>
			{visible.map((node, index) => {
				const selected = offset + index === cursor;
				const name = node.node === null ? 'no node' : `node${node.node}`;
				const off = node.offline > 0 ? `, ${formatBytes(node.offline * view.blockSizeBytes)} off` : '';
				const other = node.other > 0 ? `, ${node.other} ?` : '';
				return (
					<Text key={name} inverse={selected && focused} bold={selected} color={node.offline > 0 ? 'yellow' : undefined} wrap="truncate">
						{`${selected ? '›' : ' '} ` +
							fit(`${name.padEnd(7)} ${formatBytes(node.online * view.blockSizeBytes)} on${off}${other}`, width - 6)}
					</Text>
				);
			})}
		</Pane>
	);
}
