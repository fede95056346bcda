import {Box, Text} from 'ink';
import type {Snapshot} from '../../machine/snapshot.js';
import {clock, uptime} from '../time-text.js';

type Props = {snapshot: Snapshot; width: number};

/** Machine, kernel, driver and clock on one line; the machine's name gives way first when narrow. */
export function Header({snapshot, width}: Props) {
	// A real machine has no ham driver: the kernel's own sysfs interface takes its place; a VM's, QMP.
	const loaded = snapshot.kind === 'sysfs' || (snapshot.kind === 'vm' ? snapshot.vm.connected === true : snapshot.driver.loaded);
	const ham =
		snapshot.kind === 'sysfs'
			? 'sysfs'
			: snapshot.kind === 'vm'
				? loaded
					? 'QMP'
					: 'QMP down'
				: loaded
					? `ham major ${snapshot.driver.major}`
					: 'ham NOT loaded';
	// Narrow: the uptime goes first, then the machine's name gives way.
	const clockText = ` ${clock(snapshot.time)}`;
	const upText = snapshot.uptimeSeconds === null ? '' : ` up ${uptime(snapshot.uptimeSeconds)}`;
	const left = ' ham-tui '.length + ` ${snapshot.name} · ${snapshot.kernel} · `.length + ham.length;
	const right = left + clockText.length + upText.length <= width ? clockText + upText : clockText;
	const fixed = ' ham-tui '.length + ` · ${snapshot.kernel} · `.length + ham.length + right.length;
	const name = snapshot.name.slice(0, Math.max(0, width - fixed - 1));
	return (
		<Box width={width} justifyContent="space-between">
			<Text wrap="truncate">
				<Text bold inverse>
					{' ham-tui '}
				</Text>
				{` ${name} · ${snapshot.kernel} · `}
				<Text color={loaded ? 'green' : 'red'} bold={!loaded}>
					{ham}
				</Text>
			</Text>
			<Text>{right}</Text>
		</Box>
	);
}
