// The fast path of the state file's schema (source/model/schema-fast.ts) may only ever say yes
// to a value valibot's machineSchema takes and hands back unchanged; and it must say yes to every
// machine ham-tui writes, or reads would not be fast. checkMachine (the writer's check, without
// the JSON round trip) answers as parseMachine of the round trip does.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import fc from 'fast-check';
import * as v from 'valibot';
import {checkMachine, machineSchema, parseMachine} from '../../source/model/schema.js';
import {isCanonicalMachine} from '../../source/model/schema-fast.js';
import type {Machine} from '../../source/model/state.js';
import {machineWithRegions} from '../helpers/big.js';
import {reachableMachine} from '../helpers/random-machines.js';

const roundTrip = (machine: Machine): unknown => JSON.parse(JSON.stringify(machine));

/** Where a value can be changed: every path to an object's key or an array's item. */
function paths(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
	if (typeof value !== 'object' || value === null) {
		return [prefix];
	}

	const inner = Array.isArray(value)
		? value.flatMap((item, index) => paths(item, [...prefix, index]))
		: Object.entries(value).flatMap(([key, item]) => paths(item, [...prefix, key]));
	return [prefix, ...inner];
}

type Change = {kind: 'set'; value: unknown} | {kind: 'delete'} | {kind: 'add'; key: string; value: unknown};

/** The values a hand edit, a bug or damage puts in a field. */
const oddValue = fc.oneof(
	fc.jsonValue({maxDepth: 2}),
	fc.constantFrom(-0, 0.5, -1, 2 ** 52, 2 ** 52 + 2, 2 ** 53, 1e21, 253_402_300_800, 4_294_967_296, 4096, 4097, 65_537, 1.5),
	fc.constantFrom('4G', '0x100000000', '', 'x'.repeat(65), 'x'.repeat(1001), 'a\u001Bb', '\u0085', 'READ', 'mirror', 'normal', 'ENABLED'),
	fc.constantFrom(null, true, false, [], {}, [1], {a: 1}),
);
const change: fc.Arbitrary<Change> = fc.oneof(
	{weight: 6, arbitrary: oddValue.map(value => ({kind: 'set' as const, value}))},
	{weight: 1, arbitrary: fc.constant({kind: 'delete' as const})},
	{
		weight: 1,
		arbitrary: fc.record({kind: fc.constant('add' as const), key: fc.constantFrom('extra', '__proto__', 'label', '7'), value: oddValue}),
	},
);

function changed(value: unknown, path: Array<string | number>, how: Change): unknown {
	const copy = structuredClone(value);
	if (path.length === 0) {
		return how.kind === 'set' ? how.value : copy;
	}

	let parent = copy as Record<string | number, unknown>;
	for (const key of path.slice(0, -1)) {
		parent = parent[key] as Record<string | number, unknown>;
	}

	const last = path.at(-1) as string | number;
	if (how.kind === 'set') {
		parent[last] = how.value;
	} else if (how.kind === 'delete') {
		if (Array.isArray(parent)) {
			parent.splice(Number(last), 1);
		} else {
			delete parent[last];
		}
	} else {
		const target = parent[last];
		if (typeof target === 'object' && target !== null && !Array.isArray(target)) {
			Object.defineProperty(target, how.key, {value: how.value, enumerable: true, writable: true, configurable: true});
		}
	}

	return copy;
}

function assertOnlyWhatTheSchemaKeeps(input: unknown): boolean {
	if (!isCanonicalMachine(input)) {
		return false;
	}

	const parsed = v.safeParse(machineSchema, input);
	assert.ok(parsed.success, `the fast path took what the schema refuses: ${parsed.success ? '' : parsed.issues[0].message}`);
	assert.deepStrictEqual(parsed.output, input, 'the fast path took what the schema changes');
	return true;
}

test('every machine ham-tui writes takes the fast path, and the schema gives it back unchanged', () => {
	fc.assert(
		fc.property(reachableMachine, machine => {
			assert.ok(assertOnlyWhatTheSchemaKeeps(roundTrip(machine)));
			assert.ok(isCanonicalMachine(machine), 'in memory too: the writer skips the JSON round trip');
		}),
		{numRuns: 300},
	);
	assert.ok(assertOnlyWhatTheSchemaKeeps(roundTrip(machineWithRegions(300))));
});

test('a changed field: the fast path says yes only where the schema takes it unchanged', () => {
	let taken = 0;
	let refused = 0;
	fc.assert(
		fc.property(reachableMachine, fc.nat(), change, (machine, pick, how) => {
			const input = roundTrip(machine);
			const all = paths(input);
			const mutated = changed(input, all[pick % all.length] as Array<string | number>, how);
			if (assertOnlyWhatTheSchemaKeeps(mutated)) {
				taken++;
			} else {
				refused++;
			}
		}),
		{numRuns: 4000},
	);
	// Both answers must come up, or the test proves nothing.
	assert.ok(taken > 100 && refused > 100, `taken ${taken}, refused ${refused}`);
});

test('checkMachine answers as the reader would after a JSON round trip, for machines in memory that JSON changes', () => {
	const answer = (result: ReturnType<typeof parseMachine>) => (result.ok ? 'ok' : result.error);
	fc.assert(
		fc.property(reachableMachine, fc.nat(), change, (machine, pick, how) => {
			const all = paths(machine);
			const mutated = changed(machine, all[pick % all.length] as Array<string | number>, how) as Machine;
			assert.equal(answer(checkMachine(mutated)), answer(parseMachine(JSON.parse(JSON.stringify(mutated) ?? 'null'))));
		}),
		{numRuns: 1500},
	);
	const machine = fc.sample(reachableMachine, {numRuns: 1, seed: 1})[0] as Machine;
	for (const odd of [
		{...machine, now: -0},
		{...machine, seed: Number.NaN},
		{...machine, rng: undefined},
		{...machine, extra: undefined},
	]) {
		assert.equal(answer(checkMachine(odd as Machine)), answer(parseMachine(JSON.parse(JSON.stringify(odd)))));
	}
});
