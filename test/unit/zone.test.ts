// chooseZones: the kernel's auto-movable rule, applied block by block (pure, no files).
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import fc from 'fast-check';
import type {BlockOrigin} from '../../source/sysfs/origin.js';
import type {MemoryBlock} from '../../source/sysfs/read.js';
import {chooseZones, kernelsChoice, type OnlineMode, type ZoneInput} from '../../source/sysfs/zone.js';

const block = 128 * 1024 * 1024;

type Spec = {index: number; state?: string; zones?: string; node?: number | null};
function blocks(...specs: Spec[]): MemoryBlock[] {
	return specs.map(({index, state = 'online', zones = 'Normal', node = 0}) => ({
		index,
		state,
		removable: true,
		node,
		zones: zones === '' ? [] : zones.split(' '),
	}));
}

function range(first: number, count: number, attributes: Omit<Spec, 'index'> = {}): Spec[] {
	return Array.from({length: count}, (_, i) => ({...attributes, index: first + i}));
}

const boot = (): BlockOrigin => 'boot';

function input(tree: MemoryBlock[], targets: number[], more: Partial<ZoneInput> = {}): ZoneInput {
	return {blocks: tree, blockSizeBytes: block, targets, origin: boot, ratio: 301, numaAware: false, ...more};
}

describe('chooseZones: the simple cases', () => {
	test('--online-type: that mode for every block, said so', () => {
		const tree = blocks(
			...range(0, 4),
			{index: 8, state: 'offline', zones: 'Normal Movable'},
			{index: 9, state: 'offline', zones: 'Normal'},
		);
		for (const mode of ['online', 'online_movable', 'online_kernel'] as OnlineMode[]) {
			const choices = chooseZones(input(tree, [8, 9], {override: mode}));
			assert.deepEqual(
				choices.map(choice => [choice.block, choice.mode]),
				[
					[8, mode],
					[9, mode],
				],
			);
			assert.ok(choices.every(choice => choice.reason.startsWith(`--online-type ${mode}`)));
		}

		const [movable8, movable9] = chooseZones(input(tree, [8, 9], {override: 'online_movable'}));
		assert.equal(movable8?.zone, 'Movable');
		assert.match(movable9?.reason ?? '', /does not list Movable: the kernel will refuse/);
		const [kernel8] = chooseZones(input(tree, [8], {override: 'online_kernel'}));
		assert.equal(kernel8?.zone, 'Normal');
		const [online8, online9] = chooseZones(input(tree, [8, 9], {override: 'online'}));
		assert.equal(online8?.zone, kernelsChoice);
		assert.equal(online9?.zone, 'Normal');
	});

	test('valid_zones not read: online, the kernel chooses', () => {
		const [choice] = chooseZones(input(blocks(...range(0, 4), {index: 8, state: 'offline', zones: ''}), [8]));
		assert.deepEqual(choice, {block: 8, mode: 'online', zone: kernelsChoice, reason: 'valid_zones not read: the kernel chooses'});
	});

	test('one zone only: online in it', () => {
		const tree = blocks(...range(0, 4), {index: 8, state: 'offline', zones: 'Normal'}, {index: 9, state: 'offline', zones: 'Movable'});
		assert.deepEqual(chooseZones(input(tree, [8, 9])), [
			{block: 8, mode: 'online', zone: 'Normal', reason: 'the only zone valid_zones allows'},
			{block: 9, mode: 'online', zone: 'Movable', reason: 'the only zone valid_zones allows'},
		]);
	});

	test('none and unknown words: online, with why; a block not in the tree too', () => {
		const tree = blocks(
			...range(0, 4),
			{index: 8, state: 'offline', zones: 'none'},
			{index: 9, state: 'offline', zones: 'Normal Bogus\u001b[31m'},
		);
		const [none, bogus, missing] = chooseZones(input(tree, [8, 9, 50]));
		assert.equal(none?.mode, 'online');
		assert.match(none?.reason ?? '', /valid_zones says none/);
		assert.equal(bogus?.mode, 'online');
		assert.match(bogus?.reason ?? '', /not a zone to online in/);
		assert.doesNotMatch(bogus?.reason ?? '', /\u001b/);
		assert.deepEqual(missing, {block: 50, mode: 'online', zone: kernelsChoice, reason: 'block 50 is not in the tree: the kernel chooses'});
	});

	test('two kernel zones, no Movable: online_kernel in the first', () => {
		const [choice] = chooseZones(input(blocks(...range(0, 4), {index: 8, state: 'offline', zones: 'DMA32 Normal'}), [8]));
		assert.deepEqual(choice, {block: 8, mode: 'online_kernel', zone: 'DMA32', reason: 'DMA32: valid_zones does not allow Movable'});
	});

	test('each target once, in the order first given', () => {
		const tree = blocks(...range(0, 4), ...range(8, 2, {state: 'offline', zones: 'Normal'}));
		assert.deepEqual(
			chooseZones(input(tree, [9, 8, 9])).map(choice => choice.block),
			[9, 8],
		);
	});
});

describe('chooseZones: the ratio', () => {
	test('Movable while MOVABLE stays within ratio% of KERNEL_EARLY, with the numbers in the reason', () => {
		// 32 boot blocks (4G) online in Normal; 8 online Movable (1G); block 100 offline Normal/Movable.
		const tree = blocks(...range(0, 32), ...range(40, 8, {zones: 'Movable'}), {index: 100, state: 'offline', zones: 'Normal Movable'});
		const [choice] = chooseZones(input(tree, [100]));
		assert.deepEqual(choice, {
			block: 100,
			mode: 'online_movable',
			zone: 'Movable',
			reason: 'Movable keeps it removable: movable 1152M would be 29% of the 4G early kernel memory (auto_movable_ratio 301%)',
		});
	});

	test('over the ratio: online_kernel in the kernel zone valid_zones names, with the numbers', () => {
		// 1 boot block, 3 Movable: a fourth Movable is 400% > 301%.
		const tree = blocks({index: 0}, ...range(1, 3, {zones: 'Movable'}), {index: 8, state: 'offline', zones: 'Normal Movable'});
		const [choice] = chooseZones(input(tree, [8]));
		assert.deepEqual(choice, {
			block: 8,
			mode: 'online_kernel',
			zone: 'Normal',
			reason: 'Normal: Movable would make movable memory 512M, 400% of the 128M early kernel memory (over auto_movable_ratio 301%)',
		});
	});

	test('exactly at the ratio fits; one block past it does not (100%)', () => {
		const tree = blocks(...range(0, 4), ...range(8, 5, {state: 'offline', zones: 'Normal Movable'}));
		const choices = chooseZones(input(tree, [8, 9, 10, 11, 12], {ratio: 100}));
		assert.deepEqual(
			choices.map(choice => choice.mode),
			['online_movable', 'online_movable', 'online_movable', 'online_movable', 'online_kernel'],
		);
		assert.match(choices[3]?.reason ?? '', /512M would be 100% of the 512M/);
		assert.match(choices[4]?.reason ?? '', /640M, 125% of the 512M/);
	});

	test('no early kernel memory: never Movable', () => {
		const tree = blocks({index: 0, zones: 'Movable'}, {index: 8, state: 'offline', zones: 'Normal Movable'});
		const [choice] = chooseZones(input(tree, [8]));
		assert.equal(choice?.mode, 'online_kernel');
		assert.match(choice?.reason ?? '', /no early kernel memory/);
	});

	test('hot-added kernel memory grants no allowance; unknown origin counts as early', () => {
		const tree = blocks({index: 0}, ...range(64, 8), ...range(72, 8, {zones: 'Movable'}), {
			index: 90,
			state: 'offline',
			zones: 'Normal Movable',
		});
		const dimm = (index: number): BlockOrigin => (index >= 64 ? 'acpi-dimm' : 'boot');
		assert.equal(chooseZones(input(tree, [90], {origin: dimm}))[0]?.mode, 'online_kernel');
		const unknown = (index: number): BlockOrigin => (index >= 64 ? 'unknown' : 'boot');
		assert.equal(chooseZones(input(tree, [90], {origin: unknown}))[0]?.mode, 'online_movable');
	});

	test('ratio 0 (or not a number): never Movable', () => {
		const tree = blocks(...range(0, 8), {index: 8, state: 'offline', zones: 'Normal Movable'});
		assert.equal(chooseZones(input(tree, [8], {ratio: 0}))[0]?.mode, 'online_kernel');
		assert.equal(chooseZones(input(tree, [8], {ratio: Number.NaN}))[0]?.mode, 'online_kernel');
	});

	test('choices accumulate in block order: the first ones Movable, then Normal', () => {
		// 2 early blocks at 301%: 6 movable fit (600 <= 602), the 7th does not. The targets are a
		// DIMM's: those that go Normal grant no allowance to the ones after them.
		const tree = blocks(...range(0, 2), ...range(8, 8, {state: 'offline', zones: 'Normal Movable'}));
		const origin = (index: number): BlockOrigin => (index >= 8 ? 'acpi-dimm' : 'boot');
		const choices = chooseZones(input(tree, [8, 9, 10, 11, 12, 13, 14, 15], {origin}));
		assert.deepEqual(
			choices.map(choice => choice.mode),
			[
				'online_movable',
				'online_movable',
				'online_movable',
				'online_movable',
				'online_movable',
				'online_movable',
				'online_kernel',
				'online_kernel',
			],
		);
		// The order given decides which ones: reversed, the last blocks get Movable.
		const reversed = chooseZones(input(tree, [15, 14, 13, 12, 11, 10, 9, 8], {origin}));
		assert.deepEqual(
			reversed.filter(choice => choice.mode === 'online_movable').map(choice => choice.block),
			[15, 14, 13, 12, 11, 10],
		);
	});

	test('a boot block going back to Normal adds allowance for the ones after it', () => {
		// 1 early block and 3 movable: full. Block 8 (boot, Normal only) comes back: 6 movable fit now, so 3 more.
		const tree = blocks(
			{index: 0},
			...range(1, 3, {zones: 'Movable'}),
			{index: 8, state: 'offline', zones: 'Normal'},
			...range(9, 4, {state: 'offline', zones: 'Normal Movable'}),
		);
		const choices = chooseZones(input(tree, [8, 9, 10, 11, 12]));
		assert.deepEqual(
			choices.map(choice => choice.mode),
			['online', 'online_movable', 'online_movable', 'online_movable', 'online_kernel'],
		);
	});

	test('targets that are online already are counted once, as chosen', () => {
		const tree = blocks({index: 0}, ...range(1, 3, {zones: 'Movable'}));
		// Block 3 (online Movable) is a target: it is not counted twice.
		assert.deepEqual(chooseZones(input(tree, [3]))[0]?.mode, 'online');
	});
});

describe('chooseZones: numa aware', () => {
	// Node 0: 8 early blocks (1G), nothing movable. Node 1: 1 early block, 3 movable.
	const tree = blocks(
		...range(0, 8),
		{index: 16, node: 1},
		...range(17, 3, {zones: 'Movable', node: 1}),
		{index: 30, state: 'offline', zones: 'Normal Movable', node: 1},
		{index: 31, state: 'offline', zones: 'Normal Movable', node: 0},
	);

	test('the global test passes, the node test fails: Normal, naming the node', () => {
		const [choice] = chooseZones(input(tree, [30], {numaAware: true}));
		assert.deepEqual(choice, {
			block: 30,
			mode: 'online_kernel',
			zone: 'Normal',
			reason:
				"Normal: Movable would make node 1's movable memory 512M, 400% of the 128M early kernel memory (over auto_movable_ratio 301%, per node)",
		});
	});

	test('without numa awareness the global test alone decides', () => {
		assert.equal(chooseZones(input(tree, [30], {numaAware: false}))[0]?.mode, 'online_movable');
	});

	test('a node with room: Movable, both shares in the reason', () => {
		const [choice] = chooseZones(input(tree, [31], {numaAware: true}));
		assert.equal(choice?.mode, 'online_movable');
		assert.equal(
			choice?.reason,
			'Movable keeps it removable: movable 512M would be 45% of the 1152M early kernel memory, and on node 0 128M would be 13% of the 1G early kernel memory (auto_movable_ratio 301%)',
		);
	});

	test('the global test fails first: the reason says global', () => {
		const crowded = blocks({index: 0}, ...range(1, 3, {zones: 'Movable', node: 1}), {
			index: 9,
			state: 'offline',
			zones: 'Normal Movable',
			node: 0,
		});
		const [choice] = chooseZones(input(crowded, [9], {numaAware: true}));
		assert.equal(choice?.mode, 'online_kernel');
		assert.match(choice?.reason ?? '', /^Normal: Movable would make movable memory 512M/);
	});
});

describe('chooseZones: a property', () => {
	const zoneLists = ['', 'Normal', 'Movable', 'Normal Movable', 'DMA32 Movable', 'Movable Normal', 'none', 'DMA32'];
	const origins: BlockOrigin[] = ['boot', 'acpi-dimm', 'virtio-mem', 'kmem', 'unknown'];
	const arbitraryTree = fc
		.array(
			fc.record({
				state: fc.constantFrom('online', 'offline', 'going-offline'),
				zones: fc.constantFrom(...zoneLists),
				node: fc.constantFrom(0, 1, 2),
				origin: fc.constantFrom(...origins),
				gap: fc.nat(2),
			}),
			{maxLength: 60},
		)
		.map(specs => {
			let index = 0;
			return specs.map(spec => {
				index += spec.gap + 1;
				return {...spec, index};
			});
		});

	test('after each block the rule chose Movable, MOVABLE <= ratio% of KERNEL_EARLY (globally, and per node when numa aware)', () => {
		fc.assert(
			fc.property(arbitraryTree, fc.nat(600), fc.boolean(), fc.func(fc.boolean()), (specs, ratio, numaAware, pick) => {
				const tree = blocks(...specs.map(({index, state, zones, node}) => ({index, state, zones, node})));
				const originOf = new Map(specs.map(spec => [spec.index, spec.origin]));
				const origin = (index: number): BlockOrigin => originOf.get(index) ?? 'unknown';
				const targets = specs.filter(spec => spec.state === 'offline' && pick(spec.index)).map(spec => spec.index);
				const choices = chooseZones(input(tree, targets, {origin, ratio, numaAware}));
				assert.deepEqual(
					choices.map(choice => choice.block),
					targets,
				);

				// Replay: the state after each choice, as the kernel would count it.
				const zoneOf = new Map<number, string>();
				for (const spec of specs) {
					if (spec.state === 'online' && spec.zones !== '') {
						zoneOf.set(spec.index, spec.zones.includes('Movable') ? 'Movable' : 'kernel');
					}
				}

				const within = (node: number | undefined): boolean => {
					let movable = 0;
					let kernelEarly = 0;
					for (const spec of specs) {
						const zone = zoneOf.get(spec.index);
						if (zone === undefined || (node !== undefined && spec.node !== node)) {
							continue;
						}

						movable += zone === 'Movable' ? 1 : 0;
						kernelEarly += zone === 'kernel' && (spec.origin === 'boot' || spec.origin === 'unknown') ? 1 : 0;
					}

					return movable * 100 <= ratio * kernelEarly;
				};

				for (const choice of choices) {
					const spec = specs.find(candidate => candidate.index === choice.block);
					assert.ok(spec);
					if (choice.zone !== kernelsChoice) {
						zoneOf.set(choice.block, choice.zone === 'Movable' ? 'Movable' : 'kernel');
					}

					if (choice.mode === 'online_movable') {
						assert.ok(within(undefined), `global ratio broken after block ${choice.block}: ${choice.reason}`);
						if (numaAware) {
							assert.ok(within(spec.node), `node ${spec.node} ratio broken after block ${choice.block}: ${choice.reason}`);
						}
					}

					if (choice.mode === 'online_movable' || choice.mode === 'online_kernel') {
						assert.ok(spec.zones.includes('Movable') && spec.zones.split(' ').length > 1, `${choice.mode} for ${spec.zones}`);
					}
				}
			}),
			{numRuns: 300},
		);
	});

	test('deterministic: the same input gives the same choices', () => {
		fc.assert(
			fc.property(arbitraryTree, fc.nat(600), (specs, ratio) => {
				const tree = blocks(...specs);
				const targets = specs.filter(spec => spec.state === 'offline').map(spec => spec.index);
				assert.deepEqual(
					chooseZones(input(tree, targets, {ratio, numaAware: true})),
					chooseZones(input(tree, targets, {ratio, numaAware: true})),
				);
			}),
			{numRuns: 50},
		);
	});
});
