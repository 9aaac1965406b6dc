import { resolveBandwidth } from '@steinkit/kernels';
import type * as tf from '@tensorflow/tfjs-core';

/** h = median pairwise distance (self-pairs excluded; the kernels package's `{ kind: 'median' }`). */
export function medianBandwidth(x: tf.Tensor2D): number {
  return resolveBandwidth({ kind: 'median' }, x);
}
