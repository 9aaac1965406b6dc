import { assert2D, assertSameDim, matmul, psdSqrt, symmetricEigen } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';

/** Mean `[d]` and covariance `[d, d]` (row-major, 1/(n−1)) of the rows of x, in float64. */
export function meanAndCovariance(x: tf.Tensor2D): { mean: Float64Array; cov: Float64Array } {
  assert2D(x, 'x');
  const [n, d] = x.shape;
  if (n < 2) throw new RangeError(`x: a covariance needs at least 2 rows, got ${n}`);
  // Center and form XᵀX on the backend (one matmul), finish in float64.
  const [mu, gram] = tf.tidy(() => {
    const m = tf.mean(x, 0);
    const c = tf.sub(x, m);
    return [m, tf.matMul(tf.transpose(c), c)];
  });
  const mean = Float64Array.from(mu.dataSync());
  const g = gram.dataSync();
  tf.dispose([mu, gram]);
  const cov = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const v = (0.5 * (g[i * d + j] + g[j * d + i])) / (n - 1);
      cov[i * d + j] = v;
      cov[j * d + i] = v;
    }
  }
  return { mean, cov };
}

/**
 * The Fréchet (2-Wasserstein) distance between N(μ₁, Σ₁) and N(μ₂, Σ₂):
 * ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁^{½} Σ₂ Σ₁^{½})^{½}.
 * Numerically stable matrix square roots: both come from symmetric Jacobi
 * eigendecompositions in float64 (eigenvalues clamped at 0), so the inner
 * matrix stays symmetric PSD and no complex parts or Newton iterations appear.
 */
export function gaussianFrechetDistance(
  mean1: ArrayLike<number>,
  cov1: ArrayLike<number>,
  mean2: ArrayLike<number>,
  cov2: ArrayLike<number>,
): number {
  const d = mean1.length;
  if (mean2.length !== d) throw new RangeError(`mean2: expected length ${d}, got ${mean2.length}`);
  if (cov1.length !== d * d)
    throw new RangeError(`cov1: expected ${d}×${d}, got ${cov1.length} entries`);
  if (cov2.length !== d * d)
    throw new RangeError(`cov2: expected ${d}×${d}, got ${cov2.length} entries`);
  let dm = 0;
  let tr = 0;
  for (let i = 0; i < d; i++) {
    dm += (mean1[i] - mean2[i]) ** 2;
    tr += cov1[i * d + i] + cov2[i * d + i];
  }
  const s1 = psdSqrt(Float64Array.from(cov1), d);
  // M = S₁ Σ₂ S₁ (symmetric PSD)
  const m = matmul(matmul(s1, cov2, d, d, d), s1, d, d, d);
  const { values } = symmetricEigen(m, d);
  let trSqrt = 0;
  for (const v of values) trSqrt += Math.sqrt(Math.max(v, 0));
  return Math.max(dm + tr - 2 * trSqrt, 0);
}

/**
 * The Fréchet distance between Gaussians fitted to two sample sets `[n, d]`
 * and `[m, d]` (the FID formula, with an identity feature map). Pass
 * classifier features to get the FID analogue (see `classifierFrechetDistance`).
 */
export function frechetDistance(x: tf.Tensor2D, y: tf.Tensor2D): number {
  assertSameDim(x, 'x', y, 'y');
  const a = meanAndCovariance(x);
  const b = meanAndCovariance(y);
  return gaussianFrechetDistance(a.mean, a.cov, b.mean, b.cov);
}
