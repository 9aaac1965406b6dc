import {
  assert2D,
  assertFloat,
  assertPoints,
  assertShape,
  type Kernel,
  type ScoreFn,
} from '@steinkit/core';
import { asSteinKernel } from '@steinkit/kernels';
import * as tf from '@tensorflow/tfjs-core';

export type KsdStatistic = 'u' | 'v';

export interface KsdOptions {
  /** `'u'` (default): unbiased U-statistic over i ≠ j (may be negative); `'v'`: V-statistic over all pairs (≥ 0). */
  statistic?: KsdStatistic;
}

/** Evaluates a score given as a function or as a precomputed `[n, d]` tensor. */
export function evalScore(
  x: tf.Tensor2D,
  score: ScoreFn | tf.Tensor2D,
  name = 'score(x)',
): tf.Tensor2D {
  if (typeof score !== 'function' && (score == null || typeof score !== 'object')) {
    throw new TypeError(
      `score: expected a function [n, d] → [n, d] or an [n, d] tensor, got ${String(score)}`,
    );
  }
  const s = typeof score === 'function' ? score(x) : score;
  assert2D(s, name, x.shape[0], x.shape[1]);
  assertFloat(s, name);
  return s;
}

/**
 * The Stein kernel matrix U[i, j] = u_p(x_i, x_j) (Liu, Lee & Jordan 2016, eq. 7;
 * Chwialkowski et al. 2016), `[n, n]`, in closed form for RBF/IMQ (matmuls only).
 * A heuristic bandwidth is resolved on x.
 */
export function ksdMatrix(
  x: tf.Tensor2D,
  score: ScoreFn | tf.Tensor2D,
  kernel: Kernel,
): tf.Tensor2D {
  assertPoints(x, 'x');
  const k = asSteinKernel(kernel);
  return tf.tidy(() => {
    const s = evalScore(x, score);
    const fixed = k.withBandwidthFrom(x);
    return fixed.steinMatrix(x, s);
  });
}

/** Reduces a square Stein kernel matrix u `[n, n]` to the U- (off-diagonal mean, n ≥ 2) or V-statistic (full mean, n ≥ 1). */
export function ksdFromMatrix(u: tf.Tensor2D, statistic: KsdStatistic = 'u'): tf.Scalar {
  if (statistic !== 'u' && statistic !== 'v') {
    throw new TypeError(`statistic: expected 'u' or 'v', got ${String(statistic)}`);
  }
  assert2D(u, 'u');
  const n = u.shape[0];
  assertShape(u, 'u', [n, n]);
  assertFloat(u, 'u');
  if (statistic === 'v') {
    if (n < 1) throw new RangeError(`u: the V-statistic needs n ≥ 1, got an empty [0, 0] matrix`);
    return tf.mean(u) as tf.Scalar;
  }
  if (n < 2) throw new RangeError(`x: the U-statistic needs n ≥ 2 points, got ${n}`);
  return tf.tidy(
    () => tf.div(tf.sub(tf.sum(u), tf.sum(tf.mul(u, tf.eye(n)))), n * (n - 1)) as tf.Scalar,
  );
}

/**
 * The squared kernel Stein discrepancy S(q, p) = E_{x,x'∼q}[u_p(x, x')] of the
 * samples x against the target with score ∇log p (Liu et al. 2016):
 * U-statistic (1/(n(n−1))) Σ_{i≠j} u_p(x_i, x_j), unbiased and possibly
 * negative, or V-statistic (1/n²) Σ_{i,j} u_p(x_i, x_j). Returns a scalar.
 */
export function ksd(
  x: tf.Tensor2D,
  score: ScoreFn | tf.Tensor2D,
  kernel: Kernel,
  opts: KsdOptions = {},
): tf.Scalar {
  const { statistic = 'u' } = opts ?? {};
  if (statistic !== 'u' && statistic !== 'v') {
    throw new TypeError(`statistic: expected 'u' or 'v', got ${String(statistic)}`);
  }
  assertPoints(x, 'x');
  if (statistic === 'u' && x.shape[0] < 2) {
    throw new RangeError(`x: the U-statistic needs n ≥ 2 points, got ${x.shape[0]}`);
  }
  if (x.shape[0] < 1) throw new RangeError(`x: the V-statistic needs n ≥ 1 point, got 0`);
  const k = asSteinKernel(kernel);
  return tf.tidy(() => {
    const s = evalScore(x, score);
    const fixed = k.withBandwidthFrom(x);
    // RBF/IMQ reduce over pairs without the n×n matrix where the fused engine runs
    if (fixed.ksdStatistic) return fixed.ksdStatistic(x, s, statistic);
    return ksdFromMatrix(fixed.steinMatrix(x, s), statistic);
  });
}
