import fs from 'node:fs';
import path from 'node:path';
import {lockDirectory, realLockSystem} from '../../source/store/lock.js';

/**
 * Makes process `pid` the holder of the state file's lock, as ham-tui records one: a link named
 * for the next generation, `held:<pid>.<start time>.<pid namespace>@<host>`. Returns the link and
 * its generation, for a test that lets go as the holder would.
 */
export function holdAs(state: string, pid: number): {link: string; generation: number} {
	const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
	const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
	const self = realLockSystem.self();
	const lock = lockDirectory(state);
	fs.mkdirSync(lock, {recursive: true});
	const top = Math.max(
		-1,
		...fs
			.readdirSync(lock)
			.filter(name => /^\d+$/.test(name))
			.map(Number),
	);
	const link = path.join(lock, String(top + 1));
	fs.symlinkSync(`held:${pid}.${start}.${self.pidns}@${self.host}`, link);
	return {link, generation: top + 1};
}
