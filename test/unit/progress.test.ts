import assert from 'node:assert/strict';
import {test} from 'node:test';
import {progressText} from '../../source/commands/integrate-lines.js';

test('the progress line: blocks done of all, then the rate and the time left once there is a rate', () => {
	assert.equal(progressText(0, 100_000, 0), '0 of 100,000 blocks');
	assert.equal(progressText(1, 1, 0.05), '1 of 1 block');
	assert.equal(progressText(25_000, 100_000, 2.5), '25,000 of 100,000 blocks, 10,000/s, 8 s left');
	assert.equal(progressText(1_000, 100_000, 2), '1,000 of 100,000 blocks, 500/s, 3 min 18 s left');
});

test('on an 80-column terminal the whole line fits for 100,000 blocks, whatever the rate and the time left', () => {
	for (const [done, seconds] of [
		[1, 3599],
		[99_999, 1],
		[12_345, 0.9],
		[1_000, 3500],
	] as const) {
		const line = `integrate: attempt 10/10: ${progressText(done, 100_000, seconds)}`;
		assert.ok(line.length < 80, line);
	}
});
