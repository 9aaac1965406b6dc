import * as tf from '@tensorflow/tfjs-core';

/**
 * Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations in
 * float64 JS (O(n³) per sweep; fine for the n ≤ a few hundred Gram matrices of
 * score estimators). `a` is row-major n×n (only its symmetric part is used).
 * Returns eigenvalues in descending order and the matching unit eigenvectors
 * as the columns of a row-major n×n matrix.
 */
export function symmetricEigenJs(
  a: ArrayLike<number>,
  n: number,
  maxSweeps = 60,
): { values: Float64Array; vectors: Float64Array } {
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) A[i * n + j] = 0.5 * (a[i * n + j] + a[j * n + i]);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale += A[i] * A[i];
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p * n + q] ** 2;
    if (off <= 1e-22 * scale || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (A[q * n + q] - A[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p];
          const akq = A[k * n + q];
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k];
          const aqk = A[q * n + k];
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p];
          const vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => A[j * n + j] - A[i * n + i]);
  const values = Float64Array.from(order, (i) => A[i * n + i]);
  const vectors = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) vectors[r * n + c] = V[r * n + order[c]];
  return { values, vectors };
}

/** Tensor wrapper of {@link symmetricEigenJs}: values `[n]` (descending), vectors `[n, n]` (columns). */
export function symmetricEigen(a: tf.Tensor2D): { values: tf.Tensor1D; vectors: tf.Tensor2D } {
  if (a.rank !== 2 || a.shape[0] !== a.shape[1]) {
    throw new RangeError(`a: expected a square matrix [n, n], got [${a.shape.join(', ')}]`);
  }
  const n = a.shape[0];
  const data = a.dataSync();
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]))
      throw new RangeError(`a: expected finite values, found ${data[i]}`);
  }
  const { values, vectors } = symmetricEigenJs(data, n);
  return {
    values: tf.tensor1d(Float32Array.from(values)),
    vectors: tf.tensor2d(Float32Array.from(vectors), [n, n]),
  };
}
