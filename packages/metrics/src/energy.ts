import { assertSameDim } from '@steinkit/core';
import { pairwiseSqDist } from '@steinkit/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { meanOfGram, type TwoSampleEstimator } from './mmd';

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
    const dist = (a: tf.Tensor2D, b?: tf.Tensor2D) => tf.sqrt(pairwiseSqDist(a, b)) as tf.Tensor2D;
    const xy = tf.mean(dist(x, y));
    const xx = meanOfGram(dist(x), unbiased);
    const yy = meanOfGram(dist(y), unbiased);
    return tf.sub(tf.mul(2, xy), tf.add(xx, yy)) as tf.Scalar;
  });
}
