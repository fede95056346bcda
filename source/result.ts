// The one shape of "this, or why not": a parse, a check or a lookup that can be refused returns a
// Result, and the caller tells the two apart by `ok`. The error is a one-line message unless said
// otherwise. Plain types and two constructors: it imports nothing, so every room may use it.
export type Result<T, E = string> = {ok: true; value: T} | {ok: false; error: E};

export function ok<T>(value: T): Result<T, never> {
	return {ok: true, value};
}

export function fail<E>(error: E): Result<never, E> {
	return {ok: false, error};
}
