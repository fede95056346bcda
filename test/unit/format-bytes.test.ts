// formatBytes is pretty-bytes' output ({binary: true, maximumFractionDigits: 1}) made without
// Intl (whose first use costs a one-shot ICU's start-up): the same text for every byte count.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import fc from 'fast-check';
import prettyBytes from 'pretty-bytes';
import {formatBytes} from '../../source/model/format-bytes.js';

const pretty = (bytes: number) => prettyBytes(bytes, {binary: true, maximumFractionDigits: 1});

test('formatBytes says what pretty-bytes says, for byte counts of every size', () => {
	fc.assert(
		fc.property(fc.integer({min: 0, max: 52}), fc.double({min: 0, max: 1, noNaN: true}), (bits, fraction) => {
			const bytes = Math.floor(fraction * 2 ** bits);
			assert.equal(formatBytes(bytes), pretty(bytes));
		}),
		{numRuns: 20_000},
	);
});

test('formatBytes at and around every unit and tenth of a unit, and odd values', () => {
	const values = [0, 1, 0.5, 1023, 1024, 1025, 1048575, 1048576, 2 ** 53, -1, -2048, 1.5, 999.99, Number.MAX_SAFE_INTEGER];
	for (let exponent = 0; exponent <= 5; exponent++) {
		for (let tenth = 1; tenth <= 10_240; tenth += tenth < 1024 ? 1 : 10) {
			const bytes = (1024 ** exponent * tenth) / 10;
			values.push(Math.floor(bytes), Math.ceil(bytes), Math.floor(bytes) - 1, Math.ceil(bytes) + 1);
		}
	}

	for (const bytes of values) {
		assert.equal(formatBytes(bytes), pretty(bytes), `${bytes} bytes`);
	}
});
