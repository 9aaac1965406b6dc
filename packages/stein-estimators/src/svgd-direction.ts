import { assert2D, assertFloat, assertPoints, type Kernel, type ScoreFn } from '@steinkit/core';
import { asSteinKernel } from '@steinkit/kernels';
import * as tf from '@tensorflow/tfjs-core';

export interface SvgdDirectionOptions {
  /**
   * `'n'` (default): Δx_i = (1/n) Σ_j [...], eq. (7). `'kernelSum'`: divide by
   * Σ_j k(x_j, x_i) instead, as the SteinGAN code does.
   */
  normalize?: 'n' | 'kernelSum';
}

/**
 * The Stein variational gradient, eq. (7) of the SteinGAN paper (Liu & Wang 2016):
 * Δx_i = (1/n) Σ_j [k(x_j, x_i) ∇log p(x_j) + ∇_{x_j} k(x_j, x_i)], `[n, d]`.
 * `score` is ∇log p as a function or as an already-evaluated `[n, d]` tensor.
 * A heuristic bandwidth is resolved on x. Closed form (one n×n matmul for RBF)
 * for steinkit kernels; other kernels go through autodiff.
 */
export function svgdDirection(
  x: tf.Tensor2D,
  score: ScoreFn | tf.Tensor2D,
  kernel: Kernel,
  opts: SvgdDirectionOptions = {},
): tf.Tensor2D {
  assertPoints(x, 'x');
  const { normalize = 'n' } = opts ?? {};
  if (normalize !== 'n' && normalize !== 'kernelSum') {
    throw new TypeError(`normalize: expected 'n' or 'kernelSum', got ${String(normalize)}`);
  }
  const k = asSteinKernel(kernel);
  return tf.tidy(() => {
    const s = typeof score === 'function' ? score(x) : score;
    assert2D(s, 'score(x)', x.shape[0], x.shape[1]);
    assertFloat(s, 'score(x)');
    const fixed = k.withBandwidthFrom(x);
    const { direction, kernelSum } = fixed.steinDirection(x, s);
    return (
      normalize === 'n' ? tf.div(direction, x.shape[0]) : tf.div(direction, kernelSum)
    ) as tf.Tensor2D;
  });
}
