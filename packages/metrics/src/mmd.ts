import { assertSameDim, type Kernel } from '@steinkit/core';
import { rbf, type SteinKernel } from '@steinkit/kernels';
import * as tf from '@tensorflow/tfjs-core';

export type TwoSampleEstimator = 'unbiased' | 'biased';

export interface MmdOptions {
  /**
   * The kernel; default the RBF k(x, y) = exp(−‖x − y‖²/h²) with h the median
   * pairwise distance (self-pairs excluded) of the pooled sample [x; y]. A
   * kernel with `withBandwidthFrom` resolves its heuristic on the pooled sample.
   */
  kernel?: Kernel;
  /**
   * `unbiased` (default): the U-statistic, within-sample sums over i ≠ j
   * (can be slightly negative); `biased`: the V-statistic over all pairs (≥ 0).
   */
  estimator?: TwoSampleEstimator;
}

function checkEstimator(e: string): TwoSampleEstimator {
  if (e !== 'unbiased' && e !== 'biased') {
    throw new TypeError(`estimator: expected 'unbiased' or 'biased', got '${e}'`);
  }
  return e;
}

/** Mean of a square matrix's entries, optionally leaving out the diagonal. */
export function meanOfGram(k: tf.Tensor2D, offDiagonal: boolean): tf.Scalar {
  const n = k.shape[0];
  if (!offDiagonal) return tf.mean(k) as tf.Scalar;
  return tf.tidy(
    () => tf.div(tf.sub(tf.sum(k), tf.sum(tf.mul(k, tf.eye(n)))), n * (n - 1)) as tf.Scalar,
  );
}

/**
 * The squared maximum mean discrepancy (Gretton et al. 2012) between samples
 * x `[m, d]` and y `[n, d]`:
 * MMD² = E k(x, x') + E k(y, y') − 2 E k(x, y), estimated by the unbiased
 * U-statistic (Gretton et al. eq. 3) or the biased V-statistic (eq. 5).
 */
export function mmd2(x: tf.Tensor2D, y: tf.Tensor2D, opts: MmdOptions = {}): tf.Scalar {
  assertSameDim(x, 'x', y, 'y');
  const estimator = checkEstimator(opts.estimator ?? 'unbiased');
  const unbiased = estimator === 'unbiased';
  if (unbiased && (x.shape[0] < 2 || y.shape[0] < 2)) {
    throw new RangeError(
      `x, y: the unbiased MMD² needs at least 2 rows each, got ${x.shape[0]} and ${y.shape[0]}`,
    );
  }
  return tf.tidy(() => {
    const base = opts.kernel ?? rbf({ bandwidth: { kind: 'median' } });
    const k = base.withBandwidthFrom ? base.withBandwidthFrom(tf.concat([x, y], 0)) : base;
    const sk = k as SteinKernel;
    // RBF/IMQ: tiled sums without the Gram matrices where the fused engine runs
    const kxx = sk.gramMean ? sk.gramMean(x, undefined, unbiased) : meanOfGram(k.gram(x), unbiased);
    const kyy = sk.gramMean ? sk.gramMean(y, undefined, unbiased) : meanOfGram(k.gram(y), unbiased);
    const kxy = sk.gramMean ? sk.gramMean(x, y) : tf.mean(k.gram(x, y));
    return tf.sub(tf.add(kxx, kyy), tf.mul(2, kxy)) as tf.Scalar;
  });
}
