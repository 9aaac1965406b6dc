import { createRng } from '@steinkit/core';
import { rbf } from '@steinkit/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ksd, steinGradientEstimator } from '../src/index';

/**
 * The Stein-methods talk: the Stein gradient estimator is the minimizer of a
 * kernel-ridge-regularized KSD. With S the candidate scores at x and
 * R_i = Σ_j ∇_{x_j} k(x_j, x_i), n²·KSD_V(x; S) = tr(SᵀKS) + 2 tr(SᵀR) + c, so
 *   J(S) = n²·KSD_V(x; S) + η‖S‖²_F
 * is minimized where (K + ηI)S = −R: exactly the SGE Ĝ. Checked with the
 * package's own `ksd` (V-statistic, scores given as a tensor) — an
 * independent code path from the SGE's Cholesky solve.
 */
describe('KSD V-statistic ↔ Stein gradient estimator', () => {
  const n = 40;
  const eta = 0.5;
  const kernel = rbf({ bandwidth: 1.3 });
  const x = createRng(17).normal([n, 2], 0.5, 1.2) as tf.Tensor2D;
  const J = (s: tf.Tensor) =>
    tf.add(
      tf.mul(n * n, ksd(x, s as tf.Tensor2D, kernel, { statistic: 'v' })),
      tf.mul(eta, tf.sum(tf.square(s))),
    ) as tf.Scalar;

  it('the SGE is the stationary point: ∇J(Ĝ) = 0 (autodiff through ksd)', () => {
    const fitted = steinGradientEstimator(kernel, { eta }).fit(x);
    const g = fitted.estimate();
    const [atG, atZero] = tf.tidy(() => {
      const grad = tf.grad(J);
      return [
        tf.max(tf.abs(grad(g))).dataSync()[0],
        tf.max(tf.abs(grad(tf.zerosLike(g)))).dataSync()[0],
      ];
    });
    expect(atZero).toBeGreaterThan(1);
    expect(atG / atZero).toBeLessThan(2e-4);
    tf.dispose(g);
    fitted.dispose();
  });

  it('J grows exactly by tr(δᵀ(K + ηI)δ) away from Ĝ, so Ĝ is the minimizer', () => {
    const before = tf.memory().numTensors;
    const fitted = steinGradientEstimator(kernel, { eta }).fit(x);
    const g = fitted.estimate();
    const rng = createRng(3);
    tf.tidy(() => {
      const K = kernel.gram(x);
      const jG = J(g).dataSync()[0];
      for (const scale of [0.05, 0.3, 1]) {
        const d = rng.normal([n, 2], 0, scale);
        const grow = J(tf.add(g, d)).dataSync()[0] - jG;
        const quad = tf.add(tf.sum(tf.mul(d, tf.matMul(K, d))), tf.mul(eta, tf.sum(tf.square(d))));
        const q = quad.dataSync()[0];
        expect(grow).toBeGreaterThan(0);
        expect(Math.abs(grow - q) / q).toBeLessThan(2e-3);
      }
    });
    tf.dispose(g);
    fitted.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
