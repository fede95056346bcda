// The state file's integrity stamp (docs/STATE.md, "The integrity stamp"): what a checked writer
// wrote is read without the invariants (and --status without the machine), and everything else,
// a stamp that does not match included, gets every check; a forged stamp gets the schema.
import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {describe, test} from 'node:test';
import {advance, createMachine, step} from '../source/model/machine.js';
import {parseScenario} from '../source/model/schema.js';
import type {Machine} from '../source/model/state.js';
import {formatStatus} from '../source/model/status.js';
import {GiB} from '../source/model/units.js';
import {readMachine, readStatus, writeMachine} from '../source/store/store.js';
import {runCli, tempDir} from './helpers/cli.js';
import {assertNoControl} from './helpers/no-control.js';

const t0 = 1_000_000;
const prefix = '{"stamp":"sha256-';

/** A dl760-g2 with a module still being scrubbed (60 s) beside two that are in: a region waits for its scrub. */
function machine(): Machine {
	const spec = parseScenario({base: 'dl760-g2', controller: {scrubSecondsPerGiB: 30}});
	assert.ok(spec.ok);
	let current = createMachine(spec.value, 3, t0);
	for (const [slot, size, mode] of [
		[2, GiB, 'hot-add'],
		[3, GiB, 'mirror'],
		[4, 2 * GiB, 'hot-add'],
	] as const) {
		current = step(current, {type: 'plug', slot, size, mode}, t0).machine;
	}

	return step(current, {type: 'integrate'}, t0 + 40).machine;
}

function written(): {state: string; machine: Machine} {
	const state = path.join(tempDir(), 'machine.json');
	const stored = machine();
	writeMachine(state, stored);
	return {state, machine: stored};
}

/** What a forger does: any text, with a stamp that matches it. */
function forge(state: string, edit: (text: string) => string): void {
	const text = fs.readFileSync(state, 'utf8');
	const body = edit(text.slice(prefix.length + 64 + 2));
	fs.writeFileSync(state, `${prefix}${createHash('sha256').update(body).digest('hex')}",${body}`);
}

/** A hand edit (or damage) that leaves the stamp as it was. */
function edit(state: string, change: (text: string) => string): void {
	const text = fs.readFileSync(state, 'utf8');
	const changed = change(text);
	assert.notEqual(changed, text, 'the edit changed nothing');
	fs.writeFileSync(state, changed);
}

const at = (state: string, t: number, ...args: string[]) => runCli([...args, '--state', state], {HAM_TUI_NOW: String(t)});

describe('the integrity stamp', () => {
	test('a written file is stamped, holds the status table, and reads back as the machine written', () => {
		const {state, machine: stored} = written();
		const text = fs.readFileSync(state, 'utf8');
		assert.match(text, /^\{"stamp":"sha256-[\da-f]{64}","status":\{"loaded":true,"until":\d+,"text":"/);
		assert.deepStrictEqual(readMachine(state), stored);
	});

	test("--status of a stamped file is the machine's table, before and after a scrub ends (then from the machine)", () => {
		const {state, machine: stored} = written();
		const scrubEnd = Math.min(
			...stored.slots.flatMap(slot => (slot.module && slot.module.scrubbedAt > stored.now ? [slot.module.scrubbedAt] : [])),
		);
		for (const t of [t0 + 40, scrubEnd - 0.5, scrubEnd, scrubEnd + 100]) {
			const result = at(state, t, '--status');
			assert.equal(result.code, 0, result.stderr);
			assert.equal(result.stdout, formatStatus(advance(stored, t).machine.regions), `at ${t}`);
			assert.equal(readStatus(state, t)?.text === undefined, t >= scrubEnd, `the stamped table is used only before the scrub ends (${t})`);
		}
	});

	test('an edit under a stamp that no longer matches gets every check: an impossible state is refused by every reader', () => {
		const {state} = written();
		edit(state, text => text.replace(/"attempts":\d+/, '"attempts":0'));
		for (const command of ['--status', '--json']) {
			const result = at(state, t0 + 41, command);
			assert.equal(result.code, 3, `${command}: ${result.stdout}`);
			assert.match(result.stderr, /not a ham-tui state file: inconsistent: region \d+: 0 attempts/);
		}

		assert.throws(() => readMachine(state), /inconsistent/);
	});

	test('a damaged byte anywhere in a stamped file: the stamp does not match, the checks run', () => {
		const {state} = written();
		const text = fs.readFileSync(state, 'utf8');
		const where = text.lastIndexOf('"t":');
		fs.writeFileSync(state, `${text.slice(0, where)}"t":1e99${text.slice(where + '"t":1000000'.length)}`);
		const result = at(state, t0 + 41, '--status');
		assert.equal(result.code, 3);
		assert.match(result.stderr, /log\.\d+\.t: past the year 9999/);
	});

	test('a forged stamp gets the schema: wrong types refused, control characters made harmless, in every output', () => {
		const {state} = written();
		forge(state, body => body.replace('"seed":3', '"seed":"3"'));
		assert.equal(at(state, t0 + 41, '--json').code, 3);

		const second = written().state;
		forge(second, body => body.replace('"label":""', '"label":"\\u001b]0;owned\\u0007\\u001b[2J"'));
		for (const command of ['--status', '--json']) {
			const result = at(second, t0 + 41, command);
			assert.equal(result.code, 0, result.stderr);
			assertNoControl(result.stdout.replaceAll('\n', '').replaceAll('\t', ''), command);
		}
	});

	test('a forged status table is printed only if it is /proc/ham/status lines; anything else is read from the machine', () => {
		const {state, machine: stored} = written();
		forge(state, body => body.replace('"text":"0\\t', '"text":"\\u001b[2J0\\t'));
		const result = at(state, t0 + 41, '--status');
		assert.equal(result.code, 0, result.stderr);
		assert.equal(result.stdout, formatStatus(advance(stored, t0 + 41).machine.regions));
	});

	test('a forged stamp over an impossible state: read, but no change is ever written from it', () => {
		const {state} = written();
		forge(state, body => body.replace(/"attempts":\d+/, '"attempts":0'));
		assert.equal(at(state, t0 + 41, '--json').code, 0, 'a stamp is a claim: the invariants are not run on a stamped read');
		const before = fs.readFileSync(state, 'utf8');
		const plug = at(state, t0 + 41, '--plug', '5:1G');
		assert.equal(plug.code, 1, plug.stderr);
		assert.match(plug.stderr, /refused: the change would leave a state that cannot be used \(inconsistent: region \d+: 0 attempts/);
		assert.equal(fs.readFileSync(state, 'utf8'), before);
	});

	test('a format-1 file (no stamp) is read with every check, and the next change writes it stamped, as format 2', () => {
		const {state, machine: stored} = written();
		fs.writeFileSync(state, `${JSON.stringify({...stored, format: 1})}\n`);
		assert.equal(at(state, t0 + 41, '--status').stdout, formatStatus(advance(stored, t0 + 41).machine.regions));
		assert.equal(at(state, t0 + 41, '--plug', '5:1G').code, 0);
		const text = fs.readFileSync(state, 'utf8');
		assert.ok(text.startsWith(prefix));
		assert.match(text, /"format":2,/);
	});
});
