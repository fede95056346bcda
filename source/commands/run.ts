// The one-shot commands. They never import Ink or React: start-up time is what scripts pay.
import {setTimeout as sleep} from 'node:timers/promises';
import type {Command} from '../cli/command.js';
import {exit} from '../exit.js';
import type {RegionOutcome} from '../model/driver.js';
import {type Action, advance, createMachine, defaultMachine, type StepResult, step} from '../model/machine.js';
import {defaultPreset, presets} from '../model/presets.js';
import {machineReport} from '../model/report.js';
import type {TargetOutcome} from '../model/retry.js';
import {safeText} from '../model/sanitize.js';
import type {Machine} from '../model/state.js';
import {statusTable} from '../model/status.js';
import {formatAddress, formatSize} from '../model/units.js';
import {ChangeRefused, FileProblem, readMachine, readScenario, readStatus, replaceMachine, updateMachine} from '../store/store.js';

export type Io = {
	out: (text: string) => void;
	err: (text: string) => void;
	/** The clock: HAM_TUI_NOW when set, else the wall clock. */
	now: () => number;
	/** True when HAM_TUI_NOW fixes the clock: waits are then simulated, not slept. */
	fixedClock: boolean;
};

/** The machine in the state file, created from the default preset on first use. */
function current(machine: Machine | undefined, t: number): Machine {
	return machine ?? defaultMachine(t);
}

/**
 * The machine at time t, for reading. Advancing is deterministic (what falls due runs at its own
 * time, whenever it is observed), so a read writes nothing; a machine not made yet is computed
 * fresh, in memory, and written by the first change.
 */
function observe(statePath: string, t: number): Machine {
	return advance(current(readMachine(statePath), t), t).machine;
}

/** One action under the lock: read, step, write. Returns the step's result. */
function apply(statePath: string, action: Action, t: number): StepResult {
	return updateMachine<StepResult>(statePath, stored => {
		const result = step(current(stored, t), action, t);
		return {machine: result.machine, result};
	});
}

export async function runOneShot(command: Command, statePath: string, io: Io): Promise<number> {
	try {
		return await run(command, statePath, io);
	} catch (error) {
		if (error instanceof ChangeRefused) {
			io.err(`ham-tui: ${error.message}\n`);
			return exit.failed;
		}

		if (error instanceof FileProblem) {
			io.err(`ham-tui: ${safeText(error.message)}\n`);
			io.err(
				error.file === statePath && error.regular
					? 'ham-tui: the file is left as it is; --reset keeps it aside and starts a new machine\n'
					: '',
			);
			return exit.file;
		}

		throw error;
	}
}

async function run(command: Command, statePath: string, io: Io): Promise<number> {
	const t = io.now();
	switch (command.kind) {
		case 'json': {
			const machine = observe(statePath, t);
			io.out(`${JSON.stringify(machineReport(machine, machine.now), null, 2)}\n`);
			return exit.ok;
		}

		case 'status': {
			// A stamped file's table as its (checking) writer made it, without parsing the machine;
			// else the machine, read and checked (docs/STATE.md, "The integrity stamp").
			const table = readStatus(statePath, t) ?? statusTable(observe(statePath, t));
			if (!table.loaded) {
				io.err('ham-tui: the ham driver is not loaded, so there is no /proc/ham/status (start it: ham-tui --driver start)\n');
				return exit.failed;
			}

			io.out(table.text);
			return exit.ok;
		}

		// A slot the machine does not have is the controller's refusal, in its words, like a busy
		// slot or a size it does not take: exit 1 (only the state file knows the machine's slots).
		case 'plug': {
			return report(io, apply(statePath, {type: 'plug', slot: command.slot, size: command.size, mode: command.mode}, t));
		}

		case 'unplug': {
			return report(io, apply(statePath, {type: 'unplug', slot: command.slot}, t));
		}

		case 'driver': {
			return report(io, apply(statePath, {type: 'driver', op: command.op}, t));
		}

		case 'workload': {
			return report(io, apply(statePath, {type: 'workload', op: command.op}, t));
		}

		case 'boot': {
			return report(io, apply(statePath, {type: 'boot', version: command.version}, t));
		}

		case 'reset': {
			return reset(command, statePath, io, t);
		}

		case 'integrate': {
			return integrateLoop(command.attempts, command.interval, statePath, io);
		}

		case 'console': {
			throw new Error('the console is not a one-shot command');
		}

		case 'offline':
		case 'watch':
		case 'auto-online': {
			// parseCommand refuses these without --sysroot or --sysfs, in the usage error's words.
			throw new Error(`--${command.kind} is a real machine's command: parseCommand lets no such command through`);
		}
	}
}

function report(io: Io, result: StepResult): number {
	for (const outcome of result.outcomes.filter(outcome => outcome.id >= 0)) {
		if (!result.message.includes(`region ${outcome.id} `)) {
			io.out(`${outcomeLine(outcome)}\n`);
		}
	}

	(result.ok ? io.out : io.err)(`${result.ok ? '' : 'ham-tui: '}${safeText(result.message)}\n`);
	return result.ok ? exit.ok : exit.failed;
}

export function outcomeLine(outcome: RegionOutcome): string {
	if (outcome.after === 'ENABLED') {
		return `region ${outcome.id} (slot ${outcome.slot}): ENABLED`;
	}

	const {failure} = outcome;
	if (!failure) {
		throw new Error(`region ${outcome.id} is FAILED with no failure: the invariants refuse such a machine`);
	}

	return `region ${outcome.id} (slot ${outcome.slot}): FAILED: ${safeText(failure.text)} [${failure.retry ? 'retry can help' : 'no retry can help'}]`;
}

function reset(command: Extract<Command, {kind: 'reset'}>, statePath: string, io: Io, t: number): number {
	const spec = command.scenario === undefined ? presets[command.preset ?? defaultPreset] : readScenario(command.scenario);
	const machine = createMachine(spec, command.seed, t);
	const aside = replaceMachine(statePath, machine, new Date(t * 1000).toISOString().replaceAll(':', '-'));
	if (aside) {
		io.err(`ham-tui: the unreadable state file was kept as ${aside}\n`);
	}

	const regions = machine.regions.map(region => `region ${region.id} ${region.status}`).join(', ');
	io.out(
		`new machine: ${safeText(spec.name)} (${safeText(spec.description)}), seed ${command.seed}, kernel ${spec.kernel.version}${regions ? `; ${regions}` : ''}\n`,
	);
	return exit.ok;
}

/**
 * ham_integrate with retries: each attempt is its own locked step, so other commands can act
 * between attempts. Stops early when nothing is FAILED or only failures no retry can help remain.
 */
async function integrateLoop(attempts: number, interval: number, statePath: string, io: Io): Promise<number> {
	// Loaded here, not with the module: --status and the other one-shots start without it.
	const {nextAttempt} = await import('../model/retry.js');
	let t = io.now();
	let enabled = 0;
	for (let attempt = 1; ; attempt++) {
		const result = apply(statePath, {type: 'integrate'}, t);
		const tried = result.ok ? lastPerRegion(result.outcomes).filter(outcome => outcome.before === 'FAILED') : [];
		const next = nextAttempt(result.ok ? tried.map(regionOutcome) : {error: result.message}, attempt, attempts, interval);
		if ('stop' in next && next.stop === 'error') {
			io.err(`ham-tui: ${safeText(next.error)}\n`);
			return exit.failed;
		}

		if ('stop' in next && next.stop === 'nothing' && attempt === 1) {
			io.out('integrate: no FAILED region, nothing to do\n');
			return exit.ok;
		}

		// Later attempts leave out regions that no retry can help: their answer cannot change.
		for (const outcome of tried.filter(outcome => attempt === 1 || outcome.after === 'ENABLED' || outcome.failure?.retry)) {
			io.out(`attempt ${attempt}/${attempts}: ${outcomeLine(outcome)}\n`);
		}

		enabled += tried.filter(outcome => outcome.after === 'ENABLED').length;
		if ('wait' in next) {
			if (io.fixedClock) {
				t += next.wait;
			} else {
				await sleep(next.wait * 1000);
				t = io.now();
			}

			continue;
		}

		if (next.stop === 'no-retry') {
			io.out(`integrate: stopping, no retry can help the ${next.left} FAILED region(s) left\n`);
		}

		return integrateSummary(io, result.machine, enabled);
	}
}

/** The last line: regions enabled, those left FAILED; chmem's exit code. */
function integrateSummary(io: Io, machine: Machine, enabled: number): number {
	const left = machine.regions.filter(region => region.status === 'FAILED');
	io.out(
		`integrate: ${enabled} region(s) enabled, ${left.length} FAILED${left.length > 0 ? ` (${left.map(region => `${region.id} ${formatSize(region.size)} at ${formatAddress(region.start)}`).join('; ')})` : ''}\n`,
	);
	if (left.length === 0) {
		return exit.ok;
	}

	return enabled > 0 ? exit.partial : exit.failed;
}

/** A region's answer for the retry rule: ENABLED, or FAILED and whether a retry can help. */
function regionOutcome(outcome: RegionOutcome): TargetOutcome {
	return outcome.after === 'ENABLED' ? {ok: true} : {ok: false, retry: outcome.failure?.retry === true};
}

/**
 * Each region's last outcome in a step. A scrub that ended before the step (during the wait
 * between attempts, say) has the driver try its region on its own; when that fails, the
 * integrate tries it again in the same step. The attempt's answer is the last one: one line.
 */
function lastPerRegion(outcomes: readonly RegionOutcome[]): RegionOutcome[] {
	return [...new Map(outcomes.map(outcome => [outcome.id, outcome])).values()];
}
