// Where each pane goes for a terminal size. 80x24 is the smallest layout; more rows go to the
// regions and the log, more columns to the resources pane and the reason column.
export const minColumns = 80;
export const minRows = 24;

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

export function layout(columns: number, rows: number, slotCount: number): Layout {
	const height = rows - 1;
	const body = height - 2;
	const top = Math.min(slotCount, Math.max(6, Math.floor(body * 0.25))) + 2;
	const rest = body - top;
	const lower = Math.max(5, Math.floor(rest * 0.38));
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
