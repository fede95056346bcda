// --qmp SOCKET through the one parser: the VM's commands, its --plug syntax (SLOT:SIZE[:node=N]),
// --unplug's --timeout, and every flag that does not go with a VM refused before anything connects.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {parseArgv} from '../../source/cli/argv.js';
import {parseCommand} from '../../source/cli/command.js';
import {helpText} from '../../source/cli/options.js';

function command(...args: string[]) {
	const line = parseArgv(args);
	assert.equal(line.kind, 'flags', JSON.stringify(line));
	return line.kind === 'flags' ? parseCommand(line.flags, line.input) : undefined;
}

const vm = {qmp: '/run/q.sock'};

test('the VM commands: --status, --json, --plug (SLOT:SIZE, :hot-add, :node=N), --unplug with its timeout', () => {
	assert.deepEqual(command('--status', '--qmp', '/run/q.sock'), {ok: true, value: {command: {kind: 'status'}, statePath: undefined, vm}});
	assert.deepEqual(command('--json', '--qmp=/run/q.sock'), {ok: true, value: {command: {kind: 'json'}, statePath: undefined, vm}});
	for (const value of ['1:1G', '1:1G:hot-add']) {
		assert.deepEqual(command('--plug', value, '--qmp', '/run/q.sock'), {
			ok: true,
			value: {command: {kind: 'plug', slot: 1, size: 2 ** 30, mode: 'hot-add'}, statePath: undefined, vm},
		});
	}

	assert.deepEqual(command('--plug', '2:512M:node=1', '--qmp', '/run/q.sock'), {
		ok: true,
		value: {command: {kind: 'plug', slot: 2, size: 2 ** 29, mode: 'hot-add', node: 1}, statePath: undefined, vm},
	});
	assert.deepEqual(command('--unplug', '2', '--qmp', '/run/q.sock'), {
		ok: true,
		value: {command: {kind: 'unplug', slot: 2, timeout: 10}, statePath: undefined, vm},
	});
	assert.deepEqual(command('--unplug', '2', '--timeout', '0.5', '--qmp', '/run/q.sock'), {
		ok: true,
		value: {command: {kind: 'unplug', slot: 2, timeout: 0.5}, statePath: undefined, vm},
	});
});

test('--qga SOCKET with --qmp: --status, --json and --integrate with its --attempts, --interval and --dry-run', () => {
	const both = {qmp: 's', qga: 'g'};
	assert.deepEqual(command('--status', '--qmp', 's', '--qga', 'g'), {
		ok: true,
		value: {command: {kind: 'status'}, statePath: undefined, vm: both},
	});
	assert.deepEqual(command('--integrate', '--qmp', 's', '--qga', 'g'), {
		ok: true,
		value: {command: {kind: 'integrate', attempts: 1, interval: 10}, statePath: undefined, vm: {...both, dryRun: false}},
	});
	assert.deepEqual(command('--integrate', '--qmp', 's', '--qga', 'g', '--attempts', '2', '--interval', '0', '--dry-run'), {
		ok: true,
		value: {command: {kind: 'integrate', attempts: 2, interval: 0}, statePath: undefined, vm: {...both, dryRun: true}},
	});
	assert.deepEqual(command('--integrate', '--qmp', 's', '--qga', 'g', '--blocks', '5-6'), {
		ok: true,
		value: {
			command: {kind: 'integrate', attempts: 1, interval: 10},
			statePath: undefined,
			vm: {...both, dryRun: false, selection: {kind: 'blocks', first: 5, last: 6}},
		},
	});
});

test('--qmp with no action is the console in front of the VM, with its agent when --qga names one', () => {
	assert.deepEqual(command('--qmp', '/run/q.sock'), {ok: true, value: {command: {kind: 'console'}, statePath: undefined, vm}});
	assert.deepEqual(command('--qmp', '/run/q.sock', '--qga', '/run/g.sock'), {
		ok: true,
		value: {command: {kind: 'console'}, statePath: undefined, vm: {...vm, qga: '/run/g.sock'}},
	});
});

test('what does not go with --qmp is refused with why', () => {
	const refused = (args: string[], error: string) => assert.deepEqual(command(...args), {ok: false, error}, args.join(' '));
	refused(['--integrate', '--qmp', 's'], '--integrate with --qmp needs --qga SOCKET: onlining happens in the guest, through its agent');
	refused(['--status', '--qga', 'g'], "--qga goes with --qmp SOCKET: the guest agent is a running QEMU's guest's side");
	refused(['--integrate', '--sysfs', '--qga', 'g'], "--qga goes with --qmp SOCKET: the guest agent is a running QEMU's guest's side");
	refused(['--status', '--qmp', 's', '--qga', ' '], "--qga needs a path to the guest agent's unix socket (QEMU's virtio-serial chardev)");
	refused(['--integrate', '--qmp', 's', '--qga', 'g', '--size', '1G'], '--size does not go with --qmp');
	refused(['--status', '--qmp', 's', '--qga', 'g', '--blocks', '3'], '--blocks does not go with --qmp');
	refused(['--qmp', 's', '--blocks', '3'], '--blocks does not go with the console in front of a VM');
	refused(['--qmp', 's', '--qga', ''], "--qga needs a path to the guest agent's unix socket (QEMU's virtio-serial chardev)");
	refused(['--qmp', ' '], "--qmp needs a path to QEMU's QMP unix socket");
	refused(['--status', '--qmp', 's', '--sysfs'], '--qmp and --sysfs cannot be used together: one machine at a time');
	refused(['--status', '--qmp', 's', '--sysroot', '/'], '--qmp and --sysroot cannot be used together: one machine at a time');
	refused(['--status', '--qmp', 's', '--state', 'm.json'], "--state is the simulated machine's file; it does not go with --qmp");
	refused(
		['--driver', 'stop', '--qmp', 's'],
		'--driver does not go with --qmp: a VM has --status, --json, --plug, --unplug and --integrate (with --qga)',
	);
	refused(['--status', '--all', '--qmp', 's'], '--all does not go with --qmp');
	refused(['--status', '--dry-run', '--qmp', 's'], '--dry-run does not go with --qmp');
	refused(
		['--plug', '1:1G:mirror', '--qmp', 's'],
		"mirror is a mode of the simulated machine's modules; a VM's DIMM is plain hot-add memory",
	);
	refused(['--plug', '1:1G:__proto__', '--qmp', 's'], '--plug takes SLOT:SIZE[:node=N] with --qmp, not "1:1G:__proto__"');
	refused(['--plug', '1:1G:node=x', '--qmp', 's'], 'node must be a whole number from 0 to 1023, not "x"');
	refused(['--plug=-1:1G', '--qmp', 's'], "SLOT must be 0 or more with --qmp (a VM's DIMM slots count from 0), not -1");
	refused(['--plug', '1', '--qmp', 's'], '--plug takes SLOT:SIZE[:node=N] with --qmp, e.g. 1:1G or 2:512M:node=1, not "1"');
	refused(
		['--unplug', '1', '--timeout', '5'],
		'--timeout goes with --offline, or with --unplug and --qmp (how long to wait for the guest)',
	);
	refused(['--status', '--timeout', '5', '--qmp', 's'], '--timeout goes with --offline or --unplug');
});

test('--help names --qmp, in lines of at most 100 columns', () => {
	assert.match(helpText, /--qmp SOCKET {6}a running QEMU's QMP unix socket/);
	assert.match(helpText, /--qga SOCKET {6}its guest agent's socket .*; only with --qmp/s);
	assert.match(helpText, /\$ ham-tui --integrate --qmp SOCKET --qga SOCKET/);
	for (const line of helpText.split('\n')) {
		assert.ok(line.length <= 100, line);
	}
});
