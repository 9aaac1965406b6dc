import '@steinkit/core';
import { assert2D } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { customKernel } from './autodiff';
import { checkPair, checkScore } from './check';
import { pairwiseSqDist } from './linalg';
import type { SteinKernel } from './types';

/** A row-wise feature map φ: `[n, d]` → `[n, f]` (no coupling between rows, e.g. no batch-norm in training mode). */
export type FeatureMap = (x: tf.Tensor2D) => tf.Tensor2D;

/**
 * VJP of a row-wise φ: Σ_i cot_i · ∂φ(x_i)/∂x_i, `[n, d]`. The cotangent is a
 * constant: when it is x itself (φ(x) of the identity map), a copy is used, else
 * the gradient would also flow through it (2x instead of x).
 */
function vjp(phi: FeatureMap, x: tf.Tensor2D, cot: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const c = cot === x ? tf.clone(cot) : cot;
    return tf.grad((a: tf.Tensor) => tf.sum(tf.mul(phi(a as tf.Tensor2D), c)))(x) as tf.Tensor2D;
  });
}

/** Row Jacobians J_i = ∂φ(x_i)/∂x_i as `[n, f, d]`, by f backward passes. */
function rowJacobians(phi: FeatureMap, x: tf.Tensor2D, f: number): tf.Tensor3D {
  return tf.tidy(() => {
    const n = x.shape[0];
    const rows: tf.Tensor[] = [];
    for (let c = 0; c < f; c++) {
      const cot = tf.oneHot(tf.fill([n], c, 'int32'), f) as tf.Tensor2D;
      rows.push(vjp(phi, x, cot));
    }
    return tf.stack(rows, 1) as tf.Tensor3D;
  });
}

/**
 * A base kernel on learned features, k(x, y) = κ(φ(x), φ(y)) — SteinGAN's
 * kernel is the RBF on the autoencoder's code (Section 5). `base` must be a
 * radial steinkit kernel (`rbf`, `imq`); its bandwidth heuristic is resolved on
 * φ(x). Gradients flow through φ by autodiff: `gram`, `gradX`, `gradY` cost
 * one backward pass; the SVGD repulsion Σ_j ∇_{x_j} k(x_j, x_i) (`steinTerms`)
 * needs φ's Jacobian at every x_j against n cotangents: one backward pass over
 * n² rows of φ when n ≤ f + 1 (f = feature dimension), otherwise f + 1
 * backward passes over n rows and an `[n, f, d]` Jacobian — both exact. `traceGradGrad`/`steinMatrix` use
 * the pairwise autodiff path (n² evaluations of φ): small n only.
 */
export function featureKernel(base: SteinKernel, phi: FeatureMap, name?: string): SteinKernel {
  if (typeof phi !== 'function') throw new TypeError('phi: expected a function [n, d] → [n, f]');
  const label = name ?? `feature(${base.name})`;
  const feats = (x: tf.Tensor2D, argName: string) =>
    assert2D(phi(x), `phi(${argName})`, x.shape[0]);
  /** The base kernel with its bandwidth resolved on the features of x. */
  const resolved = (fx: tf.Tensor2D): SteinKernel => {
    const k = base.withBandwidthFrom(fx);
    if (!k.radial)
      throw new TypeError(`base: expected a radial kernel (rbf, imq), got ${base.name}`);
    return k;
  };
  const make = (k: SteinKernel): SteinKernel => {
    const profile = k.radial as NonNullable<SteinKernel['radial']>;
    const kernel: SteinKernel = {
      name: label,
      bandwidth: k.bandwidth,
      gram(x, y) {
        checkPair(x, y);
        return tf.tidy(() => k.gram(feats(x, 'x'), y ? feats(y, 'y') : undefined));
      },
      gradX(x, y, w) {
        const yy = checkPair(x, y, w);
        return tf.tidy(() => {
          const fx = feats(x, 'x');
          return vjp(phi, x, k.gradX(fx, y === undefined ? fx : feats(yy, 'y'), w));
        });
      },
      gradY(x, y, w) {
        const yy = checkPair(x, y, w);
        return tf.tidy(() => vjp(phi, yy, k.gradY(feats(x, 'x'), feats(yy, 'y'), w)));
      },
      steinTerms(x) {
        checkPair(x);
        return tf.tidy(() => {
          const [n, d] = x.shape;
          const fx = feats(x, 'x');
          const f = fx.shape[1];
          const dist = pairwiseSqDist(fx);
          const gram = profile.f(dist);
          const f1 = profile.d1(dist, gram); // symmetric
          // R_i = Σ_j J_jᵀ ∇_1κ(φ_j, φ_i) = 2 Σ_j F'_ji J_jᵀ(φ_j − φ_i): a VJP of φ at
          // every x_j with n cotangents, one per i. Two exact routes; the cheaper runs.
          if (n <= f + 1) {
            // n² rows through φ, one backward pass: row j·n + i is x_j with
            // cotangent c_ji = 2 F'_ji (φ_j − φ_i); summing the VJPs over j gives R_i.
            const rows = tf.reshape(tf.tile(tf.expandDims(tf.range(0, n, 1, 'int32'), 1), [1, n]), [
              n * n,
            ]);
            const z = tf.gather(x, rows) as tf.Tensor2D; // row j·n + i = x_j
            const diff = tf.sub(tf.expandDims(fx, 1), tf.expandDims(fx, 0)); // [j, i, f] = φ_j − φ_i
            const cot = tf.reshape(tf.mul(tf.mul(2, tf.expandDims(f1, 2)), diff), [n * n, f]);
            const g = vjp(phi, z, cot as tf.Tensor2D);
            return { gram, repulsion: tf.sum(tf.reshape(g, [n, n, d]), 0) as tf.Tensor2D };
          }
          // f + 1 backward passes over n rows: the row Jacobians J_j `[n, f, d]`.
          const p = vjp(phi, x, fx); // J_jᵀ φ_j
          const jac = tf.reshape(rowJacobians(phi, x, f), [n, f * d]);
          const fj = tf.reshape(tf.matMul(f1, jac), [n, f, d]); // Σ_j F'_ij J_j
          const second = tf.sum(tf.mul(tf.expandDims(fx, 2), fj), 1); // Σ_f φ_if (Σ_j F'_ij J_j)[f, :]
          const repulsion = tf.mul(2, tf.sub(tf.matMul(f1, p), second)) as tf.Tensor2D;
          return { gram, repulsion };
        });
      },
      steinDirection(x, s) {
        checkScore(x, s);
        return tf.tidy(() => {
          const { gram, repulsion } = kernel.steinTerms(x);
          return {
            direction: tf.add(tf.matMul(gram, s), repulsion) as tf.Tensor2D,
            kernelSum: tf.sum(gram, 1, true) as tf.Tensor2D,
          };
        });
      },
      traceGradGrad: (x, y) => pairs.traceGradGrad(x, y),
      steinMatrix: (x, sx, y, sy) => pairs.steinMatrix(x, sx, y, sy),
      withBandwidthFrom: () => kernel,
      radial: undefined,
    };
    const pairs = customKernel(
      (a, b) =>
        tf.tidy(() => {
          const r2 = tf.sum(tf.square(tf.sub(phi(a), phi(b))), 1, true) as tf.Tensor2D;
          return tf.reshape(profile.f(r2), [-1]) as tf.Tensor1D;
        }),
      label,
    );
    return kernel;
  };
  if (base.bandwidth !== undefined && base.radial) return make(base);
  // heuristic base: resolve on φ(x) of each call's x, or once with withBandwidthFrom
  const fixedFor = (x: tf.Tensor2D) => {
    const fx = feats(x, 'x');
    try {
      return make(resolved(fx));
    } finally {
      fx.dispose();
    }
  };
  return {
    name: label,
    bandwidth: undefined,
    gram: (x, y) => fixedFor(x).gram(x, y),
    gradX: (x, y, w) => fixedFor(x).gradX(x, y, w),
    gradY: (x, y, w) => fixedFor(x).gradY(x, y, w),
    steinTerms: (x) => fixedFor(x).steinTerms(x),
    steinDirection: (x, s) => fixedFor(x).steinDirection(x, s),
    traceGradGrad: (x, y) => fixedFor(x).traceGradGrad(x, y),
    steinMatrix: (x, sx, y, sy) => fixedFor(x).steinMatrix(x, sx, y, sy),
    withBandwidthFrom: (x) => fixedFor(x),
  };
}
