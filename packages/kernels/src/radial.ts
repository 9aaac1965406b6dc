import { assert2D, assertMemory, pairwiseBytes } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { checkPair, checkScore, checkSteinArgs } from './check';
import { useFused } from './fused/dispatch';
import {
  type FusedSpec,
  fusedGradX,
  fusedGram,
  fusedGramMatMul,
  fusedKsdSums,
  fusedPairSum,
  fusedRepulsion,
  fusedSvgd,
} from './fused/engine';
import { float32Data } from './fused/guard';
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
  /**
   * Optional: the profile as the fused pairwise engine knows it (RBF
   * exp(−a r²), IMQ (c² + r²)^β). With it, `radialKernel` runs the methods
   * that reduce over pairs tiled in WASM SIMD (see fused/dispatch.ts).
   */
  fused?: FusedSpec;
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
  const spec = profile.fused;
  /** The fused engine runs this call (a spec, the backend and no gradient tape; fused/dispatch.ts). */
  const fused = (): FusedSpec | null => (spec && useFused() ? spec : null);
  const out2d = (v: Float32Array, r: number, c: number) => tf.tensor2d(v, [r, c], 'float32');

  const gram = (x: tf.Tensor2D, y?: tf.Tensor2D): tf.Tensor2D => {
    checkPair(x, y);
    guard('gram', x, y);
    const f = fused();
    if (f) {
      const [n, d] = x.shape;
      const m = (y ?? x).shape[0];
      const v = fusedGram(float32Data(x), n, d, f, y ? float32Data(y) : undefined, m);
      return out2d(v, n, m);
    }
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
      const f = w ? null : fused();
      if (f) {
        const [n, d] = x.shape;
        const m = yy.shape[0];
        return out2d(fusedGradX(float32Data(x), n, float32Data(yy), m, d, f), n, d);
      }
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
      const f = w ? null : fused();
      if (f) {
        const [n, d] = x.shape;
        const m = yy.shape[0];
        // Σ_i ∇_y k(x_i, y_j) = Σ_i 2f'(r²)(y_j − x_i): gradX with the roles swapped
        return out2d(fusedGradX(float32Data(yy), m, float32Data(x), n, d, f), m, d);
      }
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
      const f = fused();
      if (f) {
        const [n, d] = x.shape;
        const data = float32Data(x);
        guard('gram', x); // the n×n Gram matrix it returns
        return {
          gram: out2d(fusedGram(data, n, d, f), n, n),
          repulsion: out2d(fusedRepulsion(data, n, d, f), n, d),
        };
      }
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
      const f = fused();
      if (f) {
        const [n, d] = x.shape;
        const r = fusedSvgd(float32Data(x), float32Data(s), n, d, f);
        return { direction: out2d(r.direction, n, d), kernelSum: out2d(r.kernelSum, n, 1) };
      }
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
    ksdStatistic(x, sx, statistic = 'u') {
      checkPair(x);
      checkScore(x, sx, 'sx');
      const n = x.shape[0];
      if (statistic !== 'u' && statistic !== 'v') {
        throw new TypeError(`statistic: expected 'u' or 'v', got ${String(statistic)}`);
      }
      if (statistic === 'u' && n < 2) {
        throw new RangeError(`x: the U-statistic needs n ≥ 2 points, got ${n}`);
      }
      const f = fused();
      if (f) {
        const r = fusedKsdSums(float32Data(x), float32Data(sx), n, x.shape[1], f);
        const v =
          statistic === 'u'
            ? r.offDiagonal / (n * (n - 1))
            : (r.offDiagonal + r.diagonal) / (n * n);
        return tf.scalar(v, 'float32');
      }
      return tf.tidy(() => {
        const u = kernel.steinMatrix(x, sx);
        if (statistic === 'v') return tf.mean(u) as tf.Scalar;
        return tf.div(tf.sub(tf.sum(u), tf.sum(tf.mul(u, tf.eye(n)))), n * (n - 1)) as tf.Scalar;
      });
    },
    gramMean(x, y, offDiagonal = false) {
      checkPair(x, y);
      const n = x.shape[0];
      if (!y && offDiagonal && n < 2) {
        throw new RangeError(`x: the off-diagonal mean needs n ≥ 2 points, got ${n}`);
      }
      const f = fused();
      if (f) {
        const d = x.shape[1];
        if (y) {
          const m = y.shape[0];
          const r = fusedPairSum(float32Data(x), n, d, f, float32Data(y), m);
          return tf.scalar(r.offDiagonal / (n * m), 'float32');
        }
        const r = fusedPairSum(float32Data(x), n, d, f);
        const v = offDiagonal
          ? r.offDiagonal / (n * (n - 1))
          : (r.offDiagonal + r.diagonal) / (n * n);
        return tf.scalar(v, 'float32');
      }
      return tf.tidy(() => {
        const k = gram(x, y);
        if (y || !offDiagonal) return tf.mean(k) as tf.Scalar;
        return tf.div(tf.sub(tf.sum(k), tf.sum(tf.mul(k, tf.eye(n)))), n * (n - 1)) as tf.Scalar;
      });
    },
    gramMatMul(x, y, v) {
      const yy = checkPair(x, y);
      assert2D(v, 'v', yy.shape[0]);
      const f = fused();
      if (f) {
        const [n, d] = x.shape;
        const m = yy.shape[0];
        const p = v.shape[1];
        return out2d(
          fusedGramMatMul(float32Data(x), n, float32Data(yy), m, d, float32Data(v), p, f),
          n,
          p,
        );
      }
      return tf.tidy(() => tf.matMul(gram(x, y), v) as tf.Tensor2D);
    },
  };
  return kernel;
}
