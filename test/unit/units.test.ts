import assert from 'node:assert/strict';
import {test} from 'node:test';
import {formatAddress, formatSize, GiB, MiB, parseSize, TiB} from '../../source/model/units.js';

test('sizes use binary suffixes: 1G is 1073741824 bytes', () => {
	const cases: Array<[string, number]> = [
		['512M', 512 * MiB],
		['1G', GiB],
		['1g', GiB],
		['4GiB', 4 * GiB],
		['2T', 2 * TiB],
		['4096', 4096],
		['64K', 65_536],
	];
	for (const [text, bytes] of cases) {
		assert.deepEqual(parseSize(text), {ok: true, value: bytes}, text);
	}
});

test('sizes that are not whole, positive and representable are refused with a reason', () => {
	for (const text of ['0', '0G', '-1G', '1.5G', '', 'G', '1X', '99999999999T', '1 G G', '0x10']) {
		const result = parseSize(text);
		assert.equal(result.ok, false, text);
		assert.ok(!result.ok && result.error.length > 0);
	}
});

test('formatSize is the shortest exact form; addresses are 0x hex of at least 8 digits', () => {
	assert.equal(formatSize(GiB), '1G');
	assert.equal(formatSize(1536 * MiB), '1536M');
	assert.equal(formatSize(1000), '1000');
	assert.equal(formatAddress(0), '0x00000000');
	assert.equal(formatAddress(64 * GiB), '0x1000000000');
});
