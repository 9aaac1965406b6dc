import {
  assert2D,
  assertInt,
  assertPositive,
  conditionNumber,
  createRng,
  invert,
  type Rng,
} from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The ICA data protocol (Gong et al. 2021, after Grathwohl et al. 2020): a
 * random well-conditioned mixing matrix and heavy-tailed independent sources.
 * This is steinkit's one implementation; `apps/sksd-ica` and the ICA model
 * tests of `@steinkit/energy-models` use it.
 */

export interface MixingMatrixOptions {
  /** Entries are N(0, scale²); default 1. */
  scale?: number;
  /** Redraw until cond₂(A) < maxCond; default D (the protocol). */
  maxCond?: number;
  /** Give up after this many draws (a RangeError); default 1000. */
  maxTries?: number;
}

/**
 * A random D×D mixing matrix A = scale·randn(D, D), redrawn until
 * cond₂(A) < maxCond (default D; the condition number from singular values,
 * computed in float64 by Jacobi). Returns float32 `[D, D]`; the caller owns it.
 * A number as the third argument is `maxTries` (the 0.1 signature).
 */
export function randomMixingMatrix(
  D: number,
  rng: Rng,
  opts: MixingMatrixOptions | number = {},
): tf.Tensor2D {
  assertInt(D, 'D', 2);
  const o = typeof opts === 'number' ? { maxTries: opts } : opts;
  const { scale = 1, maxCond = D, maxTries = 1000 } = o;
  assertPositive(scale, 'scale');
  if (!(maxCond > 1)) throw new RangeError(`maxCond: expected a number > 1, got ${maxCond}`);
  assertInt(maxTries, 'maxTries', 1);
  for (let t = 0; t < maxTries; t++) {
    const a = rng.normal([D, D], 0, scale) as tf.Tensor2D;
    if (conditionNumber(a.dataSync(), D) < maxCond) return a;
    a.dispose();
  }
  throw new RangeError(
    `maxCond: no ${D}×${D} Gaussian matrix with cond(A) < ${maxCond} in ${maxTries} draws`,
  );
}

export type IcaSource = 'laplace' | 'student-t';

export interface IcaSourceOptions {
  /** Source law: Laplace(0, 1) (default) or Student-t with `df` degrees of freedom. */
  source?: IcaSource;
  /** Student-t degrees of freedom, any ν > 0 (default 3). */
  df?: number;
}

function sourceOptions(opts: IcaSourceOptions): Required<IcaSourceOptions> {
  const source = opts.source ?? 'laplace';
  if (source !== 'laplace' && source !== 'student-t') {
    throw new TypeError(`source: expected 'laplace' or 'student-t', got '${source}'`);
  }
  const df = opts.df ?? 3;
  assertPositive(df, 'df');
  return { source, df };
}

/**
 * n independent source rows s `[n, D]`: Laplace(0, 1) by inverse CDF, or
 * Student-t_ν as z / √(χ²_ν / ν) with χ²_ν = Gamma(ν/2, scale 2).
 */
export function sampleIcaSources(
  n: number,
  D: number,
  rng: Rng,
  opts: IcaSourceOptions = {},
): tf.Tensor2D {
  assertInt(n, 'n', 1);
  assertInt(D, 'D', 1);
  const { source, df } = sourceOptions(opts);
  return tf.tidy(() => {
    if (source === 'laplace') return rng.laplace([n, D]) as tf.Tensor2D;
    const z = rng.normal([n, D]);
    // tfjs's randomGamma multiplies by beta (a scale, despite its doc): Gamma(ν/2, scale 2) = χ²_ν
    const chi2 = tf.randomGamma([n, D], df / 2, 2, 'float32', rng.nextSeed());
    return tf.div(z, tf.sqrt(tf.div(chi2, df))) as tf.Tensor2D;
  });
}

/** n observations x = A s (rows: x = s Aᵀ) of the ICA generative process with mixing matrix A `[D, D]`. */
export function sampleIca(
  mixing: tf.Tensor2D,
  n: number,
  rng: Rng,
  opts: IcaSourceOptions = {},
): tf.Tensor2D {
  const D = mixing.shape[0];
  assert2D(mixing, 'mixing', D, D);
  return tf.tidy(() => {
    const s = sampleIcaSources(n, D, rng, opts);
    return tf.matMul(s, mixing, false, true) as tf.Tensor2D;
  });
}

export interface IcaDataOptions extends IcaSourceOptions {
  /** Dimension D (sources = observations). */
  dim: number;
  /** Number of samples. */
  n: number;
  /** @deprecated Use `df` (the name `@steinkit/energy-models`' Student-t base uses). */
  dof?: number;
  /** Default 0. */
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
  const sourceOpts = sourceOptions({ source: opts.source, df: opts.df ?? opts.dof });
  if (opts.mixing) assert2D(opts.mixing, 'mixing', D, D);
  const rng = createRng(opts.seed ?? 0);
  const mixing = opts.mixing ? tf.clone(opts.mixing) : randomMixingMatrix(D, rng);
  const unmixing = tf.tensor2d(Float32Array.from(invert(mixing.dataSync(), D)), [D, D], 'float32');
  const sources = sampleIcaSources(n, D, rng, sourceOpts);
  const x = tf.matMul(sources, mixing, false, true) as tf.Tensor2D; // rows x_n = A s_n
  return { x, sources, mixing, unmixing };
}
