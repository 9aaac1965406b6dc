import * as tf from '@tensorflow/tfjs-core';
import {
  type Bandwidth,
  describeBandwidth,
  resolveBandwidth,
  validateBandwidth,
} from './bandwidth';
import { lazyKernel } from './lazy';
import { negScaledSqDist } from './linalg';
import { radialKernel } from './radial';
import type { SteinKernel } from './types';

export interface RbfOptions {
  /** h in exp(−‖x − y‖²/h²): a number > 0 or a median heuristic (default `{ kind: 'median' }`). */
  bandwidth?: Bandwidth;
}

function fixedRbf(h: number): SteinKernel {
  const a = 1 / (h * h);
  return radialKernel(
    `rbf(h=${Number(h.toPrecision(4))})`,
    {
      f: (d) => tf.exp(tf.mul(-a, d)) as tf.Tensor2D,
      gram: (x, y) => tf.exp(negScaledSqDist(x, y, a)) as tf.Tensor2D,
      d1: (_d, k) => tf.mul(-a, k) as tf.Tensor2D,
      d2: (_d, k) => tf.mul(a * a, k) as tf.Tensor2D,
      // Σ_j K_ij s_j + (2/h²)(x_i Σ_j K_ij − Σ_j K_ij x_j) = K·(s − (2/h²)x) + (2/h²) x∘rowsum(K)
      // the row sums ride along as an extra column of the same matmul
      fusedDirection: (k, x, s) => {
        const d = x.shape[1];
        const m = tf.matMul(
          k,
          tf.concat([tf.sub(s, tf.mul(2 * a, x)), tf.ones([x.shape[0], 1])], 1),
        );
        const kernelSum = tf.slice(m, [0, d], [-1, 1]) as tf.Tensor2D;
        const direction = tf.add(
          tf.slice(m, [0, 0], [-1, d]),
          tf.mul(2 * a, tf.mul(x, kernelSum)),
        ) as tf.Tensor2D;
        return { direction, kernelSum };
      },
      fused: { kind: 'rbf', a },
    },
    { bandwidth: h },
  );
}

/**
 * The RBF (Gaussian) kernel of the SteinGAN paper, k(x, y) = exp(−‖x − y‖² / h²).
 * Note the convention: h² (not 2h²) in the denominator. A heuristic bandwidth
 * is resolved by `withBandwidthFrom(x)` (or on each call's x).
 */
export function rbf(opts: RbfOptions = {}): SteinKernel {
  const bandwidth = opts.bandwidth ?? { kind: 'median' };
  validateBandwidth(bandwidth);
  if (typeof bandwidth === 'number') return fixedRbf(bandwidth);
  return lazyKernel(`rbf(${describeBandwidth(bandwidth)})`, (x) =>
    fixedRbf(resolveBandwidth(bandwidth, x)),
  );
}
