import * as tf from '@tensorflow/tfjs-core';
import {
  type Bandwidth,
  describeBandwidth,
  resolveBandwidth,
  validateBandwidth,
} from './bandwidth';
import { lazyKernel } from './lazy';
import { radialKernel } from './radial';
import type { SteinKernel } from './types';

export interface ImqOptions {
  /** c > 0 in (c² + ‖x − y‖²)^β; a number (default 1) or a median heuristic (c = the resolved h). */
  c?: Bandwidth;
  /** β ∈ (−1, 0) (default −½, the inverse multiquadric of Gorham & Mackey 2017). */
  beta?: number;
}

function fixedImq(c: number, beta: number): SteinKernel {
  const c2 = c * c;
  return radialKernel(
    `imq(c=${Number(c.toPrecision(4))}, beta=${beta})`,
    {
      f: (d) => tf.pow(tf.add(c2, d), beta),
      // f' = β f / (c² + r²), f'' = β(β − 1) f / (c² + r²)²
      d1: (d, k) => tf.div(tf.mul(beta, k), tf.add(c2, d)),
      d2: (d, k) => tf.div(tf.mul(beta * (beta - 1), k), tf.square(tf.add(c2, d))),
      fused: { kind: 'imq', c2, beta },
    },
    { bandwidth: c },
  );
}

/**
 * The inverse multiquadric kernel k(x, y) = (c² + ‖x − y‖²)^β, β ∈ (−1, 0);
 * its KSD detects non-convergence (Gorham & Mackey 2017).
 */
export function imq(opts: ImqOptions = {}): SteinKernel {
  const { c = 1, beta = -0.5 } = opts;
  validateBandwidth(c, 'c');
  if (!(Number.isFinite(beta) && beta < 0 && beta > -1)) {
    throw new RangeError(`beta: expected a number in (−1, 0), got ${beta}`);
  }
  if (typeof c === 'number') return fixedImq(c, beta);
  return lazyKernel(`imq(c=${describeBandwidth(c)}, beta=${beta})`, (x) =>
    fixedImq(resolveBandwidth(c, x), beta),
  );
}
