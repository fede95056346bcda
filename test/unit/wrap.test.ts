import assert from 'node:assert/strict';
import {test} from 'node:test';
import {fitRows, wrapLine} from '../../source/console/wrap.js';

test('a line wraps at spaces, and a word longer than a row is cut', () => {
	assert.deepEqual(wrapLine('the lock is held by process 42', 12), ['the lock is', 'held by', 'process 42']);
	assert.deepEqual(wrapLine('x'.repeat(25), 10), ['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
	assert.deepEqual(wrapLine('', 10), ['']);
});

test('rows that do not fit are counted on the last row, never dropped silently', () => {
	const rows = fitRows(['one two three four five six'], 6, 3);
	assert.deepEqual(
		rows.map(row => row.text),
		['one', 'two', '… +4 more rows'],
	);
	assert.deepEqual(
		fitRows(['a', 'b'], 10, 2).map(row => row.text),
		['a', 'b'],
	);
});
