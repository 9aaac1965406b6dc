import { choleskyFactor, choleskySolveFactored } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * a·bᵀ with an explicit transpose: on the wasm backend `matMul(a, b, false, true)`
 * runs a much slower path than transposing first.
 */
export function matMulT(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.matMul(a, tf.transpose(b)));
}

/** aᵀ·b with an explicit transpose (see {@link matMulT}). */
export function matMulTA(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.matMul(tf.transpose(a), b));
}

/** Row-wise squared norms ‖x_i‖², `[n, d]` → `[n, 1]`. */
export function rowSqNorms(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.sum(tf.square(x), 1, true) as tf.Tensor2D);
}

/**
 * Pairwise squared Euclidean distances D[i, j] = ‖x_i − y_j‖², `[n, m]`,
 * computed as ‖x_i‖² + ‖y_j‖² − 2 x_i·y_j in a single matmul of augmented
 * matrices [−2x, ‖x‖², 1]·[y, 1, ‖y‖²]ᵀ, clamped at 0 against round-off. y
 * defaults to x; the diagonal is then exactly 0.
 */
export function pairwiseSqDist(x: tf.Tensor2D, y?: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const d = tf.relu(scaledSqDistMatMul(x, y ?? x, -2, 1)) as tf.Tensor2D;
    if (y !== undefined && y !== x) return d;
    return tf.mul(d, tf.sub(1, tf.eye(x.shape[0]))) as tf.Tensor2D; // exact zero diagonal
  });
}

/**
 * −a·‖x_i − y_j‖² clamped at ≤ 0, `[n, m]`, in one matmul of augmented
 * matrices (the RBF exponent): [2a·x, −a‖x‖², 1]·[y, 1, −a‖y‖²]ᵀ.
 */
export function negScaledSqDist(x: tf.Tensor2D, y: tf.Tensor2D, a: number): tf.Tensor2D {
  return tf.tidy(() => tf.minimum(scaledSqDistMatMul(x, y, 2 * a, -a), 0) as tf.Tensor2D);
}

/** c·x·yᵀ + e·(‖x_i‖² + ‖y_j‖²) by one matmul of [c·x, e‖x‖², 1] and [y, 1, e‖y‖²]. */
function scaledSqDistMatMul(x: tf.Tensor2D, y: tf.Tensor2D, c: number, e: number): tf.Tensor2D {
  return tf.tidy(() => {
    const xn = rowSqNorms(x);
    const yn = y === x ? xn : rowSqNorms(y);
    const ones = (t: tf.Tensor2D) => tf.ones([t.shape[0], 1]);
    const xa = tf.concat([tf.mul(c, x), tf.mul(e, xn), ones(x)], 1) as tf.Tensor2D;
    const ya = tf.concat([y, ones(y), tf.mul(e, yn)], 1) as tf.Tensor2D;
    return matMulT(xa, ya);
  });
}

/**
 * Solves A·X = B for a symmetric positive-definite A (`[n, n]`) by a Cholesky
 * factorization (in float64 JS: O(n³) on one small matrix, not a per-particle
 * loop), B `[n, k]` (or `[n]`). `jitter` is added to the diagonal; when the
 * factorization meets a non-positive pivot the jitter is raised ×10 up to 6
 * times before a RangeError (core's `choleskyFactor` / `choleskySolveFactored`). Returns a new tensor shaped like B.
 */
export function choleskySolve(a: tf.Tensor2D, b: tf.Tensor, jitter = 0): tf.Tensor {
  if (a.rank !== 2 || a.shape[0] !== a.shape[1]) {
    throw new RangeError(`a: expected a square matrix [n, n], got [${a.shape.join(', ')}]`);
  }
  const n = a.shape[0];
  if ((b.rank !== 1 && b.rank !== 2) || b.shape[0] !== n) {
    throw new RangeError(`b: expected shape [${n}, k] or [${n}], got [${b.shape.join(', ')}]`);
  }
  if (!(Number.isFinite(jitter) && jitter >= 0)) {
    throw new RangeError(`jitter: expected a finite number ≥ 0, got ${jitter}`);
  }
  const k = b.rank === 1 ? 1 : (b.shape[1] as number);
  const A = Float64Array.from(a.dataSync());
  const B = Float64Array.from(b.dataSync());
  for (let i = 0; i < A.length; i++) {
    if (!Number.isFinite(A[i])) throw new RangeError(`a: expected finite values, found ${A[i]}`);
  }
  const L = choleskyFactor(A, n, jitter);
  const X = choleskySolveFactored(L, n, B, k);
  return tf.tensor(Float32Array.from(X), b.shape, 'float32');
}
