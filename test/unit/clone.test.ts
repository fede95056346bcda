// cloneMachine and clonePlain: deep copies that equal structuredClone's and share nothing.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import fc from 'fast-check';
import {cloneMachine, clonePlain} from '../../source/model/clone.js';
import {reachableMachine} from '../helpers/random-machines.js';

function objectsOf(value: unknown, into = new Set<object>()): Set<object> {
	if (typeof value === 'object' && value !== null) {
		into.add(value);
		for (const item of Object.values(value)) {
			objectsOf(item, into);
		}
	}

	return into;
}

test('a copy of a machine is deep-equal to it and shares no object with it', () => {
	fc.assert(
		fc.property(reachableMachine, machine => {
			for (const copy of [cloneMachine(machine), clonePlain(machine)]) {
				assert.deepStrictEqual(copy, structuredClone(machine));
				const shared = [...objectsOf(copy)].filter(object => objectsOf(machine).has(object));
				assert.deepEqual(shared, []);
			}
		}),
		{numRuns: 200},
	);
});

test('clonePlain keeps an own key named __proto__ as a key', () => {
	const parsed = JSON.parse('{"__proto__": {"polluted": true}, "a": [1, {"b": null}]}');
	const copy = clonePlain(parsed);
	assert.deepStrictEqual(Object.keys(copy), ['__proto__', 'a']);
	assert.equal(Object.getPrototypeOf(copy), Object.prototype);
	assert.deepStrictEqual(copy, structuredClone(parsed));
});
