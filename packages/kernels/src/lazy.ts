import type * as tf from '@tensorflow/tfjs-core';
import type { SteinKernel } from './types';

function must<F>(f: F | undefined, name: string): F {
  if (!f) throw new TypeError(`${name}: this kernel does not provide it`);
  return f;
}

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
    ksdStatistic: (x, sx, st) => must(make(x).ksdStatistic, 'ksdStatistic')(x, sx, st),
    gramMean: (x, y, off) => must(make(x).gramMean, 'gramMean')(x, y, off),
    gramMatMul: (x, y, v) => must(make(x).gramMatMul, 'gramMatMul')(x, y, v),
    withBandwidthFrom: (x) => make(x),
  };
}
