// What the bundle changes in Ink and Yoga, each change checked against the code it was written for:
// scripts/build.mjs applies them to dist/.
import fs from 'node:fs';

/**
 * An esbuild plugin that makes each replacement in the files `filter` matches, once each; the build
 * stops if a text to replace is not there exactly once (the dependency changed: look again).
 */
function patch(name, filter, replacements) {
	return {
		name,
		setup(esbuild) {
			esbuild.onLoad({filter}, async ({path}) => {
				let source = await fs.promises.readFile(path, 'utf8');
				for (const [from, to] of replacements) {
					if (source.split(from).length !== 2) {
						throw new Error(`${path}: not the code scripts/ink-patches.mjs (${name}) was written for; check it again`);
					}

					source = source.replace(from, () => to);
				}

				return {contents: source, loader: 'js'};
			});
		},
	};
}

/**
 * Ink 6.8.0's incrementalRendering moves the cursor one row too few before redrawing the changed
 * lines of a frame that ends in a newline (every frame shorter than the terminal, as the console's
 * is): each update lands one row low and the screen fills with copies. The cursor sits on the row
 * below such a frame, so it has to go up by all of its lines, not one fewer. Fixed here, in the
 * bundle only; the build stops if Ink's code is not the code this fixes (a newer Ink: look again).
 */
export const inkIncrementalFix = patch('ink-incremental-fix', /[\\/]ink[\\/]build[\\/]log-update\.js$/, [
	[
		'buffer.push(ansiEscapes.cursorUp(previousVisible - 1));',
		"buffer.push(previousOutput.endsWith('\\n') ? ansiEscapes.cursorUp(previousVisible) : previousVisible > 1 ? ansiEscapes.cursorUp(previousVisible - 1) : '');",
	],
]);

/**
 * Yoga (Ink's layout engine) carries its WebAssembly as a base64 data: URL and, where `fetch`
 * exists, fetches it: in Node the first use of fetch loads undici, ~30 ms of the console's start.
 * Yoga's own fallback decodes the base64 directly; the bundle takes that path always.
 */
export const yogaWithoutFetch = patch('yoga-without-fetch', /[\\/]yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/, [
	['function ya(){return w||"function"!=typeof fetch?', 'function ya(){return true?'],
]);

/**
 * Ink 6.8.0 builds every frame in a new Output whose caches (each line's styled characters, widths,
 * clipped slices) start empty: an idle console re-tokenises its whole screen, grapheme by grapheme,
 * for a clock that moved one second (~70% of an idle console's CPU, bench/console-pty.ts). The
 * bundle keeps one set of caches for all frames: the same line of text gives the same characters in
 * every frame, and nothing mutates what the caches hold. Bounded: emptied past 20,000 lines, which a
 * scrolling log or a long list reaches, so memory stays flat.
 */
const sharedCaches = `
let sharedCaches;
let sharedSlices = new Map();
const cacheBound = 20000;
function framesCaches() {
    if (!sharedCaches || sharedCaches.styledChars.size + sharedCaches.widths.size + sharedCaches.blockWidths.size > cacheBound) {
        sharedCaches = new OutputCaches();
    }
    return sharedCaches;
}
function slicedLine(line, from, to) {
    const key = from + ':' + to + ':' + line;
    let sliced = sharedSlices.get(key);
    if (sliced === undefined) {
        if (sharedSlices.size > cacheBound) {
            sharedSlices = new Map();
        }
        sliced = sliceAnsi(line, from, to);
        sharedSlices.set(key, sliced);
    }
    return sliced;
}
`;
export const inkSharedCaches = patch('ink-shared-caches', /[\\/]ink[\\/]build[\\/]output\.js$/, [
	['caches = new OutputCaches();', 'caches = framesCaches();'],
	['return sliceAnsi(line, from, to);', 'return slicedLine(line, from, to);'],
	['export default class Output {', `${sharedCaches}export default class Output {`],
]);

/**
 * Ink turns each row of a frame into text cell by cell, asking @alcalzone/ansi-tokenize 0.2.5 for
 * the escape codes between one cell's style and the next: three Sets and four arrays a cell, even
 * where both cells have the same style (most of a screen). The diff of a style with itself is
 * empty (every code of `from` is in `to`, none of `to` is new): answered at once, as it would be.
 */
export const sameStylesFastPath = patch('same-styles-fast-path', /[\\/]@alcalzone[\\/]ansi-tokenize[\\/]build[\\/]diff\.js$/, [
	[
		'export function diffAnsiCodes(from, to) {',
		'export function diffAnsiCodes(from, to) {\n    if (from.length === to.length && from.every((code, index) => code.code === to[index].code && code.endCode === to[index].endCode)) { return []; }',
	],
]);

/** Every patch, in the order the build applies them. */
export const inkPatches = [inkIncrementalFix, yogaWithoutFetch, inkSharedCaches, sameStylesFastPath];
