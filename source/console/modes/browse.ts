// The main view's keys: the panes, the actions on the machine, the forms they open.
import {readingWords, type SimulatedSnapshot, type VmSnapshot} from '../../machine/snapshot.js';
import {blockSpan} from '../../sysfs/integrate.js';
import {type Binding, type Env, type ModeSpec, type Step, step, type View} from '../bindings.js';
import {listLength, move, selectedSlot} from '../lists.js';
import {filterRegions} from '../rows.js';
import {type Mode, type PlugForm, panes, type UiState, type VmPlugForm} from '../ui-state.js';
import {openAutoOnline} from './auto-online.js';

type Browse = Extract<Mode, {kind: 'browse'}>;

/** What the keys that change the simulated machine say on a real one (sysfs, a VM), instead of acting. */
const onRealMachine =
	(lines: string[], vm: string[] = lines) =>
	({snapshot}: View) =>
		snapshot.kind === 'simulated' ? null : snapshot.kind === 'vm' ? vm : lines;

/** i and r on a VM without the guest agent: nothing can see or online the guest's blocks. */
const noAgent = ({snapshot}: View) =>
	snapshot.kind === 'vm' && snapshot.vm?.agent === null
		? [
				"No guest agent (--qga SOCKET): ham-tui cannot see the guest's memory blocks or online them.",
				'Start the console with --qmp SOCKET --qga SOCKET (qemu-ga in the guest), or online them inside the guest.',
			]
		: null;

/** i, r and o on a real machine while its first read runs: they act on every block, and not all are read. */
const stillReading = ({snapshot}: View) => {
	const reading = snapshot.kind === 'sysfs' ? snapshot.sysfs?.reading : undefined;
	return reading
		? [
				`The blocks are still being read (${readingWords(reading.read, reading.total)}).`,
				`${actionKeys.integrate}, ${actionKeys.retry} and ${actionKeys.offline} work once every block is read: the log says when.`,
			]
		: null;
};

const loopRunning = (ui: UiState) => ui.loop !== null && ui.loop.ended === null;

const moves = (keys: string[], movement: Parameters<typeof move>[1], description: string): Binding<Browse> => ({
	keys,
	description,
	run: ({ui, env}) => step(move(ui, movement, env)),
});

const turn = (ui: UiState, by: number): UiState => {
	const index = panes.indexOf(ui.pane) + by + panes.length;
	return {...ui, pane: panes[index % panes.length] ?? ui.pane};
};

/** The action keys, which hints elsewhere on screen name too ("Press p to plug"): stated here once. */
export const actionKeys = {
	plug: 'p',
	unplug: 'u',
	integrate: 'i',
	retry: 'r',
	offline: 'o',
	autoOnline: 'a',
	virtioMem: 's',
	workload: 'w',
	driver: 'd',
} as const;
const driverKey = actionKeys.driver;

export const browse: ModeSpec<Browse> = {
	title: 'Keys',
	bindings: [
		{
			keys: [actionKeys.plug],
			description: 'plug a module',
			bar: 'plug',
			disabled: ({snapshot}) =>
				snapshot.kind === 'sysfs'
					? [
							'A real machine has no modelled slots to plug into: its memory is added',
							'by its hardware or hypervisor, then shows here as offline blocks (a VM: ham-tui --qmp).',
						]
					: null,
			run: ({ui, env}) =>
				step(
					env.snapshot.kind === 'simulated'
						? {...ui, mode: plugForm(ui, env.snapshot)}
						: env.snapshot.kind === 'vm'
							? {...ui, mode: vmPlugForm(ui, env.snapshot)}
							: ui,
				),
		},
		{
			keys: [actionKeys.unplug],
			description: 'unplug a slot (asks)',
			bar: 'unplug',
			disabled: ({snapshot}) =>
				snapshot.kind === 'sysfs'
					? ['A real machine has no slots to unplug here:', `${actionKeys.offline} offlines the selected range's blocks (it asks first).`]
					: null,
			run({ui, env}) {
				const slot = selectedSlot(ui, env.snapshot);
				if (slot === undefined || env.snapshot.kind === 'sysfs') {
					const lines = [
						ui.pane === 'log'
							? "Unplug acts on the selected slot, or the selected region's slot: Tab to the slots or regions pane."
							: 'The selected region has no slot (Tab to the slots pane).',
					];
					return step({...ui, notice: {title: 'Unplug', lines, error: true}});
				}

				const refusal = env.snapshot.slots.find(candidate => candidate.slot === slot)?.unplugRefusal;
				if (refusal) {
					return step({...ui, notice: {title: 'Unplug refused', lines: [refusal], error: true}});
				}

				return step({...ui, mode: {kind: 'confirm-unplug', slot}});
			},
		},
		{
			keys: [actionKeys.integrate],
			description: 'integrate once',
			bar: ({snapshot}) => (snapshot.kind === 'simulated' ? 'integrate' : 'online'),
			disabled: view => noAgent(view) ?? stillReading(view),
			run: ({ui}) => step(ui, [{action: {type: 'integrate'}, purpose: 'integrate'}]),
		},
		{
			keys: [actionKeys.retry],
			description: 'integrate retry loop',
			bar: 'retry',
			disabled: view =>
				noAgent(view) ??
				stillReading(view) ??
				(loopRunning(view.ui) ? [`A retry loop is running: Esc stops it, then ${actionKeys.retry} starts another.`] : null),
			run: ({ui}) =>
				step({...ui, mode: {kind: 'retry-setup', field: 0, attempts: ui.loop?.attempts ?? 10, interval: ui.loop?.interval ?? 5}}),
		},
		{
			keys: [actionKeys.offline],
			description: "offline the selected range's blocks (asks)",
			bar: 'offline',
			disabled: view =>
				view.snapshot.kind === 'simulated'
					? [
							'The simulated machine has no hot-remove: ham 1.0 never offlined memory.',
							`On a real machine (--sysfs), ${actionKeys.offline} offlines the selected range's blocks.`,
						]
					: view.snapshot.kind === 'vm'
						? [
								"Offlining is the guest's: the agent cannot check what is safe to offline (holes, the memory left free).",
								'Inside the guest: ham-tui --offline --blocks N-M, then u here ejects the DIMM.',
							]
						: stillReading(view),
			run: ({ui, env}) => offlineSelected(ui, env),
		},
		{
			keys: [actionKeys.autoOnline],
			description: 'set auto_online_blocks (asks)',
			bar: 'auto',
			disabled: ({snapshot}) =>
				snapshot.kind === 'simulated'
					? [`The simulated 2003 kernel has no auto-online: on a real machine (--sysfs), ${actionKeys.autoOnline} sets auto_online_blocks.`]
					: snapshot.kind === 'vm'
						? ["auto_online_blocks is the guest kernel's, and the agent cannot set it: inside the guest, ham-tui --auto-online VALUE."]
						: null,
			run: ({ui, env}) => step(env.snapshot.kind === 'sysfs' ? openAutoOnline(ui, env.snapshot.sysfs.autoOnline) : ui),
		},
		{
			keys: [actionKeys.virtioMem],
			description: "virtio-mem size lever (a VM's)",
			bar: 'size',
			disabled: ({snapshot}) =>
				snapshot.kind !== 'vm'
					? ["No virtio-mem device here: on a VM (--qmp), s sets a virtio-mem device's requested size."]
					: (snapshot.vm?.virtioMem.length ?? 0) === 0
						? [`This VM has no virtio-mem device: ${actionKeys.plug} plugs one (kind virtio-mem), if QEMU can hot-plug it here.`]
						: null,
			run({ui, env}) {
				const device = env.snapshot.kind === 'vm' ? env.snapshot.vm.virtioMem[0] : undefined;
				return step(device ? {...ui, mode: {kind: 'vm-resize', id: device.id, size: device.requestedBytes}} : ui);
			},
		},
		{
			keys: [actionKeys.workload],
			description: 'workload lever',
			bar: 'workload',
			disabled: onRealMachine(
				[
					"A real machine's load is its own: there is no workload lever.",
					`Free memory yourself, then ${actionKeys.integrate} or ${actionKeys.retry}.`,
				],
				[`A VM's load is its guest's: there is no workload lever. ${actionKeys.virtioMem} moves a virtio-mem device's size.`],
			),
			run: ({ui}) => step({...ui, mode: {kind: 'workload'}}),
		},
		{
			keys: [driverKey],
			description: 'start / stop / reinstall ham (asks)',
			bar: 'driver',
			disabled: onRealMachine(
				[
					'A real machine has no ham driver to start or stop: the kernel does its job.',
					'auto_online_blocks says what the kernel does with a new block.',
				],
				["A VM has no ham driver: QEMU's ACPI hot-plug and the guest kernel do its job."],
			),
			run: ({ui, env}) =>
				step(env.snapshot.kind === 'simulated' ? {...ui, mode: {kind: 'confirm-driver', op: driverOp(env.snapshot)}} : ui),
		},
		{
			keys: ['enter'],
			description: 'the whole text of the selected row',
			bar: 'details',
			barSpare: true,
			run: ({ui, env}) => step(openDetail(ui, env)),
		},
		{keys: ['/'], description: 'filter regions', bar: 'filter', run: ({ui}) => step({...ui, mode: {kind: 'filter', text: ui.filter}})},
		{
			keys: ['escape'],
			description: 'cancel, close, clear',
			bar: ({ui, snapshot}) =>
				loopRunning(ui)
					? 'stops loop'
					: snapshot.sysfs?.offlining && !snapshot.sysfs.offlining.stopping && !ui.notice
						? 'stops offline'
						: undefined,
			barSpare: true,
			run({ui, env}) {
				// A running offline stops after the block being written, once the loop and the message are gone.
				const offlining = env.snapshot.kind === 'sysfs' && env.snapshot.sysfs.offlining;
				return offlining && !offlining.stopping && !loopRunning(ui) && !ui.notice
					? step(ui, [{action: {type: 'offline-stop'}, purpose: 'offline'}])
					: step(peel(ui));
			},
		},
		{
			keys: ['tab', 'right', 'l'],
			description: 'next / previous pane',
			// On the simulated machine the bar has no room for it; a real machine's bar is shorter.
			bar: ({snapshot}) => (snapshot.kind === 'simulated' ? undefined : 'pane'),
			run: ({ui}) => step(turn(ui, 1)),
		},
		{keys: ['shift-tab', 'left', 'h'], description: 'next / previous pane', run: ({ui}) => step(turn(ui, -1))},
		moves(['up', 'k'], 'up', 'move up / down'),
		moves(['down', 'j'], 'down', 'move up / down'),
		moves(['pageup'], 'page-up', 'page up / down'),
		moves(['pagedown'], 'page-down', 'page up / down'),
		moves(['home', 'g'], 'top', 'first / last row'),
		moves(['end', 'G'], 'bottom', 'first / last row'),
		{keys: ['?'], description: 'this help / quit', bar: 'help', run: ({ui}) => step({...ui, mode: {kind: 'help', back: {kind: 'browse'}}})},
		{keys: ['q'], description: 'this help / quit', bar: 'quit', run: ({ui}) => step({...ui, quit: true})},
	],
};

/** What the regions pane says while ham is not loaded. */
export function driverHint(snapshot: SimulatedSnapshot): string {
	return driverOp(snapshot) === 'reinstall'
		? `Press ${driverKey} to rebuild ham for this kernel (it was built for ${snapshot.driver.builtFor}); it asks first.`
		: `Press ${driverKey} to start the driver (its init script); it asks first.`;
}

/** What d offers: stop a loaded ham; start it, or rebuild it first when it was built for another kernel. */
export function driverOp(snapshot: SimulatedSnapshot): 'start' | 'stop' | 'reinstall' {
	return snapshot.driver.loaded ? 'stop' : snapshot.driver.builtFor === snapshot.kernel ? 'start' : 'reinstall';
}

/** Enter: the row under the cursor of the focused pane; in the log, the lines shown, whole, and on from there. */
function openDetail(ui: UiState, env: Env): UiState {
	const length = listLength(ui, ui.pane, env.snapshot);
	if (length === 0) {
		return {...ui, notice: {title: 'Details', lines: ['Nothing to show: this list is empty.'], error: true}};
	}

	const top = Math.max(0, length - env.rows.log);
	const index = ui.pane === 'log' ? (ui.logFollow ? top : Math.min(top, ui.offset.log)) : ui.cursor[ui.pane];
	return {...ui, mode: {kind: 'detail', pane: ui.pane, index: Math.min(index, length - 1), scroll: 0}};
}

/** o: the selected range's blocks, if online, to the machine's checks; the question comes back from them (controller.ts). */
function offlineSelected(ui: UiState, env: Env): Step {
	const region = filterRegions(env.snapshot.regions, ui.filter)[ui.cursor.regions];
	const notice = (line: string) => step({...ui, notice: {title: 'Offline', lines: [line], error: true}});
	if (region?.blocks === undefined) {
		return notice('Offline acts on the selected range: the regions pane lists none here.');
	}

	if (region.status !== 'ENABLED') {
		return notice(
			`Nothing to offline: ${blockSpan(region.blocks.first, region.blocks.last)} ${region.status === 'OFFLINE' ? 'are offline already' : `are ${region.status}, not online`}.`,
		);
	}

	return step(ui, [{action: {type: 'offline-check', ...region.blocks}, purpose: 'offline-check'}]);
}

/** Esc peels one layer at a time: a running loop, a message, (a running offline: the Esc binding), a finished loop, the filter. */
function peel(ui: UiState): UiState {
	if (ui.loop && !ui.loop.ended) {
		return {...ui, loop: {...ui.loop, ended: `cancelled after ${ui.loop.done} of ${ui.loop.attempts} attempts`}};
	}

	if (ui.notice) {
		return {...ui, notice: null};
	}

	if (ui.loop) {
		return {...ui, loop: null};
	}

	return clearFilter(ui);
}

export function clearFilter(ui: UiState): UiState {
	return {...ui, filter: '', cursor: {...ui.cursor, regions: 0}, offset: {...ui.offset, regions: 0}};
}

/** A VM's plug form opens as the simulated machine's does: the selected slot when empty, else the first empty one; 1 GiB, pc-dimm, node 0. */
function vmPlugForm(ui: UiState, snapshot: VmSnapshot): VmPlugForm {
	const selected = ui.pane === 'slots' ? snapshot.slots[ui.cursor.slots] : undefined;
	const empty = snapshot.slots.find(slot => slot.state === 'empty');
	const slot = selected?.state === 'empty' ? selected.slot : (empty?.slot ?? 0);
	const oneGiB = snapshot.vm.plugSizes.indexOf(1024 ** 3);
	return {kind: 'vm-plug', field: 0, slot, sizeIndex: Math.max(0, oneGiB), device: 'pc-dimm', node: 0, error: null};
}

/** The plug form opens on the selected slot when it is empty, else the first empty one, with 1 GiB. */
function plugForm(ui: UiState, snapshot: SimulatedSnapshot): PlugForm {
	const selected = snapshot.slots[ui.cursor.slots];
	const empty = snapshot.slots.find(slot => slot.state === 'empty');
	const slot = selected?.state === 'empty' ? selected.slot : (empty?.slot ?? 2);
	const oneGiB = snapshot.moduleSizes.indexOf(1024 ** 3);
	return {kind: 'plug', field: 0, slot, sizeIndex: Math.max(0, oneGiB), mode: 'hot-add', error: null};
}
