import { assertInt, assertPositive, choleskyFactor, createRng, foldIn } from '@steinkit/core';
import { logMeanExp } from '@steinkit/metrics';
import * as tf from '@tensorflow/tfjs-core';
import type { Encoder } from './encoders';
import type { LatentVariableModel } from './model';
import { assertData, assertDataValues } from './validate';

const LOG_2PI = Math.log(2 * Math.PI);

export interface ImportanceLogLikelihoodOptions {
  model: LatentVariableModel;
  encoder: Encoder;
  /** Test rows `[N, dataDim]`. */
  x: tf.Tensor2D;
  /** K importance samples per x (default 1000). */
  samples?: number;
  /**
   * `'encoder'`: q(z|x) itself (Gaussian encoders; the default for them).
   * `'moment-matched'`: a full-covariance Gaussian N(m(x), C(x) + jitter·I)
   * whose mean and covariance are the sample moments of `momentSamples`
   * draws of the encoder at x (the default, and the only choice, for implicit
   * encoders, which have no density).
   */
  proposal?: 'encoder' | 'moment-matched';
  /** Encoder draws per x for the moment-matched proposal (default 500). */
  momentSamples?: number;
  /** Added to the moment-matched covariance's diagonal (default 1e-4). */
  jitter?: number;
  /** Rows of x per chunk (default: ⌈20 000 / K⌉ clamped to [1, 100]). */
  batchSize?: number;
  seed?: number;
}

export interface ImportanceLogLikelihood {
  /** log p̂(x_i) = log (1/K) Σ_k p(x_i, z_k)/q(z_k|x_i), per row. */
  perExample: Float64Array;
  /** Their mean (the reported test log-likelihood). */
  mean: number;
  /** Standard error of the mean over rows. */
  stdErr: number;
  /** Mean of the k = 1 ELBO under the same proposal, E_q[log w]. */
  elbo: number;
  /** Which proposal was used, in words. */
  proposal: string;
  samples: number;
}

/**
 * The importance-sampling estimate of the test log-likelihood: for each x,
 * log (1/K) Σ_k w_k with w_k = p(x, z_k)/r(z_k|x), z_k ~ r (log-mean-exp,
 * stable). p̂(x) is unbiased for p(x) for any proposal r with full support;
 * its log is a stochastic lower bound that tightens as K grows (IWAE-K).
 */
export function importanceLogLikelihood(
  opts: ImportanceLogLikelihoodOptions,
): ImportanceLogLikelihood {
  const { model, encoder, x } = opts;
  assertData(x, 'x', model.dataDim);
  assertDataValues(x, 'x');
  const K = opts.samples ?? 1000;
  assertInt(K, 'samples', 1);
  const proposal = opts.proposal ?? (encoder.kind === 'gaussian' ? 'encoder' : 'moment-matched');
  if (proposal !== 'encoder' && proposal !== 'moment-matched') {
    throw new TypeError(
      `proposal: expected 'encoder' or 'moment-matched', got ${String(proposal)}`,
    );
  }
  if (proposal === 'encoder' && encoder.kind !== 'gaussian') {
    throw new TypeError(
      "proposal: an implicit encoder has no density; use 'moment-matched' (the default for it)",
    );
  }
  const M = opts.momentSamples ?? 500;
  assertInt(M, 'momentSamples', 2);
  const jitter = opts.jitter ?? 1e-4;
  assertPositive(jitter, 'jitter', true);
  const N = x.shape[0];
  const bs = opts.batchSize ?? Math.min(100, Math.max(1, Math.ceil(20000 / K)));
  assertInt(bs, 'batchSize', 1);
  const seed = opts.seed ?? 0;
  const d = model.latentDim;
  const perExample = new Float64Array(N);
  let elboSum = 0;
  for (let s = 0, chunk = 0; s < N; s += bs, chunk++) {
    const c = Math.min(bs, N - s);
    const r = tf.tidy(() => {
      const xc = tf.slice(x, [s, 0], [c, -1]) as tf.Tensor2D;
      const rng = createRng(foldIn(seed, chunk));
      let z: tf.Tensor3D;
      let logq: tf.Tensor2D;
      if (proposal === 'encoder' && encoder.kind === 'gaussian') {
        const eps = encoder.noise(c, K, rng.nextSeed());
        ({ z, logq } = encoder.sampleWithLogProb(xc, eps));
      } else {
        const { mean, scaleTril, logDet } = momentMatch(encoder, xc, M, jitter, rng.nextSeed());
        const eps = rng.normal([c, K, d]) as tf.Tensor3D;
        z = tf.add(tf.expandDims(mean, 1), tf.matMul(eps, scaleTril, false, true)) as tf.Tensor3D;
        logq = tf.sub(
          tf.mul(-0.5, tf.sum(tf.square(eps), 2)),
          tf.add(tf.reshape(logDet, [c, 1]), 0.5 * d * LOG_2PI),
        ) as tf.Tensor2D;
      }
      const logw = tf.sub(model.logJoint(xc, z), logq);
      return tf.stack([logMeanExp(logw, 1), tf.mean(logw, 1)]);
    });
    const v = r.dataSync();
    r.dispose();
    for (let i = 0; i < c; i++) {
      if (!Number.isFinite(v[i])) {
        throw new RangeError(`log-likelihood of row ${s + i} is not finite (${v[i]})`);
      }
      perExample[s + i] = v[i];
      elboSum += v[c + i];
    }
  }
  let mean = 0;
  for (const a of perExample) mean += a;
  mean /= N;
  let ss = 0;
  for (const a of perExample) ss += (a - mean) ** 2;
  const stdErr = N > 1 ? Math.sqrt(ss / (N - 1) / N) : Number.NaN;
  return {
    perExample,
    mean,
    stdErr,
    elbo: elboSum / N,
    proposal:
      proposal === 'encoder'
        ? `encoder q(z|x) (${encoder.kind === 'gaussian' ? encoder.covariance : 'implicit'} Gaussian)`
        : `moment-matched full-covariance Gaussian from ${M} encoder samples per x (+${jitter}·I)`,
    samples: K,
  };
}

/**
 * The moment-matched Gaussian of an encoder at each x: mean m and Cholesky
 * factor L of the sample covariance (+ jitter·I) of `samples` draws; also
 * log|L| = Σ log L_ii. `[c, d]`, `[c, d, d]`, `[c]`.
 */
export function momentMatch(
  encoder: Encoder,
  x: tf.Tensor2D,
  samples: number,
  jitter: number,
  seed: number,
): { mean: tf.Tensor2D; scaleTril: tf.Tensor3D; logDet: tf.Tensor1D } {
  const c = x.shape[0];
  const d = encoder.latentDim;
  const { mean, cov } = tf.tidy(() => {
    const eps = encoder.noise(c, samples, seed);
    const z = encoder.sample(x, eps); // [c, M, d]
    const m = tf.mean(z, 1);
    const r = tf.sub(z, tf.expandDims(m, 1));
    return { mean: m as tf.Tensor2D, cov: tf.div(tf.matMul(r, r, true, false), samples - 1) };
  });
  const C = cov.dataSync();
  cov.dispose();
  const L = new Float32Array(c * d * d);
  const logDet = new Float32Array(c);
  for (let b = 0; b < c; b++) {
    const A = new Float64Array(d * d);
    for (let i = 0; i < d * d; i++) A[i] = C[b * d * d + i];
    for (let i = 0; i < d; i++) A[i * d + i] += jitter;
    const f = choleskyFactor(A, d);
    let ld = 0;
    for (let i = 0; i < d; i++) ld += Math.log(f[i * d + i]);
    logDet[b] = ld;
    L.set(f, b * d * d);
  }
  return {
    mean,
    scaleTril: tf.tensor3d(L, [c, d, d]),
    logDet: tf.tensor1d(logDet),
  };
}
