import * as tf from '@tensorflow/tfjs-core';

/**
 * Labels as a float one-hot `[n, K]`: accepts int labels `[n]` (0..K−1) or a
 * one-hot / soft-label matrix `[n, K]`. Throws naming `name` on a bad shape.
 */
export function toOneHot(y: tf.Tensor, n: number, numClasses: number, name = 'y'): tf.Tensor2D {
  if (y == null || !Array.isArray(y.shape)) {
    throw new TypeError(
      `${name}: expected labels [${n}] or one-hot [${n}, ${numClasses}], got ${String(y)}`,
    );
  }
  if (y.rank === 1 && y.shape[0] === n) {
    return tf.tidy(
      () => tf.cast(tf.oneHot(tf.cast(y, 'int32'), numClasses), 'float32') as tf.Tensor2D,
    );
  }
  if (y.rank === 2 && y.shape[0] === n && y.shape[1] === numClasses) {
    return tf.cast(y, 'float32') as tf.Tensor2D;
  }
  throw new RangeError(
    `${name}: expected labels [${n}] or one-hot [${n}, ${numClasses}], got [${y.shape.join(', ')}]`,
  );
}
