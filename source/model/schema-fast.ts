// The state file's schema (schema.ts: machineSchema), once more, by hand and for one case only: a
// machine as ham-tui writes it. There every size is a number (not "4G"), no text holds a control
// character, and nothing is out of bounds, so valibot would hand the value back unchanged; this
// says so in ~5 ms at 10,000 regions instead of valibot's ~120. It may say no to more than the
// schema refuses (then valibot runs, and says what is wrong or transforms what it takes), never
// yes to less: test/unit/schema-fast.test.ts holds it to that against machineSchema.
import {loadLevels, moduleModes} from './spec.js';
import {stateFormat} from './state.js';
import {maxSeconds} from './units.js';

/** An object with exactly `count` keys, all its own and enumerable, of plain data (not a class). */
function record(value: unknown, count: number): value is Record<string, unknown> {
	if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) {
		return false;
	}

	let keys = 0;
	for (const key in value) {
		if (!Object.hasOwn(value, key)) {
			return false;
		}

		keys++;
	}

	return keys === count;
}

const list = (value: unknown): value is unknown[] => Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype;
const number = (value: unknown): value is number => typeof value === 'number' && !Number.isNaN(value) && !Object.is(value, -0);
const within = (value: unknown, min: number, max: number) => number(value) && value >= min && value <= max;
const maxBytes = 2 ** 52;
const bytes = (value: unknown) => number(value) && Number.isSafeInteger(value) && value >= 0 && value <= maxBytes;
const positiveBytes = (value: unknown) => bytes(value) && (value as number) >= 1;
const maxCount = 4_294_967_295;
const count = (value: unknown) => number(value) && Number.isInteger(value) && value >= 0 && value <= maxCount;
const seconds = (value: unknown) => within(value, 0, maxSeconds);
const duration = (value: unknown) => within(value, 0, 31_536_000);
const control = /[\u0000-\u001F\u007F-\u009F]/;
const text = (value: unknown, max: number) => typeof value === 'string' && value.length <= max && !control.test(value);
const oneOf = (value: unknown, values: readonly unknown[]) => values.includes(value);
const nullOr = (value: unknown, check: (value: unknown) => boolean) => value === null || check(value);
/** Every item (an index loop: Array.prototype.every would skip the holes the schema refuses). */
function every(value: unknown, check: (item: unknown) => boolean, min = 0): boolean {
	if (!list(value) || value.length < min) {
		return false;
	}

	for (let index = 0; index < value.length; index++) {
		if (!check(value[index])) {
			return false;
		}
	}

	return true;
}

const range = (value: unknown) => record(value, 2) && bytes(value.start) && positiveBytes(value.size);

function kernelSpec(value: unknown): boolean {
	return (
		record(value, 10) &&
		text(value.version, 64) &&
		oneOf(value.arch, ['i386-pae', 'x86_64']) &&
		positiveBytes(value.pageBytes) &&
		((value.pageBytes as number) & ((value.pageBytes as number) - 1)) === 0 &&
		count(value.structPageBytes) &&
		within(value.structPageBytes, 1, 4096) &&
		nullOr(value.directMapBytes, positiveBytes) &&
		bytes(value.reservedLowmemBytes) &&
		nullOr(value.vmallocBytes, positiveBytes) &&
		bytes(value.vmallocBootUsedBytes) &&
		positiveBytes(value.physLimitBytes) &&
		positiveBytes(value.sectionBytes)
	);
}

/** A record of slot numbers to addresses (its keys are any number of slot numbers). */
function slotBases(value: unknown): boolean {
	if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) {
		return false;
	}

	for (const key in value) {
		if (!Object.hasOwn(value, key) || !/^[1-9]\d*$/.test(key) || !bytes((value as Record<string, unknown>)[key])) {
			return false;
		}
	}

	return true;
}

function controllerSpec(value: unknown): boolean {
	return (
		record(value, 9) &&
		text(value.name, 64) &&
		count(value.slots) &&
		within(value.slots, 2, 65_536) &&
		every(value.moduleSizes, positiveBytes, 1) &&
		positiveBytes(value.maxMemoryBytes) &&
		bytes(value.hotaddBaseBytes) &&
		positiveBytes(value.alignmentBytes) &&
		positiveBytes(value.addressLimitBytes) &&
		duration(value.scrubSecondsPerGiB) &&
		slotBases(value.slotBases)
	);
}

function workloadSpec(value: unknown): boolean {
	const levels = record(value, 8) ? value.levels : undefined;
	return (
		record(value, 8) &&
		record(levels, 4) &&
		bytes(levels.idle) &&
		bytes(levels.normal) &&
		bytes(levels.heavy) &&
		bytes(levels.peak) &&
		oneOf(value.initial, loadLevels) &&
		bytes(value.swingBytes) &&
		duration(value.periodSeconds) &&
		(value.periodSeconds as number) >= 1 &&
		bytes(value.noiseBytes) &&
		duration(value.noiseSeconds) &&
		(value.noiseSeconds as number) >= 1 &&
		within(value.reclaimablePercent, 0, 100) &&
		duration(value.refillSeconds) &&
		(value.refillSeconds as number) >= 1
	);
}

function plugged(value: unknown): boolean {
	// label is optional: three keys or four.
	const hasLabel = typeof value === 'object' && value !== null && Object.hasOwn(value, 'label');
	return (
		record(value, hasLabel ? 4 : 3) &&
		count(value.slot) &&
		(value.slot as number) >= 2 &&
		positiveBytes(value.size) &&
		oneOf(value.mode, moduleModes) &&
		(!hasLabel || text(value.label, 64))
	);
}

function spec(value: unknown): boolean {
	const boot = record(value, 8) ? value.boot : undefined;
	const driver = record(value, 8) ? value.driver : undefined;
	return (
		record(value, 8) &&
		text(value.name, 64) &&
		text(value.description, 200) &&
		kernelSpec(value.kernel) &&
		record(boot, 3) &&
		positiveBytes(boot.moduleBytes) &&
		every(boot.ram, range, 1) &&
		every(
			boot.resources,
			resource => record(resource, 3) && text(resource.name, 64) && bytes(resource.start) && positiveBytes(resource.size),
		) &&
		controllerSpec(value.controller) &&
		workloadSpec(value.workload) &&
		record(driver, 2) &&
		text(driver.builtFor, 64) &&
		typeof driver.loaded === 'boolean' &&
		every(value.plugged, plugged)
	);
}

const flags = ['READ/WRITE', 'READ', 'WRITE'];
const statuses = ['ENABLED', 'FAILED'];
const failureCodes = ['scrubbing', 'mirror', 'misaligned', 'beyond-limit', 'resource-conflict', 'vmalloc-exhausted', 'lowmem-short'];
const logSources = ['controller', 'ham', 'kernel', 'workload', 'operator'];

function slot(value: unknown): boolean {
	if (!record(value, 3) || !count(value.slot) || typeof value.boot !== 'boolean') {
		return false;
	}

	const module = value.module;
	return (
		module === null ||
		(record(module, 6) &&
			positiveBytes(module.size) &&
			oneOf(module.mode, moduleModes) &&
			bytes(module.start) &&
			seconds(module.pluggedAt) &&
			seconds(module.scrubbedAt) &&
			text(module.label, 64))
	);
}

function region(value: unknown): boolean {
	if (
		!record(value, 9) ||
		!count(value.id) ||
		!count(value.slot) ||
		!bytes(value.start) ||
		!positiveBytes(value.size) ||
		!oneOf(value.flags, flags) ||
		!oneOf(value.status, statuses) ||
		!count(value.attempts) ||
		!seconds(value.changedAt)
	) {
		return false;
	}

	const failure = value.failure;
	return (
		failure === null ||
		(record(failure, 3) && oneOf(failure.code, failureCodes) && text(failure.text, 500) && typeof failure.retry === 'boolean')
	);
}

const logLine = (value: unknown) => record(value, 3) && seconds(value.t) && oneOf(value.source, logSources) && text(value.text, 1000);

/**
 * Whether `value` is a machine that machineSchema takes and returns unchanged (deep-equal), in
 * the current format. false says nothing: run the schema.
 */
export function isCanonicalMachine(value: unknown): boolean {
	if (!record(value, 11) || value.format !== stateFormat || !spec(value.spec) || !count(value.seed) || !count(value.rng)) {
		return false;
	}

	const {kernel, driver, workload} = value;
	return (
		seconds(value.now) &&
		record(kernel, 2) &&
		text(kernel.version, 64) &&
		seconds(kernel.bootedAt) &&
		record(driver, 4) &&
		text(driver.builtFor, 64) &&
		typeof driver.loaded === 'boolean' &&
		nullOr(driver.major, major => count(major) && (major as number) <= 4095) &&
		count(driver.nextRegionId) &&
		every(value.slots, slot) &&
		every(value.regions, region) &&
		record(workload, 2) &&
		oneOf(workload.load, loadLevels) &&
		every(workload.drops, drop => record(drop, 2) && seconds(drop.at) && bytes(drop.bytes)) &&
		every(value.log, logLine)
	);
}
