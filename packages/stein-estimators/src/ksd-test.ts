import {
  assertFinite,
  assertInt,
  assertPoints,
  createRng,
  type Kernel,
  type ScoreFn,
} from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { evalScore, ksdMatrix } from './ksd';

export interface KsdTestOptions {
  /** Level of the test (default 0.05). */
  alpha?: number;
  /** Bootstrap replicates (default 1000). */
  bootstraps?: number;
  /** Seed of the Rademacher draws (default 0). */
  seed?: number;
}

export interface KsdTestResult {
  /** The U-statistic (1/(n(n−1))) Σ_{i≠j} u_p(x_i, x_j). */
  statistic: number;
  /** (1 + #{b : T*_b ≥ T}) / (1 + B). */
  pValue: number;
  /** pValue ≤ alpha. */
  reject: boolean;
  /** The bootstrap replicates T*_b (length B). */
  bootstrap: Float32Array;
}

/**
 * The KSD goodness-of-fit test of H₀: x ∼ p (i.i.d.). Under H₀ the U-statistic
 * is degenerate; its null distribution is simulated by the wild bootstrap with
 * i.i.d. Rademacher weights ε_i (Chwialkowski, Strathmann & Gretton 2016, for
 * i.i.d. data; Liu, Lee & Jordan 2016 use multinomial weights instead):
 * T*_b = (1/(n(n−1))) Σ_{i≠j} ε_{bi} ε_{bj} u_p(x_i, x_j), all B at once as
 * rowsum((E·U₀) ∘ E) with E `[B, n]` and U₀ the Stein kernel without diagonal.
 *
 * Reads x and score(x) back (it returns numbers anyway): NaN/±Inf in either
 * is a RangeError naming it, and a statistic that overflows float32 (values
 * too large) is a RangeError naming x — never a p-value computed from NaN.
 */
export function ksdTest(
  x: tf.Tensor2D,
  score: ScoreFn | tf.Tensor2D,
  kernel: Kernel,
  opts: KsdTestOptions = {},
): KsdTestResult {
  const { alpha = 0.05, bootstraps = 1000, seed = 0 } = opts;
  if (!(alpha > 0 && alpha < 1))
    throw new RangeError(`alpha: expected a number in (0, 1), got ${alpha}`);
  assertInt(bootstraps, 'bootstraps', 1);
  assertInt(seed, 'seed', 0, 2 ** 32 - 1);
  assertPoints(x, 'x', { minN: 2, what: 'the KSD test needs' });
  assertFinite(x, 'x');
  const rng = createRng(seed);
  const sx = tf.tidy(() => tf.clone(evalScore(x, score)));
  let stat: tf.Tensor;
  let boot: tf.Tensor;
  try {
    assertFinite(sx, 'score(x)');
    [stat, boot] = tf.tidy(() => {
      const u = ksdMatrix(x, sx, kernel);
      const m = u.shape[0];
      const u0 = tf.mul(u, tf.sub(1, tf.eye(m)));
      const t = tf.div(tf.sum(u0), m * (m - 1));
      const e = tf.sub(tf.mul(2, tf.step(tf.sub(rng.uniform([bootstraps, m]), 0.5))), 1);
      const tb = tf.div(tf.sum(tf.mul(tf.matMul(e, u0), e), 1), m * (m - 1));
      return [t, tb];
    });
  } finally {
    sx.dispose();
  }
  const statistic = stat.dataSync()[0];
  const bootstrap = boot.dataSync() as Float32Array;
  tf.dispose([stat, boot]);
  if (!Number.isFinite(statistic)) {
    throw new RangeError(
      `x: the KSD statistic is ${statistic}: x or score(x) is too large for float32 (rescale the data)`,
    );
  }
  let exceed = 0;
  for (const v of bootstrap) if (v >= statistic) exceed++;
  const pValue = (1 + exceed) / (1 + bootstraps);
  return { statistic, pValue, reject: pValue <= alpha, bootstrap };
}
