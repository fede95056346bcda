// Where each pane goes for a terminal size. 80x24 is the smallest layout; more rows go to the
// regions and the log, more columns to the resources pane and the reason column.
export const minColumns = 80;
export const minRows = 24;
/** The resources pane's lines but its spare hint (resource-lines.ts). */
const resourceRows = 5;

export type Layout = {
	tooSmall: boolean;
	columns: number;
	/** Ink 6 redraws the whole screen each frame when the root box is as tall as the terminal. */
	height: number;
	top: number;
	slotsWidth: number;
	regions: number;
	lower: number;
};

/**
 * `banner`: rows the loop and the last message take atop the log. The log pane grows to hold them
 * and one log line, taking rows from the regions pane: up to a little more than half of the rows
 * below the top panes, never below the regions pane's least (a header, one row, the reason line).
 */
export function layout(columns: number, rows: number, slotCount: number, banner = 0): Layout {
	const height = rows - 1;
	const body = height - 2;
	// As tall as the slots, but never shorter than the resources pane's lines (a 4-slot machine's
	// pane was 4 rows for 5 lines, drawn over each other).
	const top = Math.min(Math.max(slotCount, resourceRows), Math.max(6, Math.floor(body * 0.25))) + 2;
	const rest = body - top;
	const leastRegions = 5;
	const lower = Math.max(5, Math.floor(rest * 0.38), Math.min(banner + 3, Math.floor(rest * 0.55), rest - leastRegions));
	return {
		tooSmall: columns < minColumns || rows < minRows,
		columns,
		height,
		top,
		slotsWidth: 34,
		regions: rest - lower,
		lower,
	};
}
