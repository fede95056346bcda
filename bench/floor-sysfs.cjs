// The floor for `--status` over sysfs: Node reading the files --status needs (the memory
// directory's listing, block_size_bytes, each block's state and removable) as cheaply as one
// thread can (open/read/close into one buffer, paths relative to the memory directory), and
// printing nothing. Plain CommonJS and no imports of ours: what is left above it is ham-tui's.
//   node bench/floor-sysfs.cjs SYSROOT
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(process.argv[2], 'sys/devices/system/memory');
const flags = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;
const page = Buffer.allocUnsafe(4096);
const read = file => {
	const fd = fs.openSync(file, flags);
	try {
		return fs.readSync(fd, page, 0, 4096, null);
	} finally {
		fs.closeSync(fd);
	}
};

process.chdir(root);
read('block_size_bytes');
const directory = fs.opendirSync('.', {bufferSize: 1024});
const names = [];
for (let entry = directory.readSync(); entry !== null; entry = directory.readSync()) {
	if (entry.name.startsWith('memory')) names.push(entry.name);
}
directory.closeSync();
let bytes = 0;
for (const name of names) {
	bytes += read(`${name}/state`) + read(`${name}/removable`);
}
if (bytes === 0) process.exitCode = 1;
