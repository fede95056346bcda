// The rooms of source/ and what each may import (docs/ARCHITECTURE.md). A forbidden import fails
// here, in the unit tier, before it can slow a one-shot down or tie the model to a file system.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';

/** Every static import of a file (`import ... from 'x'`, `export ... from 'x'`); `import('x')` is not one. */
function staticImports(file: string): string[] {
	const text = fs.readFileSync(file, 'utf8');
	return [...text.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'/gms)].map(match => match[1]!);
}

/** The static imports that load code at run time: `import type` loads nothing. */
function valueImports(file: string): string[] {
	const text = fs.readFileSync(file, 'utf8');
	return [...text.matchAll(/^(?:import|export)\s(?!type\s)[^;]*?\sfrom\s+'([^']+)'/gms)].map(match => match[1] ?? '');
}

function filesUnder(directory: string): string[] {
	return fs
		.readdirSync(directory, {recursive: true, encoding: 'utf8'})
		.filter(name => /\.tsx?$/.test(name))
		.map(name => path.join(directory, name));
}

/** Where an import points: a room of source/ for a relative path, else the package name. */
function target(file: string, specifier: string): string {
	if (!specifier.startsWith('.')) {
		return specifier;
	}

	const resolved = path.relative('source', path.resolve(path.dirname(file), specifier));
	return resolved.startsWith('..') ? `../${path.basename(resolved)}` : `source/${resolved.split(path.sep)[0]}`;
}

const ui = ['ink', 'react', '@alcalzone/ink-table', 'source/console'];
const rules: Array<{room: string; files: string[]; forbidden: (to: string) => boolean; why: string}> = [
	{
		room: 'source/model',
		files: filesUnder('source/model'),
		forbidden: to =>
			to.startsWith('node:') || ui.includes(to) || (to.startsWith('source/') && to !== 'source/model' && to !== 'source/result.js'),
		why: 'the model is pure: no files, no clock, no UI, nothing outside the model but the result type',
	},
	{
		room: 'source/store',
		files: filesUnder('source/store'),
		forbidden: to => ui.includes(to) || ['source/commands', 'source/cli', 'source/machine', 'source/sysfs'].includes(to),
		why: 'the store knows files and the model, nothing above them',
	},
	{room: 'source/errno.ts', files: ['source/errno.ts'], forbidden: () => true, why: 'the errno table is plain data: it imports nothing'},
	{room: 'source/result.ts', files: ['source/result.ts'], forbidden: () => true, why: 'the result type is plain types: it imports nothing'},
	{room: 'source/exit.ts', files: ['source/exit.ts'], forbidden: () => true, why: 'the exit-code table is plain data: it imports nothing'},
	{
		room: 'source/sysfs',
		files: filesUnder('source/sysfs'),
		forbidden: to => ui.includes(to) || ['source/store', 'source/commands', 'source/cli', 'source/machine'].includes(to),
		why: "the real machine's reader and writer know sysfs and the model's text rules only",
	},
	{
		room: 'source/vm',
		files: filesUnder('source/vm'),
		forbidden: to => ui.includes(to) || ['source/store', 'source/commands', 'source/cli', 'source/machine', 'source/console'].includes(to),
		why: "a VM's clients (QMP, the guest agent) and the pure reading of their replies know sockets and the model's text rules only",
	},
	{
		room: 'source/vm/controller.ts',
		files: ['source/vm/controller.ts'],
		forbidden: to => to.startsWith('node:') || (to.startsWith('source/') && to !== 'source/model' && to !== 'source/result.js'),
		why: "QMP's replies are read without I/O: recorded replies drive it in tests",
	},
	{
		room: 'source/commands',
		files: filesUnder('source/commands'),
		forbidden: to => ui.includes(to),
		why: 'one-shots never load Ink or React',
	},
	{
		room: 'source/cli',
		files: filesUnder('source/cli'),
		forbidden: to => ui.includes(to) || ['source/store', 'source/commands', 'source/machine', 'source/sysfs'].includes(to),
		why: 'flag parsing reads and changes nothing',
	},
	{
		room: 'source/machine',
		files: filesUnder('source/machine'),
		forbidden: to => ui.includes(to),
		why: 'machine sources and snapshots are UI-free',
	},
	{
		room: 'cli.tsx',
		files: ['cli.tsx'],
		forbidden: to => ui.includes(to) || to === 'source/commands',
		why: 'the entry imports the console and the one-shots only when it needs them',
	},
];

// The console's pure half: keys to state and actions, runnable and testable without a terminal.
const consolePure = [
	...['bindings', 'controller', 'key-names', 'lists', 'rows', 'runner', 'ui-state'].map(name => `source/console/${name}.ts`),
	...filesUnder('source/console/modes'),
];
test("the console's controllers, bindings and runner load no Ink or React (they are driven with plain objects)", () => {
	const broken = consolePure.flatMap(file =>
		valueImports(file)
			.filter(specifier => ui.includes(specifier))
			.map(specifier => `${file} imports ${specifier}`),
	);
	assert.deepEqual(broken, []);
});

for (const rule of rules) {
	test(`${rule.room} imports only what it may (${rule.why})`, () => {
		assert.ok(rule.files.length > 0, `no files found for ${rule.room}`);
		const broken = rule.files.flatMap(file =>
			staticImports(file)
				.map(specifier => ({file, to: target(file, specifier)}))
				.filter(({to}) => rule.forbidden(to)),
		);
		assert.deepEqual(
			broken.map(({file, to}) => `${file} imports ${to}`),
			[],
		);
	});
}

test('the check sees imports at all (it cannot pass by finding none)', () => {
	assert.ok(staticImports('source/console/app.tsx').includes('ink'));
	assert.equal(target('source/console/app.tsx', '../model/state.js'), 'source/model');
	assert.equal(target('source/model/units.ts', '../result.js'), 'source/result.js');
});
