// The console's pure controller: a key (or the clock) and the console state in, the next state and
// the actions to run out; an action's result in, the state that shows it out. The keys themselves
// are the tables in modes/; the runner (runner.ts) does the actions.
import type {ActResult, OutcomeRow} from '../machine/snapshot.js';
import {nextAttempt, type StopReason, type TargetOutcome} from '../model/retry.js';
import {bindingFor, bindingTitle, type Env, type Request, type Step, step} from './bindings.js';
import {specOf} from './modes/index.js';
import type {Notice, UiState} from './ui-state.js';

/** One key, in whatever mode the console is in. */
export function handleKey(ui: UiState, key: string, env: Env): Step {
	if (key === 'ctrl-c') {
		return step({...ui, quit: true});
	}

	const binding = bindingFor(specOf(ui.mode), key);
	if (!binding) {
		return step(ui);
	}

	// A key that does nothing here says why (the reason is the binding table's).
	const view = {snapshot: env.snapshot, ui};
	const disabled = binding.disabled?.(view);
	if (disabled) {
		return step({...ui, notice: {title: bindingTitle(binding, view), lines: [...disabled], error: true}});
	}

	return binding.run({ui, mode: ui.mode, key, env});
}

/**
 * The retry loop's next attempt, when it is due. Each attempt is one integrate on the current
 * machine, so lowmem freed meanwhile (the workload lever, another session) counts.
 */
export function tick(from: UiState, env: Env): Step {
	const ui = from.notice && stale(from.notice, env) ? {...from, notice: null} : from;
	const loop = ui.loop;
	if (!loop || loop.ended || env.now < loop.nextAt) {
		return step(ui);
	}

	return step(ui, [{action: {type: 'integrate'}, purpose: 'loop-attempt'}]);
}

/** A result the machine has moved past: its log has a line newer than the one that was last then. */
function stale(notice: Notice, env: Env): boolean {
	return notice.logMark !== undefined && (env.snapshot.log.at(-1) ?? null) !== notice.logMark;
}

/** What the console shows once an action it asked for has run. */
export function afterAction(ui: UiState, request: Request, answer: ActResult, env: Env): UiState {
	const result = {...answer, outcomes: lastPerTarget(answer.outcomes)};
	const notice = (title: string, answer: ActResult) => resultNotice(title, answer, env);
	switch (request.purpose) {
		case 'plug': {
			// A refusal stays in the form, which stays open to change and try again.
			return result.ok || (ui.mode.kind !== 'plug' && ui.mode.kind !== 'vm-plug')
				? {...ui, mode: {kind: 'browse'}, notice: notice('Plug', result)}
				: {...ui, mode: {...ui.mode, error: result.message}};
		}

		case 'unplug': {
			return {...ui, notice: notice('Unplug', result)};
		}

		case 'integrate': {
			return {...ui, notice: notice('Integrate', result)};
		}

		case 'driver': {
			return {...ui, notice: notice('Driver', result)};
		}

		case 'workload': {
			return {...ui, notice: notice('Workload', result)};
		}

		case 'loop-attempt': {
			return loopAttempted(ui, result, env);
		}

		case 'offline-check': {
			return offlineChecked(ui, request, result);
		}

		case 'offline': {
			return {...ui, notice: notice('Offline', result)};
		}

		case 'auto-online': {
			return {...ui, notice: notice('Auto-online', result)};
		}

		case 'resize': {
			return {...ui, notice: notice('virtio-mem', result)};
		}
	}
}

/**
 * One outcome per region (or run of blocks), the last: a step reports what the clock did before
 * the action (a scrub ending, a retry) and then the action's own, and only the latter is now true.
 */
function lastPerTarget(outcomes: readonly OutcomeRow[]): OutcomeRow[] {
	const last = new Map<string, OutcomeRow>();
	for (const outcome of outcomes) {
		const key = outcome.label ?? `region ${outcome.id}`;
		last.delete(key);
		last.set(key, outcome);
	}

	return [...last.values()];
}

/** An action that threw (a bug, or the machine failing in a way nobody foresaw): a notice, never a crash. */
export function actionFailed(ui: UiState, request: Request, error: unknown): UiState {
	const message = error instanceof Error ? error.message : String(error);
	const title =
		request.purpose === 'loop-attempt'
			? 'Retry loop'
			: request.purpose === 'offline-check'
				? 'Offline'
				: request.purpose.replace(/^./, first => first.toUpperCase());
	const lines = [`${request.action.type} failed: ${message}`, 'Nothing else was tried; the machine shows as it is now.'];
	const loop = ui.loop && !ui.loop.ended && request.purpose === 'loop-attempt' ? {...ui.loop, ended: `stopped: ${message}`} : ui.loop;
	return {
		...ui,
		loop,
		mode: ui.mode.kind === 'plug' || ui.mode.kind === 'vm-plug' ? {kind: 'browse'} : ui.mode,
		notice: {title, lines, error: true},
	};
}

/**
 * o's checks came back: passed, the question (default No) with what they saw in the notice above;
 * refused, a notice that says why, and no question.
 */
function offlineChecked(ui: UiState, request: Request, result: ActResult): UiState {
	const {action} = request;
	if (!result.ok || result.question === undefined || action.type !== 'offline-check') {
		return {
			...ui,
			notice: {
				title: 'Offline refused',
				lines: [...result.message.split('\n'), 'Nothing written.'].filter(line => line !== ''),
				error: true,
			},
		};
	}

	const question = {kind: 'confirm-offline' as const, first: action.first, last: action.last, question: result.question};
	return {...ui, mode: question, notice: {title: 'Offline checks', lines: result.message.split('\n'), error: false}};
}

function loopAttempted(ui: UiState, result: ActResult, env: Env): UiState {
	const loop = ui.loop;
	if (!loop) {
		return ui;
	}

	const done = loop.done + 1;
	const history = [...loop.history, {attempt: done, time: env.now, outcomes: result.outcomes.map(outcomeOf)}];
	const next = nextAttempt(result.ok ? result.outcomes.map(rowOutcome) : {error: result.message}, done, loop.attempts, loop.interval);
	const ended = 'stop' in next ? loopEnded(next, result, done, env.snapshot.kind !== 'simulated') : null;
	return {...ui, loop: {...loop, done, history, nextAt: env.now + ('wait' in next ? next.wait : 0), ended}};
}

/** An outcome row's answer for the retry rule: only FAILED is left to do (a block gone is not); unknown means retry. */
function rowOutcome(outcome: OutcomeRow): TargetOutcome {
	return outcome.status === 'FAILED' ? {ok: false, retry: outcome.retry !== false} : {ok: true};
}

/** Why the loop ended, in the panel's words. A real machine's outcomes are runs of blocks, not regions. */
function loopEnded(reason: StopReason, result: ActResult, done: number, real: boolean): string {
	const failed = result.outcomes.filter(outcome => outcome.status === 'FAILED');
	switch (reason.stop) {
		case 'error': {
			return reason.error;
		}

		case 'nothing': {
			return real ? result.message : 'no FAILED region: nothing to do';
		}

		case 'done': {
			return `every ${real ? 'offline block online' : 'region ENABLED'} after ${done} attempt${done === 1 ? '' : 's'}`;
		}

		case 'no-retry': {
			return real
				? `no retry can help ${failed.map(outcome => outcome.label ?? `region ${outcome.id}`).join(', ')}`
				: `no retry can help the ${reason.left} FAILED region${reason.left === 1 ? '' : 's'} left`;
		}

		case 'attempts': {
			return `${done} attempts made, ${reason.left} still FAILED`;
		}
	}
}

function outcomeOf(outcome: OutcomeRow) {
	return {
		id: outcome.id,
		status: outcome.status,
		reason: outcome.reason,
		retry: outcome.retry,
		...(outcome.label === undefined ? {} : {label: outcome.label}),
	};
}

function resultNotice(title: string, result: ActResult, env: Env): Notice {
	const lines = [
		result.message,
		...result.outcomes
			.filter(outcome => !result.message.includes(`region ${outcome.id} `))
			.map(outcome => `${outcome.label ?? `region ${outcome.id}`}: ${outcome.status}${outcome.reason ? ` — ${outcome.reason}` : ''}`),
	];
	return {title, lines: lines.filter(line => line !== ''), error: !result.ok, at: env.now, logMark: env.snapshot.log.at(-1) ?? null};
}
