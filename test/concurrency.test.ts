// Several processes changing one machine at once lose no update and apply none twice: console
// sessions (the console's own MachineSource, in long-lived processes) and scripts running one-shot
// commands in loops, all against one state file. Every change that reported success must be in the
// final state, exactly once. And a console acts on the machine as it is, never on a stale copy.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {describe, test} from 'node:test';
import type {Snapshot} from '../source/machine/snapshot.js';
import {type ConsoleAction, simulatedSource} from '../source/machine/source.js';
import {createMachine} from '../source/model/machine.js';
import {parseScenario} from '../source/model/schema.js';
import type {Machine} from '../source/model/state.js';
import {GiB, MiB} from '../source/model/units.js';
import {readMachine, stateVersion, writeMachine} from '../source/store/store.js';
import {cliPath, runProcess, tempDir} from './helpers/cli.js';

const now = 1_000_000;
const writerPath = path.resolve('test/helpers/writer.ts');

/** A DL760 whose modules stay scrubbing (the clock is fixed), so every module may be unplugged. */
function machine(): Machine {
	const spec = parseScenario({
		base: 'dl760-g2',
		controller: {scrubSecondsPerGiB: 100_000},
		plugged: [{slot: 8, size: '256M', mode: 'hot-add', label: 'stays: its region counts integrates'}],
	});
	assert.ok(spec.ok);
	return createMachine(spec.value, 1, now);
}

type Change = {lane: string; index: number; what: string; ok: boolean; text: string};

function run(command: string, args: string[]) {
	return runProcess(command, args, {HAM_TUI_NOW: String(now)});
}

/** A console session in its own process: `actions` through simulatedSource, pausing at random. */
async function consoleLane(lane: string, state: string, actions: ConsoleAction[], pauseMs: number): Promise<Change[]> {
	const result = await run(process.execPath, ['--import', 'tsx', writerPath, state, String(now), JSON.stringify(actions), String(pauseMs)]);
	assert.equal(result.code, 0, `${lane}: ${result.stderr}`);
	const lines = result.stdout
		.trimEnd()
		.split('\n')
		.map(line => JSON.parse(line) as {action: ConsoleAction; ok: boolean; message: string; outcomes: Array<{id: number}>});
	assert.equal(lines.length, actions.length, `${lane}: one answer per action`);
	return lines.map((line, index) => ({lane, index, what: describeAction(line.action), ok: line.ok, text: line.message}));
}

function describeAction(action: ConsoleAction): string {
	switch (action.type) {
		case 'plug':
			return `plug ${action.slot}`;
		case 'unplug':
			return `unplug ${action.slot}`;
		case 'driver':
			return `driver ${action.op}`;
		case 'workload':
			return `workload ${action.op}`;
		default:
			return action.type;
	}
}

/** A script running one-shot commands one after another. */
async function cliLane(lane: string, state: string, commands: string[][]): Promise<Change[]> {
	const changes: Change[] = [];
	for (const [index, args] of commands.entries()) {
		const result = await run(process.execPath, [cliPath, ...args, '--state', state]);
		const what = args
			.join(' ')
			.replace(/^--/, '')
			.replace(/(\d+):.*/, '$1');
		// --integrate exits 1 when it enabled nothing; it was applied if it reports its attempts.
		const applied = result.code === 0 || (args[0] === '--integrate' && result.stdout.includes('integrate: '));
		assert.ok(result.code === 0 || result.code === 1, `${lane} ${args.join(' ')}: exit ${result.code}: ${result.stderr}`);
		changes.push({lane, index, what: what.replace(/^(plug|unplug) /, '$1 '), ok: applied, text: result.stdout + result.stderr});
	}

	return changes;
}

const times = <T>(count: number, cycle: T[]): T[] => Array.from({length: count}, (_, index) => cycle[index % cycle.length]!);

describe('concurrent changes to one state file', () => {
	test('3 console sessions x 200 changes and 2 scripts x 60 one-shot commands: nothing lost, nothing twice', async () => {
		const dir = tempDir();
		const state = path.join(dir, 'machine.json');
		writeMachine(state, machine());
		const started = performance.now();
		const plug = (slot: number, size: number): ConsoleAction => ({type: 'plug', slot, size, mode: 'hot-add'});
		const unplug = (slot: number): ConsoleAction => ({type: 'unplug', slot});
		const lanes = await Promise.all([
			consoleLane('console 1', state, times(200, [plug(2, GiB), plug(3, GiB), unplug(2), unplug(3)]), 20),
			consoleLane(
				'console 2',
				state,
				times(200, [plug(4, GiB), {type: 'integrate'}, unplug(4), {type: 'integrate'}, plug(5, 2 * GiB), {type: 'integrate'}, unplug(5)]),
				20,
			),
			consoleLane('console 3', state, times(200, [{type: 'workload', op: 'drop-caches'}]), 20),
			cliLane(
				'script 1',
				state,
				times(60, [['--plug', '6:1G'], ['--integrate'], ['--driver', 'stop'], ['--unplug', '6'], ['--driver', 'start'], ['--integrate']]),
			),
			cliLane(
				'script 2',
				state,
				times(60, [
					['--workload', 'drop-caches'],
					['--plug', `7:${512 * MiB}`],
					['--unplug', '7'],
				]),
			),
		]);
		const seconds = (performance.now() - started) / 1000;
		const changes = lanes.flat();
		const final = readMachine(state)!;

		// Region IDs: each created by exactly one change that reported it; each dropped at most once.
		const created = new Map<number, Change>();
		const dropped = new Map<number, Change>();
		for (const change of changes.filter(change => change.ok)) {
			const ids = change.what.startsWith('plug')
				? [...change.text.matchAll(/region (\d+) (?:ENABLED|FAILED)/g)].map(match => Number(match[1]))
				: change.what === 'driver start'
					? [...change.text.matchAll(/^region (\d+) \(slot \d+\)/gm)].map(match => Number(match[1]))
					: [];
			for (const id of ids) {
				assert.ok(
					!created.has(id),
					`region ${id} created twice: by ${created.get(id)?.lane} #${created.get(id)?.index} and ${change.lane} #${change.index}`,
				);
				created.set(id, change);
			}

			for (const match of change.text.matchAll(/region (\d+) dropped/g)) {
				const id = Number(match[1]);
				assert.ok(!dropped.has(id), `region ${id} dropped twice`);
				dropped.set(id, change);
			}
		}

		// Region 0 is slot 8's, from the reset; the rest were all reported.
		assert.equal(final.driver.nextRegionId, created.size + 1, 'every region ID given was reported by one successful change');
		for (const id of dropped.keys()) {
			assert.ok(created.has(id), `region ${id} dropped but never created`);
		}

		assert.deepEqual(
			final.regions.map(region => region.id).sort((a, b) => a - b),
			[0, ...[...created.keys()].filter(id => !dropped.has(id))].sort((a, b) => a - b),
		);

		// Slot 8's region is tried once by every integrate that ran, and by nothing else.
		const integrates = changes.filter(change => change.ok && change.what === 'integrate').length;
		assert.equal(final.regions.find(region => region.id === 0)?.attempts, 1 + integrates);

		// Every caches drop that reported success is in the state (the clock is fixed: none fades).
		const drops = changes.filter(change => change.ok && change.what === 'workload drop-caches').length;
		assert.equal(final.workload.drops.length, drops);

		// Each slot belongs to one lane: its last successful change decides whether it holds a module.
		for (const slot of [2, 3, 4, 5, 6, 7]) {
			const last = changes.filter(change => change.ok && (change.what === `plug ${slot}` || change.what === `unplug ${slot}`)).at(-1);
			assert.equal(Boolean(final.slots[slot - 1]!.module), last?.what.startsWith('plug') ?? false, `slot ${slot}`);
		}

		const driver = changes.filter(change => change.ok && change.what.startsWith('driver')).at(-1);
		assert.equal(final.driver.loaded, driver?.what !== 'driver stop');
		const succeeded = changes.filter(change => change.ok).length;
		console.log(
			`# concurrency: ${changes.length} changes from 5 processes (3 console sessions x 200, 2 scripts x 60 one-shots) in ${seconds.toFixed(1)} s: ` +
				`${succeeded} reported success, all in the final state once; ${created.size} regions created, ${dropped.size} dropped, ${integrates} integrates, ${drops} cache drops`,
		);
		assert.ok(succeeded > 500, 'most changes succeed');
		const lockDir = `${state}.lock`;
		assert.ok(fs.readdirSync(lockDir).length <= 2, `the lock directory is tidy: ${fs.readdirSync(lockDir).join(', ')}`);
	});
});

describe('a console acts on the machine as it is now', () => {
	test("two console sources on one file: each sees the other's change, and never acts on a stale copy", () => {
		const state = path.join(tempDir(), 'machine.json');
		writeMachine(state, machine());
		const a = simulatedSource(state);
		const b = simulatedSource(state);
		const slot2 = (snapshot: Snapshot) => (snapshot.kind === 'simulated' ? snapshot.slots[1] : undefined);
		const seenByA = a.poll(now);
		assert.equal(slot2(seenByA)?.state, 'empty');
		assert.equal(slot2(b.poll(now))?.state, 'empty');
		assert.equal(a.poll(now), seenByA, 'nothing changed: the same snapshot');

		// B fills slot 2. A has not looked since, yet its plug into slot 2 is refused: it acts on the file.
		assert.equal(b.act({type: 'plug', slot: 2, size: GiB, mode: 'hot-add'}, now).ok, true);
		assert.equal(a.latest(), seenByA, 'latest() reads nothing');
		assert.notEqual(a.poll(now), seenByA, 'A notices the change at its next poll, without acting');
		const refused = a.act({type: 'plug', slot: 2, size: 2 * GiB, mode: 'hot-add'}, now);
		assert.equal(refused.ok, false);
		assert.match(refused.message, /slot 2 is busy: it holds a 1G hot-add module/);
		assert.equal(slot2(a.latest())?.size, '1G', "A shows B's module");

		// A unplugs it; B sees the slot empty at its next look.
		assert.equal(a.act({type: 'unplug', slot: 2}, now).ok, true);
		assert.equal(slot2(a.latest())?.state, 'empty', 'the action refreshed A at once');
		const seenByB = b.poll(now);
		assert.equal(slot2(seenByB)?.state, 'empty');
		assert.equal(b.poll(now), seenByB);
		const again = b.act({type: 'unplug', slot: 2}, now);
		assert.equal(again.ok, false);
		assert.match(again.message, /slot 2 is empty/);
	});

	test('every change moves the version a console polls, even two in the same millisecond with the same size', () => {
		const state = path.join(tempDir(), 'machine.json');
		const base = machine();
		writeMachine(state, base);
		const seen = new Set([stateVersion(state)]);
		for (let index = 0; index < 50; index++) {
			// Same content size each time: only the lock's generation tells these writes apart for sure.
			writeMachine(state, {...base, rng: index % 2});
			const version = stateVersion(state);
			assert.ok(!seen.has(version), `version ${version} seen before`);
			seen.add(version);
		}
	});
});
