// The floor under an idle console: look at the state file every 250 ms (one stat) and redraw a
// clock once a second (one short line). What any program that watches a file and shows the time pays.
//   node bench/idle-floor.cjs STATE
const fs = require('node:fs');

const [file] = process.argv.slice(2);
let second = -1;
setInterval(() => {
	fs.statSync(file);
	const now = Math.floor(Date.now() / 1000);
	if (now !== second) {
		second = now;
		process.stdout.write(`\r${new Date(now * 1000).toISOString().slice(11, 19)}Z`);
	}
}, 250);
