// s13 (the online boot, after s11 left auto_online_blocks offline): the QEMU guest agent seen from
// the host. A DIMM arrives offline; the guest sends the host its sysfs view (`HOST agent BLOCK
// ONLINE OFFLINE`, block lists) and the host, through source/vm/qga.ts, compares the agent's
// answers with it (its own checks, agent-*) and onlines BLOCK with guest-set-memory-blocks; here
// sysfs must show BLOCK online, and in which zone the agent's plain "online" put it.
import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';

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
