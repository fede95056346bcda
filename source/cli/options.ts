// The command line: flags (for meow) and the help text, in one place.
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
          [--online-type online|online_movable|online_kernel]
                                   online every offline block, retrying those the kernel
                                   may accept later (EBUSY, ENOMEM); needs root

  Options
    --state PATH      the machine's state file (default: $XDG_STATE_HOME/ham-tui/machine.json)
    --sysroot DIR     a real machine's memory under DIR (as lsmem --sysroot); --sysfs is /
    --help, --version

  Environment
    HAM_TUI_NOW       fix the clock (seconds since the epoch): every command sees that time,
                      so a case replays exactly from its seed, actions and times
    NO_COLOR          no colour in the console

  Exit codes
    0 done; 1 refused or failed (integrate: nothing enabled); 2 bad usage;
    3 state or scenario file unusable; 64 integrate enabled some regions but not all
    (a real machine: 1 also when its memory directory cannot be read or onlining needs root)
`;

export const flags = {
	status: {type: 'boolean'},
	json: {type: 'boolean'},
	integrate: {type: 'boolean'},
	attempts: {type: 'string'},
	interval: {type: 'string'},
	plug: {type: 'string'},
	unplug: {type: 'string'},
	driver: {type: 'string'},
	workload: {type: 'string'},
	boot: {type: 'string'},
	reset: {type: 'boolean'},
	seed: {type: 'string'},
	preset: {type: 'string'},
	scenario: {type: 'string'},
	state: {type: 'string'},
	sysroot: {type: 'string'},
	sysfs: {type: 'boolean'},
	all: {type: 'boolean'},
	dryRun: {type: 'boolean'},
	onlineType: {type: 'string'},
} as const;

export type Flags = {
	status?: boolean;
	json?: boolean;
	integrate?: boolean;
	attempts?: string;
	interval?: string;
	plug?: string;
	unplug?: string;
	driver?: string;
	workload?: string;
	boot?: string;
	reset?: boolean;
	seed?: string;
	preset?: string;
	scenario?: string;
	state?: string;
	sysroot?: string;
	sysfs?: boolean;
	all?: boolean;
	dryRun?: boolean;
	onlineType?: string;
};
