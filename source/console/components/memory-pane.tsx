import {Text} from 'ink';
import {type RegionRow, readingWords, type SysfsView} from '../../machine/snapshot.js';
import {actionKeys} from '../modes/browse.js';
import {bar, formatBytes, meterWidth} from '../rows.js';
import {Pane} from './pane.js';

type Props = {view: SysfsView; selected: RegionRow | undefined; width: number; height: number};

/** A real machine's memory where the simulated machine shows lowmem: online against offline, the block size, auto-online. */
export function MemoryPane({view, selected, width, height}: Props) {
	const inner = width - 4;
	const total = view.online.bytes + view.offline.bytes + view.other.bytes;
	const text = `${formatBytes(view.online.bytes)} of ${formatBytes(total)}`;
	const barWidth = meterWidth(inner);
	const lines = view.reading
		? readingLines(view)
		: [
				<Text key="online" wrap="truncate">
					{'online  '}
					<Text color={view.offline.blocks > 0 ? 'yellow' : 'green'}>{bar(view.online.bytes, total, barWidth)}</Text>
					{` ${text}`}
				</Text>,
				<Text key="offline" wrap="truncate" color={view.offline.blocks > 0 ? 'yellow' : undefined}>
					{`offline ${formatBytes(view.offline.bytes)} in ${view.offline.blocks} block${view.offline.blocks === 1 ? '' : 's'}${view.other.blocks > 0 ? `; ${view.other.blocks} going offline or unknown` : ''}`}
				</Text>,
				<Text
					key="blocks"
					wrap="truncate"
				>{`blocks  ${view.blocks} of ${formatBytes(view.blockSizeBytes)} · auto_online ${view.autoOnline ?? 'none'} · ratio ${view.ratio}%`}</Text>,
				<Text key="write" wrap="truncate" color={view.writable === true ? undefined : 'red'}>
					{`${`${actionKeys.integrate}, ${actionKeys.retry}`.padEnd(8)}${view.writable === true ? planText(view) : view.writable}`}
				</Text>,
				<Text key="read" wrap="truncate" color={view.problems > 0 ? 'yellow' : 'gray'}>
					{`read    ${Math.round(view.readMs)} ms${view.problems > 0 ? `, ${view.problems} problem${view.problems === 1 ? '' : 's'} (log)` : ''}` +
						(view.sweepSeconds === null ? '' : `; re-read every ${view.sweepSeconds.toFixed(view.sweepSeconds < 10 ? 1 : 0)} s`)}
				</Text>,
				<Text key="selected" wrap="truncate" color="gray">
					{selected?.detail ? `range   ${selected.detail}` : `sysfs   ${view.root}`}
				</Text>,
			];
	return (
		<Pane title="Memory blocks" width={width} height={height}>
			{lines.slice(0, Math.max(0, height - 2))}
		</Pane>
	);
}

/** The pane while the blocks are first read: what is known (the count listed, the block size, auto_online), and that the rest comes. */
function readingLines(view: SysfsView) {
	const reading = view.reading ?? {read: 0, total: 0};
	return [
		<Text key="online" wrap="truncate" color="gray">
			{'online  counted once every block is read'}
		</Text>,
		<Text key="offline" wrap="truncate" color="gray">
			{'offline counted once every block is read'}
		</Text>,
		<Text
			key="blocks"
			wrap="truncate"
		>{`blocks  ${reading.total.toLocaleString('en')} listed, ${formatBytes(view.blockSizeBytes)} each · auto_online ${view.autoOnline ?? 'none'}`}</Text>,
		<Text key="write" wrap="truncate" color="gray">
			{`${`${actionKeys.integrate}, ${actionKeys.retry}`.padEnd(8)}wait until every block is read`}
		</Text>,
		<Text key="read" wrap="truncate" color="yellow">
			{`read    ${readingWords(reading.read, reading.total)} …`}
		</Text>,
		<Text key="selected" wrap="truncate" color="gray">
			{`sysfs   ${view.root}`}
		</Text>,
	];
}

/** What i and r would write: "online 6 Movable, 2 Normal (zone rule); 2 boot blocks left offline". */
function planText(view: SysfsView): string {
	const plan = view.plan;
	if (plan === null) {
		return 'no offline block to online';
	}

	const zones = plan.zones.map(({zone, blocks}) => `${blocks} ${zone}`).join(', ');
	const how = view.onlineType === 'auto' ? 'zone rule' : view.onlineType;
	const left =
		plan.leftAlone > 0 ? `${zones === '' ? '' : '; '}${plan.leftAlone} boot block${plan.leftAlone === 1 ? '' : 's'} left offline` : '';
	return `${zones === '' ? '' : `online ${zones} (${how})`}${left}`;
}
