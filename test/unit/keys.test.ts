// The binding tables are the one list of each mode's keys: the key bar, the ? screen and the
// README's table are made from them, every key in them acts, and a key that does nothing here says why.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {test} from 'node:test';
import {barItems, helpRows, keyTable, type View} from '../../source/console/bindings.js';
import {handleKey} from '../../source/console/controller.js';
import {keyLabel} from '../../source/console/key-names.js';
import {modes, specOf} from '../../source/console/modes/index.js';
import {initialUi, type Mode, type UiState} from '../../source/console/ui-state.js';
import {envOf, real, simulated, vm} from '../helpers/snapshots.js';

const machines = [simulated(), real(), vm()];

/** A console state in each mode, as the operator would find it, with room to move in every list. */
const inMode: Record<Mode['kind'], UiState> = {
	browse: {...initialUi, cursor: {slots: 2, regions: 1, log: 0}},
	help: {...initialUi, mode: {kind: 'help', back: {kind: 'browse'}}},
	plug: {...initialUi, mode: {kind: 'plug', field: 0, slot: 2, sizeIndex: 1, mode: 'hot-add', error: null}},
	'vm-plug': {...initialUi, mode: {kind: 'vm-plug', field: 0, slot: 2, sizeIndex: 1, device: 'pc-dimm', node: 0, error: null}},
	'vm-resize': {...initialUi, mode: {kind: 'vm-resize', id: 'vm0', size: 0}},
	'confirm-unplug': {...initialUi, mode: {kind: 'confirm-unplug', slot: 2}},
	'confirm-driver': {...initialUi, mode: {kind: 'confirm-driver', op: 'stop'}},
	'confirm-offline': {
		...initialUi,
		mode: {kind: 'confirm-offline', first: 8, last: 15, question: 'Offline blocks 8-15 (1G, node 0, zone Movable)?'},
	},
	'auto-online': {...initialUi, mode: {kind: 'auto-online', current: 'offline'}},
	'confirm-auto-online': {...initialUi, mode: {kind: 'confirm-auto-online', value: 'online_movable', current: 'offline'}},
	detail: {...initialUi, mode: {kind: 'detail', pane: 'regions', index: 0, scroll: 1}},
	workload: {...initialUi, mode: {kind: 'workload'}},
	filter: {...initialUi, filter: 'ab', mode: {kind: 'filter', text: 'ab'}},
	'retry-setup': {...initialUi, mode: {kind: 'retry-setup', field: 0, attempts: 10, interval: 5}},
};
const kinds = Object.keys(modes) as Array<Mode['kind']>;
/** What a catch-all binding is tried with. */
const sample = (shown: string) => ({'1-9': '3', '0-9': '3', text: 'x', 'any other key': 'n'})[shown] ?? shown;

test('every key of every binding that acts is on the ? screen of its mode, for either machine', () => {
	for (const snapshot of machines) {
		for (const kind of kinds) {
			const view: View = {snapshot, ui: inMode[kind]};
			const shown = helpRows(specOf(inMode[kind].mode), view).rows.flatMap(row => row.key.split(' '));
			for (const binding of specOf(inMode[kind].mode).bindings.filter(candidate => !candidate.disabled?.(view))) {
				for (const key of binding.keys) {
					assert.ok(shown.includes(keyLabel(key)), `${snapshot.kind} ${kind}: ${key} (${binding.description}) is not in the help`);
				}
			}
		}
	}
});

test('every key the help lists does something: it changes the console or asks for an action', () => {
	// Browse keys are tried from a list with a row above and below; the log pane is tried for the moves too.
	const regions = [0, 1, 2, 3].map(id => ({
		...simulated().regions[0],
		id,
		start: `0x${id}`,
		size: 1,
		flags: 'READ/WRITE',
		status: 'FAILED',
		slot: id + 2,
		code: null,
		reason: null,
		retry: null,
		needBytes: null,
	}));
	// The modes a key opens on each machine only: the others are never reached there.
	const only: Record<string, readonly string[]> = {
		simulated: ['vm-plug', 'vm-resize'],
		sysfs: ['plug', 'confirm-unplug', 'confirm-driver', 'workload', 'vm-plug', 'vm-resize'],
		vm: ['plug', 'confirm-driver', 'workload', 'confirm-offline', 'auto-online', 'confirm-auto-online'],
	};
	for (const snapshot of [{...simulated(), regions}, real({regions}), {...vm(), regions}]) {
		for (const kind of kinds.filter(kind => !only[snapshot.kind]?.includes(kind))) {
			const ui = inMode[kind];
			const view: View = {snapshot, ui};
			for (const binding of specOf(ui.mode).bindings.filter(candidate => !candidate.disabled?.(view))) {
				for (const key of [...binding.keys, ...(binding.match ? [sample(binding.match.shown)] : [])]) {
					if (key === 'ctrl-c') {
						continue;
					}

					// Esc on a bare main view clears the filter: give it one.
					const from = kind === 'browse' && key === 'escape' ? {...ui, filter: 'x'} : ui;
					const next = handleKey(from, key, envOf(snapshot));
					assert.ok(next.ui !== from || next.requests.length > 0, `${snapshot.kind} ${kind}: ${key} (${binding.description}) does nothing`);
				}
			}
		}
	}
});

test("a real machine's help and key bar leave out the keys that do nothing there, and say which", () => {
	const view = {snapshot: real(), ui: initialUi};
	const help = helpRows(modes.browse, view);
	assert.deepEqual(help.disabled, ['p', 'u', 's', 'w', 'd']);
	assert.ok(!help.rows.some(row => /plug a module|workload|ham/.test(row.does)));
	const bar = (snapshot: View['snapshot'], ui = initialUi) =>
		barItems(modes.browse, {snapshot, ui}).map(item => `${item.keys} ${item.word}`);
	assert.deepEqual(bar(real()), [
		'i online',
		'r retry',
		'o offline',
		'a auto',
		'Enter details',
		'/ filter',
		'Tab pane',
		'? help',
		'q quit',
	]);
	assert.deepEqual(bar(simulated()), [
		'p plug',
		'u unplug',
		'i integrate',
		'r retry',
		'w workload',
		'd driver',
		'Enter details',
		'/ filter',
		'? help',
		'q quit',
	]);
	const looping = {...initialUi, loop: {attempts: 10, interval: 5, done: 1, nextAt: 0, history: [], ended: null}};
	assert.ok(bar(simulated(), looping).includes('Esc stops loop'), 'a running loop puts Esc on the bar');
	assert.ok(!bar(simulated(), looping).includes('r retry'), 'and takes r off it');
});

test("a VM's help and key bar leave out the keys that do nothing there; without the agent, i and r too, and say why", () => {
	const bar = (snapshot: View['snapshot']) => barItems(modes.browse, {snapshot, ui: initialUi}).map(item => `${item.keys} ${item.word}`);
	assert.deepEqual(bar(vm()), [
		'p plug',
		'u unplug',
		'i online',
		'r retry',
		's size',
		'Enter details',
		'/ filter',
		'Tab pane',
		'? help',
		'q quit',
	]);
	assert.deepEqual(helpRows(modes.browse, {snapshot: vm(), ui: initialUi}).disabled, ['o', 'a', 'w', 'd']);
	const noAgent = vm({agent: null});
	assert.deepEqual(bar(noAgent), ['p plug', 'u unplug', 's size', 'Enter details', '/ filter', 'Tab pane', '? help', 'q quit']);
	assert.deepEqual(helpRows(modes.browse, {snapshot: noAgent, ui: initialUi}).disabled, ['i', 'r', 'o', 'a', 'w', 'd']);
	for (const key of ['i', 'r']) {
		const {ui, requests} = handleKey(initialUi, key, envOf(noAgent));
		assert.deepEqual(requests, [], `${key} asks nothing`);
		assert.equal(ui.mode.kind, 'browse');
		assert.equal(ui.notice?.error, true);
		assert.match(
			ui.notice?.lines[0] ?? '',
			/^No guest agent \(--qga SOCKET\): ham-tui cannot see the guest's memory blocks or online them\.$/,
		);
		assert.match(ui.notice?.lines[1] ?? '', /--qmp SOCKET --qga SOCKET/);
	}
});

test('the forms and questions have their keys on the bar, from their tables', () => {
	const bar = (kind: Mode['kind']) =>
		barItems(specOf(inMode[kind].mode), {snapshot: simulated(), ui: inMode[kind]})
			.map(item => `${item.keys} ${item.word}`)
			.join(' · ');
	assert.equal(bar('plug'), '←→ change · ↑↓ field · 1-9 slot · Enter plugs · Esc/q cancels');
	assert.equal(bar('retry-setup'), '←→ ±1 · PgUp/PgDn ±10 · ↑↓ field · Enter starts · Esc/q cancels');
	assert.equal(bar('workload'), 'd drop caches · i idle · n normal · h heavy · p peak · Esc/q cancels');
	assert.equal(bar('confirm-unplug'), 'y unplugs · any other key keeps it');
	assert.equal(bar('confirm-driver'), 'y stops · any other key keeps it');
	assert.equal(bar('filter'), 'Enter keeps it · Esc clears');
	assert.equal(bar('help'), '?/Esc/q closes the help');
	assert.equal(bar('detail'), '↑↓ scroll · Esc/q closes');
	assert.equal(bar('auto-online'), '1 offline (now) · 2 online · 3 kernel · 4 movable · Esc/q cancels');
	assert.equal(bar('confirm-auto-online'), 'y sets it · any other key keeps it');
});

test('a disabled key says why, in a notice, asks for nothing and changes nothing else', () => {
	const snapshot = real();
	const view = {snapshot, ui: initialUi};
	const disabled = modes.browse.bindings.filter(candidate => candidate.disabled?.(view));
	assert.equal(disabled.length, 5);
	for (const binding of disabled) {
		const key = binding.keys[0] ?? '';
		const next = handleKey(initialUi, key, envOf(snapshot));
		assert.deepEqual(next.ui.notice?.lines, binding.disabled?.(view), key);
		assert.equal(next.ui.notice?.error, true);
		assert.deepEqual(next.requests, []);
		assert.deepEqual({...next.ui, notice: null}, initialUi);
	}
});

test("the README's key table is the one made from the bindings", () => {
	const readme = fs.readFileSync('README.md', 'utf8');
	const between = /<!-- keys[^>]*-->\n([\s\S]*?)\n<!-- \/keys -->/.exec(readme);
	assert.ok(between, 'README has the <!-- keys --> markers');
	assert.equal(
		between[1],
		keyTable(modes.browse, {snapshot: {kind: 'simulated'}, ui: initialUi}),
		'README is stale: run npx tsx scripts/key-table.ts and paste its output',
	);
});
