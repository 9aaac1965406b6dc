import { assert2D, assertMemory, pairwiseBytes } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { useFused } from './fused/dispatch';
import { fusedPairSum } from './fused/engine';
import { float32Data } from './fused/guard';
import { pairwiseSqDist } from './linalg';

/**
 * The mean Euclidean distance ‖x_i − y_j‖ over all pairs of x `[n, d]` and
 * y `[m, d]`, or with y omitted over the pairs of x — i ≠ j with
 * `offDiagonal` (n ≥ 2), else all n² (zeros on the diagonal). The energy
 * distance's terms. Tiled and fused (O(n·d) memory) where the fused engine
 * runs, otherwise from the n×m distance matrix. A scalar.
 */
export function meanPairwiseDistance(
  x: tf.Tensor2D,
  y?: tf.Tensor2D,
  opts: { offDiagonal?: boolean } = {},
): tf.Scalar {
  assert2D(x, 'x');
  if (y !== undefined) assert2D(y, 'y', null, x.shape[1]);
  const [n, d] = x.shape;
  const off = opts.offDiagonal ?? false;
  if (!y && off && n < 2) {
    throw new RangeError(`x: the off-diagonal mean needs n ≥ 2 points, got ${n}`);
  }
  if (useFused()) {
    if (y) {
      const m = y.shape[0];
      const r = fusedPairSum(float32Data(x), n, d, 'dist', float32Data(y), m);
      return tf.scalar(r.offDiagonal / (n * m), 'float32');
    }
    const r = fusedPairSum(float32Data(x), n, d, 'dist');
    return tf.scalar(r.offDiagonal / (off ? n * (n - 1) : n * n), 'float32');
  }
  const m = (y ?? x).shape[0];
  assertMemory({
    op: 'meanPairwiseDistance',
    n,
    m: y ? m : undefined,
    d,
    bytes: pairwiseBytes(n, m, d, 8),
    largest: 4 * n * m,
  });
  return tf.tidy(() => {
    const dist = tf.sqrt(pairwiseSqDist(x, y));
    if (y || !off) return tf.mean(dist) as tf.Scalar;
    return tf.div(tf.sum(dist), n * (n - 1)) as tf.Scalar; // the diagonal is exactly 0
  });
}
