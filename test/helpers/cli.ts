// Runs the built CLI (dist/cli.js, as npm installs it) as a process.
import {spawn, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const cliPath = path.resolve('dist/cli.js');

export type CliResult = {code: number | null; stdout: string; stderr: string};

const made: string[] = [];
// Every temporary directory a test makes goes when its test process ends, passed or failed
// (HAM_TUI_KEEP_TEMP=1 keeps them, to look at after a failure).
process.on('exit', () => {
	if (process.env.HAM_TUI_KEEP_TEMP !== '1') {
		for (const directory of made) {
			try {
				fs.rmSync(directory, {recursive: true, force: true});
			} catch {} // A mount point a test left (the full-disk test unmounts its own).
		}
	}
});

export function tempDir(): string {
	const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'ham-tui-test-'));
	made.push(directory);
	return directory;
}

/** A state file path in a fresh directory, and a runner bound to it. */
export function cliSession(now = 1_000_000) {
	const dir = tempDir();
	const state = path.join(dir, 'machine.json');
	let clock = now;
	return {
		dir,
		state,
		/** Moves the fixed clock (HAM_TUI_NOW) forward. */
		wait(seconds: number) {
			clock += seconds;
		},
		run(...args: string[]): CliResult {
			return runCli([...args, '--state', state], {HAM_TUI_NOW: String(clock)});
		},
	};
}

export function runCli(args: string[], env: Record<string, string> = {}): CliResult {
	const result = spawnSync(process.execPath, [cliPath, ...args], {
		env: {...process.env, NO_COLOR: '1', ...env},
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	return {code: result.status, stdout: result.stdout, stderr: result.stderr};
}

/** Runs a command without blocking the test process (so several can run at once). */
export function runProcess(command: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, {env: {...process.env, NO_COLOR: '1', ...env}, stdio: ['ignore', 'pipe', 'pipe']});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', chunk => {
			stdout += chunk;
		});
		child.stderr.on('data', chunk => {
			stderr += chunk;
		});
		child.on('error', reject);
		child.on('close', code => {
			resolve({code, stdout, stderr});
		});
	});
}
