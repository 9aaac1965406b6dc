import { symmetricEigen as jacobiEigen } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations in
 * float64 JS (core's `symmetricEigen`; O(n³) per sweep, fine for the n ≤ a few
 * hundred Gram matrices of score estimators). `a` is row-major n×n (only its
 * symmetric part is used). Returns eigenvalues in descending order and the
 * matching unit eigenvectors as the columns of a row-major n×n matrix.
 */
export function symmetricEigenJs(
  a: ArrayLike<number>,
  n: number,
  maxSweeps = 60,
): { values: Float64Array; vectors: Float64Array } {
  const asc = jacobiEigen(a, n, maxSweeps);
  const values = Float64Array.from(asc.values).reverse();
  const vectors = new Float64Array(n * n);
  for (let r = 0; r < n; r++)
    for (let c = 0; c < n; c++) vectors[r * n + c] = asc.vectors[r * n + (n - 1 - c)];
  return { values, vectors };
}

/** Tensor wrapper of {@link symmetricEigenJs} (named apart from core's array-in, ascending `symmetricEigen`): values `[n]` (descending), vectors `[n, n]` (columns). */
export function symmetricEigenTensor(a: tf.Tensor2D): {
  values: tf.Tensor1D;
  vectors: tf.Tensor2D;
} {
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
