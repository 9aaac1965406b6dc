import {
  assert2D,
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
  checkTestOptions(alpha, bootstraps, seed);
  assertPoints(x, 'x', { minN: 2, what: 'the KSD test needs' });
  assertFinite(x, 'x');
  const sx = tf.tidy(() => tf.clone(evalScore(x, score)));
  let u: tf.Tensor2D;
  try {
    assertFinite(sx, 'score(x)');
    u = ksdMatrix(x, sx, kernel);
  } finally {
    sx.dispose();
  }
  try {
    return wildBootstrapTest(u, { alpha, bootstraps, seed }, 'x');
  } finally {
    u.dispose();
  }
}

function checkTestOptions(alpha: number, bootstraps: number, seed: number): void {
  if (!(alpha > 0 && alpha < 1))
    throw new RangeError(`alpha: expected a number in (0, 1), got ${alpha}`);
  assertInt(bootstraps, 'bootstraps', 1);
  assertInt(seed, 'seed', 0, 2 ** 32 - 1);
}

/**
 * The Rademacher wild-bootstrap test of a degenerate U-statistic from its
 * symmetric pair matrix H `[n, n]` (the KSD's Stein kernel matrix, a sliced
 * KSD's pair matrix, the MMD's h((x_i, y_i), (x_j, y_j)) on paired samples):
 * T = (1/(n(n−1))) Σ_{i≠j} H_ij against T*_b = (1/(n(n−1))) Σ_{i≠j} ε_{bi} ε_{bj} H_ij.
 * `ksdTest` is this on {@link ksdMatrix}; the same seed gives the same signs.
 * A non-finite statistic is a RangeError naming `name` (default `'h'`).
 */
export function wildBootstrapTest(
  h: tf.Tensor2D,
  opts: KsdTestOptions = {},
  name = 'h',
): KsdTestResult {
  const { alpha = 0.05, bootstraps = 1000, seed = 0 } = opts;
  checkTestOptions(alpha, bootstraps, seed);
  const m = assert2D(h, 'h').shape[0];
  assert2D(h, 'h', m, m);
  if (m < 2) throw new RangeError(`h: the U-statistic needs n ≥ 2 points, got ${m}`);
  const rng = createRng(seed);
  const [stat, boot] = tf.tidy(() => {
    const u0 = tf.mul(h, tf.sub(1, tf.eye(m)));
    const t = tf.div(tf.sum(u0), m * (m - 1));
    const e = tf.sub(tf.mul(2, tf.step(tf.sub(rng.uniform([bootstraps, m]), 0.5))), 1);
    const tb = tf.div(tf.sum(tf.mul(tf.matMul(e, u0), e), 1), m * (m - 1));
    return [t, tb];
  });
  const statistic = stat.dataSync()[0];
  const bootstrap = boot.dataSync() as Float32Array;
  tf.dispose([stat, boot]);
  if (!Number.isFinite(statistic)) {
    throw new RangeError(
      name === 'x'
        ? `x: the KSD statistic is ${statistic}: x or score(x) is too large for float32 (rescale the data)`
        : `${name}: the statistic is ${statistic} (non-finite entries or float32 overflow)`,
    );
  }
  let exceed = 0;
  for (const v of bootstrap) if (v >= statistic) exceed++;
  const pValue = (1 + exceed) / (1 + bootstraps);
  return { statistic, pValue, reject: pValue <= alpha, bootstrap };
}
