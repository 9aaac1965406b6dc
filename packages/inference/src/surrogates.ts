import * as tf from '@tensorflow/tfjs-core';

/** Identity forward, zero gradient (tfjs has no stop_gradient). */
export const stopGradient: (x: tf.Tensor) => tf.Tensor = tf.customGrad((...args) => {
  const x = args[0] as tf.Tensor;
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
}) as (x: tf.Tensor) => tf.Tensor;

/** log (1/k) Σ_i exp(a_i) over the last axis, stably (log-sum-exp shifts by the max). */
export function logMeanExpLast(a: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.sub(tf.logSumExp(a, -1), Math.log(a.shape[a.rank - 1])));
}

/**
 * The IWAE-k gradient as a surrogate (seed 004's derivation): with
 * w̃ = softmax(log w) held constant, ∇ mean_b Σ_i w̃_bi log w_bi =
 * ∇ mean_b log (1/k) Σ_i w_bi — the softmax-weighted sum of ∇ log w_i,
 * computed stably (softmax subtracts the max). logw `[B, k]` → scalar.
 */
export function iwaeSurrogate(logw: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const wt = stopGradient(tf.softmax(logw, -1));
    return tf.mean(tf.sum(tf.mul(wt, logw), 1)) as tf.Scalar;
  });
}

/** How {@link iwCriticSurrogate} scales the weights e^(log w − C(x)) of a batch. */
export type IwCriticNormalization = 'none' | 'batch';

/**
 * The importance-weighted critic update of seed 004 as a surrogate: one
 * sample per x, ∇ ≈ mean_b ω_b ∇ log w_b with the weights ω held constant.
 *
 * - `normalize: 'none'` (seed 004 as written): ω_b = e^(log w_b − C(x_b)).
 * - `normalize: 'batch'` (self-normalized): ω_b = B · softmax_b(log w_b − C(x_b)),
 *   so the weights average 1 over the batch. Per x the direction is seed 004's;
 *   only the batch's common factor changes — Σ_b e^(log w_b − C(x_b)) / B is
 *   replaced by 1 (computed by the softmax, which subtracts the max, so it
 *   never underflows however far C is from log w). Equivalently the surrogate's
 *   gradient is ∇ log Σ_b e^(log w_b − C(x_b)).
 *
 * **Clipping** (both): the log-weight is clipped at `maxLogWeight`
 * (ω ≤ e^maxLogWeight), because log w − C(x) can be tens of nats and one
 * sample would take the whole step. logw, critic `[B]`. Returns the surrogate,
 * the weights used and the share of them that hit the clip.
 */
export function iwCriticSurrogate(
  logw: tf.Tensor1D,
  critic: tf.Tensor1D,
  maxLogWeight: number,
  normalize: IwCriticNormalization = 'none',
): { surrogate: tf.Scalar; weights: tf.Tensor1D; clippedFraction: tf.Scalar } {
  if (normalize !== 'none' && normalize !== 'batch') {
    throw new TypeError(`normalize: expected 'none' or 'batch', got ${String(normalize)}`);
  }
  return tf.tidy(() => {
    const a = stopGradient(tf.sub(logw, critic)) as tf.Tensor1D;
    const logOmega = normalize === 'batch' ? tf.add(tf.logSoftmax(a), Math.log(a.shape[0])) : a;
    const hit = tf.greaterEqual(logOmega, maxLogWeight);
    const weights = tf.exp(tf.minimum(logOmega, maxLogWeight)) as tf.Tensor1D;
    return {
      surrogate: tf.mean(tf.mul(weights, logw)) as tf.Scalar,
      weights,
      clippedFraction: tf.mean(tf.cast(hit, 'float32')) as tf.Scalar,
    };
  });
}
