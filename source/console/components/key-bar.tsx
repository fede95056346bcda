import {Text} from 'ink';
import type {Snapshot} from '../../machine/snapshot.js';
import {keyBar} from '../keys.js';
import type {UiState} from '../ui-state.js';

type Props = {ui: UiState; snapshot: Snapshot; width: number};

/** The bottom line: the keys that work now, or the prompt of the open question. */
export function KeyBar({ui, snapshot, width}: Props) {
	const {mode} = ui;
	switch (mode.kind) {
		case 'filter': {
			return <Text wrap="truncate">{`/ filter regions: ${mode.text}▏  Enter keeps it · Esc clears`}</Text>;
		}

		case 'workload': {
			return (
				<Text wrap="truncate" bold>
					workload: d drop caches · i idle · n normal · h heavy · p peak · Esc cancels
				</Text>
			);
		}

		case 'confirm-unplug': {
			const slot = snapshot.slots.find(candidate => candidate.slot === mode.slot);
			const region = slot?.regionId === null || slot?.regionId === undefined ? '' : `, region ${slot.regionId}`;
			return (
				<Text
					wrap="truncate"
					bold
					color="yellow"
				>{`Unplug slot ${mode.slot} (${slot?.size} ${slot?.mode}${region})? y unplugs, any other key keeps it [y/N]`}</Text>
			);
		}

		case 'plug': {
			return <Text wrap="truncate">←→ change · ↑↓ field · 1-9 slot · Enter plugs · Esc cancels</Text>;
		}

		case 'retry-setup': {
			return <Text wrap="truncate">←→ ±1 · PgUp/PgDn ±10 · ↑↓ field · Enter starts · Esc cancels</Text>;
		}

		case 'help': {
			return <Text wrap="truncate">? or Esc closes the help</Text>;
		}

		case 'browse': {
			return (
				<Text wrap="truncate">
					{keyBar(snapshot).map(({key, word}) => (
						<Text key={key}>
							<Text bold inverse>
								{key}
							</Text>
							{` ${word} `}
						</Text>
					))}
					{width > 90 && ui.loop && !ui.loop.ended ? <Text color="yellow">Esc stops loop</Text> : null}
				</Text>
			);
		}
	}
}
