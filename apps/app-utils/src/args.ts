/**
 * Argument parsers for the apps' command lines (commander custom option
 * parsers): each returns the parsed value or throws commander's
 * `InvalidArgumentError`, whose message names the flag and the expectation.
 */
import { InvalidArgumentError } from 'commander';

/** A positive integer: `--n 200`. */
export function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1)
      throw new InvalidArgumentError(`${name}: expected a positive integer, got '${v}'`);
    return n;
  };
}

/** An integer ≥ `min`, with the reason in the message: `--n-train 20000`. */
export function intAtLeast(flag: string, min: number, why: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${flag}: expected an integer ≥ ${min} (${why}), got '${v}'`);
    return n;
  };
}

/** Comma-separated positive integers: `--dims 10,20`. */
export function positiveIntList(name: string) {
  return (v: string): number[] =>
    v.split(',').map((s) => {
      const n = Number(s.trim());
      if (!Number.isInteger(n) || n < 1)
        throw new InvalidArgumentError(`${name}: expected positive integers, got '${s}'`);
      return n;
    });
}

/** Comma-separated finite numbers ≥ 0: `--noise 0,1,2`. */
export function nonNegativeList(name: string) {
  return (v: string): number[] =>
    v.split(',').map((s) => {
      const n = Number(s.trim());
      if (!Number.isFinite(n) || n < 0)
        throw new InvalidArgumentError(`${name}: expected numbers ≥ 0, got '${s}'`);
      return n;
    });
}

/** A comma-separated subset of `choices`: `--methods ksd,lsd`. */
export function choiceList<T extends string>(name: string, choices: readonly T[]) {
  return (v: string): T[] =>
    v.split(',').map((s) => {
      const m = s.trim() as T;
      if (!choices.includes(m))
        throw new InvalidArgumentError(
          `${name}: expected some of ${choices.join(', ')}, got '${s}'`,
        );
      return m;
    });
}
