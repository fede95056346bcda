// Builds what the guest boots: the kernel unpacked from Debian's package (no install, nothing in
// /boot) and an initramfs holding busybox, the host's node and util-linux's lsmem/chmem with the
// libraries ldd lists, the built ham-tui with its production node_modules, the guest's scripts, and
// for the udev scenario Debian's systemd-udevd with contrib/'s rule and unit, and Debian's qemu-ga.
import {execFileSync} from 'node:child_process';
import {chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {cacheDirectory, type KernelPin, qemuGuestAgent, udev} from './config.js';

const sh = (command: string, cwd?: string) => execFileSync('sh', ['-c', command], {cwd, stdio: ['ignore', 'pipe', 'inherit']}).toString();

export type Kernel = {image: string; release: string; modules: string; pin: KernelPin};

/** apt options for the pin's suite: bookworm-backports through lists kept in the cache, this machine's sources untouched. */
function aptOptions(pin: KernelPin): string {
	if (pin.suite === 'bookworm') return '';
	const directory = path.join(cacheDirectory, `apt-${pin.suite}`);
	mkdirSync(path.join(directory, 'lists/partial'), {recursive: true});
	writeFileSync(path.join(directory, 'sources.list'), `deb http://deb.debian.org/debian ${pin.suite} main\n`);
	return `-o Dir::Etc::SourceList=${directory}/sources.list -o Dir::Etc::SourceParts=/nonexistent -o Dir::State::Lists=${directory}/lists`;
}

/** Downloads the pinned package into directory and unpacks it into directory/root. */
function downloadAndUnpack(pin: KernelPin, directory: string) {
	mkdirSync(directory, {recursive: true});
	const options = aptOptions(pin);
	const download = `apt-get ${options} download -q '${pin.package}=${pin.version}'`;
	try {
		if (options) sh(`apt-get ${options} update -qq`);
		sh(download, directory);
	} catch {
		sh(`apt-get ${options} update -qq`); // A clean machine has no package lists yet.
		sh(download, directory);
	}
	const deb = readdirSync(directory).find(name => name.endsWith('.deb'));
	if (!deb) throw new Error(`apt-get download left no .deb in ${directory}`);
	sh(`dpkg-deb -x '${deb}' root`, directory);
}

/**
 * Debian's udev (pinned in config.ts), downloaded once and unpacked beside the kernels: its udevadm,
 * which is also systemd-udevd (one program: it acts as its name says), linked statically against
 * systemd's shared code, so ldd lists only libraries this machine has (libkmod, libblkid...).
 */
function prepareUdev(): string {
	const directory = path.join(cacheDirectory, `${udev.package}_${udev.version}`);
	const udevadm = path.join(directory, 'root/bin/udevadm');
	if (!existsSync(udevadm)) downloadAndUnpack(udev, directory);
	return udevadm;
}

/** Debian's qemu-ga (pinned in config.ts), downloaded once; ldd lists glib, libudev, libnuma, liburing, all on this machine. */
function prepareQemuGa(): string {
	const directory = path.join(cacheDirectory, `${qemuGuestAgent.package}_${qemuGuestAgent.version.replace(':', '%3a')}`);
	const program = path.join(directory, 'root/usr/sbin/qemu-ga');
	if (!existsSync(program)) downloadAndUnpack(qemuGuestAgent, directory);
	return program;
}

/**
 * Downloads (once) and unpacks a pinned kernel. An xz-compressed one (6.1) is booted as the
 * uncompressed ELF inside it (PVH entry), which saves the guest ~10 s of xz under TCG.
 */
export function prepareKernel(pin: KernelPin): Kernel {
	const directory = path.join(cacheDirectory, `${pin.package}_${pin.version}`);
	const release = pin.package.replace(/^linux-image-/, '');
	const modules = path.join(directory, 'root/lib/modules', release);
	const done = path.join(directory, 'image');
	if (existsSync(done)) return {image: readFileSync(done, 'utf8'), release, modules, pin};
	downloadAndUnpack(pin, directory);
	const vmlinuz = path.join(directory, 'root/boot', `vmlinuz-${release}`);
	let image = vmlinuz;
	const bzImage = readFileSync(vmlinuz);
	const start = bzImage.indexOf(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]));
	if (start >= 0) {
		writeFileSync(path.join(directory, 'vmlinux.xz'), bzImage.subarray(start));
		sh('xz -dc --single-stream vmlinux.xz > vmlinux.tmp && mv vmlinux.tmp vmlinux && rm vmlinux.xz', directory);
		image = path.join(directory, 'vmlinux');
	}
	writeFileSync(done, image);
	return {image, release, modules, pin};
}

/** Copies a host file to the same path under root (or to `as`), following links. */
function copyHost(root: string, file: string, mode?: number, as = file) {
	const target = path.join(root, as);
	mkdirSync(path.dirname(target), {recursive: true});
	copyFileSync(realpathSync(file), target);
	if (mode !== undefined) chmodSync(target, mode);
}

/** A host program and every library ldd lists for it (none for a static one). */
function copyProgram(root: string, program: string, as = program) {
	copyHost(root, program, 0o755, as);
	for (const line of sh(`ldd '${program}' 2>/dev/null || true`).split('\n')) {
		const library = /(\/\S+) \(0x/.exec(line)?.[1];
		if (library) copyHost(root, library, 0o755);
	}
}

/**
 * The initramfs (newc cpio, uncompressed: the kernel unpacks it faster than it would decompress it).
 * `app` holds the built ham-tui (dist/, package.json, package-lock.json); its production
 * node_modules are installed into the image with `npm ci --omit=dev`.
 */
export function buildInitramfs(work: string, app: string, kernels: readonly Kernel[]): string {
	const root = path.join(work, 'root');
	for (const directory of ['bin', 'dev', 'proc', 'sys', 'tmp', 'mnt', 'app', 'test', 'modules'])
		mkdirSync(path.join(root, directory), {recursive: true});
	for (const program of ['/bin/busybox', '/usr/bin/lsmem', '/usr/sbin/chmem']) copyProgram(root, program);
	copyProgram(root, process.execPath, '/usr/bin/node'); // The very node running this test.
	sh(
		`cp -r '${path.join(app, 'dist')}' '${path.join(app, 'package.json')}' '${path.join(app, 'package-lock.json')}' '${path.join(root, 'app')}'`,
	);
	sh('npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error', path.join(root, 'app'));
	// virtio-mem and what it needs, and virtio_console (the guest agent's virtio-serial port), where
	// they are modules (6.1; 6.12 has virtio_console built in; /init loads those of the kernel it runs).
	for (const kernel of kernels) {
		mkdirSync(path.join(root, 'modules', kernel.release), {recursive: true});
		for (const module of [
			'virtio_ring',
			'virtio',
			'virtio_pci_legacy_dev',
			'virtio_pci_modern_dev',
			'virtio_pci',
			'virtio_mem',
			'virtio_console',
		]) {
			const directory = module === 'virtio_console' ? 'kernel/drivers/char' : 'kernel/drivers/virtio';
			const file = path.join(kernel.modules, directory, `${module}.ko`);
			if (existsSync(file)) copyFileSync(file, path.join(root, 'modules', kernel.release, `${module}.ko`));
		}
	}
	copyProgram(root, prepareQemuGa(), '/usr/sbin/qemu-ga');
	const here = path.dirname(new URL(import.meta.url).pathname);
	copyFileSync(path.join(here, 'guest/init.sh'), path.join(root, 'init'));
	chmodSync(path.join(root, 'init'), 0o755);
	copyFileSync(path.join(here, 'guest/scenarios.mjs'), path.join(root, 'test/scenarios.mjs'));
	copyFileSync(path.join(here, 'guest/offline.mjs'), path.join(root, 'test/offline.mjs'));
	copyFileSync(path.join(here, 'guest/agent.mjs'), path.join(root, 'test/agent.mjs'));
	// The udev scenario (guest/udev.mjs): systemd-udevd, setpriv (the unit's capabilities), and
	// contrib/'s rule and unit where a machine has them installed (the stand-in systemctl is its own).
	copyFileSync(path.join(here, 'guest/udev.mjs'), path.join(root, 'test/udev.mjs'));
	copyProgram(root, prepareUdev(), '/usr/bin/udevadm');
	mkdirSync(path.join(root, 'usr/lib/systemd'), {recursive: true});
	symlinkSync('/usr/bin/udevadm', path.join(root, 'usr/lib/systemd/systemd-udevd'));
	copyProgram(root, '/usr/bin/setpriv');
	const contrib = path.join(here, '../../contrib');
	copyHost(root, path.join(contrib, '90-ham-tui-memory.rules'), 0o644, '/etc/udev/rules.d/90-ham-tui-memory.rules');
	copyHost(root, path.join(contrib, 'ham-tui-integrate.service'), 0o644, '/etc/systemd/system/ham-tui-integrate.service');
	const image = path.join(work, 'initramfs.cpio');
	sh(`find . -print | cpio -o -H newc --quiet > '${image}'`, root);
	return image;
}
