// The model's invariants, checked after every step of random runs (fast-check): random machines
// (both presets, wired slots past 64G and over firmware, small vmalloc, a driver built for another
// kernel, modules plugged at reset, names full of escape sequences) and random operations at random
// times. A failing run is shrunk and printed with fast-check's seed and path, and as a readable list
// of actions with their times, so it replays.
//   HAM_TUI_FC_RUNS=N      more (or fewer) runs than the 1,000 of CI
//   HAM_TUI_FC_SEED=S      replay fast-check's seed S (with HAM_TUI_FC_PATH=P: the shrunk case)
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import fc from 'fast-check';
import {checkInvariants, stateProblems} from '../../source/model/invariants.js';
import {type Action, createMachine, replay, step} from '../../source/model/machine.js';
import {defaultPreset, presets} from '../../source/model/presets.js';
import {parseMachine, parseScenario} from '../../source/model/schema.js';
import type {MachineSpec} from '../../source/model/spec.js';
import type {Machine} from '../../source/model/state.js';
import {formatSize, GiB, MiB} from '../../source/model/units.js';
import {machineWith, quietMachine, t0} from '../helpers/machine.js';

const runs = Number(process.env.HAM_TUI_FC_RUNS ?? 1000);
const seed = process.env.HAM_TUI_FC_SEED === undefined ? undefined : Number(process.env.HAM_TUI_FC_SEED);
const replayPath = process.env.HAM_TUI_FC_PATH;

/** Text with the things a hostile scenario puts in names: CSI, OSC, C1 controls, DEL, newlines. */
const hostileText = fc.constantFrom(
	'',
	'cartridge B',
	'\u001B[2J\u001B[31mred',
	'\u001B]0;owned\u0007',
	'\u009B6n\u0085next',
	'tab\there\nline\u007F',
);

type Variation = {
	base: 'dl760-g2' | 'x86_64';
	scrub: number | undefined;
	wired: 'none' | 'past-limit' | 'over-firmware' | 'misaligned' | 'over-boot-ram';
	firmware: boolean;
	vmalloc: number | undefined;
	initial: 'idle' | 'normal' | 'heavy' | 'peak';
	driver: 'loaded' | 'stopped' | 'built-for-another';
	plugged: Array<{slot: number; size: number; mode: 'hot-add' | 'mirror'; label: string}>;
	name: string;
};

const variation: fc.Arbitrary<Variation> = fc.record({
	base: fc.constantFrom('dl760-g2', 'x86_64'),
	scrub: fc.constantFrom(undefined, 0, 2, 30),
	wired: fc.constantFrom('none', 'past-limit', 'over-firmware', 'misaligned', 'over-boot-ram'),
	firmware: fc.boolean(),
	vmalloc: fc.constantFrom(undefined, undefined, 44 * MiB, 48 * MiB, 64 * MiB),
	initial: fc.constantFrom('idle', 'normal', 'heavy', 'peak'),
	driver: fc.constantFrom('loaded', 'loaded', 'stopped', 'built-for-another'),
	plugged: fc.uniqueArray(
		fc.record({
			slot: fc.integer({min: 2, max: 8}),
			size: fc.constantFrom(512 * MiB, GiB, 2 * GiB, 4 * GiB),
			mode: fc.constantFrom('hot-add', 'hot-add', 'mirror'),
			label: hostileText,
		}),
		{maxLength: 3, selector: plugged => plugged.slot},
	),
	name: hostileText,
}) as fc.Arbitrary<Variation>;

/** A scenario file's content for the variation, checked by the same parser as --scenario. */
function scenario(v: Variation): MachineSpec {
	const dl760 = v.base === 'dl760-g2';
	const slotBases: Record<string, string> = {
		none: {},
		'past-limit': dl760 ? {'7': '65024M'} : {'7': '1020G'},
		'over-firmware': dl760 ? {'6': '6G'} : {'6': '5G'},
		misaligned: dl760 ? {'5': '8320M'} : {'5': '4160M'},
		'over-boot-ram': {'4': '0'},
	}[v.wired] as Record<string, string>;
	const changes: Record<string, unknown> = {
		base: v.base,
		description: `variation ${v.name}`,
		controller: {
			...(v.scrub === undefined ? {} : {scrubSecondsPerGiB: v.scrub}),
			...(v.wired === 'past-limit' ? {addressLimitBytes: dl760 ? '128G' : '1T'} : {}),
			slotBases,
		},
		workload: {initial: v.initial},
		driver: {
			loaded: v.driver !== 'stopped',
			builtFor: v.driver === 'built-for-another' ? 'another-kernel' : dl760 ? '2.4.9-e.3-memhotadd' : '6.8.0-generic',
		},
		plugged: v.plugged.filter(module => !slotBases[String(module.slot)]).map(module => ({...module, size: String(module.size)})),
	};
	if (v.name !== '') {
		changes.name = v.name;
	}

	if (v.firmware) {
		const resources = dl760
			? [
					{name: 'Video ROM / BIOS', start: '0xa0000', size: '384K'},
					{name: 'PCI Bus', start: '0xe0000000', size: '512M'},
				]
			: [
					{name: 'Video ROM / BIOS', start: '0xa0000', size: '384K'},
					{name: 'PCI Bus', start: '0xc0000000', size: '1G'},
				];
		changes.boot = {resources: [...resources, {name: 'ACPI NVS \u001B[5m', start: dl760 ? '6G' : '5G', size: '16M'}]};
	}

	if (v.vmalloc !== undefined && dl760) {
		changes.kernel = {vmallocBytes: v.vmalloc};
	}

	const parsed = parseScenario(changes);
	if (!parsed.ok) {
		throw new Error(`the test made an invalid scenario: ${parsed.error}\n${JSON.stringify(changes)}`);
	}

	return parsed.value;
}

type Op =
	| {type: 'plug'; slot: number; size: number; mode: 'hot-add' | 'mirror'}
	| {type: 'unplug'; slot: number}
	| {type: 'integrate'}
	| {type: 'driver'; op: 'start' | 'stop' | 'reinstall'}
	| {type: 'workload'; op: 'drop-caches' | 'idle' | 'normal' | 'heavy' | 'peak'}
	| {type: 'boot'; version: 'same' | 'other'}
	| {type: 'tick'};

/** Mostly slots that exist; sometimes 0 or past the last (9 is real on x86_64 only). */
const slotNumber = fc.oneof({weight: 9, arbitrary: fc.integer({min: 2, max: 8})}, {weight: 1, arbitrary: fc.constantFrom(0, 1, 9, 10)});
/** Mostly sizes both presets take; sometimes ones they do not (256M, 3G on x86_64; 8G, 64G on the DL760). */
const moduleSize = fc.oneof(
	{weight: 8, arbitrary: fc.constantFrom(512 * MiB, GiB, 2 * GiB, 4 * GiB)},
	{weight: 2, arbitrary: fc.constantFrom(256 * MiB, 3 * GiB, 8 * GiB, 64 * GiB)},
);

const op: fc.Arbitrary<Op> = fc.oneof(
	{
		weight: 6,
		arbitrary: fc.record({
			type: fc.constant('plug' as const),
			slot: slotNumber,
			size: moduleSize,
			mode: fc.constantFrom('hot-add' as const, 'hot-add' as const, 'hot-add' as const, 'mirror' as const),
		}),
	},
	{weight: 2, arbitrary: fc.record({type: fc.constant('unplug' as const), slot: slotNumber})},
	{weight: 4, arbitrary: fc.constant({type: 'integrate' as const})},
	{
		weight: 1,
		arbitrary: fc.record({
			type: fc.constant('driver' as const),
			op: fc.constantFrom('start' as const, 'stop' as const, 'reinstall' as const),
		}),
	},
	{
		weight: 2,
		arbitrary: fc.record({
			type: fc.constant('workload' as const),
			op: fc.constantFrom('drop-caches' as const, 'idle' as const, 'normal' as const, 'heavy' as const, 'peak' as const),
		}),
	},
	{weight: 1, arbitrary: fc.record({type: fc.constant('boot' as const), version: fc.constantFrom('same' as const, 'other' as const)})},
	{weight: 2, arbitrary: fc.constant({type: 'tick' as const})},
);

/** Seconds after the previous action; a negative gap is a clock that went back (it must not). */
const gap = fc.constantFrom(0, 0.25, 1, 2, 5, 5, 17, 60, 60, 301, 3600, -5);
const steps = fc.array(fc.record({gap, op}), {minLength: 1, maxLength: 60, size: 'max'});

function toAction(op: Op, spec: MachineSpec): Action {
	return op.type === 'boot' ? {type: 'boot', version: op.version === 'same' ? spec.kernel.version : '2.6.0-other'} : op;
}

function describeAction(action: Action): string {
	switch (action.type) {
		case 'plug':
			return `plug slot ${action.slot} ${formatSize(action.size)} ${action.mode}`;
		case 'unplug':
			return `unplug slot ${action.slot}`;
		case 'driver':
			return `driver ${action.op}`;
		case 'workload':
			return `workload ${action.op}`;
		case 'boot':
			return `boot ${action.version}`;
		default:
			return action.type;
	}
}

function describeRun(v: Variation, machineSeed: number, timed: Array<{action: Action; t: number}>, failedAt: number): string {
	return [
		`  machine: ${JSON.stringify(v)}, seed ${machineSeed}, created at t0 = ${t0}`,
		...timed.map(
			({action, t}, index) => `  ${index === failedAt ? '>' : ' '} t0${t - t0 >= 0 ? '+' : ''}${t - t0}s  ${describeAction(action)}`,
		),
	].join('\n');
}

let stepsChecked = 0;
let sequencesChecked = 0;
const outcomes = {enabled: 0, noRetry: 0, refused: 0, boots: 0};

function checkRun(v: Variation, machineSeed: number, ops: Array<{gap: number; op: Op}>): void {
	const spec = scenario(v);
	const initial = createMachine(spec, machineSeed, t0);
	const timed: Array<{action: Action; t: number}> = [];
	const fail = (problems: string[], at: number) => {
		throw new Error(`${problems.join('\n')}\n${describeRun(v, machineSeed, timed, at)}`);
	};

	const first = stateProblems(initial);
	if (first.length > 0) {
		fail(first, -1);
	}

	assert.deepEqual(createMachine(spec, machineSeed, t0), initial, 'the same spec and seed make the same machine');
	const noRetry = new Set<number>();
	let machine = initial;
	for (const [index, {gap, op}] of ops.entries()) {
		const action = toAction(op, spec);
		const t = machine.now + gap;
		timed.push({action, t});
		const result = step(machine, action, t);
		const problems = checkInvariants(machine, action, t, result, noRetry);
		if (problems.length > 0) {
			fail(problems, index);
		}

		outcomes.refused += result.ok ? 0 : 1;
		outcomes.boots += action.type === 'boot' ? 1 : 0;
		outcomes.enabled += result.outcomes.filter(outcome => outcome.after === 'ENABLED').length;
		outcomes.noRetry += result.outcomes.filter(outcome => outcome.failure && !outcome.failure.retry).length;
		machine = result.machine;
		stepsChecked++;
	}

	// Replaying the seed and the timed actions gives the same bytes, and the state file written
	// for the machine reads back as the same machine.
	if (JSON.stringify(replay(initial, timed)) !== JSON.stringify(machine)) {
		fail(['replaying the run gave another machine'], timed.length - 1);
	}

	const reread = parseMachine(JSON.parse(JSON.stringify(machine)));
	if (!reread.ok || JSON.stringify(reread.value) !== JSON.stringify(machine)) {
		fail([`the state file of this machine does not read back: ${reread.ok ? 'different' : reread.error}`], timed.length - 1);
	}

	sequencesChecked++;
}

describe('model invariants (property-based)', () => {
	test(`${runs} random runs: every invariant after every step`, () => {
		const started = performance.now();
		fc.assert(fc.property(variation, fc.nat({max: 2 ** 32 - 1}), steps, checkRun), {
			numRuns: runs,
			...(seed === undefined ? {} : {seed}),
			...(replayPath === undefined ? {} : {path: replayPath}),
			includeErrorInReport: true,
		});
		const seconds = ((performance.now() - started) / 1000).toFixed(1);
		console.log(
			`# invariants: ${sequencesChecked} sequences, ${stepsChecked} steps checked in ${seconds} s; ` +
				`${outcomes.enabled} regions enabled, ${outcomes.noRetry} failures no retry can help, ${outcomes.refused} refusals, ${outcomes.boots} boots`,
		);
		assert.ok(sequencesChecked >= runs);
		if (replayPath === undefined && runs >= 100) {
			assert.ok(outcomes.enabled > runs / 2 && outcomes.noRetry > runs / 10, 'the runs reach both outcomes often');
		}
	});
});

describe('the checks catch what they name', () => {
	const enabledAt = (changes: Record<string, unknown> = {}) => {
		const machine = quietMachine(changes);
		return step(machine, {type: 'plug', slot: 2, size: GiB, mode: 'hot-add'}, machine.now).machine;
	};

	const broken: Array<[string, (machine: Machine) => void, RegExp]> = [
		[
			'two ENABLED regions overlap',
			machine => {
				const copy = structuredClone(machine.regions[0]!);
				machine.slots[2]!.module = structuredClone(machine.slots[1]!.module);
				machine.regions.push({...copy, id: 1, slot: 3});
				machine.driver.nextRegionId = 2;
			},
			/overlap/,
		],
		[
			'an ENABLED region over a reserved range',
			machine => {
				machine.regions[0]!.start = 3.5 * GiB;
				machine.slots[1]!.module!.start = 3.5 * GiB;
			},
			/ENABLED over "PCI Bus"|ENABLED over "boot System RAM"/,
		],
		[
			'an ENABLED Hot-Mirror module',
			machine => {
				machine.slots[1]!.module!.mode = 'mirror';
			},
			/Hot-Mirror/,
		],
		[
			'a region of an empty slot',
			machine => {
				machine.slots[1]!.module = null;
			},
			/holds no module/,
		],
		[
			'IDs out of order',
			machine => {
				machine.regions[0]!.id = 7;
			},
			/next ID/,
		],
		[
			'a mem_map counted twice (lowmem overdrawn)',
			machine => {
				machine.spec.kernel.reservedLowmemBytes = 890 * MiB;
			},
			/overdrawn|free lowmem/,
		],
		[
			'a loaded driver built for another kernel',
			machine => {
				machine.driver.builtFor = 'x';
			},
			/built for x is loaded/,
		],
		[
			'an escape sequence in a label',
			machine => {
				machine.slots[1]!.module!.label = '\u001B[31m';
			},
			/control character/,
		],
		[
			'slots out of order',
			machine => {
				machine.slots.reverse();
			},
			/slot entry 0/,
		],
	];
	for (const [what, breakIt, message] of broken) {
		test(what, () => {
			const machine = enabledAt();
			assert.deepEqual(stateProblems(machine), []);
			breakIt(machine);
			assert.match(stateProblems(machine).join('\n'), message);
		});
	}

	test('an ENABLED region unplugged, and a no-retry failure enabled, are caught across steps', () => {
		const before = enabledAt();
		const unplugged = structuredClone(before);
		unplugged.slots[1]!.module = null;
		unplugged.regions = [];
		const problems = checkInvariants(before, {type: 'unplug', slot: 2}, before.now, {
			machine: unplugged,
			ok: true,
			message: '',
			outcomes: [],
		});
		assert.match(problems.join('\n'), /ENABLED region 0 \(slot 2\) is gone after unplug/);
		const mirror = quietMachine();
		const failed = step(mirror, {type: 'plug', slot: 2, size: GiB, mode: 'mirror'}, mirror.now).machine;
		const noRetry = new Set<number>();
		assert.deepEqual(
			checkInvariants(mirror, {type: 'tick'}, mirror.now, {machine: failed, ok: true, message: '', outcomes: []}, noRetry),
			[],
		);
		assert.ok(noRetry.has(0));
		const rebooted = step(failed, {type: 'boot', version: failed.kernel.version}, failed.now + 1).machine;
		const forged = structuredClone(rebooted);
		forged.regions = [{...structuredClone(failed.regions[0]!), status: 'ENABLED', failure: null}];
		assert.match(
			checkInvariants(rebooted, {type: 'tick'}, rebooted.now, {machine: forged, ok: true, message: '', outcomes: []}, noRetry).join('\n'),
			/once failed for a reason no retry can help/,
		);
	});

	test('found by these runs: a scrub that ends while ham is unloaded is added when ham loads again', () => {
		// Was: the region kept failing for "still being scrubbed" after the scrub, until an integrate.
		const machine = machineWith({workload: {initial: 'idle'}, plugged: [{slot: 2, size: '512M', mode: 'hot-add'}]}, 0);
		const stopped = step(machine, {type: 'driver', op: 'stop'}, t0).machine;
		const started = step(stopped, {type: 'driver', op: 'start'}, t0 + 301);
		assert.equal(started.machine.regions[0]?.status, 'ENABLED');
		assert.deepEqual(
			started.outcomes.map(outcome => [outcome.id, outcome.after]),
			[[0, 'ENABLED']],
		);
		assert.deepEqual(checkInvariants(stopped, {type: 'driver', op: 'start'}, t0 + 301, started), []);
	});

	test('found by these runs: an address written "0" in a scenario is address 0, not "not a valid size"', () => {
		assert.ok(parseScenario({base: 'dl760-g2', controller: {slotBases: {'4': '0'}}}).ok);
		assert.ok(!parseScenario({base: 'dl760-g2', controller: {moduleSizes: ['0']}}).ok, 'a size of 0 is still refused');
	});

	test('a failing run is printed with its actions and times', () => {
		const v: Variation = {
			base: 'dl760-g2',
			scrub: 0,
			wired: 'none',
			firmware: false,
			vmalloc: undefined,
			initial: 'idle',
			driver: 'loaded',
			plugged: [],
			name: '',
		};
		const text = describeRun(
			v,
			7,
			[
				{action: {type: 'plug', slot: 2, size: GiB, mode: 'hot-add'}, t: t0 + 2},
				{action: {type: 'integrate'}, t: t0 + 3},
			],
			1,
		);
		assert.match(text, / {3}t0\+2s {2}plug slot 2 1G hot-add\n {2}> t0\+3s {2}integrate/);
		assert.match(text, /seed 7/);
	});

	test('the machine helpers give clean machines', () => {
		assert.deepEqual(stateProblems(machineWith()), []);
		assert.deepEqual(
			stateProblems(
				createMachine(
					scenario({
						base: 'x86_64',
						scrub: undefined,
						wired: 'past-limit',
						firmware: true,
						vmalloc: undefined,
						initial: 'peak',
						driver: 'loaded',
						plugged: [],
						name: '\u001B[2J',
					}),
					1,
					t0,
				),
			),
			[],
		);
	});
});

test("each preset is found by its spec's own name, the default among them", () => {
	for (const [name, spec] of Object.entries(presets)) {
		assert.equal(spec.name, name);
		assert.ok(parseScenario(spec).ok, name);
	}

	assert.ok(Object.hasOwn(presets, defaultPreset));
});
