// Reads each sysroot named on the command line as every reader of ham-tui does (the tree with
// node, zones and physical attributes, auto_online_blocks, the console's source with one poll),
// printing one JSON line per sysroot as it finishes. Run as a child process (readInChildren, in
// test/hostile-sysfs.test.ts) so that a read that hangs fails its case instead of the whole suite.

import {sysfsSource} from '../../source/machine/sysfs.js';
import {readAutoOnline, readMemoryTree} from '../../source/sysfs/read.js';

export type ChildRead = {
	sysroot: string;
	/** readMemoryTree's message when it refused the tree. */
	error: string | null;
	problems: string[];
	blocks: Array<{index: number; state: string; node: number | null}>;
	autoOnline: string | null | undefined;
	/** The console's source: its kernel line and log, or why it could not open. */
	kernel?: string;
	log?: string[];
	consoleError?: string;
};

function readOne(sysroot: string): ChildRead {
	const result: ChildRead = {sysroot, error: null, problems: [], blocks: [], autoOnline: undefined};
	try {
		const tree = readMemoryTree(sysroot, {physical: true});
		result.problems = tree.problems;
		result.blocks = tree.blocks.map(({index, state, node}) => ({index, state, node}));
		result.autoOnline = readAutoOnline(tree.root, result.problems);
	} catch (error) {
		result.error = (error as Error).message;
	}

	try {
		const source = sysfsSource(sysroot, {now: () => 1_000_000});
		const snapshot = source.poll(1_000_000);
		result.kernel = snapshot.kernel;
		result.log = snapshot.log;
	} catch (error) {
		result.consoleError = (error as Error).message;
	}

	return result;
}

for (const sysroot of process.argv.slice(2)) {
	process.stdout.write(`${JSON.stringify(readOne(sysroot))}\n`);
}
