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
