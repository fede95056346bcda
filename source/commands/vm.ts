// The one-shot commands on a running QEMU (--qmp SOCKET): --status and --json read its memory
// devices, --plug adds a memory-backend-ram and a pc-dimm, --unplug asks for the DIMM's eject and
// waits for the guest's answer. With --qga SOCKET the guest's side too, through the QEMU guest
// agent: --status and --json show the guest's memory blocks as ranges, each tied to the device it
// came from, and --integrate onlines the offline blocks of hot-plugged devices with
// guest-set-memory-blocks, retrying by model/retry.ts's rule, in --integrate's words
// (integrate-lines.ts). Without the agent ham-tui cannot see the guest's memory blocks
// (docs/VM.md). No Ink, no React, no state store.
import type {Command, VmTarget} from '../cli/command.js';
import {exit} from '../exit.js';
import {safeText} from '../model/sanitize.js';
import {formatAddress, formatSize} from '../model/units.js';
import {type BlockResult, blockList, groupResults} from '../sysfs/integrate.js';
import {selectBlocks} from '../sysfs/select.js';
import {blockStatus, formatStatusRows, statusRows} from '../sysfs/status.js';
import {controllerStatus, freeMemory, type MemoryDevice, statusFields, type VmMemory} from '../vm/controller.js';
import {agentCannotTell, agentOnlineNote, setMemoryBlocksArguments} from '../vm/guest.js';
import {
	blocksOf,
	type Guest,
	hotPluggedOffline,
	onlineBlocks,
	plugDimm,
	readGuest,
	readMemory,
	type Said,
	unplugDimm,
} from '../vm/operations.js';
import {checkSocketPath, GuestAgent} from '../vm/qga.js';
import {QmpClient} from '../vm/qmp.js';
import {blockOutcome, groupLine, leftAloneLine, noRetryLine, nothingToDo, summaryLine} from './integrate-lines.js';

export type VmIo = {
	out: (text: string) => void;
	err: (text: string) => void;
	/** HAM_TUI_NOW is set: --integrate's retry loop does not sleep between attempts. */
	fixedClock?: boolean;
};

/** Said once on stderr by --status: stdout stays the /proc/ham/status lines. */
export const noGuestNote = "ham-tui: note: no --qga: the guest's memory blocks are not visible; STATUS is the controller's\n";

export async function runVmCommand(command: Command, target: VmTarget, io: VmIo): Promise<number> {
	// The agent's path is checked before anything connects: a wrong one changes nothing.
	const agentPath = target.qga === undefined ? undefined : checkSocketPath(target.qga);
	if (agentPath && !agentPath.ok) {
		io.err(`ham-tui: ${safeText(agentPath.error)}\n`);
		return exit.failed;
	}

	const opened = await QmpClient.open(target.qmp);
	if (!opened.ok) {
		io.err(`ham-tui: ${safeText(opened.error)}\n`);
		return exit.failed;
	}

	const client = opened.value;
	let agent: GuestAgent | undefined;
	try {
		if (target.qga !== undefined && command.kind !== 'plug' && command.kind !== 'unplug') {
			const connected = await GuestAgent.open(target.qga);
			if (!connected.ok) {
				io.err(`ham-tui: ${safeText(connected.error)}\n`);
				return exit.failed;
			}

			agent = connected.value;
		}

		return await run(command, target, {client, agent}, io);
	} catch (error) {
		// A refusal is answered where it is asked; what reaches here is a dropped socket or a timeout.
		io.err(`ham-tui: ${safeText(error instanceof Error ? error.message : String(error))}\n`);
		return exit.failed;
	} finally {
		agent?.close();
		client.close();
	}
}

type Sockets = {client: QmpClient; agent: GuestAgent | undefined};

async function run(command: Command, target: VmTarget, {client, agent}: Sockets, io: VmIo): Promise<number> {
	if (command.kind === 'integrate') {
		// parseCommand lets --integrate through only with --qga.
		if (!agent) throw new Error('--integrate with --qmp needs --qga SOCKET');
		return integrate(client, agent, command, target, io);
	}

	switch (command.kind) {
		case 'status':
		case 'json': {
			const memory = await readMemory(client);
			if (!memory.ok) {
				io.err(`ham-tui: ${safeText(memory.error)}\n`);
				return exit.failed;
			}

			for (const problem of memory.value.problems) {
				io.err(`ham-tui: ${safeText(problem)}\n`);
			}

			const guest = agent ? await readGuest(agent, memory.value) : undefined;
			if (guest && !guest.ok) {
				io.err(`ham-tui: ${safeText(guest.error)}\n`);
				return exit.failed;
			}

			if (command.kind === 'json') {
				const report = vmReport(memory.value, target, client);
				if (guest) report.guest = guestReport(guest.value);
				io.out(`${JSON.stringify(report, null, 2)}\n`);
				return exit.ok;
			}

			if (guest) {
				// The guest's blocks, as --status --sysfs shows them inside it: lsmem's grouping, sysfs's STATUS words.
				io.out(formatStatusRows(statusRows(guest.value.tree)));
				return exit.ok;
			}

			const lines = statusFields(memory.value).map(fields => `${fields.map(field => safeText(field)).join('\t')}\n`);
			io.out(lines.join(''));
			io.err(noGuestNote);
			if (lines.length === 0) {
				const free = memory.value.slots.filter(row => row.device === undefined).length;
				io.err(
					`ham-tui: note: no memory devices: ${free} DIMM slot${free === 1 ? '' : 's'} free, ${formatSize(freeMemory(memory.value))} below maxmem ${formatSize(memory.value.machine.maxMemory)}\n`,
				);
			}

			return exit.ok;
		}

		case 'plug': {
			return print(await plugDimm(client, command), io);
		}

		case 'unplug': {
			return print(await unplugDimm(client, command.slot, (command.timeout ?? 10) * 1000), io);
		}

		default: {
			// parseCommand lets no other action through with --qmp.
			throw new Error(`--${command.kind} is not a VM's command`);
		}
	}
}

/** --json's `guest` with --qga: the block size, each range with the device it lies in (or "boot"), and what the agent cannot tell. */
function guestReport(guest: Guest): Record<string, unknown> {
	return {
		visible: true,
		blockSize: guest.tree.blockSizeBytes,
		ranges: guest.ranges.map(range => ({
			firstBlock: range.firstBlock,
			lastBlock: range.lastBlock,
			start: formatAddress(range.start),
			end: formatAddress(range.end),
			size: range.size,
			state: range.state,
			status: blockStatus(range.state),
			device: safeText(range.device),
		})),
		cannotTell: agentCannotTell,
	};
}

/**
 * --integrate through the guest agent: the offline blocks of hot-plugged devices asked online
 * with guest-set-memory-blocks (plain online: the agent has no other), attempt after attempt as
 * model/retry.ts's rule says; boot memory left offline is an operator's, and is left alone.
 */
async function integrate(
	client: QmpClient,
	agent: GuestAgent,
	command: Extract<Command, {kind: 'integrate'}>,
	target: VmTarget,
	io: VmIo,
): Promise<number> {
	const memory = await readMemory(client);
	if (!memory.ok) {
		io.err(`ham-tui: ${safeText(memory.error)}\n`);
		return exit.failed;
	}

	const guest = await readGuest(agent, memory.value);
	if (!guest.ok) {
		io.err(`ham-tui: ${safeText(guest.error)}\n`);
		return exit.failed;
	}

	const {tree, ranges} = guest.value;
	const blockSize = tree.blockSizeBytes;
	const offline = ranges.filter(range => range.state !== 'online');
	const hotPlugged = hotPluggedOffline(guest.value);
	let wanted = hotPlugged.wanted;
	if (target.selection) {
		// Named blocks are onlined whoever holds them, boot memory too, as on sysfs.
		const chosen = selectBlocks(tree, target.selection, 'online');
		if (!chosen.ok) {
			io.err(`ham-tui: ${safeText(chosen.error)}\n`);
			return exit.failed;
		}

		wanted = chosen.value.blocks;
	}

	const leftAlone = target.selection
		? ''
		: leftAloneLine(hotPlugged.leftAlone, (first, last) => `name it to online it: --blocks ${first === last ? first : `${first}-${last}`}`);
	if (wanted.length === 0) {
		io.out(`${leftAlone}${nothingToDo}`);
		return exit.ok;
	}

	io.err(`ham-tui: note: ${agentOnlineNote}\n`);
	io.out(leftAlone);
	if (target.dryRun) {
		const deviceOf = new Map(offline.flatMap(range => blocksOf([range]).map(block => [block, range.device] as const)));
		const asked = new Set(wanted);
		for (const range of offline) {
			const blocks = blocksOf([range]).filter(block => asked.has(block));
			if (blocks.length > 0) {
				io.out(
					`guest-set-memory-blocks ${JSON.stringify(setMemoryBlocksArguments(blocks))}  # ${safeText(deviceOf.get(blocks[0] ?? -1) ?? '?')}\n`,
				);
			}
		}

		io.out(
			`dry run: would ask the guest agent to online ${wanted.length} offline block(s) (${formatSize(wanted.length * blockSize)}): ${blockList(wanted)}; nothing written\n`,
		);
		return exit.ok;
	}

	const {nextAttempt} = await import('../model/retry.js');
	const {setTimeout: sleep} = await import('node:timers/promises');
	// Each block's latest answer; a block is asked again only while a retry can help it.
	const answers = new Map<number, BlockResult>();
	for (let attempt = 1; ; attempt++) {
		const asked = wanted.filter(block => {
			const answer = answers.get(block);
			return answer === undefined || (!answer.ok && !answer.gone && answer.retry === true);
		});
		const parsed = await onlineBlocks(agent, asked);
		if (parsed.ok) {
			for (const result of parsed.value) {
				answers.set(result.block, result);
			}

			io.out(
				groupResults(parsed.value)
					.map(
						group =>
							`attempt ${attempt}/${command.attempts}: ${groupLine(blockSize, group, 'the guest agent found no such block: removed since it was read')}\n`,
					)
					.join(''),
			);
		}

		const next = nextAttempt(
			parsed.ok ? [...answers.values()].map(blockOutcome) : {error: parsed.error},
			attempt,
			command.attempts,
			command.interval,
		);
		if ('wait' in next) {
			if (!io.fixedClock) await sleep(next.wait * 1000);
			continue;
		}

		if (next.stop === 'error') {
			io.err(`ham-tui: ${safeText(next.error)}\n`);
			if (attempt === 1) return exit.failed;
		} else if (next.stop === 'no-retry') {
			io.out(noRetryLine(next.left));
		}

		const {line, code} = summaryLine(blockSize, [...answers.values()]);
		io.out(line);
		return code;
	}
}

/** Every text QEMU gave made safe for a terminal: JSON.stringify escapes C0 controls but not C1 (U+009B is a CSI). */
function safeDevice(device: MemoryDevice): Record<string, unknown> {
	const common = {id: device.id === undefined ? null : safeText(device.id), memdev: safeText(device.memdev)};
	return device.kind === 'pc-dimm'
		? {
				kind: device.kind,
				slot: device.slot,
				...common,
				start: formatAddress(device.address),
				size: device.size,
				node: device.node,
				hotplugged: device.hotplugged,
				hotpluggable: device.hotpluggable,
				status: controllerStatus(device),
			}
		: {
				kind: device.kind,
				...common,
				start: formatAddress(device.address),
				size: device.size,
				requestedSize: device.requestedSize,
				maxSize: device.maxSize,
				blockSize: device.blockSize,
				node: device.node,
				status: controllerStatus(device),
			};
}

/** --json with --qmp (docs/VM.md). */
export function vmReport(memory: VmMemory, target: VmTarget, client: Pick<QmpClient, 'version'>): Record<string, unknown> {
	const {major, minor, micro, package: build} = client.version;
	return {
		target: {kind: 'qmp', socket: safeText(target.qmp)},
		qemu: {version: `${major}.${minor}.${micro}`, package: safeText(build)},
		memory: {
			base: memory.summary.baseMemory,
			plugged: memory.summary.pluggedMemory,
			maxmem: memory.machine.maxMemory,
			free: freeMemory(memory),
			slots: memory.machine.slots,
		},
		slots: memory.slots.map(row => ({slot: row.slot, device: row.device?.id === undefined ? null : safeText(row.device.id)})),
		devices: memory.devices.map(device => safeDevice(device)),
		guest: {visible: false, why: "no --qga: the guest's memory blocks are not visible; each status is the controller's"},
		problems: memory.problems.map(problem => safeText(problem)),
	};
}

/** A request's lines: stdout when it went, stderr (each line "ham-tui: ...") when not; exit 0 or 1. */
function print(result: Said, io: VmIo): number {
	for (const line of result.lines) {
		if (result.ok) io.out(`${line}\n`);
		else io.err(`ham-tui: ${line}\n`);
	}

	return result.ok ? exit.ok : exit.failed;
}
