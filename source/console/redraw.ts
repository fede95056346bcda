// When a newer snapshot of the machine is drawn. The clock makes a new snapshot every second, but
// an Ink frame costs an idle process ~20-40 ms of CPU (its code runs cold): a frame a second was
// ~1.5% of a core at 80x24, most of an idle console's cost (bench/console-pty.ts). So the header's
// clock and uptime show minutes, as tmux's status line and uptime(1) do, and a snapshot that the
// clock alone moved is drawn only when what it shows differs: the header's time, or the kernel's
// figures as the resources pane prints them (the workload moves free lowmem by bytes every second,
// the pane shows MiB). Anything else that changed, a key's result, a change from another shell, a
// scrub's countdown, is drawn at once.
import type {Snapshot} from '../machine/snapshot.js';

/** Fields that move with the clock alone: the header's time and uptime, and the kernel's live figures. */
const clockFields = new Set<string>(['time', 'uptimeSeconds', 'resources']);

/**
 * Whether `next` must be drawn now in place of `shown`. `counting`: something on the screen counts
 * seconds (the retry loop's next attempt, a wait for the lock), so every second is drawn. `shows`:
 * the text the clock fields become on the screen as it is now (its size, its selection).
 */
export function drawNow(shown: Snapshot, next: Snapshot, counting: boolean, shows: (snapshot: Snapshot) => string): boolean {
	if (next === shown) {
		return false;
	}

	if (counting || next.kind !== shown.kind) {
		return true;
	}

	const before = new Map(Object.entries(shown));
	for (const [field, value] of Object.entries(next)) {
		if (!clockFields.has(field) && value !== before.get(field)) {
			return true;
		}
	}

	return shows(next) !== shows(shown);
}
