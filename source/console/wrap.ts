// Long text on a fixed number of rows: wrapped at spaces (a word longer than a row is cut), and
// when the rows run out, the last one says how many more there are, so nothing is cut silently.

/** One line of text as rows of at most `width` characters. */
export function wrapLine(text: string, width: number): string[] {
	const rows: string[] = [];
	let rest = text;
	while (rest.length > width) {
		const space = rest.lastIndexOf(' ', width);
		const cut = space > width / 3 ? space : width;
		rows.push(rest.slice(0, cut));
		rest = rest.slice(cut).replace(/^ /, '');
	}

	rows.push(rest);
	return rows;
}

/** Lines wrapped into at most `height` rows; the last row counts what did not fit. */
export function fitRows(lines: readonly string[], width: number, height: number): Array<{text: string; line: number}> {
	const rows = lines.flatMap((text, line) => wrapLine(text, width).map(row => ({text: row, line})));
	if (rows.length <= height) {
		return rows;
	}

	const shown = rows.slice(0, Math.max(0, height - 1));
	return [...shown, {text: `… +${rows.length - shown.length} more row${rows.length - shown.length === 1 ? '' : 's'}`, line: -1}];
}
