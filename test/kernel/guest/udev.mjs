// The udev scenario (run from scenarios.mjs in the offline boot, after the others): a real
// systemd-udevd with contrib/90-ham-tui-memory.rules, a hot-add, and nobody typing anything. The
// rule's RUN asks systemctl for contrib/ham-tui-integrate.service; no systemd runs here, so
// /usr/bin/systemctl is a stand-in that runs the unit file's ExecStart= as shipped, the way systemd
// would: in the background, out of udev's way, under the unit's CapabilityBoundingSet= and
// NoNewPrivileges= (util-linux's setpriv), with its Environment=, StateDirectory= and systemd's
// PATH (which finds the bare `ham-tui`), logging to /tmp/unit.log (the journal). A start while a
// run is active merges into it, as a oneshot's start job does.
import {spawn, spawnSync} from 'node:child_process';
import {chmodSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs';

const memory = '/sys/devices/system/memory';
const unitLog = '/tmp/unit.log';
const udevdLog = '/tmp/udevd.log';

const systemctl = `#!/bin/sh
# The guest's systemctl (test/kernel/guest/udev.mjs): [--no-block] start UNIT.service, nothing else.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
log=${unitLog}
verb= unit=
for arg; do
	case $arg in
	--no-block) ;;
	start) verb=start ;;
	*.service) unit=$arg ;;
	*) echo "systemctl (stand-in): unknown argument $arg" >>$log; exit 2 ;;
	esac
done
file=/etc/systemd/system/$unit
if [ "$verb" != start ] || [ ! -f "$file" ]; then echo "systemctl (stand-in): cannot $* ($file)" >>$log; exit 5; fi
stamp() { cut -d' ' -f1 /proc/uptime; }
# One run at a time: the directory exists while ExecStart= runs (mkdir is atomic; udev runs events in parallel).
if ! mkdir /run/$unit.active 2>/dev/null; then
	echo "$(stamp) start $unit for \${DEVPATH:-?}: merged into the running start job" >>$log
	exit 0
fi
echo "$(stamp) start $unit for \${DEVPATH:-?} (SEQNUM \${SEQNUM:-?}): running ExecStart=" >>$log
value() { sed -n "s/^$1=//p" "$file" | tail -n 1; }
set -- $(value ExecStart)
program=$(command -v "$1") || { echo "$(stamp) $unit: $1 not found on $PATH" >>$log; rmdir /run/$unit.active; exit 1; }
shift
caps=$(value CapabilityBoundingSet | tr 'A-Z ' 'a-z,' | sed 's/cap_/+/g')
bounding=-all\${caps:+,$caps}
nnp=
[ "$(value NoNewPrivileges)" = yes ] && nnp=--no-new-privs
environment=$(value Environment)
state=$(value StateDirectory)
[ -z "$state" ] || mkdir -p /var/lib/$state
export bounding nnp environment
setsid sh -c '
	env -i PATH="$PATH" $environment /usr/bin/setpriv --bounding-set "$bounding" --inh-caps -all $nnp -- "$@"
	status=$?
	echo "$(cut -d" " -f1 /proc/uptime) ExecStart= exited $status"
	rmdir /run/'$unit'.active
' sh "$program" "$@" </dev/null >>$log 2>&1 &
exit 0
`;

/** Installs what a machine would have: the systemctl stand-in, ham-tui on PATH as npm -g links it, /usr/bin/env, root's passwd line. */
function install() {
	for (const directory of ['/run', '/usr/local/bin', '/usr/bin']) mkdirSync(directory, {recursive: true});
	writeFileSync('/usr/bin/systemctl', systemctl);
	chmodSync('/usr/bin/systemctl', 0o755);
	if (!existsSync('/usr/local/bin/ham-tui')) symlinkSync('/app/dist/cli.js', '/usr/local/bin/ham-tui');
	if (!existsSync('/usr/bin/env')) symlinkSync('/bin/busybox', '/usr/bin/env'); // cli.js: #!/usr/bin/env node
	// Every machine has root in /etc/passwd; without it (and with no HOME, as in a unit) node's os.homedir() throws.
	mkdirSync('/etc', {recursive: true});
	if (!existsSync('/etc/passwd')) writeFileSync('/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n');
	writeFileSync(unitLog, '');
}

const read = file => {
	try {
		return readFileSync(file, 'utf8');
	} catch {
		return '';
	}
};

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

async function waitUntil(seconds, predicate) {
	const end = Date.now() + seconds * 1000;
	while (Date.now() < end) {
		if (predicate()) return true;
		await sleep(200);
	}
	return predicate();
}

const blockIndexes = () =>
	readdirSync(memory)
		.map(name => /^memory(\d+)$/.exec(name)?.[1])
		.filter(index => index !== undefined)
		.map(Number);
const stateOf = index => read(`${memory}/memory${index}/state`).trim();

/**
 * `helpers` are scenarios.mjs's: host (a hot-add over QMP), check (a CHECK line) and say (a GUEST line).
 * The hot-add is a 1 GiB DIMM: the kernel adds its eight blocks at once, eight add events, the
 * burst the rule is for (and that one run of the oneshot unit takes in).
 */
export async function scenarioUdev({host, check, say}) {
	install();
	const udevd = spawn('/usr/lib/systemd/systemd-udevd', ['--debug'], {stdio: ['ignore', openSync(udevdLog, 'w'), openSync(udevdLog, 'a')]});
	let udevdExit;
	udevd.on('exit', (code, signal) => {
		udevdExit = signal ?? code;
	});
	const ping = () => spawnSync('udevadm', ['control', '--ping', '--timeout', '2'], {encoding: 'utf8'}).status === 0;
	const listening = await waitUntil(30, () => udevdExit === undefined && ping());
	// udevd names a rule it could not parse by file and line.
	const ruleError = /90-ham-tui-memory\.rules:\d+.*/.exec(read(udevdLog))?.[0];
	const rulesRead = read(udevdLog).includes('Reading rules file: /etc/udev/rules.d/90-ham-tui-memory.rules');
	check(
		'udev-udevd-started',
		listening && rulesRead && !ruleError,
		listening && rulesRead && !ruleError
			? `systemd-udevd ${udevd.pid} answers, read /etc/udev/rules.d/90-ham-tui-memory.rules`
			: `pid ${udevd.pid}, exit ${udevdExit}: ${ruleError ?? read(udevdLog).slice(-400)}`,
	);
	if (!listening) return;

	// By now the boot's Movable memory is at what auto_movable_ratio (301%) allows, and ham-tui
	// rightly goes Normal; with the ratio raised for this hot-add (ham-tui reads it at each run),
	// Movable is the zone the rule's run must choose.
	const ratioFile = '/sys/module/memory_hotplug/parameters/auto_movable_ratio';
	const ratio = read(ratioFile).trim();
	writeFileSync(ratioFile, '3000');
	const before = new Set(blockIndexes());
	const since = Date.now();
	host('dimm dimmU 1G 0');
	const added = () => blockIndexes().filter(index => !before.has(index));
	const allOnline = () => added().length === 8 && added().every(index => stateOf(index) === 'online');
	const onlined = await waitUntil(60, allOnline);
	const took = ((Date.now() - since) / 1000).toFixed(1);
	const states = added().map(index => `${index}:${stateOf(index)}`);
	check('udev-onlines-dimm', onlined, `${states.length} blocks added, all online ${onlined} after ${took} s: ${states.join(' ')}`);

	const zones = added().map(index => read(`${memory}/memory${index}/valid_zones`).trim());
	check(
		'udev-zone-movable',
		zones.length === 8 && zones.every(zone => zone === 'Movable'),
		`valid_zones ${JSON.stringify(zones)} (auto_movable_ratio ${ratio} raised to 3000 for this hot-add)`,
	);

	// Done: a run has ended, and none is running (the stand-in's mark of an active start job). A
	// later run, if any, may find nothing to do (exit 0, no summary line).
	const finished = await waitUntil(
		30,
		() => read(unitLog).includes('ExecStart= exited') && !existsSync('/run/ham-tui-integrate.service.active'),
	);
	const log = read(unitLog);
	say(`GUEST unit log (${unitLog}):\n${log.trimEnd()}`.replace(/\n/g, '\nGUEST | '));
	const summaries = [...log.matchAll(/integrate: (\d+) of (\d+) offline block\(s\) onlined/g)];
	const requests = (log.match(/ start ham-tui-integrate\.service for /g) ?? []).length;
	const runs = (log.match(/: running ExecStart=/g) ?? []).length;
	const exits = [...log.matchAll(/ExecStart= exited (\d+)/g)].map(match => match[1]);
	check(
		'udev-unit-ran',
		finished &&
			runs > 0 &&
			summaries.length > 0 &&
			summaries.every(match => match[1] === match[2]) &&
			exits.length === runs &&
			exits.every(code => code === '0'),
		`${requests} start request(s) from the rule, ${runs} run(s), exit ${exits.join(' ')}: ${summaries.map(match => match[0]).join('; ') || 'no summary line'}`,
	);

	writeFileSync(ratioFile, ratio);
	udevd.kill('SIGTERM');
	const stopped = await waitUntil(10, () => udevdExit !== undefined);
	if (!stopped) udevd.kill('SIGKILL');
	if (!onlined || !finished) say(`GUEST udevd log ends:\n${read(udevdLog).slice(-3000)}`.replace(/\n/g, '\nGUEST | '));
}
