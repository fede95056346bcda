// s13 (the online boot, after s11 left auto_online_blocks offline): the QEMU guest agent seen from
// the host. A DIMM arrives offline; the guest sends the host its sysfs view (`HOST agent BLOCK
// ONLINE OFFLINE`, block lists) and the host, through source/vm/qga.ts, compares the agent's
// answers with it (its own checks, agent-*) and onlines BLOCK with guest-set-memory-blocks; here
// sysfs must show BLOCK online, and in which zone the agent's plain "online" put it.
import {spawnSync} from 'node:child_process';
import {readFileSync, writeFileSync} from 'node:fs';

const list = blocks => blocks.map(block => block.index).join(',') || '-';

export function scenarioAgent(t) {
	const since = Date.now();
	const {device, added} = t.addDimm('dimm13', '512M', 0);
	t.check('s13-dimm-offline', added.length === 4 && added.every(block => block.state === 'offline'), JSON.stringify(added));
	const all = t.blocks();
	const block = added[0]?.index;
	const online = all.filter(b => b.state === 'online');
	const offline = all.filter(b => b.state !== 'online');
	const answer = t.hostTry(`agent ${block} ${list(online)} ${list(offline)}`);
	const state = t.blocks().find(b => b.index === block)?.state;
	const zone = readFileSync(`${t.memory}/memory${block}/valid_zones`, 'utf8').trim();
	t.check('s13-agent-onlined', answer.startsWith('ok') && state === 'online', `host: ${answer}; block ${block} ${state}, zone ${zone}`);
	// The rest of the DIMM online too (a later scenario expects none offline); by hand: a ham-tui run costs seconds here.
	spawnSync('sh', [
		'-c',
		`cd ${t.memory}; for b in ${added.map(b => b.index).join(' ')}; do echo online > memory$b/state; done 2>/dev/null`,
	]);
	t.say(`GUEST s13: the agent's plain online put block ${block} in ${zone}; ${((Date.now() - since) / 1000).toFixed(1)} s`);
	return device;
}

/**
 * s14 (after s13): ham-tui on the host, through QMP and the guest agent. The guest sets
 * auto_online_blocks offline with ham-tui first, so the DIMM the host plugs (`HOST cli-integrate`:
 * --plug 3:512M, --integrate and --status with --qmp --qga, the host's own checks s14-host-*)
 * arrives offline and only the agent can online it; here sysfs must show all of it online.
 */
export function scenarioAgentCli(t) {
	const since = Date.now();
	const auto = t.ham(['--sysfs', '--auto-online', 'offline']);
	const setting = readFileSync(`${t.memory}/auto_online_blocks`, 'utf8').trim();
	t.check(
		's14-auto-online-offline',
		auto.status === 0 && setting === 'offline',
		`exit ${auto.status}: ${auto.stdout}${auto.stderr}; now ${setting}`,
	);
	const answer = t.hostTry('cli-integrate');
	const words = Object.fromEntries(
		answer
			.split(' ')
			.slice(1)
			.map(word => word.split('=')),
	);
	const device = {addr: words.addr ?? '0', size: words.size ?? '0'};
	const mine = answer.startsWith('ok') ? t.deviceBlocks(device) : [];
	t.check(
		's14-guest-online',
		mine.length === 4 && mine.every(block => block.state === 'online'),
		`host: ${answer}; blocks ${JSON.stringify(mine)}`,
	);
	t.say(
		`GUEST s14: ham-tui --integrate --qmp --qga from the host onlined ${mine.length} block(s); ${((Date.now() - since) / 1000).toFixed(1)} s`,
	);
}

/**
 * s15 (after s14): the console on the host, in front of this VM (`HOST console-vm`: ham-tui --qmp
 * --qga in a pseudo-terminal there, driven by keys; the host's own checks s15-console-*). The guest
 * sets online_policy auto-movable, so the agent's plain online lands in Movable and the DIMM can
 * be ejected; the console plugs it, onlines it with i, unplugs it with u, and shows QEMU's refusal
 * of a DIMM past maxmem in its form. Here: the DIMM's blocks are gone again.
 */
export function scenarioConsoleVm(t) {
	const policy = '/sys/module/memory_hotplug/parameters/online_policy';
	let set = false;
	try {
		writeFileSync(policy, 'auto-movable');
		set = readFileSync(policy, 'utf8').trim() === 'auto-movable';
	} catch {}
	t.check('s15-online-policy-auto-movable', set, `online_policy: ${set ? 'auto-movable' : 'not set'}`);
	const answer = t.hostTry('console-vm');
	const words = Object.fromEntries(
		answer
			.split(' ')
			.slice(1)
			.map(word => word.split('=')),
	);
	const device = {addr: words.addr ?? '0', size: words.size ?? '0'};
	const left = answer.startsWith('ok') ? t.deviceBlocks(device) : [];
	t.check('s15-guest-dimm-gone', answer.startsWith('ok') && left.length === 0, `host: ${answer}; blocks left ${JSON.stringify(left)}`);
	try {
		writeFileSync(policy, 'contig-zones');
	} catch {}
}
