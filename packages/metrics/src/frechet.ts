import { assertFiniteArray, assertPoints, matmul, psdSqrt, symmetricEigen } from '@steinkit/core';
import type * as tf from '@tensorflow/tfjs-core';

/** Mean `[d]` and covariance `[d, d]` (row-major, 1/(n−1)) of the rows of x, in float64. */
export function meanAndCovariance(x: tf.Tensor2D): { mean: Float64Array; cov: Float64Array } {
  assertPoints(x, 'x');
  const [n, d] = x.shape;
  if (n < 2) throw new RangeError(`x: a covariance needs at least 2 rows, got ${n}`);
  // Center and form XᵀX in float64 on the host: a float32 Gram of a
  // (near-)rank-deficient sample, e.g. a collapsed generator's features, can
  // have eigenvalues of −1e-5·λ_max from round-off alone and fail the PSD check.
  const v = x.dataSync();
  const mean = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) mean[j] += v[r * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  for (let i = 0; i < d; i++) {
    if (!Number.isFinite(mean[i])) {
      throw new RangeError('x: expected finite values (found NaN/±Inf)');
    }
  }
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < d; j++) row[j] = v[r * d + j] - mean[j];
    for (let i = 0; i < d; i++) {
      const ri = row[i];
      if (ri === 0) continue;
      const o = i * d;
      for (let j = i; j < d; j++) cov[o + j] += ri * row[j];
    }
  }
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const c = cov[i * d + j] / (n - 1);
      cov[i * d + j] = c;
      cov[j * d + i] = c;
    }
  }
  return { mean, cov };
}

/** RangeError naming `name` unless c is a finite symmetric PSD d×d matrix (to round-off). */
function assertCovariance(c: ArrayLike<number>, d: number, name: string): void {
  assertFiniteArray(c, name);
  let scale = 0;
  for (let i = 0; i < c.length; i++) scale = Math.max(scale, Math.abs(c[i]));
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const a = c[i * d + j];
      const b = c[j * d + i];
      if (Math.abs(a - b) > 1e-6 * scale) {
        throw new RangeError(
          `${name}: expected a symmetric matrix, got [${i}, ${j}] = ${a} but [${j}, ${i}] = ${b}`,
        );
      }
    }
  }
  const { values } = symmetricEigen(Float64Array.from(c), d);
  let lo = Number.POSITIVE_INFINITY;
  let hi = 0;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, Math.abs(v));
  }
  if (lo < -1e-6 * Math.max(hi, 1e-300)) {
    throw new RangeError(
      `${name}: expected a positive semi-definite covariance, got smallest eigenvalue ${lo.toPrecision(4)}`,
    );
  }
}

/**
 * The Fréchet (2-Wasserstein) distance between N(μ₁, Σ₁) and N(μ₂, Σ₂):
 * ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁^{½} Σ₂ Σ₁^{½})^{½}.
 * Numerically stable matrix square roots: both come from symmetric Jacobi
 * eigendecompositions in float64 (eigenvalues clamped at 0), so the inner
 * matrix stays symmetric PSD and no complex parts or Newton iterations appear.
 *
 * Validated: finite entries, d ≥ 1, cov1/cov2 symmetric (to 1e-6 relative)
 * and positive semi-definite (smallest eigenvalue ≥ −1e-6·largest) — else a
 * RangeError naming the argument, instead of a distance from a matrix that is
 * no covariance.
 */
export function gaussianFrechetDistance(
  mean1: ArrayLike<number>,
  cov1: ArrayLike<number>,
  mean2: ArrayLike<number>,
  cov2: ArrayLike<number>,
): number {
  const d = mean1?.length;
  if (!(d >= 1)) throw new RangeError(`mean1: expected d ≥ 1 values, got ${String(d)}`);
  if (mean2.length !== d) throw new RangeError(`mean2: expected length ${d}, got ${mean2.length}`);
  if (cov1.length !== d * d)
    throw new RangeError(`cov1: expected ${d}×${d}, got ${cov1.length} entries`);
  if (cov2.length !== d * d)
    throw new RangeError(`cov2: expected ${d}×${d}, got ${cov2.length} entries`);
  assertFiniteArray(mean1, 'mean1');
  assertFiniteArray(mean2, 'mean2');
  assertCovariance(cov1, d, 'cov1');
  assertCovariance(cov2, d, 'cov2');
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
  assertPoints(x, 'x');
  assertPoints(y, 'y', { d: x.shape[1] });
  const a = meanAndCovariance(x);
  const b = meanAndCovariance(y);
  return gaussianFrechetDistance(a.mean, a.cov, b.mean, b.cov);
}
