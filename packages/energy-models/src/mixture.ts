import {
  assert2D,
  assertInt,
  assertPositive,
  createRng,
  type EnergyModel,
  type Rng,
  type Sampler,
} from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';

/** A fixed target with closed-form log-density, score and exact sampling. */
export interface Target extends EnergyModel, Sampler {
  readonly name: string;
  readonly dim: number;
  /** log p(x), normalized, `[n, d]` → `[n]`. */
  logProb(x: tf.Tensor2D): tf.Tensor1D;
  /** −log p(x). */
  energy(x: tf.Tensor2D): tf.Tensor1D;
  /** ∇ₓ log p(x) in closed form. */
  score(x: tf.Tensor2D): tf.Tensor2D;
  /** Exact i.i.d. draws. */
  sample(n: number, seed?: number): tf.Tensor2D;
  /** Always empty: a target has no trainable θ. */
  readonly trainableVariables: tf.Variable[];
}

/** Closed forms of a target, called on checked input inside `tf.tidy`. */
interface TargetImpl {
  logProb(x: tf.Tensor2D): tf.Tensor1D;
  score(x: tf.Tensor2D): tf.Tensor2D;
  sample(n: number, rng: Rng): tf.Tensor2D;
}

/** A {@link Target} from its closed forms: checks `x` is `[n, dim]` and `n` ≥ 1, and tidies each call. */
function makeTarget(name: string, dim: number, impl: TargetImpl): Target {
  const check = (x: tf.Tensor) => assert2D(x, 'x', null, dim);
  return {
    name,
    dim,
    trainableVariables: [],
    logProb(x) {
      check(x);
      return tf.tidy(() => impl.logProb(x));
    },
    energy(x) {
      check(x);
      return tf.tidy(() => tf.neg(impl.logProb(x)));
    },
    score(x) {
      check(x);
      return tf.tidy(() => impl.score(x));
    },
    sample(n, seed = 0) {
      assertInt(n, 'n', 1);
      const rng = createRng(seed);
      return tf.tidy(() => impl.sample(n, rng));
    },
  };
}

export interface GaussianMixtureOptions {
  /** Component means, K × d. */
  means: number[][];
  /** Isotropic standard deviation: one for all components or one per component. Default 1. */
  std?: number | number[];
  /** Mixture weights (normalized here). Default uniform. */
  weights?: number[];
  /** Display name; default `gaussianMixture(K=…, d=…)`. */
  name?: string;
}

/** A Gaussian-mixture {@link Target} that also convolves in closed form. */
export interface GaussianMixtureTarget extends Target {
  /**
   * p ∗ N(0, τI) for the noise variance τ = σ² ≥ 0: the same mixture with component
   * variances σ_k² + τ — the exact target of the noise-smoothed KSD
   * (`smoothedKsdTest(x, target.smoothed(σ²).score, kernel, { noiseStd: σ })` in
   * `@steinkit/stein-estimators`; Wenliang & Kanagawa 2020). τ = 0 returns an equal mixture.
   */
  smoothed(noiseVar: number): GaussianMixtureTarget;
}

/** p(x) = Σ_k w_k N(x; μ_k, σ_k² I), with closed-form score Σ_k r_k(x)(μ_k − x)/σ_k². */
export function gaussianMixture(opts: GaussianMixtureOptions): GaussianMixtureTarget {
  const { means } = opts;
  if (!Array.isArray(means) || means.length === 0 || !Array.isArray(means[0])) {
    throw new TypeError('means: expected a non-empty K × d array of numbers');
  }
  const K = means.length;
  const d = means[0].length;
  assertInt(d, 'means[0].length', 1);
  means.forEach((m, k) => {
    if (!Array.isArray(m) || m.length !== d || m.some((v) => !Number.isFinite(v))) {
      throw new RangeError(`means[${k}]: expected ${d} finite numbers, got ${JSON.stringify(m)}`);
    }
  });
  const stdArr = Array.isArray(opts.std) ? opts.std : new Array(K).fill(opts.std ?? 1);
  if (stdArr.length !== K) throw new RangeError(`std: expected ${K} values, got ${stdArr.length}`);
  stdArr.forEach((s, k) => {
    assertPositive(s, `std[${k}]`);
  });
  const w = opts.weights ?? new Array(K).fill(1);
  if (w.length !== K) throw new RangeError(`weights: expected ${K} values, got ${w.length}`);
  w.forEach((v, k) => {
    assertPositive(v, `weights[${k}]`);
  });
  const wsum = w.reduce((a, b) => a + b, 0);
  const logw = w.map((v) => Math.log(v / wsum));
  const cumw = w.map((_, k) => w.slice(0, k + 1).reduce((a, b) => a + b, 0) / wsum);

  // Per-component log terms, [n, K], and (μ_k − x) [n, K, d].
  const parts = (x: tf.Tensor2D) => {
    const mu = tf.tensor2d(means, [K, d]);
    const s2 = tf.tensor1d(stdArr.map((s) => s * s));
    const diff = tf.sub(tf.expandDims(mu, 0), tf.expandDims(x, 1)); // [n, K, d]
    const sq = tf.sum(tf.square(diff), 2); // [n, K]
    const c = tf.tensor1d(
      stdArr.map((s, k) => logw[k] - d * Math.log(s) - (d / 2) * Math.log(2 * Math.PI)),
    );
    const logTerms = tf.sub(c, tf.div(sq, tf.mul(2, s2)));
    return { diff, logTerms, s2 };
  };
  const logProbImpl = (x: tf.Tensor2D) => tf.logSumExp(parts(x).logTerms, 1) as tf.Tensor1D;

  const target = makeTarget(opts.name ?? `gaussianMixture(K=${K}, d=${d})`, d, {
    logProb: logProbImpl,
    score(x) {
      const { diff, logTerms, s2 } = parts(x);
      const r = tf.softmax(logTerms, 1); // responsibilities [n, K]
      const coef = tf.div(r, s2); // [n, K]
      return tf.sum(tf.mul(tf.expandDims(coef, 2), diff), 1) as tf.Tensor2D;
    },
    sample(n, rng) {
      // Component k = #{cumulative weights < u}, u ~ U(0, 1) from the seeded JS stream: the
      // same draws on every backend (tf.multinomial's GPU kernels lose the seed's bits).
      const idx =
        K === 1
          ? tf.zeros([n], 'int32')
          : tf.sum(
              tf.cast(
                tf.greater(rng.uniform([n, 1]), tf.tensor2d([cumw.slice(0, K - 1)])),
                'int32',
              ),
              1,
            );
      const mu = tf.gather(tf.tensor2d(means, [K, d]), idx);
      const s = tf.gather(tf.tensor1d(stdArr), idx);
      return tf.add(mu, tf.mul(tf.expandDims(s, 1), rng.normal([n, d]))) as tf.Tensor2D;
    },
  });
  return Object.assign(target, {
    smoothed(noiseVar: number): GaussianMixtureTarget {
      if (!(typeof noiseVar === 'number' && Number.isFinite(noiseVar) && noiseVar >= 0)) {
        throw new RangeError(
          `noiseVar: expected a finite variance σ² ≥ 0, got ${String(noiseVar)}`,
        );
      }
      return gaussianMixture({
        means,
        std: stdArr.map((s) => Math.sqrt(s * s + noiseVar)),
        weights: w,
        name: `${target.name} ∗ N(0, ${noiseVar}·I)`,
      });
    },
  });
}

/** The SteinGAN paper's 1-D toy target ⅓N(−2, 1) + ⅔N(2, 1). */
export function paperMixture1d(): GaussianMixtureTarget {
  return gaussianMixture({
    means: [[-2], [2]],
    std: 1,
    weights: [1 / 3, 2 / 3],
    name: 'mixture1d: 1/3 N(-2,1) + 2/3 N(2,1)',
  });
}

/** `modes` equal-weight Gaussians (std `std`, default 0.2) evenly spaced on a circle of `radius` (default 2). */
export function gaussianRing(
  opts: { modes?: number; radius?: number; std?: number } = {},
): GaussianMixtureTarget {
  const { modes = 8, radius = 2, std = 0.2 } = opts;
  assertInt(modes, 'modes', 1);
  assertPositive(radius, 'radius');
  const means = Array.from({ length: modes }, (_, k) => {
    const a = (2 * Math.PI * k) / modes;
    return [radius * Math.cos(a), radius * Math.sin(a)];
  });
  return gaussianMixture({ means, std, name: `ring(${modes} modes, r=${radius}, σ=${std})` });
}

/** A `side`×`side` grid (default 5) of equal-weight Gaussians (std default 0.2), `spacing` (default 2) apart, centred at 0. */
export function gaussianGrid(
  opts: { side?: number; spacing?: number; std?: number } = {},
): GaussianMixtureTarget {
  const { side = 5, spacing = 2, std = 0.2 } = opts;
  assertInt(side, 'side', 1);
  assertPositive(spacing, 'spacing');
  const c = ((side - 1) * spacing) / 2;
  const means: number[][] = [];
  for (let i = 0; i < side; i++)
    for (let j = 0; j < side; j++) means.push([i * spacing - c, j * spacing - c]);
  return gaussianMixture({
    means,
    std,
    name: `grid(${side}×${side}, spacing=${spacing}, σ=${std})`,
  });
}

export interface BananaOptions {
  /** Standard deviation of x₁. Default 1. */
  a?: number;
  /** Curvature: x₂ = b(x₁² − a²) + N(0, 1). Default 0.5. */
  b?: number;
}

/**
 * The 2-D banana: x₁ ~ N(0, a²), x₂ | x₁ ~ N(b(x₁² − a²), 1).
 * log p = −x₁²/(2a²) − log a − u²/2 − log 2π with u = x₂ − b(x₁² − a²).
 */
export function banana(opts: BananaOptions = {}): Target {
  const a = opts.a ?? 1;
  const b = opts.b ?? 0.5;
  assertPositive(a, 'a');
  if (!Number.isFinite(b)) throw new RangeError(`b: expected a finite number, got ${b}`);
  const split = (x: tf.Tensor2D) => {
    const x1 = tf.squeeze(tf.slice(x, [0, 0], [-1, 1]), [1]);
    const x2 = tf.squeeze(tf.slice(x, [0, 1], [-1, 1]), [1]);
    const u = tf.sub(x2, tf.mul(b, tf.sub(tf.square(x1), a * a)));
    return { x1, u };
  };
  const logProbImpl = (x: tf.Tensor2D) => {
    const { x1, u } = split(x);
    return tf.sub(
      tf.neg(tf.add(tf.div(tf.square(x1), 2 * a * a), tf.div(tf.square(u), 2))),
      Math.log(a) + Math.log(2 * Math.PI),
    ) as tf.Tensor1D;
  };
  return makeTarget(`banana(a=${a}, b=${b})`, 2, {
    logProb: logProbImpl,
    score(x) {
      const { x1, u } = split(x);
      const g1 = tf.add(tf.div(tf.neg(x1), a * a), tf.mul(tf.mul(2 * b, x1), u));
      return tf.stack([g1, tf.neg(u)], 1) as tf.Tensor2D;
    },
    sample(n, rng) {
      const x1 = tf.mul(a, rng.normal([n]));
      const x2 = tf.add(tf.mul(b, tf.sub(tf.square(x1), a * a)), rng.normal([n]));
      return tf.stack([x1, x2], 1) as tf.Tensor2D;
    },
  });
}
