// The header's time, to the minute: it is drawn once a minute when nothing else moves (redraw.ts).
import type {Snapshot} from '../machine/snapshot.js';

/** As uptime(1) says it, to the minute. */
export function uptime(seconds: number): string {
	const minutes = Math.floor(Math.max(0, seconds) / 60);
	const days = Math.floor(minutes / 1440);
	const h = Math.floor((minutes % 1440) / 60);
	const m = minutes % 60;
	const time = h === 0 ? `${m} min` : `${h}:${String(m).padStart(2, '0')}`;
	return days === 0 ? time : `${days} day${days === 1 ? '' : 's'}, ${time}`;
}

/** UTC to the minute, so that every operator on every host reads the same time; results keep their second. */
export function clock(time: number): string {
	return `${new Date(time * 1000).toISOString().slice(11, 16)}Z`;
}

/** The header's clock and uptime as they are drawn. */
export function headerTime(snapshot: Snapshot): string {
	return `${clock(snapshot.time)} ${snapshot.uptimeSeconds === null ? '' : uptime(snapshot.uptimeSeconds)}`;
}
