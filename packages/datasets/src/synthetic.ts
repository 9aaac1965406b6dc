import {
  assert2D,
  assertInt,
  assertPositive,
  createRng,
  type LogProbFn,
  type Rng,
  type Sampler,
  type ScoreFn,
} from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { conditionNumber, invert } from './linalg';

/** A synthetic target with exact (normalized) log-density and score. */
export interface SyntheticTarget extends Sampler {
  readonly name: string;
  /** log p(x), normalized: `[n, d]` → `[n]`. */
  readonly logProb: LogProbFn;
  /** ∇ₓ log p(x) in closed form: `[n, d]` → `[n, d]`. */
  readonly score: ScoreFn;
}

function seedOf(seed: number | undefined): number {
  return seed ?? Math.floor(Math.random() * 2 ** 32);
}

export interface GaussianMixtureOptions {
  /** Component means, K rows of length d. */
  means: number[][];
  /** Isotropic standard deviation per component (or one for all). */
  stds: number | number[];
  /** Mixture weights (normalized here); default uniform. */
  weights?: number[];
  name?: string;
}

/**
 * An isotropic Gaussian mixture Σ_k w_k N(μ_k, σ_k² I) with exact log-density
 * (log-sum-exp) and score Σ_k r_k(x)(μ_k − x)/σ_k², r_k the responsibilities.
 */
export function gaussianMixture(opts: GaussianMixtureOptions): SyntheticTarget {
  const { means } = opts;
  if (!Array.isArray(means) || means.length === 0 || !Array.isArray(means[0])) {
    throw new TypeError('means: expected K ≥ 1 rows [[μ_1…μ_d], …]');
  }
  const K = means.length;
  const d = means[0].length;
  if (d < 1) throw new RangeError('means: expected rows of length d ≥ 1');
  means.forEach((m, k) => {
    if (m.length !== d) throw new RangeError(`means[${k}]: expected length ${d}, got ${m.length}`);
    m.forEach((v, j) => {
      if (!Number.isFinite(v))
        throw new RangeError(`means[${k}][${j}]: expected a finite number, got ${v}`);
    });
  });
  const stds = typeof opts.stds === 'number' ? new Array(K).fill(opts.stds) : opts.stds;
  if (stds.length !== K) throw new RangeError(`stds: expected ${K} values, got ${stds.length}`);
  stds.forEach((s, k) => {
    assertPositive(s, `stds[${k}]`);
  });
  const w = opts.weights ?? new Array(K).fill(1);
  if (w.length !== K) throw new RangeError(`weights: expected ${K} values, got ${w.length}`);
  w.forEach((v, k) => {
    assertPositive(v, `weights[${k}]`);
  });
  const wsum = w.reduce((a, b) => a + b, 0);
  const logW = w.map((v) => Math.log(v / wsum));
  // log normalizer per component: log w_k − (d/2) log(2π σ_k²)
  const logC = logW.map((lw, k) => lw - 0.5 * d * Math.log(2 * Math.PI * stds[k] ** 2));
  const inv2Var = stds.map((s) => 1 / (2 * s * s));
  const invVar = stds.map((s) => 1 / (s * s));

  const componentLogs = (x: tf.Tensor2D) => {
    const diff = tf.sub(tf.expandDims(x, 1), tf.tensor3d(means.flat(), [1, K, d]));
    const sq = tf.sum(tf.square(diff), 2); // [n, K]
    return tf.sub(tf.tensor2d([logC], [1, K]), tf.mul(sq, tf.tensor2d([inv2Var], [1, K])));
  };
  const check = (x: tf.Tensor2D, name: string) => assert2D(x, name, null, d);

  return {
    name: opts.name ?? `gaussianMixture(K=${K}, d=${d})`,
    dim: d,
    sample(n, seed) {
      assertInt(n, 'n', 1);
      const rng = createRng(seedOf(seed));
      return tf.tidy(() => {
        const comp = tf.reshape(tf.multinomial(tf.tensor1d(logW), n, rng.nextSeed(), false), [
          n,
        ]) as tf.Tensor1D;
        const mu = tf.gather(tf.tensor2d(means), comp);
        const sd = tf.reshape(tf.gather(tf.tensor1d(stds), comp), [n, 1]);
        return tf.add(mu, tf.mul(sd, rng.normal([n, d]))) as tf.Tensor2D;
      });
    },
    logProb: (x) => tf.tidy(() => tf.logSumExp(componentLogs(check(x, 'x')), 1) as tf.Tensor1D),
    score: (x) =>
      tf.tidy(() => {
        check(x, 'x');
        const r = tf.softmax(componentLogs(x), 1); // [n, K] responsibilities
        const rv = tf.mul(r, tf.tensor2d([invVar], [1, K]));
        return tf.sub(
          tf.matMul(rv, tf.tensor2d(means)),
          tf.mul(x, tf.sum(rv, 1, true)),
        ) as tf.Tensor2D;
      }),
  };
}

/** The SteinGAN paper's 1-D toy target ⅓N(−2, 1) + ⅔N(2, 1). */
export function paperMixture1d(): SyntheticTarget {
  return gaussianMixture({
    means: [[-2], [2]],
    stds: 1,
    weights: [1 / 3, 2 / 3],
    name: 'mixture1d: 1/3 N(-2,1) + 2/3 N(2,1)',
  });
}

/** `modes` equal-weight Gaussians (std `std`) evenly spaced on a circle of `radius`. */
export function gaussianRing(
  opts: { modes?: number; radius?: number; std?: number } = {},
): SyntheticTarget {
  const modes = opts.modes ?? 8;
  const radius = opts.radius ?? 2;
  const std = opts.std ?? 0.2;
  assertInt(modes, 'modes', 1);
  assertPositive(radius, 'radius');
  const means = Array.from({ length: modes }, (_, k) => {
    const a = (2 * Math.PI * k) / modes;
    return [radius * Math.cos(a), radius * Math.sin(a)];
  });
  return gaussianMixture({ means, stds: std, name: `ring(${modes} modes, r=${radius}, σ=${std})` });
}

/** A `side`×`side` grid of equal-weight Gaussians, `spacing` apart, centred at 0. */
export function gaussianGrid(
  opts: { side?: number; spacing?: number; std?: number } = {},
): SyntheticTarget {
  const side = opts.side ?? 5;
  const spacing = opts.spacing ?? 2;
  const std = opts.std ?? 0.2;
  assertInt(side, 'side', 1);
  assertPositive(spacing, 'spacing');
  const c = ((side - 1) * spacing) / 2;
  const means: number[][] = [];
  for (let i = 0; i < side; i++)
    for (let j = 0; j < side; j++) means.push([i * spacing - c, j * spacing - c]);
  return gaussianMixture({
    means,
    stds: std,
    name: `grid(${side}×${side}, spacing=${spacing}, σ=${std})`,
  });
}

/**
 * The banana: x₁ ~ N(0, a²), x₂ | x₁ ~ N(b(x₁² − a²), 1).
 * log p = −x₁²/(2a²) − (x₂ − b(x₁² − a²))²/2 − log(2πa).
 */
export function banana(opts: { a?: number; b?: number } = {}): SyntheticTarget {
  const a = opts.a ?? 1;
  const b = opts.b ?? 1;
  assertPositive(a, 'a');
  if (!Number.isFinite(b)) throw new RangeError(`b: expected a finite number, got ${b}`);
  const parts = (x: tf.Tensor2D) => {
    assert2D(x, 'x', null, 2);
    const [x1, x2] = tf.split(x, 2, 1);
    const r = tf.sub(x2, tf.mul(b, tf.sub(tf.square(x1), a * a))); // x₂ − m(x₁)
    return { x1, r };
  };
  return {
    name: `banana(a=${a}, b=${b})`,
    dim: 2,
    sample(n, seed) {
      assertInt(n, 'n', 1);
      const rng = createRng(seedOf(seed));
      return tf.tidy(() => {
        const x1 = rng.normal([n, 1], 0, a);
        const x2 = tf.add(tf.mul(b, tf.sub(tf.square(x1), a * a)), rng.normal([n, 1]));
        return tf.concat([x1, x2], 1) as tf.Tensor2D;
      });
    },
    logProb: (x) =>
      tf.tidy(() => {
        const { x1, r } = parts(x);
        const lp = tf.add(tf.mul(-1 / (2 * a * a), tf.square(x1)), tf.mul(-0.5, tf.square(r)));
        return tf.reshape(tf.sub(lp, Math.log(2 * Math.PI * a)), [x.shape[0]]) as tf.Tensor1D;
      }),
    score: (x) =>
      tf.tidy(() => {
        const { x1, r } = parts(x);
        const g1 = tf.add(tf.mul(-1 / (a * a), x1), tf.mul(2 * b, tf.mul(r, x1)));
        return tf.concat([g1, tf.neg(r)], 1) as tf.Tensor2D;
      }),
  };
}

/**
 * A random D×D mixing matrix A = randn(D, D), redrawn until cond(A) < D (the
 * condition number from singular values, computed in float64 by Jacobi).
 * Throws after `maxTries` draws. Returns float32 `[D, D]`.
 */
export function randomMixingMatrix(D: number, rng: Rng, maxTries = 1000): tf.Tensor2D {
  assertInt(D, 'D', 2);
  for (let t = 0; t < maxTries; t++) {
    const a = rng.normal([D, D]) as tf.Tensor2D;
    const v = a.dataSync();
    if (conditionNumber(v, D) < D) return a;
    a.dispose();
  }
  throw new Error(`randomMixingMatrix: no draw with cond(A) < ${D} in ${maxTries} tries`);
}

export type IcaSource = 'laplace' | 'student-t';

export interface IcaDataOptions {
  /** Dimension D (sources = observations). */
  dim: number;
  /** Number of samples. */
  n: number;
  /** Source law: Laplace(0, 1) (default) or Student-t with `dof` degrees of freedom. */
  source?: IcaSource;
  /** Student-t degrees of freedom (default 3). */
  dof?: number;
  seed?: number;
  /** Use this mixing matrix instead of `randomMixingMatrix(dim)`; not disposed. */
  mixing?: tf.Tensor2D;
}

export interface IcaData {
  /** Observations x = A s, `[n, D]`. */
  x: tf.Tensor2D;
  /** Independent sources, `[n, D]`. */
  sources: tf.Tensor2D;
  /** Mixing matrix A, `[D, D]`. */
  mixing: tf.Tensor2D;
  /** W = A⁻¹ (the unmixing matrix the ICA model should recover), `[D, D]`. */
  unmixing: tf.Tensor2D;
}

/** ICA data: independent heavy-tailed sources mixed by a well-conditioned A (cond(A) < D). */
export function icaData(opts: IcaDataOptions): IcaData {
  const { dim: D, n } = opts;
  assertInt(D, 'dim', 2);
  assertInt(n, 'n', 1);
  const source = opts.source ?? 'laplace';
  if (source !== 'laplace' && source !== 'student-t') {
    throw new TypeError(`source: expected 'laplace' or 'student-t', got '${source}'`);
  }
  const dof = opts.dof ?? 3;
  assertPositive(dof, 'dof');
  if (opts.mixing) assert2D(opts.mixing, 'mixing', D, D);
  const rng = createRng(opts.seed ?? 0);
  const mixing = opts.mixing ? tf.clone(opts.mixing) : randomMixingMatrix(D, rng);
  const unmixing = tf.tensor2d(Float32Array.from(invert(mixing.dataSync(), D)), [D, D], 'float32');
  const sources = tf.tidy(() => {
    if (source === 'laplace') return rng.laplace([n, D]) as tf.Tensor2D;
    const z = rng.normal([n, D]);
    // tfjs's randomGamma multiplies by beta (a scale, despite its doc): Gamma(ν/2, scale 2) = χ²_ν
    const chi2 = tf.randomGamma([n, D], dof / 2, 2, 'float32', rng.nextSeed());
    return tf.div(z, tf.sqrt(tf.div(chi2, dof))) as tf.Tensor2D;
  });
  const x = tf.matMul(sources, mixing, false, true) as tf.Tensor2D; // rows x_n = A s_n
  return { x, sources, mixing, unmixing };
}
