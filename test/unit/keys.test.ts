// The binding table is the one list of the main view's keys: the key bar, the ? screen and the
// README's table are made from it, and a key that does nothing here says why.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {test} from 'node:test';
import {handleKey} from '../../source/console/controller.js';
import {bindings, helpRows, keyBar, keyLabel, keyTable} from '../../source/console/keys.js';
import {initialUi} from '../../source/console/ui-state.js';
import {simulatedSnapshot} from '../../source/machine/simulated.js';
import type {Snapshot} from '../../source/machine/snapshot.js';
import {machineWith} from '../helpers/machine.js';

const simulated = simulatedSnapshot(machineWith(), 1_000_000);
const real = {...simulated, kind: 'sysfs'} as const satisfies Snapshot;

test('every key of every binding that acts is on the ? screen, for either machine', () => {
	for (const snapshot of [simulated, real]) {
		const shown = helpRows(snapshot).rows.flatMap(row => row.key.split(' '));
		for (const binding of bindings.filter(candidate => !candidate.disabled?.(snapshot))) {
			for (const key of binding.keys) {
				assert.ok(shown.includes(keyLabel(key)), `${snapshot.kind}: ${key} (${binding.command}) is not in the help`);
			}
		}
	}
});

test("a real machine's help and key bar leave out the keys that do nothing there, and say which", () => {
	const help = helpRows(real);
	assert.deepEqual(help.disabled, ['p', 'u', 'w', 'd']);
	assert.ok(!help.rows.some(row => /plug a module|workload|ham/.test(row.does)));
	assert.deepEqual(
		keyBar(real).map(entry => `${entry.key} ${entry.word}`),
		['i online', 'r retry', '/ filter', 'Tab pane', '? help', 'q quit'],
	);
	assert.deepEqual(
		keyBar(simulated).map(entry => `${entry.key} ${entry.word}`),
		['p plug', 'u unplug', 'i integrate', 'r retry', 'w workload', 'd driver', '/ filter', '? help', 'q quit'],
	);
});

test('a disabled key says why, in a notice, and changes nothing else', () => {
	const context = {snapshot: real, now: 1_000_000, rows: {slots: 5, regions: 5, log: 5}, act: () => assert.fail('a disabled key acted')};
	for (const binding of bindings.filter(candidate => candidate.disabled?.(real))) {
		const next = handleKey(initialUi, binding.keys[0]!, context);
		assert.deepEqual(next.notice?.lines, binding.disabled!(real), binding.command);
		assert.equal(next.notice?.error, true);
		assert.deepEqual({...next, notice: null}, initialUi);
	}
});

test("the README's key table is the one made from the bindings", () => {
	const readme = fs.readFileSync('README.md', 'utf8');
	const between = /<!-- keys[^>]*-->\n([\s\S]*?)\n<!-- \/keys -->/.exec(readme);
	assert.ok(between, 'README has the <!-- keys --> markers');
	assert.equal(between[1], keyTable(simulated), 'README is stale: run npx tsx scripts/key-table.ts and paste its output');
});
