// The one retry rule of ham_integrate's loops (the one-shots' and the console's): after attempt k
// of N, stop and why, or how long to wait. Pure: outcomes in, a decision out.
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import fc from 'fast-check';
import {nextAttempt, type TargetOutcome} from '../../source/model/retry.js';

const ok: TargetOutcome = {ok: true};
const busy: TargetOutcome = {ok: false, retry: true};
const refused: TargetOutcome = {ok: false, retry: false};

describe('nextAttempt', () => {
	test('every target done: stop, done, whatever attempts are left', () => {
		assert.deepEqual(nextAttempt([ok, ok], 1, 10, 5), {stop: 'done'});
		assert.deepEqual(nextAttempt([ok], 10, 10, 5), {stop: 'done'});
	});

	test('no target at all: nothing to do', () => {
		assert.deepEqual(nextAttempt([], 1, 10, 5), {stop: 'nothing'});
		assert.deepEqual(nextAttempt([], 3, 10, 5), {stop: 'nothing'});
	});

	test('a failure a retry can help, attempts left: wait the interval', () => {
		assert.deepEqual(nextAttempt([ok, busy], 1, 3, 5), {wait: 5});
		assert.deepEqual(nextAttempt([busy, refused], 2, 3, 0.5), {wait: 0.5}, 'one retryable failure is enough to go on');
	});

	test('only failures no retry can help: stop early, with how many are left', () => {
		assert.deepEqual(nextAttempt([ok, refused, refused], 1, 10, 5), {stop: 'no-retry', left: 2});
	});

	test('the last attempt made: attempts used up, with how many still failed', () => {
		assert.deepEqual(nextAttempt([busy, refused, ok], 3, 3, 5), {stop: 'attempts', left: 2});
		assert.deepEqual(nextAttempt([busy], 1, 1, 5), {stop: 'attempts', left: 1}, 'one attempt (the default): no wait');
	});

	test('on the last attempt, "done" and "no retry can help" still win over "attempts used up"', () => {
		assert.deepEqual(nextAttempt([ok], 1, 1, 5), {stop: 'done'});
		assert.deepEqual(nextAttempt([refused], 1, 1, 5), {stop: 'no-retry', left: 1});
	});

	test('an attempt that could not be made: stop with its error', () => {
		assert.deepEqual(nextAttempt({error: 'ham is not loaded: start it first'}, 1, 10, 5), {
			stop: 'error',
			error: 'ham is not loaded: start it first',
		});
		assert.deepEqual(nextAttempt({error: 'needs root'}, 4, 10, 5), {stop: 'error', error: 'needs root'});
	});

	test('for any outcomes: a wait only while a retry can help and attempts are left; a count is of the failures', () => {
		const outcome = fc.oneof(fc.constant(ok), fc.constant(busy), fc.constant(refused));
		fc.assert(
			fc.property(
				fc.array(outcome, {maxLength: 12}),
				fc.integer({min: 1, max: 20}),
				fc.integer({min: 1, max: 20}),
				(outcomes, attempt, attempts) => {
					const next = nextAttempt(outcomes, attempt, attempts, 7);
					const failed = outcomes.filter(each => !each.ok);
					const canRetry = failed.some(each => !each.ok && each.retry);
					assert.equal('wait' in next, canRetry && attempt < attempts);
					if ('wait' in next) {
						assert.equal(next.wait, 7);
					} else if (next.stop === 'no-retry' || next.stop === 'attempts') {
						assert.equal(next.left, failed.length);
					}
				},
			),
		);
	});
});
