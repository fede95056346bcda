// Renders what a headless xterm shows as an SVG "screenshot": a dark window with a title bar,
// monospace text, one <tspan> per run of cells that share a style, background runs as <rect>s.
import type {IBufferCell, IBufferLine, Terminal} from '@xterm/headless';

export interface SvgOptions {
	title?: string;
	fontSize?: number;
}

const THEME = {
	background: '#1e1e2e',
	foreground: '#d4d4d4',
	frame: '#2d2d3a',
	titleText: '#a0a0b0',
};

// The 16 ANSI colours, VS Code's dark terminal palette.
const ANSI = [
	'#000000',
	'#cd3131',
	'#0dbc79',
	'#e5e510',
	'#2472c8',
	'#bc3fbc',
	'#11a8cd',
	'#e5e5e5',
	'#666666',
	'#f14c4c',
	'#23d18b',
	'#f5f543',
	'#3b8eea',
	'#d670d6',
	'#29b8db',
	'#ffffff',
];

const FONT_FAMILY = "'DejaVu Sans Mono', 'Menlo', 'Consolas', 'Liberation Mono', monospace";
const PADDING = 12;
const TITLE_BAR = 28;

interface Style {
	fg: string;
	bg: string | undefined;
	bold: boolean;
	italic: boolean;
	dim: boolean;
	underline: boolean;
	strike: boolean;
	invisible: boolean;
}

interface Run {
	column: number;
	width: number;
	text: string;
	style: Style;
}

export function screenToSvg(term: Terminal, options: SvgOptions = {}): string {
	const fontSize = options.fontSize ?? 14;
	// Monospace advance is about 0.6 em; rows get a little air.
	const cellWidth = round(fontSize * 0.6);
	const cellHeight = Math.round(fontSize * 1.3);
	const width = round(term.cols * cellWidth + 2 * PADDING);
	const height = round(term.rows * cellHeight + 2 * PADDING + TITLE_BAR);
	const title = options.title ?? '';

	const parts: string[] = [
		`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
		`<rect width="${width}" height="${height}" rx="8" fill="${THEME.frame}"/>`,
		`<rect x="0" y="${TITLE_BAR}" width="${width}" height="${height - TITLE_BAR}" fill="${THEME.background}"/>`,
		...['#ff5f57', '#febc2e', '#28c840'].map(
			(colour, index) => `<circle cx="${18 + index * 20}" cy="${TITLE_BAR / 2}" r="6" fill="${colour}"/>`,
		),
		`<text x="${width / 2}" y="${TITLE_BAR / 2 + 4}" text-anchor="middle" font-family="sans-serif" font-size="12" fill="${THEME.titleText}">${escapeXml(title)}</text>`,
		`<g font-family="${escapeXml(FONT_FAMILY)}" font-size="${fontSize}" xml:space="preserve">`,
	];

	const buffer = term.buffer.active;
	for (let row = 0; row < term.rows; row++) {
		const line = buffer.getLine(buffer.viewportY + row);
		if (!line) {
			continue;
		}

		const top = TITLE_BAR + PADDING + row * cellHeight;
		const runs = lineRuns(line, term.cols);
		for (const run of runs) {
			if (run.style.bg) {
				parts.push(
					`<rect x="${round(PADDING + run.column * cellWidth)}" y="${round(top)}" width="${round(run.width * cellWidth)}" height="${cellHeight}" fill="${run.style.bg}"/>`,
				);
			}
		}

		const spans = runs
			.filter(run => !run.style.invisible && run.text.trim() !== '')
			.map(run => tspan(run, PADDING + run.column * cellWidth, cellWidth));
		if (spans.length > 0) {
			// Baseline at about 80% of the row, like a terminal's.
			parts.push(`<text y="${round(top + cellHeight * 0.78)}">${spans.join('')}</text>`);
		}
	}

	parts.push('</g>', '</svg>');
	return `${parts.join('\n')}\n`;
}

function tspan(run: Run, x: number, cellWidth: number): string {
	const {style} = run;
	const attributes = [`x="${round(x)}"`, `fill="${style.fg}"`];
	if (run.width > 1) {
		// Pins the run to its cells whatever the viewer's font, so columns and box lines stay aligned.
		attributes.push(`textLength="${round(run.width * cellWidth)}"`, 'lengthAdjust="spacingAndGlyphs"');
	}

	if (style.bold) {
		attributes.push('font-weight="bold"');
	}

	if (style.italic) {
		attributes.push('font-style="italic"');
	}

	if (style.dim) {
		attributes.push('fill-opacity="0.6"');
	}

	const decorations = [style.underline ? 'underline' : '', style.strike ? 'line-through' : ''].filter(Boolean);
	if (decorations.length > 0) {
		attributes.push(`text-decoration="${decorations.join(' ')}"`);
	}

	return `<tspan ${attributes.join(' ')}>${escapeXml(run.text)}</tspan>`;
}

/**
 * Splits a line into runs of cells with one style. A stretch of two or more blank cells is a run of
 * its own, so that the text after it gets its own exact x and cannot drift out of its column.
 */
function lineRuns(line: IBufferLine, columns: number): Run[] {
	const cells: Run[] = [];
	let cell: IBufferCell | undefined;
	for (let column = 0; column < columns; column++) {
		cell = line.getCell(column, cell);
		if (!cell || cell.getWidth() === 0) {
			continue; // The second half of a wide character, already counted.
		}

		cells.push({column, width: cell.getWidth(), text: cell.getChars() || ' ', style: cellStyle(cell)});
	}

	const blank = (index: number): boolean => cells[index]?.text === ' ';
	const gap = (index: number): boolean => blank(index) && (blank(index - 1) || blank(index + 1));
	const runs: Run[] = [];
	for (const [index, current] of cells.entries()) {
		const previous = runs.at(-1);
		if (previous && gap(index) === gap(index - 1) && sameStyle(previous.style, current.style)) {
			previous.text += current.text;
			previous.width += current.width;
		} else {
			runs.push({...current});
		}
	}

	return runs;
}

function cellStyle(cell: IBufferCell): Style {
	const bold = cell.isBold() !== 0;
	let fg = colour(cell.isFgDefault(), cell.isFgRGB(), cell.getFgColor(), bold) ?? THEME.foreground;
	let bg = colour(cell.isBgDefault(), cell.isBgRGB(), cell.getBgColor(), false);
	if (cell.isInverse()) {
		[fg, bg] = [bg ?? THEME.background, fg];
	}

	return {
		fg,
		bg,
		bold,
		italic: cell.isItalic() !== 0,
		dim: cell.isDim() !== 0,
		underline: cell.isUnderline() !== 0,
		strike: cell.isStrikethrough() !== 0,
		invisible: cell.isInvisible() !== 0,
	};
}

function colour(isDefault: boolean, isRgb: boolean, value: number, bold: boolean): string | undefined {
	if (isDefault) {
		return undefined;
	}

	if (isRgb) {
		return `#${value.toString(16).padStart(6, '0')}`;
	}

	// Bold draws the first 8 colours bright, as xterm.js and most terminals do by default.
	return paletteColour(bold && value < 8 ? value + 8 : value);
}

/** xterm's 256-colour palette: 16 ANSI colours, a 6x6x6 cube, 24 greys. */
export function paletteColour(index: number): string {
	if (index < 16) {
		return ANSI[index] ?? THEME.foreground;
	}

	if (index < 232) {
		const cube = index - 16;
		const level = (step: number): number => (step === 0 ? 0 : 55 + step * 40);
		return hex(level(Math.floor(cube / 36)), level(Math.floor(cube / 6) % 6), level(cube % 6));
	}

	const grey = 8 + (index - 232) * 10;
	return hex(grey, grey, grey);
}

function hex(red: number, green: number, blue: number): string {
	return `#${[red, green, blue].map(part => part.toString(16).padStart(2, '0')).join('')}`;
}

function sameStyle(a: Style, b: Style): boolean {
	return (
		a.fg === b.fg &&
		a.bg === b.bg &&
		a.bold === b.bold &&
		a.italic === b.italic &&
		a.dim === b.dim &&
		a.underline === b.underline &&
		a.strike === b.strike &&
		a.invisible === b.invisible
	);
}

export function escapeXml(text: string): string {
	return (
		text
			// Control characters are not allowed in XML 1.0 at all, escaped or not.
			.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '')
			.replace(/&/g, '&amp;')
			.replace(/</g, '&lt;')
			.replace(/>/g, '&gt;')
			.replace(/"/g, '&quot;')
			.replace(/'/g, '&apos;')
	);
}

function round(value: number): number {
	return Math.round(value * 100) / 100;
}
