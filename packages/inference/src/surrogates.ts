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

/**
 * The importance-weighted critic update of seed 004 as a surrogate: one
 * sample per x, ∇ ≈ mean_b exp(log w_b − C(x_b)) ∇ log w_b, the weight held
 * constant. **Clipping**: the exponent is clipped at `maxLogWeight`
 * (weight ≤ e^maxLogWeight), because early in training log w − C(x) can be
 * tens of nats and one sample would take the whole step. logw, c `[B]`.
 * Returns the surrogate and the weights used.
 */
export function iwCriticSurrogate(
  logw: tf.Tensor1D,
  critic: tf.Tensor1D,
  maxLogWeight: number,
): { surrogate: tf.Scalar; weights: tf.Tensor1D } {
  return tf.tidy(() => {
    const weights = stopGradient(
      tf.exp(tf.minimum(tf.sub(logw, critic), maxLogWeight)),
    ) as tf.Tensor1D;
    return { surrogate: tf.mean(tf.mul(weights, logw)) as tf.Scalar, weights };
  });
}
