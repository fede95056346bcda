// npm run build: dist/ from cli.tsx, one esbuild bundle split at the entry's dynamic imports, so
// that the one-shots load only their own chunks and never Ink or React (test/unit/build.test.ts
// checks dist), while the console's chunk holds Ink and React themselves: bundled, Ink's
// es-toolkit barrel is cut down to the one function it uses, and the console's first frame is
// ~0.5x what loading Ink from node_modules costs (bench/console-pty.ts).
import fs from 'node:fs';
import {build} from 'esbuild';
import {inkPatches} from './ink-patches.mjs';

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
	plugins: inkPatches,
	logLevel: 'warning',
});
fs.chmodSync('dist/cli.js', 0o755);
