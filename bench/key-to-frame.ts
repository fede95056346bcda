// The key-to-frame loop both console benchmarks use: press j and k in turn, time each until the
// frame changes, and pause past Ink's 30 fps throttle so that each key is the first update after idle.
type App = {lastFrame: () => string | undefined; stdin: {write: (data: string) => void}};

export function sleep(milliseconds: number) {
	return new Promise(resolve => {
		setTimeout(resolve, milliseconds);
	});
}

export async function keyToFrame(
	app: App,
	{presses, pauseMs, timeoutMs, what}: {presses: number; pauseMs: number; timeoutMs: number; what: string},
): Promise<number[]> {
	const timings: number[] = [];
	for (let index = 0; index < presses; index++) {
		const before = app.lastFrame();
		const pressed = performance.now();
		app.stdin.write(index % 2 === 0 ? 'j' : 'k');
		while (app.lastFrame() === before) {
			await new Promise(resolve => {
				setImmediate(resolve);
			});
			if (performance.now() - pressed > timeoutMs) {
				throw new Error(`no frame ${timeoutMs / 1000} s after a key ${what}`);
			}
		}

		timings.push(performance.now() - pressed);
		await sleep(pauseMs);
	}

	return timings;
}
