// npm run bench: every benchmark, each printing its figures and its ratio to a baseline measured
// in the same run. Timings live here, never in pass/fail tests. BENCH_SUITES=startup,console
// runs only those (startup, console, console-pty, sysfs).
const all = ['startup', 'console', 'console-pty', 'sysfs'];
const chosen = process.env.BENCH_SUITES?.split(',') ?? all;
const files: Record<string, string> = {
	startup: './startup.js',
	console: './console.js',
	'console-pty': './console-pty.js',
	sysfs: './sysfs.js',
};
for (const suite of all.filter(name => chosen.includes(name))) {
	const started = performance.now();
	await import(files[suite]!);
	console.log(`  (${suite}: ${((performance.now() - started) / 1000).toFixed(0)} s)`);
	console.log('');
}
