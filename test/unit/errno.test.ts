// The errno module: Linux's names and one-line meanings, the errnos Node has no name for named
// from their number, and the places that show them (sysfs's describeError and errorCode, the
// state file's errorText).
import assert from 'node:assert/strict';
import os from 'node:os';
import {describe, test} from 'node:test';
import {errnoName, errnoText} from '../../source/errno.js';
import {errorText} from '../../source/store/store.js';
import {describeError, retryCanHelp} from '../../source/sysfs/integrate.js';
import {errorCode} from '../../source/sysfs/read.js';

/** What Node throws for an errno libuv has no name for: code UNKNOWN, the negated number. */
const unknownToNode = (errno: number) =>
	Object.assign(new Error('UNKNOWN: unknown error, write'), {errno: -errno, code: 'UNKNOWN', syscall: 'write'});

describe('errnoName', () => {
	test('EHWPOISON from {errno: -133, code: UNKNOWN}: named, with its meaning, and no retry can help', () => {
		const error = {errno: -133, code: 'UNKNOWN'};
		assert.equal(errnoName(error), 'EHWPOISON');
		assert.equal(errnoText('EHWPOISON'), 'memory page has hardware error');
		assert.equal(describeError(errnoName(error)!), 'EHWPOISON (memory page has hardware error)');
		assert.equal(retryCanHelp('EHWPOISON'), false, 'a poisoned page stays poisoned');
	});

	test('a code Node gives wins; the number names it when there is no code', () => {
		assert.equal(errnoName(Object.assign(new Error('busy'), {code: 'EBUSY', errno: -16})), 'EBUSY');
		assert.equal(errnoName({errno: -117}), 'EUCLEAN');
		assert.equal(errnoName({errno: 12}), 'ENOMEM', "a positive number (the kernel's sign) names it too");
	});

	test('a code that is no errno is passed on; nothing to name is undefined', () => {
		assert.equal(errnoName({code: 'a symbolic link, not followed'}), 'a symbolic link, not followed');
		assert.equal(errnoName({code: 'UNKNOWN', errno: -9999}), 'UNKNOWN');
		assert.equal(errnoName(new Error('plain')), undefined);
		assert.equal(errnoName('EBUSY'), undefined);
		assert.equal(errnoName(null), undefined);
	});

	test('every errno Node names on this machine has the same number in the table', () => {
		const numbers = os.constants.errno as Record<string, number>;
		for (const [name, number] of Object.entries(numbers)) {
			if (number <= 133 && !['EWOULDBLOCK', 'EDEADLOCK', 'ENOTSUP'].includes(name)) {
				assert.equal(errnoName({errno: -number, code: 'UNKNOWN'}), name, `${name} is ${number}`);
			}
		}
	});

	test("Linux's numbers 1 to 133 all have a name and a meaning, but the two Linux leaves unused", () => {
		const unnamed = Array.from({length: 133}, (_, index) => index + 1).filter(number => errnoName({errno: -number}) === undefined);
		assert.deepEqual(unnamed, [41, 58]);
		for (let number = 1; number <= 133; number++) {
			const name = errnoName({errno: -number});
			if (name !== undefined) {
				assert.match(errnoText(name) ?? '', /^\S.*\S$/, name);
			}
		}
	});
});

describe('errnoText', () => {
	test('one line each, aliases included; undefined for a name Linux does not have', () => {
		assert.equal(errnoText('EBUSY'), 'resource busy or locked');
		assert.equal(errnoText('EINVAL'), 'invalid argument');
		assert.equal(errnoText('ENOSPC'), 'no space left on the device');
		assert.equal(errnoText('EWOULDBLOCK'), errnoText('EAGAIN'));
		assert.equal(errnoText('ENOTSUP'), errnoText('EOPNOTSUPP'));
		assert.equal(errnoText('ENOTACODE'), undefined);
		assert.equal(errnoText('UNKNOWN'), undefined);
	});
});

describe('where errnos are shown', () => {
	test('sysfs: errorCode names what Node cannot; describeError adds the meaning', () => {
		assert.equal(errorCode(unknownToNode(133)), 'EHWPOISON');
		assert.equal(errorCode(Object.assign(new Error('x'), {code: 'EACCES'})), 'EACCES');
		assert.doesNotMatch(errorCode(new Error('no code \u001b[31m')), /\u001b/, 'a message is made safe to show');
		assert.equal(describeError('EBUSY'), 'EBUSY (resource busy or locked)');
		assert.equal(describeError('memory1 is a symbolic link, not followed'), 'memory1 is a symbolic link, not followed');
	});

	test("the state file: errorText says what an errno means, Node's message for what is none", () => {
		assert.equal(errorText(Object.assign(new Error('EACCES: permission denied, open'), {code: 'EACCES'})), 'permission denied (EACCES)');
		assert.equal(errorText(unknownToNode(133)), 'memory page has hardware error (EHWPOISON)');
		assert.equal(
			errorText(Object.assign(new Error("EEXIST: file already exists, open 'x'"), {code: 'EEXIST'})),
			'file already exists (EEXIST)',
		);
		assert.equal(errorText(Object.assign(new Error('too big'), {code: 'ERR_FS_FILE_TOO_LARGE'})), 'too big (ERR_FS_FILE_TOO_LARGE)');
		assert.equal(errorText(new Error('plain')), 'plain');
	});
});
