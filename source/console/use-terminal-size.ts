import {useStdout} from 'ink';
import {useEffect, useState} from 'react';

export interface TerminalSize {
	columns: number;
	rows: number;
}

// What a terminal without a reported size most likely is; ink-testing-library's stdout has columns only.
const FALLBACK: TerminalSize = {columns: 80, rows: 24};

/** The terminal's size, re-read on every 'resize' (Ink 6 has no hook for it). */
export function useTerminalSize(): TerminalSize {
	const {stdout} = useStdout();
	const [size, setSize] = useState(() => readSize(stdout));

	useEffect(() => {
		const update = (): void => {
			const next = readSize(stdout);
			// Same values, same object: no re-render.
			setSize(previous => (previous.columns === next.columns && previous.rows === next.rows ? previous : next));
		};

		stdout.on('resize', update);
		update(); // A resize between the first render and this effect would otherwise be missed.
		return () => {
			stdout.off('resize', update);
		};
	}, [stdout]);

	return size;
}

export function readSize(stream: {columns?: number; rows?: number}): TerminalSize {
	return {
		// 0 as well as undefined: a stream that is not a TTY may report either.
		columns: stream.columns || FALLBACK.columns,
		rows: stream.rows || FALLBACK.rows,
	};
}
