import {Text} from 'ink';
import type {RetrySetup as Setup} from '../ui-state.js';
import {Pane} from './pane.js';

type Props = {setup: Setup; failed: number; real?: boolean; width: number; height: number};

export function RetrySetup({setup, failed, real = false, width, height}: Props) {
	const fields = [
		['Attempts', `‹ ${setup.attempts} ›`],
		['Interval', `‹ ${setup.interval} s ›`],
	] as const;
	return (
		<Pane title="Integrate retry loop" focused width={width} height={height}>
			<Text wrap="truncate">
				{real
					? `Onlines every offline block (${failed} now) on each attempt; stops early when none is left or no retry can help.`
					: `Tries every FAILED region (${failed} now) on each attempt; stops early when none is left or no retry can help.`}
			</Text>
			{fields.map(([name, value], index) => (
				<Text key={name} inverse={setup.field === index} bold={setup.field === index}>
					{`${setup.field === index ? '›' : ' '} ${name.padEnd(9)} ${value}`}
				</Text>
			))}
			<Text color="gray" wrap="truncate">
				{real
					? 'EBUSY and ENOMEM can pass; EINVAL (a zone the block cannot join) will not.'
					: 'While it runs, w still works: free lowmem and the next attempt sees it.'}
			</Text>
		</Pane>
	);
}
