/**
 * Argument parsers for the apps' command lines (commander custom option
 * parsers): each returns the parsed value or throws commander's
 * `InvalidArgumentError`, whose message names the flag and the expectation.
 */
import { BACKENDS } from '@steinkit/core';
import { InvalidArgumentError, Option } from 'commander';

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

/** An integer in [min, max]: `--batch 64` → "--batch must be an integer ≥ 2, got '1'". */
export function integer(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        max === Number.MAX_SAFE_INTEGER
          ? `${flag} must be an integer ≥ ${min}, got '${v}'`
          : `${flag} must be an integer in [${min}, ${max}], got '${v}'`,
      );
    }
    return n;
  };
}

/** Comma-separated seeds, integers in [0, 2³²), none repeated: `--seeds 2,3,4`. */
export function seedList(flag: string) {
  return (v: string): number[] => {
    const parts = v.split(',').map((p) => p.trim());
    const seeds = parts.map(Number);
    if (seeds.some((n, i) => parts[i] === '' || !Number.isInteger(n) || n < 0 || n >= 2 ** 32))
      throw new InvalidArgumentError(
        `${flag} must be a comma-separated list of integers in [0, 2^32), got '${v}'`,
      );
    if (new Set(seeds).size !== seeds.length)
      throw new InvalidArgumentError(`${flag} must not repeat a seed, got '${v}'`);
    return seeds;
  };
}

/** The tfjs backends a Node command line offers (`BACKENDS` of @steinkit/core without `webgl`). */
export const NODE_BACKENDS = BACKENDS.filter((b) => b !== 'webgl');

/** `--backend <name>`, one of {@link NODE_BACKENDS}; unset means the best that loads. */
export function backendOption(description = 'tfjs backend (default: best that loads)'): Option {
  return new Option('--backend <name>', description).choices(NODE_BACKENDS);
}
