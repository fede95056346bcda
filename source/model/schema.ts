// Validation of what comes from outside: scenario files and state files. valibot rather than a
// hand-written checker: it names the field and the reason, and it loads in ~10 ms (zod: ~90 ms),
// which matters because every one-shot command validates the state file.
import * as v from 'valibot';
import {fail, ok, type Result} from '../result.js';
import {stateProblems} from './invariants.js';
import {isPresetName, presets} from './presets.js';
import {isCanonicalMachine} from './schema-fast.js';
import {loadLevels, type MachineSpec, moduleModes} from './spec.js';
import {type Machine, oldestStateFormat, stateFormat} from './state.js';
import {maxSeconds, toBytes} from './units.js';

const controlCharacters = /[\u0000-\u001F\u007F-\u009F]/g;

// Every number has a bound, so that no value a file may hold makes the model's arithmetic leave
// the safe integers (a counter at 2^53 stops counting); what a bound still lets through, the
// invariants check, and a change whose result would fail either is refused before it is written.
const maxBytes = 2 ** 52;
/** A size or address: bytes as a number, or text such as "512M", "4G", "0x100000000". */
const bytes = v.pipe(
	v.union([v.number(), v.string()], 'expected a size such as "1G" or a number of bytes'),
	v.transform(value => toBytes(value) ?? Number.NaN),
	v.check(value => Number.isSafeInteger(value) && value >= 0, 'not a valid size: write a whole number with K, M, G or T, or 0x hex'),
	v.maxValue(maxBytes, 'past 4 PiB (2^52 bytes, the x86_64 physical address limit)'),
);
const positiveBytes = v.pipe(bytes, v.minValue(1, 'must be more than 0'));
const maxCount = 4_294_967_295;
const count = v.pipe(
	v.number(),
	v.integer('must be a whole number'),
	v.minValue(0, 'must not be negative'),
	v.maxValue(maxCount, `at most ${maxCount}`),
);
const uint32 = count;
const seconds = v.pipe(v.number(), v.minValue(0, 'must not be negative'), v.maxValue(maxSeconds, 'past the year 9999'));
/** A duration in a spec: at most a year, so that now plus any duration stays a printable date. */
const duration = v.pipe(v.number(), v.minValue(0, 'must not be negative'), v.maxValue(31_536_000, 'more than a year (31536000 s)'));
/**
 * Text from a file. Every one of these fields is a single line that reaches terminals (a name, a
 * label, a log line), so control characters and escape sequences (C0, DEL, C1) are replaced with
 * U+FFFD as the file is read: nothing the model holds, and so nothing it prints, can carry one.
 */
const text = (max: number) =>
	v.pipe(
		v.string(),
		v.transform(value => value.replace(controlCharacters, '\uFFFD')),
		v.maxLength(max, `longer than ${max} characters`),
	);
const range = v.strictObject({start: bytes, size: positiveBytes});

const specSchema = v.strictObject({
	name: text(64),
	description: text(200),
	kernel: v.strictObject({
		version: text(64),
		arch: v.picklist(['i386-pae', 'x86_64']),
		pageBytes: v.pipe(
			positiveBytes,
			v.check(value => (value & (value - 1)) === 0, 'must be a power of two'),
		),
		structPageBytes: v.pipe(count, v.minValue(1, 'must be more than 0'), v.maxValue(4096, 'at most 4096')),
		directMapBytes: v.nullable(positiveBytes),
		reservedLowmemBytes: bytes,
		vmallocBytes: v.nullable(positiveBytes),
		vmallocBootUsedBytes: bytes,
		physLimitBytes: positiveBytes,
		sectionBytes: positiveBytes,
	}),
	boot: v.strictObject({
		moduleBytes: positiveBytes,
		ram: v.pipe(v.array(range), v.minLength(1, 'needs at least one RAM range')),
		resources: v.array(v.strictObject({name: text(64), start: bytes, size: positiveBytes})),
	}),
	controller: v.strictObject({
		name: text(64),
		slots: v.pipe(count, v.minValue(2, 'needs slot 1 (boot) and at least one more'), v.maxValue(65_536, 'at most 65536 slots')),
		moduleSizes: v.pipe(v.array(positiveBytes), v.minLength(1, 'needs at least one module size')),
		maxMemoryBytes: positiveBytes,
		hotaddBaseBytes: bytes,
		alignmentBytes: positiveBytes,
		addressLimitBytes: positiveBytes,
		scrubSecondsPerGiB: duration,
		slotBases: v.record(v.pipe(v.string(), v.regex(/^[1-9]\d*$/, 'slot numbers are whole numbers from 1')), bytes),
	}),
	workload: v.strictObject({
		levels: v.strictObject({idle: bytes, normal: bytes, heavy: bytes, peak: bytes}),
		initial: v.picklist(loadLevels),
		swingBytes: bytes,
		periodSeconds: v.pipe(duration, v.minValue(1, 'must be at least 1')),
		noiseBytes: bytes,
		noiseSeconds: v.pipe(duration, v.minValue(1, 'must be at least 1')),
		reclaimablePercent: v.pipe(v.number(), v.minValue(0), v.maxValue(100)),
		refillSeconds: v.pipe(duration, v.minValue(1, 'must be at least 1')),
	}),
	driver: v.strictObject({builtFor: text(64), loaded: v.boolean()}),
	plugged: v.array(
		v.strictObject({
			slot: v.pipe(count, v.minValue(2, 'slot 1 holds the boot memory')),
			size: positiveBytes,
			mode: v.picklist(moduleModes),
			label: v.optional(text(64)),
		}),
	),
});

function firstIssue([issue]: [v.BaseIssue<unknown>, ...v.BaseIssue<unknown>[]]): string {
	const path = v.getDotPath(issue);
	return path ? `${path}: ${issue.message}` : issue.message;
}

/**
 * A scenario file: a machine spec, or the changes to one preset ("base"), merged over it.
 * Everything is checked; the first problem is returned with the field it is in.
 */
export function parseScenario(input: unknown): Result<MachineSpec> {
	if (!isPlainObject(input)) {
		return fail('a scenario is a JSON object');
	}

	const {base, ...changes} = input;
	let merged: unknown = changes;
	if (base !== undefined) {
		if (typeof base !== 'string' || !isPresetName(base)) {
			return fail(`base: unknown preset ${JSON.stringify(base)} (presets: ${Object.keys(presets).join(', ')})`);
		}

		merged = mergeDeep(presets[base], changes);
	}

	const parsed = v.safeParse(specSchema, merged);
	if (!parsed.success) {
		return fail(firstIssue(parsed.issues));
	}

	return checkSpec(parsed.output);
}

/** Rules across fields, which a field-by-field schema cannot state. */
function checkSpec(spec: MachineSpec): Result<MachineSpec> {
	for (const plugged of spec.plugged) {
		if (plugged.slot > spec.controller.slots) {
			return fail(`plugged: slot ${plugged.slot} is past the last slot (${spec.controller.slots})`);
		}
	}

	for (const slot of Object.keys(spec.controller.slotBases)) {
		if (Number(slot) > spec.controller.slots) {
			return fail(`controller.slotBases: slot ${slot} is past the last slot (${spec.controller.slots})`);
		}
	}

	const slots = new Set<number>();
	for (const plugged of spec.plugged) {
		if (slots.has(plugged.slot)) {
			return fail(`plugged: slot ${plugged.slot} is listed twice`);
		}

		slots.add(plugged.slot);
		if (!spec.controller.moduleSizes.includes(plugged.size)) {
			return fail(`plugged: slot ${plugged.slot}'s size ${plugged.size} is not one of controller.moduleSizes`);
		}
	}

	// A machine that could not have booted: its accounting would start below zero.
	const {kernel, boot} = spec;
	const ram = [...boot.ram].sort((a, b) => a.start - b.start);
	for (const [index, range] of ram.entries()) {
		const before = ram[index - 1];
		if (before && range.start < before.start + before.size) {
			return fail('boot.ram: RAM ranges overlap');
		}
	}

	if (kernel.vmallocBytes !== null && kernel.vmallocBootUsedBytes > kernel.vmallocBytes) {
		return fail('kernel.vmallocBootUsedBytes: more than kernel.vmallocBytes');
	}

	const lowEnd = kernel.directMapBytes ?? Number.MAX_SAFE_INTEGER;
	const lowmem = ram.reduce((sum, range) => sum + Math.max(0, Math.min(lowEnd, range.start + range.size) - range.start), 0);
	const bootMemmap = Math.ceil(ram.reduce((sum, range) => sum + range.size, 0) / kernel.pageBytes) * kernel.structPageBytes;
	if (kernel.reservedLowmemBytes + bootMemmap > lowmem) {
		return fail(`kernel.reservedLowmemBytes: with the boot memory's mem_map (${bootMemmap} B) more than the ${lowmem} B of lowmem`);
	}

	return ok(spec);
}

export function mergeDeep(base: unknown, changes: unknown): unknown {
	if (isPlainObject(base) && isPlainObject(changes)) {
		const result: Record<string, unknown> = {...base};
		for (const [key, value] of Object.entries(changes)) {
			result[key] = mergeDeep(base[key], value);
		}

		return result;
	}

	return changes === undefined ? base : changes;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const failureSchema = v.strictObject({
	code: v.picklist(['scrubbing', 'mirror', 'misaligned', 'beyond-limit', 'resource-conflict', 'vmalloc-exhausted', 'lowmem-short']),
	text: text(500),
	retry: v.boolean(),
});

export const machineSchema = v.strictObject({
	// An older format's machine is the same machine: read as the current one (the next write stamps it).
	format: v.pipe(
		v.picklist(Array.from({length: stateFormat - oldestStateFormat + 1}, (_, index) => oldestStateFormat + index)),
		v.transform((): typeof stateFormat => stateFormat),
	),
	spec: specSchema,
	seed: uint32,
	rng: uint32,
	now: seconds,
	kernel: v.strictObject({version: text(64), bootedAt: seconds}),
	driver: v.strictObject({
		builtFor: text(64),
		loaded: v.boolean(),
		major: v.nullable(v.pipe(count, v.maxValue(4095, 'at most 4095 (a 12-bit major)'))),
		nextRegionId: count,
	}),
	slots: v.array(
		v.strictObject({
			slot: count,
			boot: v.boolean(),
			module: v.nullable(
				v.strictObject({
					size: positiveBytes,
					mode: v.picklist(moduleModes),
					start: bytes,
					pluggedAt: seconds,
					scrubbedAt: seconds,
					label: text(64),
				}),
			),
		}),
	),
	regions: v.array(
		v.strictObject({
			id: count,
			slot: count,
			start: bytes,
			size: positiveBytes,
			flags: v.picklist(['READ/WRITE', 'READ', 'WRITE']),
			status: v.picklist(['ENABLED', 'FAILED']),
			failure: v.nullable(failureSchema),
			attempts: count,
			changedAt: seconds,
		}),
	),
	workload: v.strictObject({load: v.picklist(loadLevels), drops: v.array(v.strictObject({at: seconds, bytes}))}),
	log: v.array(v.strictObject({t: seconds, source: v.picklist(['controller', 'ham', 'kernel', 'workload', 'operator']), text: text(1000)})),
});

/**
 * A state file's content, already JSON-parsed. A newer format is named as such. Checked field by
 * field (the schema; a machine as ham-tui writes it in a few milliseconds, schema-fast.ts), then as
 * a whole (the invariants) unless `stamped`: the file's integrity stamp matched its content, so the
 * writer that made it ran these same checks on it (docs/STATE.md says why that is enough, and what
 * a forged stamp gets: the schema, never the invariants). A `stamp` member is not part of the machine.
 */
export function parseMachine(input: unknown, {stamped = false}: {stamped?: boolean} = {}): Result<Machine> {
	const format = isPlainObject(input) ? input.format : undefined;
	if (typeof format === 'number' && Number.isInteger(format) && format > stateFormat) {
		return fail(`written by a newer ham-tui (state format ${format}; this one reads ${stateFormat})`);
	}

	// The stamp and the status table a writer puts first (docs/STATE.md) are not part of the machine.
	let body = input;
	if (isPlainObject(input) && (Object.hasOwn(input, 'stamp') || Object.hasOwn(input, 'status'))) {
		const {stamp, status, ...rest} = input;
		if (stamp !== undefined && typeof stamp !== 'string') {
			return fail('stamp: not an integrity stamp (text)');
		}

		if (status !== undefined && !isPlainObject(status)) {
			return fail('status: not a status table (an object)');
		}

		body = rest;
	}

	let machine: Machine;
	if (isCanonicalMachine(body)) {
		// What valibot would return unchanged.
		machine = body as Machine;
	} else {
		const parsed = v.safeParse(machineSchema, body);
		if (!parsed.success) {
			return fail(firstIssue(parsed.issues));
		}

		machine = parsed.output;
	}

	return stamped ? ok(machine) : consistent(machine);
}

/**
 * The checks a reader makes of a state file, made of a machine in memory before it is written:
 * the same answer as parseMachine(JSON.parse(JSON.stringify(machine))), without the round trip
 * when the machine is plain canonical data (then the JSON round trip gives it back deep-equal).
 */
export function checkMachine(machine: Machine): Result<Machine> {
	return isCanonicalMachine(machine) ? consistent(machine) : parseMachine(JSON.parse(JSON.stringify(machine)));
}

/** Well-formed field by field; now as a whole: a state the real system could not be in (hand
 * edited, or damaged in a way that still parses) is refused rather than acted on. */
function consistent(machine: Machine): Result<Machine> {
	let problems: string[];
	try {
		problems = stateProblems(machine);
	} catch (error) {
		problems = [error instanceof Error ? error.message : String(error)];
	}

	return problems.length === 0 ? ok(machine) : fail(`inconsistent: ${problems[0]}`);
}
