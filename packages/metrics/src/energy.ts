import { assertSameDim } from '@steinkit/core';
import { meanPairwiseDistance } from '@steinkit/kernels';
import * as tf from '@tensorflow/tfjs-core';
import type { TwoSampleEstimator } from './mmd';

/**
 * The energy distance (Székely & Rizzo 2013) between samples x `[m, d]` and
 * y `[n, d]`: 2 E‖X − Y‖ − E‖X − X'‖ − E‖Y − Y'‖, ≥ 0 and 0 only when the laws
 * agree. `unbiased` (default) averages the within-sample terms over i ≠ j;
 * `biased` over all pairs (the V-statistic, always ≥ 0). Equals MMD² with the
 * distance-induced kernel.
 */
export function energyDistance(
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  opts: { estimator?: TwoSampleEstimator } = {},
): tf.Scalar {
  assertSameDim(x, 'x', y, 'y');
  const estimator = opts.estimator ?? 'unbiased';
  if (estimator !== 'unbiased' && estimator !== 'biased') {
    throw new TypeError(`estimator: expected 'unbiased' or 'biased', got '${estimator}'`);
  }
  const unbiased = estimator === 'unbiased';
  if (unbiased && (x.shape[0] < 2 || y.shape[0] < 2)) {
    throw new RangeError(
      `x, y: the unbiased energy distance needs at least 2 rows each, got ${x.shape[0]} and ${y.shape[0]}`,
    );
  }
  return tf.tidy(() => {
    // tiled and fused (no n×m matrix) where the fused engine runs
    const xy = meanPairwiseDistance(x, y);
    const xx = meanPairwiseDistance(x, undefined, { offDiagonal: unbiased });
    const yy = meanPairwiseDistance(y, undefined, { offDiagonal: unbiased });
    return tf.sub(tf.mul(2, xy), tf.add(xx, yy)) as tf.Scalar;
  });
}
