import { assertShape, luFactor, luInverse, luLogAbsDet } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * log|det W| for the ICA model: tfjs has no LU or determinant, so it runs on
 * core's float64 LU (O(D³) on a D×D matrix, D ≤ a few hundred, once per
 * evaluation, never per particle).
 */

/**
 * log|det W| of a square tensor, differentiable: d log|det W| / dW = W⁻ᵀ
 * (Jacobi's formula). Forward and backward run in float64 JS on the LU
 * factorization, so the value is exact to float64 before rounding and never
 * overflows (D = 200 with entries of size 1 has |det| ≈ 10^180).
 * A singular W gives a RangeError, not −Infinity.
 */
export function logAbsDet(w: tf.Tensor2D): tf.Scalar {
  assertShape(w, 'w', [null, w.shape[0]]);
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const x = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    const d = x.shape[0];
    const f = luFactor(x.dataSync(), d);
    if (f.singular) throw new RangeError('w: matrix is singular; log|det w| = −∞');
    const { logAbsDet: v } = luLogAbsDet(f);
    const inv = luInverse(f);
    const invT = new Float32Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) invT[i * d + j] = inv[j * d + i];
    save([tf.tensor2d(invT, [d, d])]);
    return {
      value: tf.scalar(v),
      gradFunc: (dy: tf.Scalar, saved: tf.Tensor[]) => tf.mul(dy, saved[0]),
    };
  });
  return op(w) as tf.Scalar;
}
