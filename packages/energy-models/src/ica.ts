import { assert2D, assertInt, assertPositive, type EnergyModel } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { logAbsDet } from './ica-linalg';

/** The source density p_z of every coordinate. */
export type IcaBase = { kind: 'laplace' } | { kind: 'student-t'; df: number };

export interface IcaModelOptions {
  dim: number;
  /** Source density; default Laplace(0, 1). */
  base?: IcaBase;
  /** Initial unmixing matrix B = W⁻¹ `[D, D]` (copied into a variable); default identity. */
  unmixing?: tf.Tensor2D;
  /** Make the unmixing matrix trainable; default true. */
  trainable?: boolean;
  /** Variable name; default a unique one. */
  name?: string;
}

/**
 * Linear ICA (Hyvärinen & Oja 2000; the benchmark of Grathwohl et al. 2020
 * and Gong et al. 2021): x = W z with z ~ p_z = Π_k p(z_k), parameterized by
 * the *unmixing* matrix B = W⁻¹, so that
 *   log p(x) = Σ_k log p(z_k) + log|det B|,  z = B x.
 * Rows of x are samples: z = x Bᵀ.
 */
export interface IcaModel extends EnergyModel {
  readonly dim: number;
  readonly base: IcaBase;
  /** B = W⁻¹, `[D, D]`, a tf.Variable. */
  readonly unmixing: tf.Variable<tf.Rank.R2>;
  /** Σ_k log p(z_k), z = xBᵀ: the log-density without the log|det B| term, `[n]`. */
  unnormalizedLogProb(x: tf.Tensor2D): tf.Tensor1D;
  /** Exact log p(x) = Σ_k log p(z_k) + log|det B| (LU, float64), `[n]`. */
  logProb(x: tf.Tensor2D): tf.Tensor1D;
  /** Mean exact log-likelihood over the rows of x (a number; syncs). */
  meanLogLikelihood(x: tf.Tensor2D): number;
  /** Closed form ∇ₓ log p(x) = ψ(xBᵀ)·B with ψ = (log p_z)', `[n, D]`; differentiable in B. */
  score(x: tf.Tensor2D): tf.Tensor2D;
  /** The same score by autodiff of `unnormalizedLogProb` (slower; for checks). */
  scoreAutodiff(x: tf.Tensor2D): tf.Tensor2D;
  /** E(x) = −Σ_k log p(z_k), `[n]`. */
  energy(x: tf.Tensor2D): tf.Tensor1D;
  dispose(): void;
}

const LOG2 = Math.log(2);

function lgamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9), |error| < 1e-13 for x > 0.
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  const xx = x - 1;
  let a = c[0];
  const t = xx + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (xx + i);
  return 0.5 * Math.log(2 * Math.PI) + (xx + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Σ_k log p(z_k) per row, `[n]`. */
export function icaBaseLogProb(z: tf.Tensor2D, base: IcaBase): tf.Tensor1D {
  return tf.tidy(() => {
    const d = z.shape[1];
    if (base.kind === 'laplace') {
      return tf.sub(tf.neg(tf.sum(tf.abs(z), 1)), d * LOG2) as tf.Tensor1D;
    }
    const nu = base.df;
    const c = lgamma((nu + 1) / 2) - lgamma(nu / 2) - 0.5 * Math.log(nu * Math.PI);
    const lp = tf.mul(-(nu + 1) / 2, tf.log1p(tf.div(tf.square(z), nu)));
    return tf.add(tf.sum(lp, 1), d * c) as tf.Tensor1D;
  });
}

/** ψ(z) = d log p(z)/dz elementwise: −sign(z) (Laplace) or −(ν+1)z/(ν+z²) (Student-t). */
export function icaBaseScore(z: tf.Tensor2D, base: IcaBase): tf.Tensor2D {
  return tf.tidy(() => {
    if (base.kind === 'laplace') return tf.neg(tf.sign(z));
    const nu = base.df;
    return tf.div(tf.mul(-(nu + 1), z), tf.add(nu, tf.square(z)));
  }) as tf.Tensor2D;
}

let counter = 0;

/** Creates an ICA model with a trainable unmixing matrix B (identity unless given). */
export function createIcaModel(opts: IcaModelOptions): IcaModel {
  const { dim, base = { kind: 'laplace' }, trainable = true } = opts;
  assertInt(dim, 'dim', 1);
  if (base.kind === 'student-t') assertPositive(base.df, 'base.df');
  else if (base.kind !== 'laplace') {
    throw new TypeError(
      `base.kind: expected 'laplace' or 'student-t', got ${String((base as { kind: unknown }).kind)}`,
    );
  }
  if (opts.unmixing) assert2D(opts.unmixing, 'unmixing', dim, dim);
  const init = opts.unmixing ? tf.clone(opts.unmixing) : tf.eye(dim);
  const unmixing = tf.variable(
    init,
    trainable,
    opts.name ?? `ica_unmixing_${counter++}`,
  ) as tf.Variable<tf.Rank.R2>;
  init.dispose();

  const check = (x: tf.Tensor2D) => assert2D(x, 'x', null, dim);
  const latent = (x: tf.Tensor2D) => tf.matMul(x, unmixing, false, true) as tf.Tensor2D;

  const model: IcaModel = {
    dim,
    base,
    unmixing,
    trainableVariables: [unmixing],
    unnormalizedLogProb(x) {
      check(x);
      return tf.tidy(() => icaBaseLogProb(latent(x), base));
    },
    logProb(x) {
      check(x);
      return tf.tidy(() => tf.add(icaBaseLogProb(latent(x), base), logAbsDet(unmixing)));
    },
    meanLogLikelihood(x) {
      check(x);
      const m = tf.tidy(() =>
        tf.add(tf.mean(icaBaseLogProb(latent(x), base)), logAbsDet(unmixing)),
      );
      const v = m.dataSync()[0];
      m.dispose();
      return v;
    },
    score(x) {
      check(x);
      return tf.tidy(() => tf.matMul(icaBaseScore(latent(x), base), unmixing) as tf.Tensor2D);
    },
    scoreAutodiff(x) {
      check(x);
      return tf.tidy(() =>
        tf.grad((xx: tf.Tensor) => tf.sum(icaBaseLogProb(latent(xx as tf.Tensor2D), base)))(x),
      ) as tf.Tensor2D;
    },
    energy(x) {
      check(x);
      return tf.tidy(() => tf.neg(icaBaseLogProb(latent(x), base)));
    },
    dispose() {
      unmixing.dispose();
    },
  };
  return model;
}
