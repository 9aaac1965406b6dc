import type * as tf from '@tensorflow/tfjs-core';

/**
 * Checks a data batch's shape: rank 2 `[B, dim]`, B ≥ 1 (no sync). Throws a
 * TypeError/RangeError naming `name`.
 */
export function assertData(x: tf.Tensor, name: string, dim: number): asserts x is tf.Tensor2D {
  if (!x || typeof (x as tf.Tensor).rank !== 'number') {
    throw new TypeError(`${name}: expected a tf.Tensor [B, ${dim}], got ${String(x)}`);
  }
  if (x.rank !== 2 || x.shape[1] !== dim || x.shape[0] < 1) {
    throw new RangeError(
      `${name}: expected shape [B, ${dim}] (rows of flattened data), got [${x.shape.join(', ')}]`,
    );
  }
}

/** Finite (and optionally in-range) entries; one sync. */
export function assertDataValues(x: tf.Tensor, name: string, range?: [number, number]): void {
  const v = x.dataSync();
  for (let i = 0; i < v.length; i++) {
    const a = v[i];
    if (!Number.isFinite(a)) {
      throw new RangeError(`${name}: expected finite values, found ${a} at flat index ${i}`);
    }
    if (range && (a < range[0] || a > range[1])) {
      throw new RangeError(
        `${name}: expected values in [${range[0]}, ${range[1]}], found ${a} at flat index ${i}`,
      );
    }
  }
}
