// The model's only source of randomness: a seeded generator whose whole state is one 32-bit
// number kept in the machine state, so a machine replays exactly from its seed and actions.
// mulberry32: tiny, fast, and good enough for choosing among a few outcomes.

export function seedRng(seed: number): number {
	return (Math.trunc(seed) ^ 0x9e_37_79_b9) >>> 0;
}

/** Returns a float in [0, 1) and the generator's next state. */
export function nextRandom(state: number): [value: number, next: number] {
	const next = (state + 0x6d_2b_79_f5) >>> 0;
	let t = next;
	t = Math.imul(t ^ (t >>> 15), t | 1);
	t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
	return [((t ^ (t >>> 14)) >>> 0) / 4_294_967_296, next];
}

/**
 * A stateless hash of (seed, n) to [0, 1): the workload's noise at time bucket n. Being a pure
 * function of seed and time, free lowmem at any moment can be recomputed, not stored.
 */
export function hashUnit(seed: number, n: number): number {
	let h = Math.imul(seedRng(seed) ^ Math.imul(n | 0, 0x85_eb_ca_6b), 0xc2_b2_ae_35);
	h ^= h >>> 16;
	h = Math.imul(h, 0x27_d4_eb_2d);
	h ^= h >>> 15;
	return (h >>> 0) / 4_294_967_296;
}
