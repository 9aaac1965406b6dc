import {
  assert2D,
  assertInt,
  assertPositive,
  createRng,
  type Kernel,
  type LogProbFn,
  type ScoreFn,
} from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { type KsdStatistic, ksd } from './ksd';
import { type KsdTestOptions, type KsdTestResult, ksdTest } from './ksd-test';

/**
 * Noise-smoothed KSD (Wenliang & Kanagawa 2020, "Blindness of score-based
 * methods to isolated components and mixing proportions"; the Stein-methods
 * talk's "disconnected modes — solution: smoothing"). Scores cannot see the
 * mixing proportions of well-separated components: between the modes there is
 * no data, and at the data the score of each component does not depend on its
 * weight. Convolving both sides with N(0, σ²I) makes the modes overlap: the
 * samples become y = x + σε ∼ q_σ = q ∗ N(0, σ²I) and the target p_σ = p ∗ N(0, σ²I),
 * whose score does depend on the weights. p_σ = q_σ iff p = q (the Gaussian's
 * characteristic function has no zeros), so the smoothed test is still consistent,
 * and exact under H₀ when ∇log p_σ is exact.
 */
export interface SmoothingOptions {
  /** σ > 0, the standard deviation of the added noise N(0, σ²I). */
  noiseStd: number;
  /** Seed of the noise ε (default: derived from `seed` for the test, else 0). */
  noiseSeed?: number;
}

function addNoise(x: tf.Tensor2D, noiseStd: number, noiseSeed: number): tf.Tensor2D {
  assertPositive(noiseStd, 'noiseStd');
  assertInt(noiseSeed, 'noiseSeed', 0, 2 ** 32 - 1);
  assert2D(x, 'x');
  const rng = createRng(noiseSeed).fork();
  return tf.tidy(() => tf.add(x, rng.normal(x.shape, 0, noiseStd)) as tf.Tensor2D);
}

function checkSmoothedScore(score: unknown): asserts score is ScoreFn {
  if (typeof score !== 'function') {
    throw new TypeError(
      'smoothedScore: expected a function y ↦ ∇log p_σ(y) (it is evaluated at the noisy points, so a precomputed tensor cannot be used)',
    );
  }
}

/**
 * KSD(q_σ, p_σ): the squared KSD of y = x + σε (ε ∼ N(0, I), seeded) against
 * `smoothedScore` = ∇log p_σ, the score of the target convolved with N(0, σ²I)
 * (exact for Gaussian mixtures: `gaussianMixture(...).smoothed(σ²)` in
 * `@steinkit/energy-models`; otherwise {@link convolvedScore}).
 */
export function smoothedKsd(
  x: tf.Tensor2D,
  smoothedScore: ScoreFn,
  kernel: Kernel,
  opts: SmoothingOptions & { statistic?: KsdStatistic },
): tf.Scalar {
  checkSmoothedScore(smoothedScore);
  const { noiseStd, noiseSeed = 0, statistic } = opts ?? ({} as SmoothingOptions);
  const y = addNoise(x, noiseStd, noiseSeed);
  try {
    return ksd(y, smoothedScore, kernel, { statistic });
  } finally {
    y.dispose();
  }
}

/**
 * The KSD test of H₀: q_σ = p_σ (⇔ q = p) on y = x + σε, with the Rademacher
 * wild bootstrap of {@link ksdTest}. The noise seed defaults to a stream forked
 * from `seed`, independent of the bootstrap's signs.
 */
export function smoothedKsdTest(
  x: tf.Tensor2D,
  smoothedScore: ScoreFn,
  kernel: Kernel,
  opts: KsdTestOptions & SmoothingOptions,
): KsdTestResult {
  checkSmoothedScore(smoothedScore);
  const { noiseStd, noiseSeed, ...testOpts } = opts ?? ({} as SmoothingOptions);
  const seed = testOpts.seed ?? 0;
  assertInt(seed, 'seed', 0, 2 ** 32 - 1);
  const y = addNoise(x, noiseStd, noiseSeed ?? (seed ^ 0x5bd1e995) >>> 0);
  try {
    return ksdTest(y, smoothedScore, kernel, testOpts);
  } finally {
    y.dispose();
  }
}

export interface ConvolvedScoreOptions {
  /** σ > 0 of the convolution with N(0, σ²I). */
  noiseStd: number;
  /** Monte Carlo draws M per point (default 64). */
  draws?: number;
  /** Seed of the M fixed draws ε_m (default 0): the returned function is deterministic and smooth in y. */
  seed?: number;
  /** ∇log p, if available: the estimator then averages scores instead of (x_m − y)/σ² (lower variance for small σ). */
  score?: ScoreFn;
}

/**
 * A Monte Carlo approximation of ∇log p_σ(y), p_σ = p ∗ N(0, σ²I), for a general
 * p known up to a constant. By Tweedie's formula ∇log p_σ(y) = E[∇log p(x) | y]
 * = (E[x | y] − y)/σ² with x | y ∝ p(x)·N(y; x, σ²I). With the proposal
 * x_m = y + σε_m (ε_m ∼ N(0, I), the same M draws for every y) the posterior
 * weights are w_m ∝ p(x_m), so
 *   ∇log p_σ(y) ≈ Σ_m w̄_m ∇log p(x_m)   (with `score`)   or   Σ_m w̄_m (x_m − y)/σ²,
 * w̄ = softmax_m(log p(x_m)). Self-normalized importance sampling: consistent as
 * M → ∞ but biased for finite M — a test built on it is calibrated only up to
 * that bias, and the proposal degrades when σ is large compared with p's
 * length scales (few x_m land where p has mass). Prefer an exact smoothed score
 * where one exists (Gaussian mixtures). `logProb` may be unnormalized.
 */
export function convolvedScore(logProb: LogProbFn, opts: ConvolvedScoreOptions): ScoreFn {
  if (typeof logProb !== 'function') {
    throw new TypeError('logProb: expected a function x ↦ log p(x) + const, [n, d] → [n]');
  }
  const { noiseStd, draws = 64, seed = 0, score } = opts ?? ({} as ConvolvedScoreOptions);
  assertPositive(noiseStd, 'noiseStd');
  assertInt(draws, 'draws', 1);
  assertInt(seed, 'seed', 0, 2 ** 32 - 1);
  if (score !== undefined && typeof score !== 'function') {
    throw new TypeError('score: expected a function x ↦ ∇log p(x), [n, d] → [n, d]');
  }
  return (y: tf.Tensor2D) => {
    assert2D(y, 'y');
    const [n, d] = y.shape;
    return tf.tidy(() => {
      const eps = createRng(seed).normal([draws, d]);
      const xs = tf.reshape(tf.add(tf.expandDims(y, 1), tf.mul(noiseStd, tf.expandDims(eps, 0))), [
        n * draws,
        d,
      ]) as tf.Tensor2D;
      const lp = logProb(xs);
      if (lp.rank !== 1 || lp.shape[0] !== n * draws) {
        throw new RangeError(`logProb(x): expected shape [${n * draws}], got [${lp.shape}]`);
      }
      const w = tf.softmax(tf.reshape(lp, [n, draws]), 1); // [n, M]
      const v = score
        ? tf.reshape(assert2D(score(xs), 'score(x)', n * draws, d), [n, draws, d])
        : tf.div(tf.mul(noiseStd, tf.expandDims(eps, 0)), noiseStd * noiseStd); // (x_m − y)/σ²
      const out = tf.sum(tf.mul(tf.expandDims(w, 2), v), 1) as tf.Tensor2D;
      return out;
    });
  };
}
