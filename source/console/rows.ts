// Presentation: turns snapshot rows into the text of table rows, fitted to a width.

import type {RegionRow, SlotRow} from '../machine/snapshot.js';
import {formatBytes} from '../model/format-bytes.js';
import {formatSize} from '../model/units.js';

/** Regions whose text contains the filter (case-insensitive): id, start, size, flags, status, reason. */
export function filterRegions(regions: RegionRow[], filter: string): RegionRow[] {
	const needle = filter.trim().toLowerCase();
	if (needle === '') {
		return regions;
	}

	return regions.filter(region => regionText(region).toLowerCase().includes(needle));
}

function regionText(region: RegionRow): string {
	return `${region.id} ${region.start} ${region.size} ${formatSize(region.size)} ${region.flags} ${region.status} ${region.code ?? ''} ${region.reason ?? ''}`;
}

export function fit(text: string, width: number): string {
	if (width <= 0) {
		return '';
	}

	return text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text.padEnd(width);
}

export type RegionColumns = {id: number; bytes: boolean; why: number; start?: number; size?: number; bytesWidth?: number};

/**
 * Column widths for a regions table of this inner width; the bytes column goes when narrow.
 * START takes 13 columns, more for addresses past 16 TiB (a real machine's, `maxStart` characters);
 * SIZE 6, more for sizes that are exact only in a smaller unit (a real range of 2,500 blocks is
 * 320000M); BYTES 12, more from 100 GB on (`maxBytes` digits).
 */
export function regionColumns(width: number, maxId: number, maxStart = 12, maxSize = 5, maxBytes = 11): RegionColumns {
	const id = Math.max(2, String(maxId).length);
	const start = Math.max(13, maxStart + 1);
	const size = Math.max(6, maxSize + 1);
	const bytesWidth = Math.max(12, maxBytes + 1);
	const bytes = width >= 84 + bytesWidth;
	const fixed = id + 1 + start + size + (bytes ? bytesWidth : 0) + 11 + 8;
	return {id, bytes, why: Math.max(0, width - fixed), start, size, bytesWidth};
}

export function regionHeader(columns: RegionColumns): string {
	return `${'ID'.padStart(columns.id)} ${'START'.padEnd(columns.start ?? 13)}${'SIZE'.padEnd(columns.size ?? 6)}${columns.bytes ? 'BYTES'.padEnd(columns.bytesWidth ?? 12) : ''}${'FLAGS'.padEnd(11)}${'STATUS'.padEnd(8)}${fit('WHY', columns.why)}`;
}

export function regionLine(region: RegionRow, columns: RegionColumns): string {
	const why = region.code ? `${region.code}, ${region.retry ? 'retry can help' : 'no retry helps'}` : (region.detail ?? '');
	return `${String(region.id).padStart(columns.id)} ${region.start.padEnd(columns.start ?? 13)}${formatSize(region.size).padEnd(columns.size ?? 6)}${columns.bytes ? String(region.size).padEnd(columns.bytesWidth ?? 12) : ''}${region.flags.padEnd(11)}${region.status.padEnd(8)}${fit(why, columns.why)}`;
}

/**
 * One slot: number, module size, state (the mode shows as the state "mirror"; a module whose
 * region failed shows FAILED, not ready), its region, and the module's label when there is room.
 */
export function slotLine(slot: SlotRow, width: number, regionStatus?: string): string {
	const state =
		slot.state === 'scrubbing'
			? `scrub ${slot.scrubLeft}s`
			: slot.state === 'boot'
				? 'boot memory'
				: regionStatus === 'FAILED'
					? 'FAILED'
					: slot.state;
	const region = slot.regionId === null ? '' : `region ${slot.regionId}`;
	const label = slot.label ? ` ${slot.label}` : '';
	// A VM's states are short, and its label (node, the guest's state) needs the room.
	const column = slot.state === 'plugged' || slot.state === 'ejecting' ? 8 : 11;
	return fit(`${String(slot.slot).padStart(2)} ${(slot.size || '-').padEnd(5)} ${state.padEnd(column)} ${region}${label}`, width);
}

/** The widest text beside a meter ("1023.9 MiB free of 1023.9 MiB"): bars keep one width while the numbers change. */
const meterText = 30;

/** A meter's bar width in a pane of this inner width: 8 for the label, the widest text, the rest (4-30 cells). */
export function meterWidth(inner: number): number {
	return Math.max(4, Math.min(30, inner - 8 - meterText - 1));
}

/** A bar of `width` cells, `part` of `total` filled; the words beside it say what the fill is. */
export function bar(part: number, total: number, width: number): string {
	const filled = total > 0 ? Math.round((Math.min(Math.max(part, 0), total) / total) * width) : 0;
	return '█'.repeat(filled) + '░'.repeat(width - filled);
}

export {formatBytes};
