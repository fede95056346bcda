import {Box, useApp, useInput} from 'ink';
import {useCallback, useMemo, useRef, useState} from 'react';
import {LockBusy, type MachineSource} from '../machine/source.js';
import {Header} from './components/header.js';
import {HelpScreen} from './components/help-screen.js';
import {KeyBar} from './components/key-bar.js';
import {LogPane} from './components/log-pane.js';
import {LoopPanel} from './components/loop-panel.js';
import {MemoryPane} from './components/memory-pane.js';
import {NodesPane} from './components/nodes-pane.js';
import {NoticePanel} from './components/notice-panel.js';
import {PlugForm} from './components/plug-form.js';
import {RegionsPane} from './components/regions-pane.js';
import {ResourcesPane} from './components/resources-pane.js';
import {RetrySetup} from './components/retry-setup.js';
import {SlotsPane} from './components/slots-pane.js';
import {TooSmall} from './components/too-small.js';
import {type Context, handleKey, tickLoop} from './controller.js';
import {keyNames} from './keys.js';
import {layout} from './layout.js';
import {filterRegions} from './rows.js';
import {initialUi, type UiState} from './ui-state.js';
import {type ConsoleClock, useMachine} from './use-machine.js';
import {useTerminalSize} from './use-terminal-size.js';

type Props = {source: MachineSource; clock: ConsoleClock};

export function App({source, clock}: Props) {
	const {exit} = useApp();
	const {columns, rows} = useTerminalSize();
	const [ui, setUi] = useState<UiState>(initialUi);
	const current = useRef(ui);
	const snapshotRef = useRef<ReturnType<typeof source.snapshot> | undefined>(undefined);
	const rowsRef = useRef({slots: 0, regions: 0, log: 0});

	// A change waiting for the state file's lock: the key (or tick) that asked for it, run again from
	// the same console state on every poll until the lock is had; Esc gives it up.
	const pending = useRef<{change: (ui: UiState, context: Context) => UiState; from: UiState} | null>(null);
	const [waiting, setWaiting] = useState<{waitFor: string; since: number} | null>(null);

	// Runs key handlers or the loop's tick against the live machine; an action refreshes the
	// snapshot at once so that the next key of the same burst sees its result.
	const run = useCallback(
		(t: number, change: (ui: UiState, context: Context) => UiState, from = current.current) => {
			let acted = false;
			const context: Context = {
				snapshot: snapshotRef.current!,
				now: t,
				rows: rowsRef.current,
				act(action) {
					const result = source.act(action, t); // LockBusy: thrown past the handler, which changed nothing.
					acted = true;
					try {
						context.snapshot = source.snapshot(t);
					} catch {} // A damaged file shows at the next poll; keep the last good machine.

					return result;
				},
			};
			let next: UiState;
			try {
				next = change(from, context);
			} catch (error) {
				if (!(error instanceof LockBusy)) {
					throw error;
				}

				pending.current = {change, from};
				setWaiting(previous => (previous?.waitFor === error.waitFor ? previous : {waitFor: error.waitFor, since: previous?.since ?? t}));
				return;
			}

			if (pending.current?.change === change) {
				pending.current = null;
				setWaiting(null);
			}

			if (acted) {
				setSnapshot(context.snapshot);
			}

			if (next !== current.current) {
				current.current = next;
				setUi(next);
			}

			if (next.quit) {
				exit();
			}
		},
		[source, exit],
	);

	const {snapshot, setSnapshot, problem} = useMachine(source, clock, t => {
		if (pending.current) {
			run(t, pending.current.change, pending.current.from);
		} else {
			run(t, tickLoop);
		}
	});
	snapshotRef.current = snapshot;
	// A real machine has a node or two where the simulated one has slots: keep the top panes' height.
	const frame = layout(columns, rows, snapshot.sysfs ? Math.max(6, snapshot.slots.length) : snapshot.slots.length);
	rowsRef.current = {slots: frame.top - 2, regions: Math.max(1, frame.regions - 4), log: frame.lower - 2};

	useInput((input, key) => {
		const t = clock.now();
		const names = keyNames(input, key);
		if (pending.current) {
			// While a change waits for the lock only Esc (give it up) and quitting act.
			if (names.includes('escape') || names.includes('ctrl-c') || names.includes('q')) {
				source.cancel();
				pending.current = null;
				setWaiting(null);
				const quit = !names.includes('escape');
				const next: UiState = {
					...current.current,
					quit,
					notice: {
						title: 'Cancelled',
						lines: [`Gave up waiting for ${waiting?.waitFor ?? 'the lock'}: nothing was changed.`],
						error: false,
					},
				};
				current.current = next;
				setUi(next);
				if (quit) {
					exit();
				}
			}

			return;
		}

		run(t, (state, context) => names.reduce((next, name) => handleKey(next, name, context), state));
	});

	const regions = useMemo(() => filterRegions(snapshot.regions, ui.filter), [snapshot.regions, ui.filter]);
	if (frame.tooSmall) {
		return <TooSmall columns={columns} rows={rows} />;
	}

	const resourcesWidth = columns - frame.slotsWidth;
	const notice = waiting
		? {
				title: 'Waiting',
				lines: [
					`Waiting for ${waiting.waitFor} to let go of the state file's lock (${Math.max(0, Math.round(clock.now() - waiting.since))} s).`,
					'Nothing changes until it does; Esc gives up, q quits.',
				],
				error: false,
				escape: 'gives up',
			}
		: problem
			? {title: 'State file', lines: [problem], error: true}
			: ui.notice;
	const loopRunning = ui.loop !== null && ui.loop.ended === null;
	const lower =
		!waiting && (loopRunning || (ui.loop && !notice)) ? (
			<LoopPanel loop={ui.loop!} now={snapshot.time} width={columns} height={frame.lower} />
		) : notice ? (
			<NoticePanel notice={notice} width={columns} height={frame.lower} />
		) : (
			<LogPane
				log={snapshot.log}
				offset={ui.offset.log}
				follow={ui.logFollow}
				focused={ui.pane === 'log'}
				width={columns}
				height={frame.lower}
			/>
		);
	return (
		<Box flexDirection="column" width={columns} height={frame.height}>
			<Header snapshot={snapshot} width={columns} />
			{ui.mode.kind === 'help' ? (
				<HelpScreen snapshot={snapshot} width={columns} height={frame.height - 2} />
			) : (
				<>
					<Box>
						{snapshot.sysfs ? (
							<NodesPane
								view={snapshot.sysfs}
								cursor={ui.cursor.slots}
								offset={ui.offset.slots}
								focused={ui.pane === 'slots'}
								width={frame.slotsWidth}
								height={frame.top}
							/>
						) : (
							<SlotsPane
								slots={snapshot.slots}
								cursor={ui.cursor.slots}
								offset={ui.offset.slots}
								focused={ui.pane === 'slots'}
								width={frame.slotsWidth}
								height={frame.top}
							/>
						)}
						{snapshot.sysfs ? (
							<MemoryPane view={snapshot.sysfs} selected={regions[ui.cursor.regions]} width={resourcesWidth} height={frame.top} />
						) : (
							<ResourcesPane
								resources={snapshot.resources}
								selected={regions[ui.cursor.regions]}
								width={resourcesWidth}
								height={frame.top}
							/>
						)}
					</Box>
					{ui.mode.kind === 'plug' ? (
						<PlugForm form={ui.mode} snapshot={snapshot} width={columns} height={frame.regions} />
					) : ui.mode.kind === 'retry-setup' ? (
						<RetrySetup
							setup={ui.mode}
							failed={snapshot.sysfs ? snapshot.sysfs.offline.blocks : snapshot.regions.filter(region => region.status === 'FAILED').length}
							real={snapshot.sysfs !== undefined}
							width={columns}
							height={frame.regions}
						/>
					) : (
						<RegionsPane
							regions={regions}
							total={snapshot.regions.length}
							filter={ui.filter}
							driverLoaded={snapshot.driver.loaded}
							source={snapshot.sysfs?.root}
							cursor={ui.cursor.regions}
							offset={ui.offset.regions}
							focused={ui.pane === 'regions'}
							width={columns}
							height={frame.regions}
						/>
					)}
					{lower}
				</>
			)}
			<KeyBar ui={ui} snapshot={snapshot} width={columns} />
		</Box>
	);
}
