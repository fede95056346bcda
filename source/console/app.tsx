import {Box, useApp, useInput} from 'ink';
import {memo, useMemo, useRef, useState} from 'react';
import {type RegionRow, readingWords, type SysfsView, type VmView} from '../machine/snapshot.js';
import type {MachineSource} from '../machine/source.js';
import {bannerLines} from './banner.js';
import {barItems, barText, bindingFor} from './bindings.js';
import {DetailView} from './components/detail-view.js';
import {Header} from './components/header.js';
import {HelpScreen} from './components/help-screen.js';
import {KeyBar} from './components/key-bar.js';
import {LogPane} from './components/log-pane.js';
import {MemoryPane} from './components/memory-pane.js';
import {NodesPane} from './components/nodes-pane.js';
import {PlugForm} from './components/plug-form.js';
import {RegionsPane} from './components/regions-pane.js';
import {ResourcesPane} from './components/resources-pane.js';
import {RetrySetup} from './components/retry-setup.js';
import {SlotsPane} from './components/slots-pane.js';
import {TooSmall} from './components/too-small.js';
import {VmPane} from './components/vm-pane.js';
import {VmPlugForm} from './components/vm-plug-form.js';
import {detailText} from './detail.js';
import {keyNames} from './key-names.js';
import {layout} from './layout.js';
import {clampLists} from './lists.js';
import {driverHint} from './modes/browse.js';
import {tooSmallKeys} from './modes/too-small.js';
import {waitingKeys} from './modes/waiting.js';
import {resourceLines} from './resource-lines.js';
import {filterRegions} from './rows.js';
import {runKeys} from './runner.js';
import {headerTime} from './time-text.js';
import {initialUi, type UiState} from './ui-state.js';
import {type ConsoleClock, useMachine} from './use-machine.js';
import {useTerminalSize} from './use-terminal-size.js';
import {fitRows} from './wrap.js';

// The lists redraw only when their rows or place change, not at every tick of the header's clock.
const Regions = memo(RegionsPane);
const Slots = memo(SlotsPane);

type Props = {source: MachineSource; clock: ConsoleClock};

export function App({source, clock}: Props) {
	const {exit} = useApp();
	const {columns, rows} = useTerminalSize();
	const [stored, setUi] = useState<UiState>(initialUi);
	const current = useRef(stored);
	const rowsRef = useRef({slots: 0, regions: 0, log: 0});
	const tooSmall = useRef(false);
	// What the resources pane was drawn with, for redraw.ts to compare the next second's figures.
	const drawn = useRef<{selected: RegionRow | undefined; failed: number; width: number}>({selected: undefined, failed: 0, width: 0});

	// Keys (or the tick) whose change waits (the state file's lock, a VM's answer): run again from
	// the same console state on every poll until it is had; Esc gives it up.
	const pending = useRef<{keys: string[]; from: UiState} | null>(null);
	const [waiting, setWaiting] = useState<{line: string; gaveUp: string; waitFor: string; meanwhile: string; since: number} | null>(null);
	const show = (next: UiState) => {
		if (next !== current.current) {
			current.current = next;
			setUi(next);
		}

		if (next.quit) {
			exit();
		}
	};

	const run = (t: number, keys: string[], from: UiState) => {
		const result = runKeys(source, from, keys, t, rowsRef.current);
		// Keys are drawn at once; the tick's snapshot as redraw.ts says.
		offer(result.snapshot, keys.length > 0);
		if (result.busy) {
			const {line, gaveUp, waitFor, meanwhile} = result.busy.waits;
			pending.current = {keys: result.busy.keys, from: result.ui};
			setWaiting(previous => (previous?.line === line ? previous : {line, gaveUp, waitFor, meanwhile, since: previous?.since ?? t}));
		} else if (pending.current) {
			pending.current = null;
			setWaiting(null);
		}

		show(result.ui);
	};

	const {snapshot, offer, problem} = useMachine(
		source,
		clock,
		t => {
			const replay = pending.current;
			run(t, replay?.keys ?? [], replay?.from ?? current.current);
		},
		{
			// The retry loop counts down to its next attempt; a wait for the lock counts its seconds.
			counting: () => Boolean(current.current.loop && !current.current.loop.ended) || pending.current !== null,
			shows: next => {
				const {selected, failed, width} = drawn.current;
				return `${headerTime(next)}\n${next.kind === 'simulated' ? JSON.stringify(resourceLines(next.resources, selected, failed, width)) : ''}`;
			},
		},
	);
	// A real machine has a node or two where the simulated one has slots: keep the top panes' height.
	const banner = bannerLines(stored, snapshot, waiting && {...waiting, now: clock.now()}, problem);
	const bannerRows = fitRows(
		banner.lines.map(line => line.text),
		Math.max(1, columns - 4),
		rows,
	).length;
	const frame = layout(
		columns,
		rows,
		snapshot.kind === 'sysfs' ? Math.max(6, snapshot.sysfs.nodes.length) : snapshot.slots.length,
		bannerRows,
	);
	rowsRef.current = {slots: frame.top - 2, regions: Math.max(1, frame.regions - 4), log: frame.lower - 2};
	tooSmall.current = frame.tooSmall;
	// Lists fitted to this size and this machine before they are drawn or a key moves them.
	const ui = clampLists(stored, snapshot, rowsRef.current);
	if (ui !== stored && current.current === stored) {
		current.current = ui;
	}

	useInput((input, key) => {
		const names = keyNames(input, key);
		if (tooSmall.current) {
			// The console is hidden: no key may change a machine nobody sees.
			const binding = names.map(name => bindingFor(tooSmallKeys, name)).find(found => found !== undefined);
			if (binding) {
				show({...current.current, quit: true});
			}

			return;
		}

		if (pending.current) {
			// While a change waits for the lock only Esc (give it up) and quitting act.
			const binding = names.map(name => bindingFor(waitingKeys, name)).find(found => found !== undefined);
			if (binding) {
				source.cancel();
				pending.current = null;
				setWaiting(null);
				const lines = [`Gave up waiting for ${waiting?.waitFor ?? 'the lock'}: ${waiting?.gaveUp ?? 'nothing was changed'}.`];
				const gaveUp = {...current.current, notice: {title: 'Cancelled', lines, error: false}};
				show(binding.run({ui: gaveUp, mode: gaveUp.mode, key: '', env: {snapshot, now: clock.now(), rows: rowsRef.current}}).ui);
			}

			return;
		}

		run(clock.now(), names, current.current);
	});

	const regions = useMemo(() => filterRegions(snapshot.regions, ui.filter), [snapshot.regions, ui.filter]);
	// Whole-list work once per change of the list, not per frame: at 65,535 regions it is most of a frame.
	const regionStatus = useMemo(() => new Map(snapshot.regions.map(region => [region.id, region.status])), [snapshot.regions]);
	const failedRegions = useMemo(() => snapshot.regions.filter(region => region.status === 'FAILED').length, [snapshot.regions]);
	const failed =
		snapshot.kind === 'sysfs' ? snapshot.sysfs.offline.blocks : snapshot.kind === 'vm' ? (snapshot.vm.guest?.toOnline ?? 0) : failedRegions;
	if (frame.tooSmall) {
		return <TooSmall columns={columns} rows={rows} keys={barText(barItems(tooSmallKeys, {snapshot, ui}))} />;
	}

	const resourcesWidth = columns - frame.slotsWidth;
	const lower = (
		<LogPane
			log={snapshot.log}
			banner={banner.lines}
			hint={banner.escape}
			offset={ui.offset.log}
			follow={ui.logFollow}
			focused={ui.pane === 'log'}
			width={columns}
			height={frame.lower}
		/>
	);
	const list = {cursor: ui.cursor.slots, offset: ui.offset.slots, focused: ui.pane === 'slots', width: frame.slotsWidth, height: frame.top};
	const selected = regions[ui.cursor.regions];
	drawn.current = {selected, failed, width: resourcesWidth};
	return (
		<Box flexDirection="column" width={columns} height={frame.height}>
			<Header snapshot={snapshot} width={columns} />
			{ui.mode.kind === 'help' ? (
				<HelpScreen help={ui.mode} snapshot={snapshot} ui={ui} width={columns} height={frame.height - 2} />
			) : ui.mode.kind === 'detail' ? (
				<DetailView {...detailText(ui.mode, ui, snapshot)} scroll={ui.mode.scroll} width={columns} height={frame.height - 2} />
			) : (
				<>
					{snapshot.kind === 'sysfs' ? (
						<Box>
							<NodesPane view={snapshot.sysfs} {...list} />
							<MemoryPane view={snapshot.sysfs} selected={selected} width={resourcesWidth} height={frame.top} />
						</Box>
					) : snapshot.kind === 'vm' ? (
						<Box>
							<Slots slots={snapshot.slots} regionStatus={regionStatus} title="DIMM slots" {...list} />
							<VmPane view={snapshot.vm} width={resourcesWidth} height={frame.top} />
						</Box>
					) : (
						<Box>
							<Slots slots={snapshot.slots} regionStatus={regionStatus} {...list} />
							<ResourcesPane resources={snapshot.resources} selected={selected} failed={failed} width={resourcesWidth} height={frame.top} />
						</Box>
					)}
					{ui.mode.kind === 'plug' && snapshot.kind === 'simulated' ? (
						<PlugForm form={ui.mode} snapshot={snapshot} width={columns} height={frame.regions} />
					) : ui.mode.kind === 'vm-plug' && snapshot.kind === 'vm' ? (
						<VmPlugForm form={ui.mode} snapshot={snapshot} width={columns} height={frame.regions} />
					) : ui.mode.kind === 'retry-setup' ? (
						<RetrySetup setup={ui.mode} failed={failed} real={snapshot.kind !== 'simulated'} width={columns} height={frame.regions} />
					) : (
						<Regions
							regions={regions}
							total={snapshot.regions.length}
							filter={ui.filter}
							driverHint={snapshot.kind !== 'simulated' || snapshot.driver.loaded ? null : driverHint(snapshot)}
							unseen={snapshot.kind === 'vm' ? guestHint(snapshot.vm) : snapshot.kind === 'sysfs' ? readingHint(snapshot.sysfs) : null}
							source={snapshot.kind === 'sysfs' ? snapshot.sysfs.root : snapshot.kind === 'vm' ? 'guest agent' : undefined}
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

/** What the regions pane says of a VM whose guest cannot be seen: no agent, or one not answering. */
function guestHint(view: VmView): string | null {
	if (view.agent === null) {
		return 'The guest is not visible: no --qga. Start with --qmp SOCKET --qga SOCKET (qemu-ga in the guest) to see its memory blocks and online them.';
	}

	return view.agent === true ? null : `The guest agent is not answering (${view.agent}): trying again every few seconds.`;
}

/** The ranges pane while a real machine's blocks are first read: what is going on, not "no block". */
function readingHint(view: SysfsView): string | null {
	// The pane's sentence starts with the words the memory pane shows, capitalised as bindings.ts does a title.
	const words = view.reading && readingWords(view.reading.read, view.reading.total).replace(/^./, first => first.toUpperCase());
	return words ? `${words} …: the ranges show once every block is read.` : null;
}
