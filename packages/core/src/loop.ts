/**
 * The convenience loop of the stepper convention (CONTRIBUTING.md): every
 * `x(...)` loop runs `xStep` through {@link runLoop}, so they all stop the same
 * way and all accept an async `onStep`.
 */

const isPromise = (r: unknown): r is Promise<unknown> =>
  r != null && typeof (r as Promise<unknown>).then === 'function';

/**
 * Runs `state = step(state).state` at most `steps` times, calling `onStep(info)`
 * after each step; `false` stops early, and so does a `step` that returns
 * undefined (e.g. its batches ran out). Synchronous while `onStep` returns no
 * Promise: the first Promise is awaited and the rest of the loop runs
 * asynchronously (the result is then a Promise of the final state). A throw
 * propagates as it is (the states of the steppers are the caller's to free).
 */
export function runLoop<S, I>(opts: {
  state: S;
  steps: number;
  step: (state: S) => { state: S; info: I } | undefined;
  /** `false` (or a Promise of `false`) stops the loop. */
  onStep?: (info: I) => unknown;
}): S | Promise<S> {
  const { steps, step, onStep } = opts;
  let state = opts.state;
  let t = 0;
  /** One step; returns false when the loop ends, else onStep's result. */
  const advance = (): unknown => {
    const r = step(state);
    if (r === undefined) return false;
    state = r.state;
    t++;
    return onStep?.(r.info);
  };
  const continueAsync = async (pending: Promise<unknown>): Promise<S> => {
    if ((await pending) === false) return state;
    while (t < steps) if ((await advance()) === false) break;
    return state;
  };
  while (t < steps) {
    const r = advance();
    if (isPromise(r)) return continueAsync(r);
    if (r === false) break;
  }
  return state;
}
