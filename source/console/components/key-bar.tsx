import {Text} from 'ink';
import type {Snapshot} from '../../machine/snapshot.js';
import {type BarItem, barItems, barText} from '../bindings.js';
import {specOf} from '../modes/index.js';
import type {UiState} from '../ui-state.js';

type Props = {ui: UiState; snapshot: Snapshot; width: number};

/** The bottom line, from the open mode's binding table: the keys that work now, or its question with them. */
export function KeyBar({ui, snapshot, width}: Props) {
	const spec = specOf(ui.mode);
	const view = {snapshot, ui};
	const items = fitted(barItems(spec, view), width, spec.prompt ? 3 : 1);
	if (spec.prompt) {
		const prompt = spec.prompt(ui.mode, view);
		const question = ui.mode.kind === 'confirm-unplug' || ui.mode.kind === 'workload';
		return (
			<Text wrap="truncate" bold={question} color={ui.mode.kind === 'confirm-unplug' ? 'yellow' : undefined}>
				{`${prompt}${barText(items, ' · ')}`}
			</Text>
		);
	}

	return (
		<Text wrap="truncate">
			{items.map(({keys, word}) => (
				<Text key={keys}>
					<Text bold inverse>
						{keys}
					</Text>
					{` ${word} `}
				</Text>
			))}
		</Text>
	);
}

/** Drops the items shown only when there is room, if the whole bar would not fit. */
function fitted(items: BarItem[], width: number, gap: number): BarItem[] {
	const length = items.reduce((sum, item) => sum + item.keys.length + item.word.length + 1 + gap, 0);
	return length <= width ? items : items.filter(item => !item.spare);
}
