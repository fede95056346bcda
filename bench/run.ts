// npm run bench: every benchmark, each printing its figures and its ratio to a baseline measured
// in the same run. Timings live here, never in pass/fail tests.
const suites = ['./startup.js', './console.js', './sysfs.js'];
for (const suite of suites) {
	await import(suite);
	console.log('');
}
