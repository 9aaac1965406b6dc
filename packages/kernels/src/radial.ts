import { assertMemory, pairwiseBytes } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { checkPair, checkScore, checkSteinArgs } from './check';
import { matMulT, pairwiseSqDist } from './linalg';
import type { SteinKernel } from './types';

/**
 * A radial profile k(x, y) = f(r²), r² = ‖x − y‖². Given D = r² and K = f(D),
 * `d1` returns f'(D) and `d2` f''(D), element-wise.
 */
export interface RadialProfile {
  f(d: tf.Tensor2D): tf.Tensor2D;
  d1(d: tf.Tensor2D, k: tf.Tensor2D): tf.Tensor2D;
  d2(d: tf.Tensor2D, k: tf.Tensor2D): tf.Tensor2D;
  /** Optional: the Gram matrix straight from the points (RBF: exp of one augmented matmul). */
  gram?(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D;
  /**
   * Optional fused SVGD sum: given K and x, s returns K·s + repulsion. RBF
   * uses K·(s − (2/h²)x) + (2/h²)·x∘rowsum(K): a single n×n matmul.
   */
  fusedDirection?(
    k: tf.Tensor2D,
    x: tf.Tensor2D,
    s: tf.Tensor2D,
  ): { direction: tf.Tensor2D; kernelSum: tf.Tensor2D };
}

type Method =
  | 'gram'
  | 'gradX'
  | 'gradY'
  | 'steinTerms'
  | 'steinDirection'
  | 'traceGradGrad'
  | 'steinMatrix';

/**
 * Peak n×m float32 matrices alive at once in each composite method (measured
 * with tf.profile, rounded up): RBF (the profile with a `gram` fast path) and
 * the generic profile (IMQ).
 */
const PEAK_COPIES: Record<Method, [fast: number, generic: number]> = {
  gram: [3, 10],
  gradX: [10, 15],
  gradY: [10, 16],
  steinTerms: [7, 12],
  steinDirection: [5, 13],
  traceGradGrad: [12, 21],
  steinMatrix: [22, 31],
};

/** Builds the closed-form SteinKernel of a radial profile (no n×m×d tensors). */
export function radialKernel(
  name: string,
  profile: RadialProfile,
  extra: Partial<Pick<SteinKernel, 'bandwidth'>> = {},
): SteinKernel {
  /** Refuses (RangeError naming n, m, d and bytes) what would overflow the backend. */
  const guard = (method: Method, x: tf.Tensor2D, y?: tf.Tensor2D): void => {
    const n = x.shape[0];
    const m = (y ?? x).shape[0];
    const d = x.shape[1];
    const copies = PEAK_COPIES[method][profile.gram ? 0 : 1];
    assertMemory({
      op: `${name}.${method}`,
      n,
      m: y === undefined ? undefined : m,
      d,
      bytes: pairwiseBytes(n, m, d, copies),
      largest: 4 * n * m,
    });
  };
  const gram = (x: tf.Tensor2D, y?: tf.Tensor2D): tf.Tensor2D => {
    checkPair(x, y);
    guard('gram', x, y);
    return tf.tidy(() =>
      profile.gram ? profile.gram(x, y ?? x) : profile.f(pairwiseSqDist(x, y)),
    );
  };
  /** 2·[x ∘ rowsum(M) − M·y]: Σ_j M_ij · 2(x_i − y_j). */
  const weightedDiff = (m: tf.Tensor2D, x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D =>
    tf.mul(2, tf.sub(tf.mul(x, tf.sum(m, 1, true)), tf.matMul(m, y))) as tf.Tensor2D;

  const kernel: SteinKernel = {
    name,
    ...extra,
    radial: profile,
    withBandwidthFrom(x) {
      checkPair(x);
      return kernel;
    },
    gram,
    gradX(x, y, w) {
      const yy = checkPair(x, y, w);
      guard('gradX', x, y);
      return tf.tidy(() => {
        const d = pairwiseSqDist(x, y);
        let m = profile.d1(d, profile.f(d));
        if (w) m = tf.mul(m, w);
        // ∇ₓ k(x_i, y_j) = 2 f'(r²)(x_i − y_j)
        return weightedDiff(m, x, yy);
      });
    },
    gradY(x, y, w) {
      const yy = checkPair(x, y, w);
      guard('gradY', x, y);
      return tf.tidy(() => {
        const d = pairwiseSqDist(x, y);
        let m = profile.d1(d, profile.f(d));
        if (w) m = tf.mul(m, w);
        // ∇_y k(x_i, y_j) = 2 f'(r²)(y_j − x_i); sum over i
        return weightedDiff(tf.transpose(m), yy, x);
      });
    },
    steinTerms(x) {
      checkPair(x);
      guard('steinTerms', x);
      return tf.tidy(() => {
        const d = pairwiseSqDist(x);
        const k = profile.f(d);
        // R_i = Σ_j ∇_{x_j} k(x_j, x_i) = Σ_j 2 f'(D_ji)(x_j − x_i)
        const repulsion = tf.neg(weightedDiff(profile.d1(d, k), x, x)) as tf.Tensor2D;
        return { gram: k, repulsion };
      });
    },
    steinDirection(x, s) {
      checkPair(x);
      checkScore(x, s);
      guard('steinDirection', x);
      return tf.tidy(() => {
        if (profile.fusedDirection) {
          return profile.fusedDirection(gram(x), x, s);
        }
        const d = pairwiseSqDist(x);
        const k = profile.f(d);
        const direction = tf.sub(
          tf.matMul(k, s),
          weightedDiff(profile.d1(d, k), x, x),
        ) as tf.Tensor2D;
        return { direction, kernelSum: tf.sum(k, 1, true) as tf.Tensor2D };
      });
    },
    traceGradGrad(x, y) {
      checkPair(x, y);
      guard('traceGradGrad', x, y);
      return tf.tidy(() => {
        const d = pairwiseSqDist(x, y);
        const k = profile.f(d);
        // tr ∇ₓ∇_y f(‖x − y‖²) = −4 f''(r²) r² − 2 d f'(r²)
        return tf.sub(
          tf.mul(-4, tf.mul(profile.d2(d, k), d)),
          tf.mul(2 * x.shape[1], profile.d1(d, k)),
        ) as tf.Tensor2D;
      });
    },
    steinMatrix(x, sx, y, sy) {
      const { yy, syy } = checkSteinArgs(x, sx, y, sy);
      guard('steinMatrix', x, y);
      return tf.tidy(() => {
        const dim = x.shape[1];
        const d = pairwiseSqDist(x, y);
        const k = profile.f(d);
        const f1 = profile.d1(d, k);
        const f2 = profile.d2(d, k);
        // s(x)ᵀ∇_y k + s(y)ᵀ∇ₓ k = 2 f'(r²)·[sx_i·y_j + x_i·sy_j − sx_i·x_i − sy_j·y_j]
        const cross = matMulT(
          tf.concat([sx, x], 1) as tf.Tensor2D,
          tf.concat([yy, syy], 1) as tf.Tensor2D,
        );
        const a = tf.sum(tf.mul(sx, x), 1, true);
        const b = tf.reshape(tf.sum(tf.mul(syy, yy), 1), [1, -1]);
        const mixed = tf.mul(tf.mul(2, f1), tf.sub(tf.sub(cross, a), b));
        const ss = tf.mul(matMulT(sx, syy), k);
        const tr = tf.sub(tf.mul(-4, tf.mul(f2, d)), tf.mul(2 * dim, f1));
        return tf.add(tf.add(ss, mixed), tr) as tf.Tensor2D;
      });
    },
  };
  return kernel;
}
