import {Text} from 'ink';
import type {RetryLoop} from '../ui-state.js';
import {Pane} from './pane.js';

type Props = {loop: RetryLoop; now: number; width: number; height: number};

/** The integrate retry loop as it runs: attempt k of N, the countdown, each region's outcome. */
export function LoopPanel({loop, now, width, height}: Props) {
	const last = loop.history.at(-1);
	const status = loop.ended
		? `ended: ${loop.ended}`
		: `attempt ${loop.done} of ${loop.attempts} done · next in ${Math.max(0, Math.ceil(loop.nextAt - now))} s · Esc cancels`;
	const lines = (last?.outcomes ?? []).map(
		outcome =>
			`${outcome.label ?? `region ${outcome.id}`}: ${outcome.status}${outcome.reason ? ` — ${outcome.reason}${outcome.retry ? '' : ' (no retry can help)'}` : ''}`,
	);
	return (
		<Pane title={`Retry loop · ${loop.attempts} attempts every ${loop.interval} s`} focused width={width} height={height}>
			<Text bold wrap="truncate" color={loop.ended ? 'cyan' : 'yellow'}>
				{status}
				{loop.ended ? ' · Esc closes' : ''}
			</Text>
			{lines.slice(0, Math.max(0, height - 3)).map((line, index) => (
				<Text key={index} wrap="truncate" color={line.includes('ENABLED') ? 'green' : 'red'}>{`attempt ${last?.attempt}: ${line}`}</Text>
			))}
		</Pane>
	);
}
