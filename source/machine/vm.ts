// A running QEMU as a MachineSource (`ham-tui --qmp SOCKET [--qga SOCKET]`): its DIMM slots in the
// slots pane, its memory and virtio-mem devices in the VM pane, the guest's memory blocks (through
// the guest agent) as ranges in the regions pane. p plugs a pc-dimm or a virtio-mem device, u
// unplugs a DIMM and waits for the guest's eject, s sets a virtio-mem device's requested size, i
// and r online the hot-plugged blocks through the agent: the requests of vm/operations.ts, the
// same as the one-shots make.
//
// QMP and the agent answer asynchronously and the console's source is polled: a background loop
// reads both every second into what the snapshot is made of, and an action starts its request and
// throws ActionWaits until the answer is in (the console asks again at every poll, Esc stops it
// waiting; the answer still lands in the log). A dropped socket is a log line and a line in the VM
// pane; the loop connects again every few seconds. Nothing is written to the VM but by a key.
import type {VmTarget} from '../cli/command.js';
import {safeText} from '../model/sanitize.js';
import {formatSize} from '../model/units.js';
import {ok, type Result} from '../result.js';
import {blockSpan, groupResults} from '../sysfs/integrate.js';
import {freeMemory, type VmMemory} from '../vm/controller.js';
import {agentOnlineNote} from '../vm/guest.js';
import {
	type Guest,
	hotPluggedOffline,
	keptLine,
	onlineBlocks,
	ostInfo,
	plugDimm,
	plugVirtioMem,
	readGuest,
	readMemory,
	resizeVirtioMem,
	type Said,
	unplugDimm,
} from '../vm/operations.js';
import {checkSocketPath, GuestAgent, GuestAgentError} from '../vm/qga.js';
import {QmpClient, type QmpEvent} from '../vm/qmp.js';
import type {ActResult, RegionRow, SlotRow, VmSnapshot, VmView} from './snapshot.js';
import {ActionWaits, type ConsoleAction, type MachineSource} from './source.js';
import {countWords, groupWords, outcomeRows, rangeRow} from './sysfs.js';

export type VmSourceOptions = {
	/** The wall clock in seconds, for the log's times (default Date.now). */
	now?: () => number;
	/** How often QEMU and the agent are read (default 1000 ms). */
	refreshMs?: number;
	/** How often a dropped socket is tried again (default 2000 ms). */
	reconnectMs?: number;
	/** How long u waits for the guest to eject a DIMM (default 30 s; the one-shot's --timeout is 10). */
	unplugTimeoutMs?: number;
	/** Per command of QMP and the agent (their clients' defaults). */
	timeoutMs?: number;
};

export type VmSource = MachineSource & {close(): void};

const logLimit = 500;
const mebibyte = 2 ** 20;
/** What the plug form offers: 128M to 64G; QEMU refuses what does not fit (maxmem, alignment) in its own words. */
export const vmPlugSizes = [128, 256, 512, 1024, 2048, 4096, 8192, 16_384, 32_768, 65_536].map(size => size * mebibyte);

/** Connects to QEMU (a failure is the caller's one line: nothing to show); the agent may come later. */
export async function openVmSource(target: VmTarget, options: VmSourceOptions = {}): Promise<Result<VmSource>> {
	if (target.qga !== undefined) {
		const checked = checkSocketPath(target.qga);
		if (!checked.ok) return checked;
	}

	const events: QmpEvent[] = [];
	const qmpOptions = {onEvent: (event: QmpEvent) => events.push(event), ...(options.timeoutMs ? {timeoutMs: options.timeoutMs} : {})};
	const opened = await QmpClient.open(target.qmp, qmpOptions);
	if (!opened.ok) return opened;
	const source = vmSource(target, opened.value, events, qmpOptions, options);
	await source.ready;
	return ok(source);
}

type Inflight = {key: string; label: string; waits: ActionWaits; result?: ActResult; abandoned: boolean};

function vmSource(
	target: VmTarget,
	first: QmpClient,
	events: QmpEvent[],
	qmpOptions: {onEvent: (event: QmpEvent) => void; timeoutMs?: number},
	options: VmSourceOptions,
): VmSource & {ready: Promise<void>} {
	const wallClock = options.now ?? (() => Date.now() / 1000);
	const refreshMs = options.refreshMs ?? 1000;
	const reconnectMs = options.reconnectMs ?? 2000;
	const unplugTimeoutMs = options.unplugTimeoutMs ?? 30_000;
	const agentOptions = options.timeoutMs ? {timeoutMs: options.timeoutMs} : {};
	const log: string[] = [];
	let version = 0;
	const say = (text: string) => {
		log.push(`[${new Date(wallClock() * 1000).toISOString().slice(11, 19)}Z] ${safeText(text)}`);
		if (log.length > logLimit) log.splice(0, log.length - logLimit);
		version++;
	};

	let client: QmpClient | undefined = first;
	let qemu = `${first.version.major}.${first.version.minor}.${first.version.micro}`;
	let qmpProblem: string | undefined;
	let agent: GuestAgent | undefined;
	let agentProblem: string | undefined = target.qga === undefined ? undefined : 'not connected yet';
	let memory: VmMemory | undefined;
	let guest: Guest | undefined;
	let nextTry = {qmp: 0, agent: 0};
	/** Devices ham-tui asked to eject, until the guest answers. */
	const ejecting = new Set<string>();
	/** The device ids seen in the last read. */
	let seen: Set<string> | undefined;
	/** The errno of each block whose last online failed, and whether a retry can help. */
	const refused = new Map<number, {code: string; retry: boolean}>();
	let inflight: Inflight | undefined;
	let closed = false;
	let timer: NodeJS.Timeout | undefined;
	let built: {version: number; snapshot: VmSnapshot} | undefined;
	let latest: VmSnapshot | undefined;

	say(`QMP: connected to QEMU ${qemu} at ${target.qmp}`);
	say(
		target.qga === undefined
			? "no --qga: the guest's memory blocks are not visible; i and r need the guest agent"
			: `note: ${agentOnlineNote}`,
	);

	/** QEMU's events as log lines: an eject's answer comes here, whoever asked for it and whenever it comes. */
	const readEvents = () => {
		for (const event of events.splice(0)) {
			const device = typeof event.data.device === 'string' ? event.data.device : undefined;
			if (event.event === 'DEVICE_DELETED' && device !== undefined) {
				ejecting.delete(device);
				say(`QEMU: DEVICE_DELETED ${device}: the guest let go of it`);
			} else if (event.event === 'ACPI_DEVICE_OST') {
				const info = ostInfo(event);
				if (!info) continue;
				if (info.status === 0x84) {
					say(`QEMU: ACPI_DEVICE_OST ${info.device}: the guest is ejecting it`);
				} else if (info.status !== 0) {
					ejecting.delete(info.device);
					say(`QEMU: ${keptLine(info.device, info.status)}`);
				}
			}
		}
	};

	const dropped = (which: 'qmp' | 'agent', why: string) => {
		if (which === 'qmp') {
			client?.close();
			client = undefined;
			if (qmpProblem !== why) say(`QMP: ${why}; connecting again every ${reconnectMs / 1000} s`);
			qmpProblem = why;
		} else {
			agent?.close();
			agent = undefined;
			if (agentProblem !== why) say(`guest agent: ${why}; trying again every ${reconnectMs / 1000} s`);
			agentProblem = why;
		}

		nextTry = {...nextTry, [which]: Date.now() + reconnectMs};
		version++;
	};

	const message = (error: unknown) => safeText(error instanceof Error ? error.message : String(error));

	/** Connects what is not connected (when its time has come); reads QEMU's memory and the guest's blocks. */
	const refresh = async () => {
		if (!client && Date.now() >= nextTry.qmp) {
			const opened = await QmpClient.open(target.qmp, qmpOptions);
			if (opened.ok) {
				client = opened.value;
				qemu = `${client.version.major}.${client.version.minor}.${client.version.micro}`;
				qmpProblem = undefined;
				// A QEMU started again has devices of its own: no "came or went" against the last one's.
				seen = undefined;
				say(`QMP: connected again to QEMU ${qemu}`);
			} else {
				dropped('qmp', opened.error);
			}
		}

		if (target.qga !== undefined && !agent && Date.now() >= nextTry.agent) {
			const opened = await GuestAgent.open(target.qga, agentOptions);
			if (opened.ok) {
				agent = opened.value;
			} else {
				dropped('agent', opened.error);
			}
		}

		readEvents();
		if (client) {
			try {
				const read = await readMemory(client);
				if (read.ok) {
					// While this console's own request runs, what comes or goes is its own doing.
					noteDevices(read.value, inflight !== undefined && inflight.result === undefined);
					memory = read.value;
				} else {
					say(`QMP: ${read.error}`);
				}
			} catch (error) {
				dropped('qmp', client.closed ?? message(error));
			}
		}

		if (agent && memory) {
			try {
				const read = await readGuest(agent, memory);
				if (read.ok) {
					if (agentProblem !== undefined) say(`guest agent: answering (${formatSize(read.value.tree.blockSizeBytes)} blocks)`);
					agentProblem = undefined;
					agentNote = '';
					guest = read.value;
				} else {
					noteAgent(read.error);
				}
			} catch (error) {
				if (agent.closed === undefined && error instanceof GuestAgentError) {
					// The agent's own refusal, e.g. a block that vanished while it listed them (virtio-mem
					// shrinking): the connection is good, the next read will likely do.
					noteAgent(error.message);
				} else {
					dropped('agent', agent.closed ?? message(error));
				}
			}
		}

		version++;
	};

	/** A read the agent answered but could not do: said once (until a read succeeds), the last blocks kept. */
	let agentNote = '';
	const noteAgent = (text: string) => {
		if (text !== agentNote) say(`guest agent: ${text}; showing the blocks last read, reading again`);
		agentNote = text;
	};

	/** Devices that came or went since the last read, by someone else's hand: a log line each. */
	const noteDevices = (next: VmMemory, ours: boolean) => {
		const ids = new Set(next.devices.flatMap(device => (device.id === undefined ? [] : [device.id])));
		if (seen && !ours) {
			for (const device of next.devices) {
				if (device.id !== undefined && !seen.has(device.id)) {
					say(`QEMU: ${device.id} (${device.kind}, ${formatSize(device.size)}) appeared: plugged outside this console`);
				}
			}

			for (const id of seen) {
				if (!ids.has(id)) say(`QEMU: ${id} is gone: unplugged outside this console`);
			}
		}

		seen = ids;
	};

	let refreshing: Promise<void> = Promise.resolve();
	/** One refresh at a time; an action's own runs after the one under way. */
	const refreshNow = () => {
		refreshing = refreshing.then(refresh, refresh);
		return refreshing;
	};

	const schedule = () => {
		if (closed) return;
		timer = setTimeout(() => {
			refreshNow().finally(schedule);
		}, refreshMs);
	};

	const ready = refreshNow().then(schedule);

	const fromSaid = (result: Said): ActResult => ({ok: result.ok, message: result.lines.join('\n'), outcomes: []});
	const refuse = (text: string): ActResult => ({ok: false, message: text, outcomes: []});

	/** The request an action makes, and what the console says while it waits; or a refusal made without asking anyone. */
	const start = (action: ConsoleAction): {waitFor: string; line: string; run: () => Promise<ActResult>} | ActResult => {
		switch (action.type) {
			case 'vm-plug': {
				if (!client) return refuse(notConnected);
				const connected = client;
				const what =
					action.device === 'pc-dimm' ? `slot ${action.slot}: ${formatSize(action.size)} pc-dimm` : `${formatSize(action.size)} virtio-mem`;
				return {
					waitFor: 'QEMU',
					line: `Waiting for QEMU to answer: plug ${what} on node ${action.node}`,
					async run() {
						const request = {size: action.size, node: action.node};
						const result =
							action.device === 'pc-dimm'
								? await plugDimm(connected, {...request, slot: action.slot})
								: await plugVirtioMem(connected, request);
						await refreshNow();
						say(result.lines.join('; '));
						// A refusal stays in the form, whose fields say slot, size and kind already: QEMU's words only (the log has all).
						return result.ok ? fromSaid(result) : fromSaid({...result, lines: result.lines.map(line => line.replace(`${what}: `, ''))});
					},
				};
			}

			case 'vm-resize': {
				if (!client) return refuse(notConnected);
				const connected = client;
				return {
					waitFor: 'QEMU',
					line: `Waiting for QEMU to answer: ${safeText(action.id)} requested-size ${formatSize(action.size)}`,
					async run() {
						const result = await resizeVirtioMem(connected, action.id, action.size);
						say(result.lines.join('; '));
						await refreshNow();
						return fromSaid(result);
					},
				};
			}

			case 'unplug': {
				if (!client) return refuse(notConnected);
				const connected = client;
				const id = memory?.slots.find(row => row.slot === action.slot)?.device?.id;
				return {
					waitFor: 'the guest',
					line: `Waiting for the guest to eject slot ${action.slot}${id ? ` (${safeText(id)})` : ''}, up to ${unplugTimeoutMs / 1000} s`,
					async run() {
						if (id) ejecting.add(id);

						version++;
						const result = await unplugDimm(connected, action.slot, unplugTimeoutMs);
						if (result.ok && id) ejecting.delete(id);
						say(result.ok ? (result.lines[0] ?? '') : `unplug slot ${action.slot}: ${result.lines.join('; ')}`);
						await refreshNow();
						return fromSaid(result);
					},
				};
			}

			case 'integrate': {
				if (target.qga === undefined) return refuse(noAgent);
				if (!agent || !guest) return refuse(`the guest agent is not answering (${agentProblem ?? '?'}): nothing was asked`);
				const connected = agent;
				const {wanted, leftAlone} = hotPluggedOffline(guest);
				const left =
					leftAlone.length > 0
						? `; left offline: ${leftAlone.length} boot block(s), offlined on purpose (ham-tui --integrate --qga --blocks names them)`
						: '';
				if (wanted.length === 0) {
					return {ok: true, message: `no offline block of a hot-plugged device: nothing to online${left}`, outcomes: []};
				}

				return {
					waitFor: 'the guest agent',
					line: `Waiting for the guest agent to online ${wanted.length} block(s)`,
					async run() {
						const results = await onlineBlocks(connected, wanted);
						if (!results.ok) {
							say(`online through the agent: ${results.error}`);
							return refuse(results.error);
						}

						for (const result of results.value) {
							if (result.ok || result.gone) refused.delete(result.block);
							else refused.set(result.block, {code: result.error ?? '?', retry: result.retry === true});
						}

						const groups = groupResults(results.value);
						for (const group of groups) say(`online (agent) ${blockSpan(group.first, group.last)}: ${groupWords(group)}`);
						await refreshNow();
						return {ok: true, message: `online (agent, plain): ${countWords(results.value)}${left}`, outcomes: outcomeRows(groups)};
					},
				};
			}

			default: {
				return refuse(vmRefusal(action.type));
			}
		}
	};

	const buildSnapshot = (): VmSnapshot => {
		const ranges = guest?.ranges ?? [];
		const slotOf = new Map<string, number>();
		for (const row of memory?.slots ?? []) if (row.device?.id !== undefined) slotOf.set(row.device.id, row.slot);
		const regions: RegionRow[] = ranges.map(range => {
			const inside = [...refused.entries()].filter(([block]) => block >= range.firstBlock && block <= range.lastBlock);
			const slot = slotOf.get(range.device);
			const detail = [
				blockSpan(range.firstBlock, range.lastBlock),
				range.device === 'boot' ? 'boot memory' : `${range.device}${slot === undefined ? '' : ` (slot ${slot})`}`,
				range.state === 'online' ? (range.removable === true ? 'removable' : range.removable === false ? 'not removable' : '') : '',
				range.state === 'online'
					? ''
					: range.device === 'boot'
						? 'i leaves it offline: boot memory offlined on purpose'
						: 'i: online through the agent (plain: the guest kernel picks the zone)',
			]
				.filter(part => part !== '')
				.join(', ');
			return rangeRow(range, detail, slot ?? null, inside);
		});
		const statusOf = (id: string) => {
			const states = new Set(ranges.filter(range => range.device === id).map(range => range.state === 'online'));
			return states.size === 0 ? '' : states.size === 2 ? 'partly online' : states.has(true) ? 'online' : 'offline';
		};

		const slots: SlotRow[] = (memory?.slots ?? []).map(row => {
			const device = row.device;
			const id = device?.id;
			return {
				slot: row.slot,
				size: device ? formatSize(device.size) : '',
				mode: device ? safeText(`pc-dimm ${id ?? '(no id)'}`) : '',
				state: !device ? 'empty' : id !== undefined && ejecting.has(id) ? 'ejecting' : 'plugged',
				scrubLeft: null,
				regionId: null,
				label: device ? [`n${device.node}`, guest ? statusOf(id ?? '') : ''].filter(Boolean).join(' ') : '',
				unplugRefusal: !device
					? `slot ${row.slot} is empty: nothing to unplug`
					: id === undefined
						? `the DIMM in slot ${row.slot} has no id, and device_del needs one`
						: ejecting.has(id)
							? `slot ${row.slot} is being ejected already: the log says when the guest answers`
							: null,
			};
		});
		const offline = guest ? hotPluggedOffline(guest) : undefined;
		const online = guest?.tree.blocks.filter(block => block.state === 'online').length ?? 0;
		const nodes = new Set((memory?.devices ?? []).map(device => device.node));
		nodes.add(0);
		const vm: VmView = {
			qmp: safeText(target.qmp),
			qga: target.qga === undefined ? null : safeText(target.qga),
			qemu,
			connected: qmpProblem ?? (client ? true : 'not connected'),
			agent: target.qga === undefined ? null : (agentProblem ?? true),
			memory: memory
				? {
						baseBytes: memory.summary.baseMemory,
						pluggedBytes: memory.summary.pluggedMemory,
						maxBytes: memory.machine.maxMemory,
						freeBytes: freeMemory(memory),
						slots: memory.machine.slots,
					}
				: null,
			virtioMem: (memory?.devices ?? []).flatMap(device =>
				device.kind === 'virtio-mem'
					? [
							{
								id: safeText(device.id ?? device.memdev),
								sizeBytes: device.size,
								requestedBytes: device.requestedSize,
								maxBytes: device.maxSize,
								blockBytes: device.blockSize,
								node: device.node,
							},
						]
					: [],
			),
			guest:
				guest && offline
					? {
							blockSizeBytes: guest.tree.blockSizeBytes,
							online,
							offline: guest.tree.blocks.length - online,
							toOnline: offline.wanted.length,
							leftAlone: offline.leftAlone.length,
						}
					: null,
			plugSizes: vmPlugSizes,
			nodes: [...nodes].sort((a, b) => a - b),
			busy: inflight && !inflight.result ? inflight.label : null,
		};
		return {
			kind: 'vm',
			name: safeText(`QEMU ${qemu}`),
			kernel: guest ? 'guest agent' : target.qga === undefined ? 'no guest agent' : 'agent not answering',
			time: 0,
			uptimeSeconds: null,
			regions,
			log: [...log],
			slots,
			vm,
		};
	};

	const snapshotAt = (t: number): VmSnapshot => {
		if (!built || built.version !== version) {
			built = {version, snapshot: buildSnapshot()};
			latest = undefined;
		}

		if (!latest || Math.floor(latest.time) !== Math.floor(t)) latest = {...built.snapshot, time: t};
		return latest;
	};

	return {
		ready,
		poll: t => snapshotAt(t),
		latest: () => latest ?? snapshotAt(wallClock()),
		cancel() {
			if (!inflight) return;
			if (inflight.result) inflight = undefined;
			else inflight.abandoned = true;
			version++;
		},
		act(action, t) {
			const key = JSON.stringify(action);
			if (inflight) {
				if (inflight.key !== key || inflight.abandoned) {
					return refuse(`${inflight.label} is still waiting for its answer: try again once the log has it`);
				}

				if (!inflight.result) throw inflight.waits;
				const {result} = inflight;
				inflight = undefined;
				snapshotAt(t);
				return result;
			}

			const started = start(action);
			if (!('run' in started)) {
				snapshotAt(t);
				return started;
			}

			const running: Inflight = {
				key,
				label: started.line.replace(/^Waiting for .*? to (answer: )?/, ''),
				waits: new ActionWaits(started.waitFor, started.line, 'its answer goes to the log when it comes'),
				abandoned: false,
			};
			inflight = running;
			started
				.run()
				.catch((error: unknown) => {
					// A dropped socket mid-request: the refresh loop says so and connects again.
					const why = message(error);
					say(`${running.label}: ${why}`);
					return refuse(`${why}: the log says what is true now`);
				})
				.then(result => {
					running.result = result;
					if (running.abandoned && inflight === running) inflight = undefined;
					version++;
				});
			version++;
			throw running.waits;
		},
		close() {
			closed = true;
			clearTimeout(timer);
			client?.close();
			agent?.close();
		},
	};
}

const notConnected = 'not connected to QEMU: nothing was asked (the VM pane says why; the console connects again by itself)';
const noAgent =
	"no --qga: the guest's memory blocks are not visible, and onlining them needs the guest agent (ham-tui --qmp SOCKET --qga SOCKET)";

/** What the keys of the other machines say on a VM (the console's keys explain it before this is reached). */
function vmRefusal(type: ConsoleAction['type']): string {
	switch (type) {
		case 'plug': {
			return "plug: a VM's plug form makes a pc-dimm or virtio-mem device (vm-plug)";
		}

		case 'offline':
		case 'offline-check':
		case 'offline-stop': {
			return 'offline: inside the guest (ham-tui --offline): the agent cannot check what is safe to offline';
		}

		case 'auto-online': {
			return "auto-online: auto_online_blocks is the guest kernel's: set it inside the guest (ham-tui --auto-online)";
		}

		default: {
			return `${type}: not on a VM (ham 1.0's simulated machine has it)`;
		}
	}
}
