import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';

/** Expected shape: a number fixes a dimension, `null` accepts any size. */
export type ShapeSpec = ReadonlyArray<number | null>;

function fmt(shape: ReadonlyArray<number | null | string>): string {
  return `[${shape.map((s) => (s === null ? '?' : String(s))).join(', ')}]`;
}

/**
 * Throws a RangeError naming `name`, the expected and the actual shape unless
 * `x` has `expected.length` dimensions matching `expected` (null = any).
 */
export function assertShape(x: Tensor, name: string, expected: ShapeSpec): void {
  if (x == null || !Array.isArray((x as Tensor).shape)) {
    throw new TypeError(`${name}: expected a tensor of shape ${fmt(expected)}, got ${String(x)}`);
  }
  const ok =
    x.shape.length === expected.length && expected.every((e, i) => e === null || e === x.shape[i]);
  if (!ok) {
    throw new RangeError(`${name}: expected shape ${fmt(expected)}, got ${fmt(x.shape)}`);
  }
}

/** Asserts a rank-2 tensor `[n, d]` (optionally fixing n or d); returns it typed. */
export function assert2D(
  x: Tensor,
  name: string,
  n: number | null = null,
  d: number | null = null,
): Tensor2D {
  assertShape(x, name, [n, d]);
  return x as Tensor2D;
}

/** Asserts `a` and `b` are both `[?, d]` with the same d. */
export function assertSameDim(a: Tensor, aName: string, b: Tensor, bName: string): void {
  assert2D(a, aName);
  assert2D(b, bName, null, a.shape[1]);
}

/** Asserts a finite number > 0 (or ≥ 0 with `allowZero`). */
export function assertPositive(value: number, name: string, allowZero = false): void {
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < 0 ||
    (!allowZero && value === 0)
  ) {
    throw new RangeError(
      `${name}: expected a finite number ${allowZero ? '≥' : '>'} 0, got ${String(value)}`,
    );
  }
}

/** Asserts an integer in [min, max]. */
export function assertInt(
  value: number,
  name: string,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name}: expected an integer in [${min}, ${max}], got ${String(value)}`);
  }
}

/** Throws a RangeError naming `name` unless every entry of `x` is finite. Syncs. */
export function assertFinite(x: Tensor, name: string): void {
  const v = x.dataSync();
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) {
      throw new RangeError(`${name}: expected finite values, found ${v[i]} at flat index ${i}`);
    }
  }
}
