// The benchmarks' big machines (test/helpers/big.ts) are written down directly, in O(n): they
// must be exactly what the model's own plugs make.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {stateProblems} from '../../source/model/invariants.js';
import {machineWithRegions, machineWithRegionsReplayed} from '../helpers/big.js';

test('machineWithRegions is the machine the model makes by plugging every module', () => {
	for (const count of [1, 7, 199, 201, 450]) {
		assert.deepStrictEqual(machineWithRegions(count), machineWithRegionsReplayed(count), `${count} regions`);
	}

	assert.deepEqual(stateProblems(machineWithRegions(450, 1_000_000, 5)), []);
});
