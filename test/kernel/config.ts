// The one place the guests' kernels are pinned (package and version). Debian's archive keeps only the
// current point release of each, so when a pin is dropped, move it to the newest with:
//   apt-get update && apt-cache depends linux-image-amd64     # names linux-image-6.1.0-N-amd64
//   apt-cache policy linux-image-6.1.0-N-amd64                 # its version: the Candidate line
// and write both here. 6.12 (for what only it does: EHWPOISON) is bookworm-backports', read through
// apt lists of its own (nothing is added to this machine's sources): the same two commands with
//   O="-o Dir::Etc::SourceList=/var/tmp/ham-tui-kernel/apt-bookworm-backports/sources.list
//      -o Dir::Etc::SourceParts=/nonexistent -o Dir::State::Lists=/var/tmp/ham-tui-kernel/apt-bookworm-backports/lists"
//   apt-get $O update && apt-cache $O depends linux-image-amd64 && apt-cache $O policy linux-image-6.12.N+deb12-amd64
export type KernelPin = {package: string; version: string; suite: 'bookworm' | 'bookworm-backports'};
export const kernels = {
	'6.1': {package: 'linux-image-6.1.0-50-amd64', version: '6.1.176-1', suite: 'bookworm'},
	'6.12': {package: 'linux-image-6.12.95+deb12-amd64', version: '6.12.95-1~bpo12+1', suite: 'bookworm-backports'},
} as const satisfies Record<string, KernelPin>;

/**
 * Debian's udev, for the guest's systemd-udevd (guest/udev.mjs: contrib/'s rule and unit on a real
 * hot-add); unpacked, never installed. Dropped like a kernel pin: `apt-cache policy udev`, its Candidate.
 */
export const udev = {package: 'udev', version: '252.39-1~deb12u2', suite: 'bookworm'} as const satisfies KernelPin;

/**
 * Debian's QEMU guest agent, for the guest side of issue 13 (the host's check in run.ts talks to it
 * with source/vm/qga.ts); unpacked, never installed. Dropped like the others: `apt-cache policy
 * qemu-guest-agent`, its Candidate.
 */
export const qemuGuestAgent = {
	package: 'qemu-guest-agent',
	version: '1:7.2+dfsg-7+deb12u18+b3',
	suite: 'bookworm',
} as const satisfies KernelPin;

/** Where the downloaded package and the unpacked kernel are kept between runs. */
export const cacheDirectory = process.env.HAM_KERNEL_CACHE ?? '/var/tmp/ham-tui-kernel';

/** The boots: one per kernel command-line variant, each running the guest's scenarios for it. */
export const boots = [
	{name: 'offline', kernel: '6.1', append: 'memhp_default_state=offline'},
	{name: 'online', kernel: '6.1', append: 'memhp_default_state=online'},
	{name: 'poison', kernel: '6.12', append: 'memhp_default_state=offline'},
] as const;

/** Seconds one boot may take, scenarios and power-off included (TCG on 2 busy cores). */
export const bootTimeoutSeconds = 300;

/** What defines the guest's machine (the kernel test's and `npm run vm`'s): see guestMachineArgs. */
export type GuestMachine = {
	/** The kernel image and initramfs QEMU boots (-kernel, -initrd). */
	kernel: string;
	initramfs: string;
	/** The kernel command line, whole (-append). */
	append: string;
	/** Where QEMU serves QMP, one monitor a socket (QEMU serves one client per socket). */
	qmp: string[];
	/** The host's side of the guest agent's virtio-serial port (org.qemu.guest_agent.0). */
	qga: string;
};

/**
 * The QEMU options of the guests' machine, the one statement of its shape: TCG on 2 CPUs; 1G of
 * boot memory on node 0 and an empty node 1; 8 DIMM slots and maxmem 16G for pc-dimms; a 4G
 * virtio-mem device `vm0` on node 0 with nothing plugged; the guest agent's channel; no default
 * devices, no display, no reboot (a panic or power-off ends QEMU). Serial ports are the caller's.
 */
export function guestMachineArgs(machine: GuestMachine): string[] {
	// biome-ignore format: one QEMU option a line
	return [
		'-accel', 'tcg,thread=multi', '-M', 'pc', '-cpu', 'max', '-smp', '2', '-m', '1G,slots=8,maxmem=16G',
		'-object', 'memory-backend-ram,id=ram0,size=1G',
		'-numa', 'node,nodeid=0,cpus=0-1,memdev=ram0', '-numa', 'node,nodeid=1',
		'-object', 'memory-backend-ram,id=vmem0,size=4G',
		'-device', 'virtio-mem-pci,id=vm0,memdev=vmem0,node=0,requested-size=0',
		'-kernel', machine.kernel, '-initrd', machine.initramfs,
		'-append', machine.append,
		'-nodefaults', '-display', 'none', '-no-reboot',
		...machine.qmp.flatMap(socket => ['-qmp', `unix:${socket},server=on,wait=off`]),
		'-chardev', `socket,id=qga0,path=${machine.qga},server=on,wait=off`,
		'-device', 'virtio-serial', '-device', 'virtserialport,chardev=qga0,name=org.qemu.guest_agent.0',
	];
}
