// The console as an operator uses it: each interaction, and what the screen then shows.
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {afterEach, describe, test} from 'node:test';
import {step} from '../source/model/machine.js';
import {GiB} from '../source/model/units.js';
import {cliPath} from './helpers/cli.js';
import {keys, startConsole} from './helpers/console.js';
import {machineWith, t0} from './helpers/machine.js';

let current: ReturnType<typeof startConsole> | undefined;
afterEach(() => {
	current?.unmount();
	current = undefined;
});

function open(machine = machineWith()) {
	current = startConsole(machine);
	return current;
}

/** A DL760 under heavy load with a 4G region that failed for lack of lowmem. */
function lowmemShort() {
	const machine = machineWith({controller: {scrubSecondsPerGiB: 0}, workload: {initial: 'heavy'}});
	return step(machine, {type: 'plug', slot: 2, size: 4 * GiB, mode: 'hot-add'}, machine.now).machine;
}

describe('console', () => {
	test('a fresh machine: header, slots, resources, and how to plug a module', async () => {
		const ui = open();
		const screen = await ui.waitFor('Regions 0');
		assert.match(screen, /ham-tui .*dl760-g2 · 2\.4\.9-e\.3-memhotadd · ham major \d+/);
		assert.match(screen, /1 4G\s+boot memory/);
		assert.match(screen, /2 -\s+empty/);
		assert.match(screen, /lowmem .* free of 895\.6 MiB/);
		assert.match(screen, /No region yet.*\n.*Press p to plug a module/);
		assert.match(screen, /p plug u unplug i integrate r retry w workload/);
	});

	test('p plugs a module: the region appears, scrubbing, then ENABLED', async () => {
		const ui = open(machineWith({workload: {initial: 'idle'}}));
		await ui.press('p');
		assert.match(await ui.waitFor('Plug a module'), /Slot\s+‹ 2 ›\s+empty/);
		await ui.press(keys.enter);
		const plugged = await ui.waitFor('Regions 1');
		assert.match(plugged, /0 0x120000000\s+1G\s+WRITE\s+FAILED\s+scrubbing, retry can help/);
		await ui.advance(3);
		assert.match(await ui.waitFor('ENABLED'), /0 0x120000000\s+1G\s+READ\/WRITE ENABLED/);
	});

	test("the controller's refusal shows in the plug form, which stays open", async () => {
		const ui = open();
		await ui.press('p', '1', keys.enter);
		const screen = await ui.waitFor('refused:');
		assert.match(screen, /refused: slot 1 is busy: it holds the boot memory/);
		assert.match(screen, /Plug a module/);
		await ui.press(keys.escape);
		assert.doesNotMatch(await ui.waitFor('Regions 0'), /Plug a module/);
	});

	test('retry loop: fails for lowmem, the workload lever frees lowmem, the next attempt integrates', async () => {
		const ui = open(lowmemShort());
		await ui.waitFor('lowmem-short');
		await ui.press('r');
		assert.match(await ui.waitFor('Integrate retry loop'), /Attempts\s+‹ 10 ›/);
		await ui.press(keys.enter);
		let screen = await ui.waitFor('attempt 1 of 10 done');
		assert.match(screen, /attempt 1: region 0: FAILED — lowmem short/);
		assert.match(screen, /next in 5 s · Esc cancels/);
		await ui.press('w', 'd');
		await ui.advance(5);
		screen = await ui.waitFor('ended:');
		assert.match(screen, /ended: every region ENABLED after 2 attempts/);
		assert.match(screen, /attempt 2: region 0: ENABLED/);
		assert.match(screen, /0 0x120000000\s+4G\s+READ\/WRITE ENABLED/);
	});

	test('Esc cancels the retry loop cleanly; no attempt runs after it', async () => {
		const ui = open(lowmemShort());
		await ui.waitFor('lowmem-short');
		await ui.press('r', keys.enter);
		await ui.waitFor('attempt 1 of 10 done');
		await ui.press(keys.escape);
		assert.match(await ui.waitFor('ended:'), /ended: cancelled after 1 of 10 attempts/);
		await ui.advance(30);
		assert.match(ui.frame(), /cancelled after 1 of 10/);
		await ui.press(keys.escape);
		assert.match(await ui.waitFor(/╭─ Log/), /FAILED/);
	});

	test('unplug is refused for an ENABLED region; for a FAILED one it asks, and No is the default', async () => {
		const machine = machineWith({controller: {scrubSecondsPerGiB: 0}, workload: {initial: 'idle'}});
		const plugged = step(
			step(machine, {type: 'plug', slot: 2, size: GiB, mode: 'hot-add'}, machine.now).machine,
			{type: 'plug', slot: 3, size: GiB, mode: 'mirror'},
			machine.now,
		).machine;
		const ui = open(plugged);
		await ui.waitFor('Regions 2');
		await ui.press('u');
		assert.match(await ui.waitFor('Unplug refused'), /slot 2: region 0 is ENABLED and ham 1\.0 has no hot-remove/);
		await ui.press(keys.escape, 'j', 'u');
		assert.match(await ui.waitFor('[y/N]'), /Unplug slot 3 \(1G mirror, region 1\)\?/);
		await ui.press(keys.enter);
		assert.match(await ui.waitFor('Regions 2'), /1 0x160000000/);
		await ui.press('u', 'y');
		const screen = await ui.waitFor('Regions 1');
		assert.match(screen, /slot 3: module removed, region 1 dropped/);
	});

	test('? shows every key; Esc closes it', async () => {
		const ui = open();
		await ui.press('?');
		const screen = await ui.waitFor('Keys');
		for (const text of [
			'plug a module',
			'unplug a slot',
			'integrate once',
			'integrate retry loop',
			'workload lever',
			'start / stop / reinstall ham',
			'filter regions',
			'PgUp PgDn',
		]) {
			assert.ok(screen.includes(text), `help lacks "${text}"`);
		}

		await ui.press(keys.escape);
		assert.doesNotMatch(await ui.waitFor('Regions 0'), /integrate retry loop/);
	});

	test('/ filters the regions by text; Esc clears the filter', async () => {
		const machine = machineWith({controller: {scrubSecondsPerGiB: 0}, workload: {initial: 'idle'}});
		let plugged = machine;
		for (const [slot, mode] of [
			[2, 'hot-add'],
			[3, 'mirror'],
			[4, 'hot-add'],
		] as const) {
			plugged = step(plugged, {type: 'plug', slot, size: GiB, mode}, machine.now).machine;
		}

		const ui = open(plugged);
		await ui.waitFor('Regions 3');
		await ui.press('/', 'f', 'a', 'i', 'l', keys.enter);
		const filtered = await ui.waitFor('1 of 3, filter "fail"');
		assert.match(filtered, /1 0x160000000\s+1G\s+READ\s+FAILED\s+mirror/);
		assert.doesNotMatch(filtered, /0 0x120000000|2 0x1a0000000/);
		await ui.press(keys.escape);
		assert.match(await ui.waitFor('Regions 3 '), /0 0x120000000.*ENABLED/);
	});

	test('keys typed in one burst all count', async () => {
		const machine = machineWith({controller: {scrubSecondsPerGiB: 0}, workload: {initial: 'idle'}});
		let plugged = machine;
		for (const slot of [2, 3, 4, 5]) {
			plugged = step(plugged, {type: 'plug', slot, size: GiB, mode: 'hot-add'}, machine.now).machine;
		}

		const ui = open(plugged);
		await ui.waitFor('Regions 4');
		await ui.press('jjj');
		assert.match(ui.frame(), /› {2}3 0x1e0000000/);
		await ui.press('k');
		assert.match(ui.frame(), /› {2}2 0x1a0000000/);
	});

	test('d asks, then stops and starts the driver; without it there is no /proc/ham/status', async () => {
		const ui = open();
		await ui.press('d');
		assert.match(await ui.waitFor('[y/N]'), /Stop ham\? \/proc\/ham\/status goes, hot-added memory stays/);
		await ui.press('n');
		assert.match(ui.frame(), /ham major \d+/, 'No is the default');
		await ui.press('d', 'y');
		const stopped = await ui.waitFor('ham NOT loaded');
		assert.match(stopped, /ham is not loaded: there is no \/proc\/ham\/status/);
		await ui.press(keys.escape, 'd', 'y');
		await ui.waitFor(/ham major \d+/);
	});

	test('after a boot into another kernel d offers the rebuild, and y rebuilds and starts ham', async () => {
		const booted = step(machineWith(), {type: 'boot', version: '2.4.9-e.10'}, t0 + 5).machine;
		const ui = open(booted);
		assert.match(await ui.waitFor('ham NOT loaded'), /Press d to rebuild ham for this kernel/);
		await ui.press('d');
		assert.match(await ui.waitFor('[y/N]'), /Rebuild ham for this kernel and start it/);
		await ui.press('y');
		assert.match(await ui.waitFor(/ham major \d+/), /ham reinstalled for 2\.4\.9-e\.10/);
	});

	test('a change made by another process appears without a key press', async () => {
		const ui = open(machineWith({workload: {initial: 'idle'}}));
		await ui.waitFor('Regions 0');
		const result = spawnSync(process.execPath, [cliPath, '--plug', '5:2G', '--state', ui.state], {
			env: {...process.env, HAM_TUI_NOW: '1000000'},
		});
		assert.equal(result.status, 0, String(result.stderr));
		assert.match(await ui.waitFor('Regions 1', 2000), /0 0x120000000\s+2G/);
	});
});

describe('the console an operator trusts (issue 10)', () => {
	/** Heavy load, 4G modules in slots 2-8: every one FAILED for lack of lowmem. */
	function manyFailed() {
		let machine = machineWith({controller: {scrubSecondsPerGiB: 0}, workload: {initial: 'heavy'}});
		for (let slot = 2; slot <= 8; slot++) {
			machine = step(machine, {type: 'plug', slot, size: 4 * GiB, mode: 'hot-add', label: `bank ${slot}`}, machine.now).machine;
		}

		return machine;
	}

	test('a machine of 4 slots: every line of the resources pane on its own row, none drawn over another', async () => {
		const ui = open(machineWith({controller: {slots: 4}}));
		const screen = await ui.waitFor('Regions 0');
		const pane = screen.split('\n').slice(2, 8).join('\n');
		for (const line of [/lowmem .* free of/, /needs {3}nothing: no region is FAILED +│/, /vmalloc/, /memory {2}/, /load {4}/]) {
			assert.match(pane, line);
		}
	});

	test('the clock alone moving draws nothing new until the minute turns; a key draws at once', async () => {
		const ui = open(machineWith({workload: {swingBytes: 0, noiseBytes: 0, initial: 'idle'}}));
		const first = await ui.waitFor('Regions 0');
		const header = (screen: string) => screen.split('\n')[0] ?? '';
		assert.match(header(first), / 13:46Z up /);
		await ui.advance(1);
		assert.equal(ui.frame(), first, 'a second later: the same screen');
		await ui.advance(19);
		assert.match(header(ui.frame()), / 13:47Z up /, 't0 + 20 s is the next minute');
		await ui.press('?');
		assert.match(ui.frame(), /Keys/);
	});

	test('an integrate with more outcomes than rows counts the rest; every one is in the log; the regions title counts what is below', async () => {
		const ui = open(manyFailed());
		const before = await ui.waitFor('Regions 7');
		assert.match(before, /Regions 7 · 1-\d, \+\d below/);
		await ui.press('i');
		const screen = await ui.waitFor('Integrate at');
		assert.match(screen, /… \+\d+ more rows?/);
		assert.match(screen, /Integrate at \d\d:\d\d:\d\dZ: integrate: 0 of 7 FAILED region\(s\) enabled/);
		await ui.press(keys.tab, 'G');
		assert.match(ui.frame(), /ham: region 6 .*hot-add failed/, 'the outcomes are log lines');
	});

	test('a slot whose region FAILED says FAILED, not ready, and shows its label', async () => {
		const ui = open(manyFailed());
		const screen = await ui.waitFor('Regions 7');
		assert.match(screen, /2 4G\s+FAILED\s+region/);
		assert.doesNotMatch(screen, /4G\s+ready/);
		await ui.press(keys.tab, keys.tab, keys.enter);
		assert.match(await ui.waitFor('Slot 2: its region FAILED'), /Module label: bank 2/);
	});

	test('Enter on a region: its whole reason, what it needs and what is short, its label, its log lines; Esc closes', async () => {
		const ui = open(manyFailed());
		await ui.waitFor('Regions 7');
		await ui.press(keys.enter);
		const screen = await ui.waitFor('Region 0');
		assert.match(screen, /Why \(lowmem-short\): lowmem short: /);
		assert.match(screen, /A retry can help\./);
		assert.match(screen, /Its mem_map needs 64 MiB of lowmem/);
		assert.match(screen, /MiB short\./);
		assert.match(screen, /Module label: bank 2/);
		assert.match(screen, /In the log:/);
		assert.match(screen, /↑↓ scroll · Esc\/q closes/);
		await ui.press(keys.escape);
		assert.match(await ui.waitFor('Regions 7'), /Kernel resources/);
	});

	test("a plug's result says when it was true and goes once the machine moves on", async () => {
		const ui = open(machineWith({workload: {initial: 'heavy'}}));
		await ui.waitFor('Regions 0');
		await ui.press('p', 'down', 'right', 'right', keys.enter);
		assert.match(await ui.waitFor('Plug at'), /scrub/);
		await ui.advance(60);
		const screen = await ui.waitFor('lowmem-short');
		assert.doesNotMatch(screen, /Plug at/, 'the scrubbing result is gone: the log says what happened');
	});

	test('meter bars keep their width while the numbers beside them change', async () => {
		const ui = open(machineWith({workload: {initial: 'heavy'}}));
		const width = (screen: string) => /lowmem {2}([█░]+) /.exec(screen)?.[1]?.length;
		const first = width(await ui.waitFor('lowmem'));
		await ui.press('w', 'd');
		const second = width(await ui.waitFor('Workload at'));
		assert.ok(first !== undefined && first > 0);
		assert.equal(second, first);
	});

	test('integrate with nothing FAILED says so in the words --integrate uses', async () => {
		const ui = open();
		await ui.waitFor('Regions 0');
		await ui.press('i');
		assert.match(await ui.waitFor('Integrate at'), /integrate: no FAILED region, nothing to do/);
		assert.match(ui.frame(), /needs {3}nothing: no region is FAILED/);
	});
});
