// The console's controllers, driven with plain objects and key names: no Ink, no timers, no files.
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import type {Request, Step} from '../../source/console/bindings.js';
import {actionFailed, afterAction, handleKey, tick} from '../../source/console/controller.js';
import {runKeys} from '../../source/console/runner.js';
import {initialUi, type UiState} from '../../source/console/ui-state.js';
import type {ActResult, Snapshot} from '../../source/machine/snapshot.js';
import {type ConsoleAction, LockBusy, type MachineSource} from '../../source/machine/source.js';
import {envOf, real, simulated} from '../helpers/snapshots.js';

const GiB = 1024 ** 3;
const rows = {slots: 6, regions: 5, log: 5};

/** Presses keys one after another on a snapshot that does not change; collects what they ask for. */
function press(ui: UiState, keys: string[], snapshot: Snapshot = simulated()): Step {
	let state = ui;
	const requests: Request[] = [];
	for (const key of keys) {
		const next = handleKey(state, key, envOf(snapshot));
		state = next.ui;
		requests.push(...next.requests);
	}

	return {ui: state, requests};
}

const answer = (ok: boolean, message: string, outcomes: ActResult['outcomes'] = []): ActResult => ({ok, message, outcomes});

describe('the plug form', () => {
	test('p opens it on the first empty slot with 1G; arrows change the fields; Enter asks for the plug', () => {
		const sizes = simulated().moduleSizes;
		const opened = press(initialUi, ['p']);
		assert.deepEqual(opened.ui.mode, {kind: 'plug', field: 0, slot: 2, sizeIndex: sizes.indexOf(GiB), mode: 'hot-add', error: null});
		const filled = press(opened.ui, ['4', 'down', 'right', 'right', 'down', 'left', 'enter']);
		const size = sizes[sizes.indexOf(GiB) + 2];
		assert.equal(size, 4 * GiB);
		assert.deepEqual(filled.requests, [{action: {type: 'plug', slot: 4, size, mode: 'mirror'}, purpose: 'plug'}]);
	});

	test('a refusal stays in the form, which stays open; a plug closes it with a notice', () => {
		const form = press(initialUi, ['p', 'enter']);
		const request = form.requests[0];
		assert.ok(request);
		const refused = afterAction(form.ui, request, answer(false, 'slot 2 is busy'), envOf(simulated()));
		assert.equal(refused.mode.kind === 'plug' && refused.mode.error, 'slot 2 is busy');
		const changed = press(refused, ['right']).ui.mode;
		assert.equal(changed.kind === 'plug' ? changed.error : 'the form closed', null, 'a change clears it');
		const plugged = afterAction(form.ui, request, answer(true, 'slot 2: 1G module plugged'), envOf(simulated()));
		assert.equal(plugged.mode.kind, 'browse');
		assert.deepEqual(plugged.notice, {
			title: 'Plug',
			lines: ['slot 2: 1G module plugged'],
			error: false,
			at: simulated().time,
			logMark: simulated().log.at(-1),
		});
	});

	test('? opens the help for the form and Esc goes back to the form as it was', () => {
		const form = press(initialUi, ['p', 'right', 'down']).ui;
		const help = press(form, ['?']).ui;
		assert.equal(help.mode.kind, 'help');
		assert.deepEqual(press(help, ['escape']).ui.mode, form.mode);
	});

	test('Esc and q cancel without asking for anything', () => {
		for (const key of ['escape', 'q']) {
			const step = press(initialUi, ['p', 'right', key]);
			assert.deepEqual(step, {ui: {...initialUi}, requests: []});
		}
	});
});

describe('unplug', () => {
	const withModule = () => {
		const snapshot = simulated();
		const slots = snapshot.slots.map(slot =>
			slot.slot === 3 ? {...slot, state: 'ready' as const, size: '1G', mode: 'mirror', regionId: 1, unplugRefusal: null} : slot,
		);
		return {...snapshot, slots};
	};

	test('asks first; only y unplugs, any other key keeps the module', () => {
		const snapshot = withModule();
		const asked = press(initialUi, ['tab', 'tab', 'down', 'u'], snapshot).ui;
		assert.deepEqual(asked.mode, {kind: 'confirm-unplug', slot: 3}, 'the slots pane, one row down from slot 2: slot 3');
		assert.deepEqual(press(asked, ['n'], snapshot).requests, []);
		assert.deepEqual(press(asked, ['enter'], snapshot), {ui: {...asked, mode: {kind: 'browse'}}, requests: []});
		assert.deepEqual(press(asked, ['y'], snapshot).requests, [{action: {type: 'unplug', slot: 3}, purpose: 'unplug'}]);
	});

	test('a slot the model refuses to unplug is refused at once, with the reason', () => {
		const snapshot = simulated();
		const boot = press({...initialUi, pane: 'slots', cursor: {...initialUi.cursor, slots: 0}}, ['u'], snapshot);
		assert.equal(boot.ui.notice?.title, 'Unplug refused');
		assert.equal(boot.ui.mode.kind, 'browse');
		assert.deepEqual(boot.requests, []);
	});
});

describe('the retry loop', () => {
	test('r sets it up, Enter starts it due now; each attempt is an integrate; it ends when every region is ENABLED', () => {
		const started = press(initialUi, ['r', 'right', 'down', 'left', 'enter']).ui;
		assert.deepEqual(started.loop, {attempts: 11, interval: 4, done: 0, nextAt: simulated().time, history: [], ended: null});
		const env = envOf(simulated());
		const first = tick(started, env);
		assert.deepEqual(first.requests, [{action: {type: 'integrate'}, purpose: 'loop-attempt'}]);
		const request = first.requests[0];
		assert.ok(request);
		const failed = afterAction(
			started,
			request,
			answer(true, 'region 0 FAILED', [{id: 0, slot: 2, status: 'FAILED', reason: 'lowmem short', retry: true}]),
			env,
		);
		assert.equal(failed.loop?.done, 1);
		assert.equal(failed.loop?.nextAt, env.now + 4);
		assert.deepEqual(tick(failed, {...env, now: env.now + 3}).requests, [], 'not due yet');
		const later = {...env, now: env.now + 4};
		const enabled = afterAction(
			failed,
			request,
			answer(true, 'region 0 ENABLED', [{id: 0, slot: 2, status: 'ENABLED', reason: null, retry: null}]),
			later,
		);
		assert.equal(enabled.loop?.ended, 'every region ENABLED after 2 attempts');
		assert.deepEqual(tick(enabled, later).requests, []);
	});

	test('a failure no retry can help ends it early; on a real machine it names the blocks', () => {
		const running = press(initialUi, ['r', 'enter']).ui;
		const request: Request = {action: {type: 'integrate'}, purpose: 'loop-attempt'};
		const outcome = {id: 8, slot: null, status: 'FAILED', reason: 'EINVAL', retry: false, label: 'blocks 8-15'};
		assert.equal(
			afterAction(running, request, answer(true, 'online: 0 of 8', [outcome]), envOf(real())).loop?.ended,
			'no retry can help blocks 8-15',
		);
		assert.equal(
			afterAction(running, request, answer(true, 'x', [{...outcome, label: undefined}]), envOf(simulated())).loop?.ended,
			'no retry can help the 1 FAILED region left',
		);
	});

	test('while it runs r says why it does nothing; Esc stops it, then closes it, then clears the filter', () => {
		const running = {...press(initialUi, ['r', 'enter']).ui, filter: 'x'};
		const again = press(running, ['r']);
		assert.deepEqual(again.ui.notice?.lines, ['A retry loop is running: Esc stops it, then r starts another.']);
		const stopped = press(running, ['escape']).ui;
		assert.equal(stopped.loop?.ended, 'cancelled after 0 of 10 attempts');
		const closed = press(stopped, ['escape']).ui;
		assert.equal(closed.loop, null);
		assert.equal(press(closed, ['escape']).ui.filter, '');
	});

	test('the workload lever while a loop runs says what it did, beside the loop', () => {
		const running = press(initialUi, ['r', 'enter']).ui;
		const lever = press(running, ['w', 'd']);
		assert.deepEqual(lever.requests, [{action: {type: 'workload', op: 'drop-caches'}, purpose: 'workload'}]);
		const request = lever.requests[0];
		assert.ok(request);
		const after = afterAction(lever.ui, request, answer(true, 'caches dropped'), envOf(simulated()));
		assert.equal(after.notice?.title, 'Workload');
		assert.equal(after.loop, running.loop, 'the loop runs on');
		assert.equal(
			afterAction(press(initialUi, ['w', 'd']).ui, request, answer(true, 'caches dropped'), envOf(simulated())).notice?.title,
			'Workload',
		);
	});
});

describe('browsing', () => {
	test('the filter applies as it is typed; Backspace, Enter keeps it, Esc clears it', () => {
		const typed = press(initialUi, ['/', 'F', 'A', 'X', 'backspace']).ui;
		assert.equal(typed.filter, 'FA');
		assert.equal(press(typed, ['enter']).ui.filter, 'FA');
		assert.equal(press(typed, ['enter']).ui.mode.kind, 'browse');
		assert.equal(press(typed, ['escape']).ui.filter, '');
	});

	test('moves stop at the ends of the list and keep the cursor on screen', () => {
		const snapshot = simulated();
		const slots = press({...initialUi, pane: 'slots'}, ['G'], snapshot).ui;
		assert.equal(slots.cursor.slots, snapshot.slots.length - 1);
		assert.equal(slots.offset.slots, snapshot.slots.length - rows.slots);
		assert.equal(press(slots, ['down']).ui.cursor.slots, snapshot.slots.length - 1);
		assert.equal(press(slots, ['g', 'up']).ui.cursor.slots, 0);
	});

	test('i asks for one integrate, d starts or stops the driver, q and Ctrl-C quit', () => {
		assert.deepEqual(press(initialUi, ['i']).requests, [{action: {type: 'integrate'}, purpose: 'integrate'}]);
		assert.deepEqual(press(initialUi, ['d']).requests, [], 'd asks first');
		assert.deepEqual(press(initialUi, ['d', 'n']), {ui: initialUi, requests: []}, 'default No');
		assert.deepEqual(press(initialUi, ['d', 'y']).requests, [{action: {type: 'driver', op: 'stop'}, purpose: 'driver'}]);
		assert.equal(press(initialUi, ['q']).ui.quit, true);
		assert.equal(press({...initialUi, mode: {kind: 'filter', text: ''}}, ['ctrl-c']).ui.quit, true, 'even where q is text');
	});
});

/** A machine source whose answers the test chooses. */
function fakeSource(act: (action: ConsoleAction) => ActResult): MachineSource & {acted: ConsoleAction[]} {
	let snapshot: Snapshot = simulated();
	const acted: ConsoleAction[] = [];
	return {
		acted,
		poll: () => snapshot,
		latest: () => snapshot,
		cancel() {},
		act(action) {
			const result = act(action);
			acted.push(action);
			snapshot = {...snapshot, log: [...snapshot.log, `acted ${action.type}`]};
			return result;
		},
	};
}

describe('the runner', () => {
	test('runs each key, its actions, then the loop tick: Enter on the setup makes the first attempt at once', () => {
		const source = fakeSource(() => answer(true, 'region 0 ENABLED', [{id: 0, slot: 2, status: 'ENABLED', reason: null, retry: null}]));
		const run = runKeys(source, initialUi, ['r', 'enter'], simulated().time, rows);
		assert.deepEqual(source.acted, [{type: 'integrate'}]);
		assert.equal(run.ui.loop?.ended, 'every region ENABLED after 1 attempt');
		assert.equal(run.snapshot.log.at(-1), 'acted integrate', 'the snapshot after the action');
	});

	test('an action that throws is a notice, never a crash', () => {
		const source = fakeSource(() => {
			throw new Error('EIO reading the state file');
		});
		const run = runKeys(source, initialUi, ['i'], simulated().time, rows);
		assert.deepEqual(run.ui.notice, {
			title: 'Integrate',
			lines: ['integrate failed: EIO reading the state file', 'Nothing else was tried; the machine shows as it is now.'],
			error: true,
		});
		assert.equal(actionFailed(initialUi, {action: {type: 'integrate'}, purpose: 'loop-attempt'}, 'x').notice?.title, 'Retry loop');
	});

	test('a held lock stops the burst at the key that waits, with the keys left to run again', () => {
		let held = true;
		const source = fakeSource(() => {
			if (held) {
				throw new LockBusy('process 42');
			}

			return answer(true, 'done');
		});
		const first = runKeys(source, initialUi, ['tab', 'i', 'j'], simulated().time, rows);
		assert.deepEqual({waitFor: first.busy?.waits.waitFor, keys: first.busy?.keys}, {waitFor: 'process 42', keys: ['i', 'j']});
		assert.equal(first.ui.pane, 'log', 'the key before it ran');
		held = false;
		const again = runKeys(source, first.ui, first.busy?.keys ?? [], simulated().time, rows);
		assert.equal(again.busy, undefined);
		assert.deepEqual(source.acted, [{type: 'integrate'}], 'once');
		assert.equal(again.ui.notice?.title, 'Integrate');
	});
});

describe('what issue 10 asked of the keys', () => {
	test('d after a boot into another kernel offers the rebuild, asked first', () => {
		const snapshot = {...simulated(), driver: {loaded: false, major: null, builtFor: '2.4.9-e.3'}};
		const asked = press(initialUi, ['d'], snapshot).ui;
		assert.deepEqual(asked.mode, {kind: 'confirm-driver', op: 'reinstall'});
		assert.deepEqual(press(asked, ['y'], snapshot).requests, [{action: {type: 'driver', op: 'reinstall'}, purpose: 'driver'}]);
	});

	test('a digit past the last slot is refused in the form, saying the range; a digit works from any field', () => {
		const form = press(initialUi, ['p', 'down', '9']).ui.mode;
		assert.equal(form.kind === 'plug' ? form.error : '', "no slot 9: this machine's slots are 1-8");
		const moved = press(initialUi, ['p', 'down', '5']).ui.mode;
		assert.deepEqual(moved.kind === 'plug' ? [moved.field, moved.slot] : [], [0, 5]);
	});

	test('u in the log pane says what it acts on instead of guessing', () => {
		const step = press({...initialUi, pane: 'log'}, ['u']);
		assert.match(step.ui.notice?.lines[0] ?? '', /selected slot, or the selected region's slot/);
		assert.equal(step.ui.mode.kind, 'browse');
	});

	test("Enter opens the selected row's whole text; Esc closes it", () => {
		const opened = press({...initialUi, pane: 'slots', cursor: {...initialUi.cursor, slots: 0}}, ['enter']).ui;
		assert.deepEqual(opened.mode, {kind: 'detail', pane: 'slots', index: 0, scroll: 0});
		const scrolled = press(opened, ['down', 'down', 'up']).ui.mode;
		assert.equal(scrolled.kind === 'detail' ? scrolled.scroll : -1, 1);
		assert.equal(press(opened, ['escape']).ui.mode.kind, 'browse');
	});

	test('a result is dropped once the machine logs past it; a message without a mark stays', () => {
		const env = envOf(simulated());
		const result = afterAction(initialUi, {action: {type: 'integrate'}, purpose: 'integrate'}, answer(true, 'integrate: 1 of 1'), env);
		assert.equal(tick(result, env).ui.notice, result.notice, 'nothing new in the log');
		const moved = envOf({...simulated(), log: [...simulated().log, '[   9.0] ham: region 0 ENABLED']});
		assert.equal(tick(result, moved).ui.notice, null);
		const message = press({...initialUi, pane: 'log'}, ['u']).ui;
		assert.equal(tick(message, moved).ui.notice, message.notice);
	});
});

test("an attempt's outcomes are one per region, the last: the clock's retry before the action is not shown twice", () => {
	const running = press(initialUi, ['r', 'enter']).ui;
	const request: Request = {action: {type: 'integrate'}, purpose: 'loop-attempt'};
	const failed = (free: string) => ({id: 0, slot: 2, status: 'FAILED', reason: `lowmem short, ${free} free`, retry: true});
	const after = afterAction(running, request, answer(true, 'integrate: 0 of 1', [failed('41 MiB'), failed('40 MiB')]), envOf(simulated()));
	assert.deepEqual(
		after.loop?.history[0]?.outcomes.map(outcome => outcome.reason),
		['lowmem short, 40 MiB free'],
	);
});
