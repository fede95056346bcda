// The kernel-resources pane as lines of text: what it draws, and what redraw.ts compares to know
// whether the workload's movement changed anything on the screen.
import type {RegionRow, ResourcesView} from '../machine/snapshot.js';
import {actionKeys} from './modes/browse.js';
import {bar, formatBytes, meterWidth} from './rows.js';

export type ResourceLine = {
	text: string;
	color?: 'gray' | 'yellow' | 'green' | 'red';
	/** A labelled bar before the text, filled with what is free; colour only repeats it. */
	meter?: {label: string; cells: string; low: boolean};
	/** Shown only when the pane has a row to spare. */
	spare?: boolean;
};

/** Free lowmem against what the selected FAILED region needs, vmalloc, memory, the workload; `width`: the pane's. */
export function resourceLines(resources: ResourcesView, selected: RegionRow | undefined, failed: number, width: number): ResourceLine[] {
	const {lowmem, vmalloc, memory} = resources;
	// Inside the border and its padding.
	const cells = meterWidth(width - 4);
	// Only a failure that a retry can help has a need worth comparing with free lowmem.
	const need =
		selected?.status === 'FAILED' && selected.retry && selected.needBytes !== null ? selected.needBytes + lowmem.watermarkBytes : null;
	const short = need === null ? 0 : need - lowmem.freeBytes;
	const vmallocFree = vmalloc ? vmalloc.totalBytes - vmalloc.usedBytes : 0;
	return [
		{
			meter: {label: 'lowmem', cells: bar(lowmem.freeBytes, lowmem.totalBytes, cells), low: lowmem.freeBytes < lowmem.watermarkBytes * 4},
			text: `${formatBytes(lowmem.freeBytes)} free of ${formatBytes(lowmem.totalBytes)}`,
		},
		{
			color: need === null ? 'gray' : short > 0 ? 'yellow' : 'green',
			text:
				need === null
					? selected?.status === 'FAILED'
						? `needs   nothing helps region ${selected.id}: no retry can`
						: failed > 0
							? 'needs   (select a FAILED region)'
							: 'needs   nothing: no region is FAILED'
					: `needs   ${formatBytes(need)}: ${short > 0 ? `${formatBytes(short)} short` : 'fits now'}`,
		},
		vmalloc
			? {
					meter: {label: 'vmalloc', cells: bar(vmallocFree, vmalloc.totalBytes, cells), low: vmallocFree < 16 * 1024 * 1024},
					text: `${formatBytes(vmallocFree)} free of ${formatBytes(vmalloc.totalBytes)}`,
				}
			: {text: 'vmalloc no practical limit (x86_64)'},
		{text: `memory  ${formatBytes(memory.bootBytes)} boot + ${formatBytes(memory.hotAddedBytes)} hot-added`},
		{text: `load    ${resources.load}, workload holds ${formatBytes(lowmem.workloadBytes)}`},
		{text: `${actionKeys.workload} drops caches or sets the load`, color: 'gray', spare: true},
	];
}
