// Guest scenarios for offlining and hot-remove (run by scenarios.mjs in the memhp_default_state=online
// boot, whose time allows them): a DIMM onlined Movable by --integrate's default, offlined with
// --offline and removed by the host's device_del, all seen by a --watch running alongside; and a
// boot block holding unmovable kernel memory, which --offline refuses with the diagnosis that no
// retry helps.
import {readFileSync} from 'node:fs';

/** The --watch's JSON lines so far (its stderr lines are not JSON: left out). */
const watchEvents = run =>
	run.out
		.split('\n')
		.filter(line => line.startsWith('{'))
		.map(line => JSON.parse(line));

/**
 * s11: hot-added memory left offline (auto_online_blocks set to offline by ham-tui), onlined by
 * --integrate in the zone its rule picks by default (Movable), offlined by --offline, removed by
 * the host's device_del: the DIMM is gone from the guest, and the watch told every step: the
 * blocks added (by the kernel: other), onlined and offlined by ham-tui, removed.
 */
export async function scenarioOfflineRemove(t) {
	const auto = t.ham(['--sysfs', '--auto-online', 'offline']);
	const setting = readFileSync(`${t.memory}/auto_online_blocks`, 'utf8').trim();
	t.check(
		's11-auto-online-set',
		auto.status === 0 && setting === 'offline',
		`exit ${auto.status}, now ${setting}: ${auto.stdout}${auto.stderr}`,
	);
	const watch = t.hamLater(['--sysfs', '--watch', '--interval', '0.5']);
	await t.waitForAsync('the watch to start', 30, () => watch.out.includes('"event":"start"'));
	const {device, added} = t.addDimm('dimm11', '512M', 0);
	const first = added[0]?.index;
	const last = added.at(-1)?.index;
	const integrate = t.ham(['--sysfs', '--integrate']);
	const zones = t.deviceBlocks(device).map(block => readFileSync(`${t.memory}/memory${block.index}/valid_zones`, 'utf8').trim());
	t.check(
		's11-default-zone-movable',
		added.length === 4 && integrate.status === 0 && zones.length === 4 && zones.every(zone => zone === 'Movable'),
		`exit ${integrate.status}, zones ${zones}: ${integrate.stdout}`,
	);
	const offline = t.ham(['--sysfs', '--offline', '--blocks', `${first}-${last}`, '--timeout', '30']);
	const states = t.deviceBlocks(device).map(block => block.state);
	t.check(
		's11-offline-exit',
		offline.status === 0 && states.every(state => state === 'offline') && offline.stdout.includes(`Memory Block ${last} `),
		`exit ${offline.status}, states ${states}: ${offline.stdout}${offline.stderr}`,
	);
	// The last block goes offline just before the unplug: let the watch poll once more first, or
	// it may see that block go online -> removed between two polls (a race in the test, not in --watch).
	const seenOffline = () =>
		new Set(
			watchEvents(watch)
				.filter(event => event.event === 'state' && event.block >= first && event.block <= last && event.to !== 'online')
				.map(event => event.block),
		).size;
	await t.waitForAsync('the watch to see the blocks offline', 10, () => seenOffline() === 4);
	const removed = t.hostTry('unplug dimm11');
	await t.waitForAsync('the DIMM blocks to go', 30, () => t.deviceBlocks(device).length === 0);
	t.check('s11-device-del-removes', removed.startsWith('ok') && t.deviceBlocks(device).length === 0, removed);
	// The watch polls every 0.5 s: give it a poll after the removal, then stop it as a service manager would.
	await t.waitForAsync('the watch to see the removal', 10, () => watchEvents(watch).some(event => event.event === 'removed'));
	watch.kill('SIGTERM');
	const code = await watch.exit;
	const events = watchEvents(watch).filter(event => event.block >= first && event.block <= last);
	const of = kind => events.filter(event => event.event === kind);
	t.check('s11-watch-added', of('added').length === 4 && of('added').every(event => event.by === 'other'), JSON.stringify(of('added')));
	// Each block seen online, then going offline, and every change on the way said to be ham-tui's.
	// A poll every 0.5 s sees what is there then: a block may go going-offline -> offline -> removed
	// between two polls, so going-offline counts as well as offline here.
	const reached = (...to) =>
		new Set(
			of('state')
				.filter(event => to.includes(event.to))
				.map(event => event.block),
		).size;
	t.check(
		's11-watch-by-ham-tui',
		reached('online') === 4 && reached('offline', 'going-offline') === 4 && of('state').every(event => event.by === 'ham-tui'),
		of('state')
			.map(event => `${event.block}:${event.from}->${event.to}:${event.by}`)
			.join(' '),
	);
	t.check('s11-watch-removed', of('removed').length === 4 && code === 0, `exit ${code}: ${JSON.stringify(of('removed'))}`);
}

/**
 * s12: boot memory in a kernel zone holds what the kernel cannot move (its memmap is allocated
 * top-down from the end of boot RAM, slab and page tables anywhere): the highest boot block that
 * --offline is refused for with EBUSY says no retry helps, and exit 1. A block that did go
 * offline on the way down is brought back (--integrate --blocks).
 */
export function scenarioOfflineUnmovable(t) {
	const boot = t
		.blocks()
		.filter(block => block.index > 0 && block.index < 8 && block.state === 'online')
		.reverse();
	let holes = false;
	for (const block of boot) {
		const run = t.ham(['--sysfs', '--offline', '--blocks', String(block.index), '--timeout', '20']);
		if (run.status === 0) {
			t.ham(['--sysfs', '--integrate', '--blocks', String(block.index)]);
			continue;
		}

		// The top of a PC's boot RAM holds the BIOS's reserved range: a hole, refused before writing (6.1 says EINVAL).
		if (/refused: .* is not System RAM \(\/proc\/iomem\): the kernel never offlines a block with holes/.test(run.stdout)) {
			holes = true;
			continue;
		}

		const zone = readFileSync(`${t.memory}/memory${block.index}/valid_zones`, 'utf8').trim();
		t.check(
			's12-unmovable-no-retry',
			run.status === 1 && /FAILED: EBUSY/.test(run.stdout) && /unmovable kernel memory in zone \S+.*a retry will not help/.test(run.stdout),
			`block ${block.index} (${zone}): exit ${run.status}: ${run.stdout}${run.stderr}`,
		);
		t.check('s12-still-online', t.blocks().find(b => b.index === block.index)?.state === 'online', `block ${block.index}`);
		t.check(
			's12-holes-refused-first',
			holes,
			'the highest boot block (BIOS-reserved top of RAM) was refused for its hole before any write',
		);
		return;
	}

	t.check('s12-unmovable-no-retry', false, `every boot block of 1-7 went offline or had holes (${holes}): none held unmovable memory`);
}
