import {
  assertInt,
  assertShape,
  conditionNumber,
  luFactor,
  luInverse,
  luLogAbsDet,
  type Rng,
} from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Small dense linear algebra in float64 JS for the ICA model: tfjs has no LU,
 * determinant or SVD. The LU factorization / log|det| / inverse and the
 * one-sided Jacobi singular values are core's shared float64 routines
 * (re-exported here under their historical names); everything is O(D³) on a
 * D×D matrix (D ≤ a few hundred), run once per evaluation, never per particle.
 */
export type { LuFactorization } from '@steinkit/core';
export {
  conditionNumber,
  luFactor,
  luInverse,
  luLogAbsDet,
  singularValues,
} from '@steinkit/core';

/**
 * log|det W| of a square tensor, differentiable: d log|det W| / dW = W⁻ᵀ
 * (Jacobi's formula). Forward and backward run in float64 JS on the LU
 * factorization, so the value is exact to float64 before rounding and never
 * overflows (D = 200 with entries of size 1 has |det| ≈ 10^180).
 * A singular W gives a RangeError, not −Infinity.
 */
export function logAbsDet(w: tf.Tensor2D): tf.Scalar {
  assertShape(w, 'w', [null, w.shape[0]]);
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const x = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    const d = x.shape[0];
    const f = luFactor(x.dataSync(), d);
    if (f.singular) throw new RangeError('w: matrix is singular; log|det w| = −∞');
    const { logAbsDet: v } = luLogAbsDet(f);
    const inv = luInverse(f);
    const invT = new Float32Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) invT[i * d + j] = inv[j * d + i];
    save([tf.tensor2d(invT, [d, d])]);
    return {
      value: tf.scalar(v),
      gradFunc: (dy: tf.Scalar, saved: tf.Tensor[]) => tf.mul(dy, saved[0]),
    };
  });
  return op(w) as tf.Scalar;
}

export interface WellConditionedOptions {
  /** Entries are N(0, scale²); default 1. */
  scale?: number;
  /** Redraw until cond(A) < maxCond; default max(D, 2) (the ICA protocol uses D). */
  maxCond?: number;
  /** Give up after this many draws; default 1000. */
  maxTries?: number;
}

/**
 * A = scale·randn(D, D), redrawn until cond₂(A) < maxCond (default D) — the
 * ICA protocol of Gong et al. (2021) for the true mixing and the model
 * initialization. Returns the float32 tensor and the condition number reached.
 */
export function randomWellConditioned(
  dim: number,
  rng: Rng,
  opts: WellConditionedOptions = {},
): { matrix: tf.Tensor2D; cond: number; tries: number } {
  assertInt(dim, 'dim', 1);
  const { scale = 1, maxCond = Math.max(dim, 2), maxTries = 1000 } = opts;
  if (!(maxCond > 1)) throw new RangeError(`maxCond: expected a number > 1, got ${maxCond}`);
  for (let tries = 1; tries <= maxTries; tries++) {
    const m = rng.normal([dim, dim], 0, scale) as tf.Tensor2D;
    const cond = conditionNumber(m.dataSync(), dim);
    if (cond < maxCond) return { matrix: m, cond, tries };
    m.dispose();
  }
  throw new RangeError(
    `maxCond: no ${dim}×${dim} Gaussian matrix with cond < ${maxCond} in ${maxTries} draws`,
  );
}
