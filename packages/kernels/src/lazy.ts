import type * as tf from '@tensorflow/tfjs-core';
import type { SteinKernel } from './types';

/**
 * A kernel whose bandwidth heuristic is resolved on the first argument `x` of
 * every call (`make(x)` builds the fixed kernel). Prefer `withBandwidthFrom(x)`
 * once per step: it resolves once and exposes the value as `bandwidth`.
 */
export function lazyKernel(name: string, make: (x: tf.Tensor2D) => SteinKernel): SteinKernel {
  return {
    name,
    bandwidth: undefined,
    gram: (x, y) => make(x).gram(x, y),
    gradX: (x, y, w) => make(x).gradX(x, y, w),
    gradY: (x, y, w) => make(x).gradY(x, y, w),
    steinTerms: (x) => make(x).steinTerms(x),
    steinDirection: (x, s) => make(x).steinDirection(x, s),
    traceGradGrad: (x, y) => make(x).traceGradGrad(x, y),
    steinMatrix: (x, sx, y, sy) => make(x).steinMatrix(x, sx, y, sy),
    withBandwidthFrom: (x) => make(x),
  };
}
