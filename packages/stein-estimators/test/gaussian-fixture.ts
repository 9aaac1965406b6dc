import { createRng } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Shared score-estimation fixture: q = N(μ, Σ), Σ = [[1, 0.6], [0.6, 1]] = L Lᵀ,
 * true score −Σ⁻¹(x − μ); 200 fitting samples x and 100 held-out samples xt (seed 4).
 */
export const mu = tf.tensor2d([[1, -1]]);
const L = tf.tensor2d([
  [1, 0],
  [0.6, 0.8],
]);
const Sinv = tf.tensor2d([
  [1 / 0.64, -0.6 / 0.64],
  [-0.6 / 0.64, 1 / 0.64],
]);
const rng = createRng(4);
export const sample = (n: number) =>
  tf.add(tf.matMul(rng.normal([n, 2]), tf.transpose(L)), mu) as tf.Tensor2D;
export const x = sample(200);
export const xt = sample(100);
export const truthAt = (z: tf.Tensor2D) => tf.neg(tf.matMul(tf.sub(z, mu), Sinv));
/** ‖g − ∇log q(z)‖ / ‖∇log q(z)‖. */
export const relErr = (g: tf.Tensor, z: tf.Tensor2D) =>
  tf.tidy(() => {
    const t = truthAt(z);
    return tf.norm(tf.sub(g, t)).dataSync()[0] / tf.norm(t).dataSync()[0];
  });
