// A console session as a script, for the concurrency tests: it acts on a state file through the
// console's own MachineSource (simulatedSource), as key presses would, and prints one JSON line per
// change with what the source answered.
//   node --import tsx test/helpers/writer.ts STATE NOW ACTIONS_JSON [MAX_PAUSE_MS]
import {type ConsoleAction, LockBusy, simulatedSource} from '../../source/machine/source.js';

const [state, now, plan, pause = '0'] = process.argv.slice(2);
const actions = JSON.parse(plan!) as ConsoleAction[];
const t = Number(now);
const maxPause = Number(pause);
const source = simulatedSource(state!);

function sleep(ms: number): void {
	Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** As the console's timer does: the same change again, a moment later, while the lock is held. */
function actWhenFree(action: ConsoleAction) {
	for (;;) {
		try {
			return source.act(action, t);
		} catch (error) {
			if (!(error instanceof LockBusy)) {
				throw error;
			}

			sleep(1 + Math.random() * 4);
		}
	}
}

for (const action of actions) {
	// As the console does: look at the machine, then act (the act reads the file afresh under the lock).
	source.poll(t);
	const result = actWhenFree(action);
	process.stdout.write(`${JSON.stringify({action, ...result})}\n`);
	if (maxPause > 0) {
		sleep(Math.random() * maxPause);
	}
}
