// The built CLI (dist/, npm run build: scripts/build.mjs) bundles Ink and React into the
// console's chunks; the one-shots, which scripts and monitors run in loops, must never load them.
// Every module a one-shot loads is logged (test/fixtures/log-imports.mjs) and none may be one that
// holds Ink, React, React's reconciler or Yoga.
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {cliPath, tempDir} from './helpers/cli.js';
import {makeMemoryTree, run, tempSysroot} from './helpers/sysfs-tree.js';

const ui = /^\/\/ node_modules\/(ink|react|react-reconciler|yoga-layout|@alcalzone\/ink-table)\//m;
const dist = path.dirname(cliPath);
const uiChunks = fs
	.readdirSync(dist)
	.filter(name => name.endsWith('.js') && ui.test(fs.readFileSync(path.join(dist, name), 'utf8')))
	.map(name => path.join(dist, name));

function loaded(args: string[]): string[] {
	const log = path.join(tempDir(), 'imports.log');
	const result = spawnSync(process.execPath, ['--import', path.resolve('test/fixtures/log-imports.mjs'), cliPath, ...args], {
		env: {...process.env, HAM_TUI_IMPORT_LOG: log, HAM_TUI_NOW: '1000000', NO_COLOR: '1'},
		encoding: 'utf8',
	});
	assert.ok(result.status !== null && result.status <= 3, `${args.join(' ')}: ${result.stderr}`);
	return fs
		.readFileSync(log, 'utf8')
		.split('\n')
		.filter(url => url.startsWith('file:'))
		.map(url => fileURLToPath(url));
}

test("the console's chunks hold Ink and React (the check below can find them)", () => {
	assert.ok(uiChunks.length > 0, 'no chunk of dist/ holds Ink: the bundle changed, change this test');
});

test('no one-shot loads a chunk that holds Ink or React', () => {
	const state = path.join(tempDir(), 'machine.json');
	for (const args of [
		['--plug', '2:1G', '--state', state],
		['--status', '--state', state],
		['--json', '--state', state],
		['--integrate', '--state', state],
		['--help'],
		['--status', '--sysroot', tempDir()],
		['--status', '--qmp', path.join(tempDir(), 'no-qemu.sock')],
	]) {
		const modules = loaded(args);
		assert.ok(modules.includes(cliPath), `${args.join(' ')}: the log saw nothing`);
		assert.deepEqual(
			modules.filter(module => uiChunks.includes(module)),
			[],
			`${args.join(' ')} loaded Ink or React`,
		);
	}
});

test("the bundle's reader reads with worker threads (their program is built into its chunk as text)", async () => {
	const chunk = fs
		.readdirSync(dist)
		.map(name => path.join(dist, name))
		.find(file => /^export \{[^}]*\breadMemoryTree\b/m.test(fs.readFileSync(file, 'utf8')));
	assert.ok(chunk, 'no chunk of dist/ exports the reader');
	const reader = (await import(pathToFileURL(chunk).href)) as typeof import('../source/sysfs/read.js');
	const {sysroot, remove} = tempSysroot('ham-build-read-');
	try {
		makeMemoryTree(sysroot, {blocks: [...run(0, 40), ...run(40, 24, {state: 'offline'})]});
		// The main thread reads no chunk: the workers read every block but the first.
		const tree = reader.readMemoryTree(sysroot, {threading: {threads: 3, chunkBlocks: 8, mainReads: false}});
		assert.deepEqual(
			tree.blocks.map(block => block.state),
			[...Array(40).fill('online'), ...Array(24).fill('offline')],
		);
		assert.ok((tree.threads ?? 0) >= 1, 'no worker read a chunk');
	} finally {
		remove();
	}
});
