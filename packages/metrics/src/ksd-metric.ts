import { assert2D, type Kernel, type ScoreFn } from '@steinkit/core';
import { rbf } from '@steinkit/kernels';
import { type KsdStatistic, ksd } from '@steinkit/stein-estimators';
import type * as tf from '@tensorflow/tfjs-core';

export interface KsdMetricOptions {
  /** Default RBF with the median-distance bandwidth resolved on x. */
  kernel?: Kernel;
  /** `u` (default, unbiased) or `v`. */
  statistic?: KsdStatistic;
}

/**
 * Kernel Stein discrepancy of samples x `[n, d]` against a target given by its
 * score, as a sample-quality metric (needs no samples from the target): a thin
 * wrapper over `ksd` from @steinkit/stein-estimators with a default kernel.
 */
export function ksdMetric(
  x: tf.Tensor2D,
  score: ScoreFn | tf.Tensor2D,
  opts: KsdMetricOptions = {},
): tf.Scalar {
  assert2D(x, 'x');
  return ksd(x, score, opts.kernel ?? rbf({ bandwidth: { kind: 'median' } }), {
    statistic: opts.statistic ?? 'u',
  });
}
