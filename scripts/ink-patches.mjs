// What the bundle changes in Ink and Yoga, each change checked against the code it was written for:
// scripts/build.mjs applies them to dist/.
import fs from 'node:fs';

/**
 * Ink 6.8.0's incrementalRendering moves the cursor one row too few before redrawing the changed
 * lines of a frame that ends in a newline (every frame shorter than the terminal, as the console's
 * is): each update lands one row low and the screen fills with copies. The cursor sits on the row
 * below such a frame, so it has to go up by all of its lines, not one fewer. Fixed here, in the
 * bundle only; the build stops if Ink's code is not the code this fixes (a newer Ink: look again).
 */
export const inkIncrementalFix = {
	name: 'ink-incremental-fix',
	setup(esbuild) {
		esbuild.onLoad({filter: /[\\/]ink[\\/]build[\\/]log-update\.js$/}, async ({path}) => {
			const source = await fs.promises.readFile(path, 'utf8');
			const buggy = 'buffer.push(ansiEscapes.cursorUp(previousVisible - 1));';
			const fixed =
				"buffer.push(previousOutput.endsWith('\\n') ? ansiEscapes.cursorUp(previousVisible) : previousVisible > 1 ? ansiEscapes.cursorUp(previousVisible - 1) : '');";
			if (source.split(buggy).length !== 2) {
				throw new Error(`${path}: not the Ink 6.8.0 code scripts/build.mjs fixes; check incrementalRendering again`);
			}

			return {contents: source.replace(buggy, fixed), loader: 'js'};
		});
	},
};

/**
 * Yoga (Ink's layout engine) carries its WebAssembly as a base64 data: URL and, where `fetch`
 * exists, fetches it: in Node the first use of fetch loads undici, ~30 ms of the console's start.
 * Yoga's own fallback decodes the base64 directly; the bundle takes that path always.
 */
export const yogaWithoutFetch = {
	name: 'yoga-without-fetch',
	setup(esbuild) {
		esbuild.onLoad({filter: /[\\/]yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/}, async ({path}) => {
			const source = await fs.promises.readFile(path, 'utf8');
			const fetching = 'function ya(){return w||"function"!=typeof fetch?';
			if (source.split(fetching).length !== 2) {
				throw new Error(`${path}: not the yoga-layout code scripts/build.mjs changes; check how it loads its WebAssembly`);
			}

			return {contents: source.replace(fetching, 'function ya(){return true?'), loader: 'js'};
		});
	},
};

/**
 * Ink 6.8.0 builds every frame in a new Output whose caches (each line's styled characters, widths,
 * clipped slices) start empty: an idle console re-tokenises its whole screen, grapheme by grapheme,
 * for a clock that moved one second (~70% of an idle console's CPU, bench/console-pty.ts). The
 * bundle keeps one set of caches for all frames: the same line of text gives the same characters in
 * every frame, and nothing mutates what the caches hold. Bounded: emptied past 20,000 lines, which a
 * scrolling log or a long list reaches, so memory stays flat.
 */
export const inkSharedCaches = {
	name: 'ink-shared-caches',
	setup(esbuild) {
		esbuild.onLoad({filter: /[\\/]ink[\\/]build[\\/]output\.js$/}, async ({path}) => {
			const source = await fs.promises.readFile(path, 'utf8');
			const perFrame = 'caches = new OutputCaches();';
			const slicing = 'return sliceAnsi(line, from, to);';
			if (source.split(perFrame).length !== 2 || source.split(slicing).length !== 2) {
				throw new Error(`${path}: not the Ink 6.8.0 code scripts/build.mjs changes; check Output's caches again`);
			}

			const shared = `
let sharedCaches;
let sharedSlices = new Map();
const cacheBound = 20000;
function framesCaches() {
    if (!sharedCaches || sharedCaches.styledChars.size + sharedCaches.widths.size > cacheBound) {
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
			return {
				contents: source.replace(perFrame, 'caches = framesCaches();').replace(slicing, 'return slicedLine(line, from, to);') + shared,
				loader: 'js',
			};
		});
	},
};

/**
 * Ink turns each row of a frame into text cell by cell, asking @alcalzone/ansi-tokenize 0.2.5 for
 * the escape codes between one cell's style and the next: three Sets and four arrays a cell, even
 * where both cells have the same style (most of a screen). The diff of a style with itself is
 * empty (every code of `from` is in `to`, none of `to` is new): answered at once, as it would be.
 */
export const sameStylesFastPath = {
	name: 'same-styles-fast-path',
	setup(esbuild) {
		esbuild.onLoad({filter: /[\\/]@alcalzone[\\/]ansi-tokenize[\\/]build[\\/]diff\.js$/}, async ({path}) => {
			const source = await fs.promises.readFile(path, 'utf8');
			const start = 'export function diffAnsiCodes(from, to) {';
			if (source.split(start).length !== 2 || !source.includes('...to.filter((code) => !startCodesInFrom.has(code.code)),')) {
				throw new Error(`${path}: not the ansi-tokenize 0.2.5 code scripts/ink-patches.mjs changes; check diffAnsiCodes again`);
			}

			const same =
				'if (from.length === to.length && from.every((code, index) => code.code === to[index].code && code.endCode === to[index].endCode)) { return []; }';
			return {contents: source.replace(start, `${start}\n    ${same}`), loader: 'js'};
		});
	},
};

/** Every patch, in the order the build applies them. */
export const inkPatches = [inkIncrementalFix, yogaWithoutFetch, inkSharedCaches, sameStylesFastPath];
