import type * as tf from '@tensorflow/tfjs-core';

/**
 * RangeError naming x when a score estimator's Gram matrix or kernel
 * gradients overflowed float32 (shared by the Stein gradient estimator and
 * SSGE fits; internal).
 */
export function assertSolvable(gram: tf.Tensor2D, grad: tf.Tensor2D): void {
  for (const [t, what] of [
    [gram, 'the Gram matrix'],
    [grad, 'the kernel gradients'],
  ] as const) {
    const v = t.dataSync();
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i])) {
        throw new RangeError(
          `x: ${what} of x hold ${v[i]}: x is too large for float32 at this bandwidth (rescale it)`,
        );
      }
    }
  }
}
