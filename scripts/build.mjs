// npm run build: dist/ from cli.tsx, one esbuild bundle split at the entry's dynamic imports, so
// that the one-shots load only their own chunks and never Ink or React (test/unit/build.test.ts
// checks dist), while the console's chunk holds Ink and React themselves: bundled, Ink's
// es-toolkit barrel is cut down to the one function it uses, and the console's first frame is
// ~0.5x what loading Ink from node_modules costs (bench/console-pty.ts).
import fs from 'node:fs';
import {build} from 'esbuild';

/**
 * Ink 6.8.0's incrementalRendering moves the cursor one row too few before redrawing the changed
 * lines of a frame that ends in a newline (every frame shorter than the terminal, as the console's
 * is): each update lands one row low and the screen fills with copies. The cursor sits on the row
 * below such a frame, so it has to go up by all of its lines, not one fewer. Fixed here, in the
 * bundle only; the build stops if Ink's code is not the code this fixes (a newer Ink: look again).
 */
const inkIncrementalFix = {
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
const yogaWithoutFetch = {
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

fs.rmSync('dist', {recursive: true, force: true});
await build({
	entryPoints: ['cli.tsx'],
	bundle: true,
	splitting: true,
	format: 'esm',
	platform: 'node',
	target: 'node20',
	outdir: 'dist',
	// meow: only --help and --version load it. react-devtools-core: only Ink's DEV=true mode, not installed.
	external: ['meow', 'react-devtools-core'],
	// React's production build; Ink's CommonJS dependencies (signal-exit 3) call require.
	define: {'process.env.NODE_ENV': '"production"'},
	banner: {js: "import {createRequire as __createRequire} from 'node:module'; const require = __createRequire(import.meta.url);"},
	plugins: [inkIncrementalFix, yogaWithoutFetch],
	logLevel: 'warning',
});
fs.chmodSync('dist/cli.js', 0o755);
