// The command line: its flags and the help text, in one place.
import {exitCodes, signalMeaning} from '../exit.js';
import {loadLevels} from '../model/spec.js';
import {quote} from './usage.js';

/** The help's width: its lines, indent and all, fit in 100 columns. */
const helpWidth = 100;

/** "Exit codes": one entry per code of the table in exit.ts, in its words, wrapped under the meaning. */
function exitCodeLines(): string {
	const rows = [...Object.values(exitCodes).map(({code, means}) => ({code: String(code), means})), signalMeaning];
	const codeWidth = Math.max(...rows.map(row => row.code.length));
	const indent = ' '.repeat(4 + codeWidth + 2);
	return rows
		.map(({code, means}) => `    ${code.padStart(codeWidth)}  ${wrapWords(means, helpWidth - indent.length).join(`\n${indent}`)}`)
		.join('\n');
}

/** Greedy word wrap: lines of at most `width` characters (a longer word gets a line of its own). */
function wrapWords(text: string, width: number): string[] {
	const lines: string[] = [];
	let line = '';
	for (const word of text.split(' ')) {
		if (line !== '' && line.length + 1 + word.length > width) {
			lines.push(line);
			line = word;
		} else {
			line = line === '' ? word : `${line} ${word}`;
		}
	}

	return [...lines, line];
}

export const helpText = `
  Usage
    $ ham-tui                      the full-screen console (needs a terminal)
    $ ham-tui --status             /proc/ham/status: ID START SIZE FLAGS STATUS, tab-separated
    $ ham-tui --json               status, reasons, slots, kernel resources, driver (docs/JSON.md)
    $ ham-tui --integrate [--attempts N] [--interval SECONDS]
                                   ham_integrate: try every FAILED region again
    $ ham-tui --plug SLOT:SIZE[:MODE]   insert a module (MODE: hot-add or mirror), e.g. --plug 2:1G
    $ ham-tui --unplug SLOT        remove a module (refused while its region is ENABLED)
    $ ham-tui --driver start|stop|reinstall
    $ ham-tui --workload drop-caches|idle|normal|heavy|peak
    $ ham-tui --boot KERNEL        reboot into another kernel version
    $ ham-tui --reset [--seed N] [--preset NAME | --scenario FILE]

  A real machine (Linux memory blocks in sysfs, docs/SYSFS.md)
    $ ham-tui --sysfs              the console on this machine's memory blocks
    $ ham-tui --status --sysroot DIR [--all]
                                   DIR/sys/devices/system/memory as ranges (lsmem's grouping)
                                   in the /proc/ham/status shape; --all: one line per block
    $ ham-tui --json --sysfs [--all]   the same with state, removable, node and zones
    $ ham-tui --integrate --sysfs [--attempts N] [--interval SECONDS] [--dry-run]
          [--blocks N[-M] | --range 0xSTART-0xEND | --size SIZE]
          [--online-type auto|online|online_movable|online_kernel]
                                   online every offline block but boot memory an operator
                                   offlined (or the blocks named, as chmem names them),
                                   retrying those the kernel may accept later (EBUSY,
                                   ENOMEM); needs root. auto (the default): Movable while
                                   the kernel's auto_movable_ratio allows, else Normal;
                                   --dry-run shows each block's zone and why
    $ ham-tui --offline --sysfs (--blocks N[-M] | --range 0xSTART-0xEND | --size SIZE)
          [--timeout SECONDS] [--force] [--dry-run]
                                   offline the blocks named, highest first, as chmem -d;
                                   refused before any write when a node would be left with
                                   no memory online or MemAvailable would fall below
                                   max(5% of MemTotal, 128M) (--force skips those two);
                                   each write is stopped after --timeout (default 60 s);
                                   each failure says why and whether a retry can help
    $ ham-tui --watch --sysfs [--status [--all]] [--interval SECONDS]
                                   one JSON object per line for each block added, removed
                                   or changed, by ham-tui (from its audit log) or another;
                                   with --status, the /proc/ham/status lines after each change
    $ ham-tui --auto-online offline|online|online_kernel|online_movable --sysfs
                                   what the kernel does with blocks it adds
                                   (auto_online_blocks); needs root

  A running QEMU's memory over QMP, and its guest's through the guest agent (docs/VM.md)
    $ ham-tui --qmp SOCKET [--qga SOCKET]
                                   the console in front of the VM: its DIMM slots, plug (p),
                                   unplug (u), virtio-mem size (s); with --qga the guest's
                                   blocks, onlined with i and r; a dropped socket reconnects
    $ ham-tui --status --qmp SOCKET [--qga SOCKET]
                                   its pc-dimms (ID: the slot) and virtio-mem devices in the
                                   /proc/ham/status shape; STATUS is what QEMU has (PLUGGED);
                                   with --qga, the guest's memory blocks as ranges instead
                                   (ENABLED, OFFLINE), as --status --sysfs inside the guest
    $ ham-tui --json --qmp SOCKET [--qga SOCKET]
                                   slots, devices, memory, maxmem and QEMU's version; with --qga
                                   the guest's ranges, each with the device it came from
    $ ham-tui --plug SLOT:SIZE[:node=N] --qmp SOCKET
                                   a memory-backend-ram and a pc-dimm in that slot; QEMU's
                                   refusals (maxmem, slot busy, alignment) in its own words
    $ ham-tui --unplug SLOT --qmp SOCKET [--timeout SECONDS]
                                   device_del, then wait (default 10 s) for the guest's answer
    $ ham-tui --integrate --qmp SOCKET --qga SOCKET [--attempts N] [--interval SECONDS]
          [--dry-run] [--blocks N[-M] | --range 0xSTART-0xEND]
                                   online the offline blocks of plugged devices through the
                                   agent (plain online: the guest kernel picks the zone),
                                   retrying those it may accept later; boot memory an operator
                                   offlined is left alone unless named

  Options
    --state PATH      the machine's state file (default: $XDG_STATE_HOME/ham-tui/machine.json)
    --sysroot DIR     a real machine's memory under DIR (as lsmem --sysroot); --sysfs is /
    --qmp SOCKET      a running QEMU's QMP unix socket (-qmp unix:SOCKET,server=on,wait=off)
    --qga SOCKET      its guest agent's socket (-chardev socket,path=SOCKET,server=on,wait=off,...
                      with a virtserialport name=org.qemu.guest_agent.0); only with --qmp
    -h, --help        this help
    -V, --version     the version

  Environment
    HAM_TUI_NOW       fix the clock (seconds since the epoch): every command sees that time,
                      so a case replays exactly from its seed, actions and times
    NO_COLOR          no colour in the console
    HAM_TUI_AUDIT_LOG where each write to a real machine is recorded, one JSON line each
                      (default: $XDG_STATE_HOME/ham-tui/audit.log)

  Exit codes
${exitCodeLines()}
`;

/** Flags that are on or off, as [name on the command line, key in Flags]. */
const switches = [
	['status', 'status'],
	['json', 'json'],
	['integrate', 'integrate'],
	['reset', 'reset'],
	['sysfs', 'sysfs'],
	['all', 'all'],
	['dry-run', 'dryRun'],
	['offline', 'offline'],
	['watch', 'watch'],
	['force', 'force'],
] as const;

/** Flags that take a value: [name, key, what the value is] ("--plug needs SLOT:SIZE[:MODE], ..."). */
const valued = [
	['plug', 'plug', 'SLOT:SIZE[:MODE], e.g. 2:1G'],
	['unplug', 'unplug', 'a slot number'],
	['driver', 'driver', 'start, stop or reinstall'],
	['workload', 'workload', `drop-caches, ${loadLevels.slice(0, -1).join(', ')} or ${loadLevels.at(-1)}`],
	['boot', 'boot', 'a kernel version'],
	['attempts', 'attempts', 'a number'],
	['interval', 'interval', 'a number of seconds'],
	['seed', 'seed', 'a number'],
	['preset', 'preset', 'a preset name'],
	['scenario', 'scenario', 'a path'],
	['state', 'state', 'a path'],
	['sysroot', 'sysroot', 'a directory (/ for this machine, as --sysfs)'],
	['online-type', 'onlineType', 'auto, online, online_movable or online_kernel'],
	['blocks', 'blocks', 'a block or a block range, e.g. 32 or 32-39'],
	['range', 'range', 'an address range START-END in hex, e.g. 0x100000000-0x13fffffff'],
	['size', 'size', 'a size, e.g. 1G (a bare number is MiB, as for chmem)'],
	['timeout', 'timeout', 'a number of seconds'],
	['auto-online', 'autoOnline', 'offline, online, online_kernel or online_movable'],
	['qmp', 'qmp', "a path to QEMU's QMP unix socket"],
	['qga', 'qga', "a path to the guest agent's unix socket (QEMU's virtio-serial chardev)"],
] as const;

type SwitchKey = (typeof switches)[number][1];
type ValueKey = (typeof valued)[number][1];
export type Flags = {[Key in SwitchKey]?: boolean} & {[Key in ValueKey]?: string};

export type FlagSpec =
	| {kind: 'switch'; name: string; key: SwitchKey}
	| {kind: 'value'; name: string; key: ValueKey; needs: string}
	/** --help and --version: they win over every other flag, and are not part of a command. */
	| {kind: 'meta'; name: 'help' | 'version'};

/** Every flag by its name: a Map, so that no name from the command line finds Object.prototype's. */
export const flagTable: ReadonlyMap<string, FlagSpec> = new Map<string, FlagSpec>([
	...switches.map(([name, key]): [string, FlagSpec] => [name, {kind: 'switch', name, key}]),
	...valued.map(([name, key, needs]): [string, FlagSpec] => [name, {kind: 'value', name, key, needs}]),
	['help', {kind: 'meta', name: 'help'}],
	['version', {kind: 'meta', name: 'version'}],
]);

/** The only short flags, each exactly as written (no -hV bundles). */
export const shortFlags: ReadonlyMap<string, string> = new Map([
	['-h', 'help'],
	['-V', 'version'],
]);

/** "--state needs a path": the one message for a flag given no value (or an empty one, where that cannot mean anything). */
export function needsValue(name: string): string {
	const spec = flagTable.get(name);
	return `--${name} needs ${spec?.kind === 'value' ? spec.needs : 'a value'}`;
}

/** "--driver takes start, stop or reinstall, not "restart"": the one message for a value that is not one of a flag's choices. */
export function takes(name: string, given: string): string {
	const spec = flagTable.get(name);
	return `--${name} takes ${spec?.kind === 'value' ? spec.needs : 'a value'}, not ${quote(given)}`;
}
