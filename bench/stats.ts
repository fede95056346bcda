// Small statistics for the benchmarks: medians and percentiles of timings in milliseconds.
export function median(values: number[]): number {
	return percentile(values, 50);
}

export function percentile(values: number[], p: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	if (sorted.length === 0) {
		return Number.NaN;
	}

	if (p === 50 && sorted.length % 2 === 0) {
		return (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
	}

	return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function ms(value: number): string {
	return `${value.toFixed(1)} ms`;
}
