// The floor under `ham-tui --plug`: read the state file, parse it, change it (a module and its
// region, as a plug adds), and replace it atomically (temporary file, fsync, rename, fsync of the
// directory). No checks, no lock, no model: what any program doing this change must pay.
//   node bench/floor-plug.cjs STATE SLOT
const fs = require('node:fs');
const path = require('node:path');

const [file, slotText] = process.argv.slice(2);
const slot = Number(slotText);
const machine = JSON.parse(fs.readFileSync(file, 'utf8'));
const start = 2 ** 40 + slot * 2 ** 27;
machine.slots[slot - 1].module = {size: 2 ** 27, mode: 'hot-add', start, pluggedAt: machine.now, scrubbedAt: machine.now, label: ''};
machine.regions.push({
	id: machine.driver.nextRegionId++,
	slot,
	start,
	size: 2 ** 27,
	flags: 'READ/WRITE',
	status: 'ENABLED',
	failure: null,
	attempts: 1,
	changedAt: machine.now,
});
machine.log.push({t: machine.now, source: 'controller', text: `slot ${slot}: 128M hot-add module inserted`});
const temporary = path.join(path.dirname(file), `.floor-${process.pid}`);
const fd = fs.openSync(temporary, 'w', 0o600);
fs.writeFileSync(fd, `${JSON.stringify(machine)}\n`);
fs.fsyncSync(fd);
fs.closeSync(fd);
fs.renameSync(temporary, file);
const directory = fs.openSync(path.dirname(file), 'r');
fs.fsyncSync(directory);
fs.closeSync(directory);
