import '@steinkit/core';
import type { Kernel } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { checkPair, checkScore, checkSteinArgs } from './check';
import type { SteinKernel } from './types';

/**
 * A kernel evaluated on paired rows: `fn(x, y)` with x, y `[P, d]` returns
 * `[P]`, k(x_r, y_r) for each row r. Must be built from differentiable tfjs ops.
 */
export type PairKernelFn = (x: tf.Tensor2D, y: tf.Tensor2D) => tf.Tensor1D;

/** All n·m pairs as rows: X_r = x_i, Y_r = y_j for r = i·m + j. */
export function pairRows(x: tf.Tensor2D, y: tf.Tensor2D): { xr: tf.Tensor2D; yr: tf.Tensor2D } {
  return tf.tidy(() => {
    const [n, d] = x.shape;
    const m = y.shape[0];
    const xr = tf.reshape(tf.tile(tf.expandDims(x, 1), [1, m, 1]), [n * m, d]) as tf.Tensor2D;
    const yr = tf.tile(y, [n, 1]) as tf.Tensor2D;
    return { xr, yr };
  });
}

/** Step of the central difference used for the trace term of autodiff kernels. */
const TRACE_EPS = 5e-3;

function checkFnOut(k: tf.Tensor, p: number): tf.Tensor1D {
  if (k.rank !== 1 || k.shape[0] !== p) {
    throw new RangeError(`kernel fn: expected output shape [${p}], got [${k.shape.join(', ')}]`);
  }
  return k as tf.Tensor1D;
}

/**
 * Any kernel given as a paired-row tfjs function, with every Stein piece by
 * autodiff (`tf.grad`). The KSD trace term tr(∇ₓ∇_y k) is a central difference
 * (ε = 5e-3) of the autodiff ∇ₓk, because tfjs's second-order gradients are
 * unreliable (through `exp`, whose gradient reuses its output, they are lost). It
 * materializes the n·m pairs — O(n·m·d) memory — so use it for small n or
 * prototyping; `rbf`/`imq` have closed forms.
 */
export function customKernel(fn: PairKernelFn, name = 'custom'): SteinKernel {
  if (typeof fn !== 'function')
    throw new TypeError(`fn: expected a function (x, y) => [P], got ${typeof fn}`);
  const rowK = (xr: tf.Tensor2D, yr: tf.Tensor2D) => checkFnOut(fn(xr, yr), xr.shape[0]);
  /** ∇ₓ k and ∇_y k per pair, `[n·m, d]` each, plus the pair rows and k. */
  const pairGrads = (x: tf.Tensor2D, y: tf.Tensor2D) => {
    const { xr, yr } = pairRows(x, y);
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(rowK(a as tf.Tensor2D, b as tf.Tensor2D)),
    );
    const [gx, gy] = g([xr, yr]) as tf.Tensor2D[];
    return { xr, yr, gx, gy };
  };
  const kernel: SteinKernel = {
    name,
    gram(x, y) {
      const yy = checkPair(x, y);
      return tf.tidy(() => {
        const { xr, yr } = pairRows(x, yy);
        return tf.reshape(rowK(xr, yr), [x.shape[0], yy.shape[0]]) as tf.Tensor2D;
      });
    },
    gradX(x, y, w) {
      const yy = checkPair(x, y, w);
      return tf.tidy(() => {
        const [n, d] = x.shape;
        const { gx } = pairGrads(x, yy);
        const g3 = tf.reshape(gx, [n, yy.shape[0], d]);
        const wg = w ? tf.mul(g3, tf.expandDims(w, 2)) : g3;
        return tf.sum(wg, 1) as tf.Tensor2D;
      });
    },
    gradY(x, y, w) {
      const yy = checkPair(x, y, w);
      return tf.tidy(() => {
        const [n, d] = x.shape;
        const { gy } = pairGrads(x, yy);
        const g3 = tf.reshape(gy, [n, yy.shape[0], d]);
        const wg = w ? tf.mul(g3, tf.expandDims(w, 2)) : g3;
        return tf.sum(wg, 0) as tf.Tensor2D;
      });
    },
    steinTerms(x) {
      checkPair(x);
      return tf.tidy(() => {
        const [n, d] = x.shape;
        const { xr, yr, gx } = pairGrads(x, x);
        const gram = tf.reshape(rowK(xr, yr), [n, n]) as tf.Tensor2D;
        // pair r = j·n + i holds ∇_{x_j} k(x_j, x_i); sum over j
        const repulsion = tf.sum(tf.reshape(gx, [n, n, d]), 0) as tf.Tensor2D;
        return { gram, repulsion };
      });
    },
    steinDirection(x, s) {
      checkScore(x, s);
      return tf.tidy(() => {
        const { gram, repulsion } = kernel.steinTerms(x);
        // Σ_j k(x_j, x_i) s_j = (Kᵀ s)_i
        const kt = tf.transpose(gram);
        return {
          direction: tf.add(tf.matMul(kt, s), repulsion) as tf.Tensor2D,
          kernelSum: tf.sum(kt, 1, true) as tf.Tensor2D,
        };
      });
    },
    traceGradGrad(x, y) {
      const yy = checkPair(x, y);
      return tf.tidy(() => {
        const [n, d] = x.shape;
        const { xr, yr } = pairRows(x, yy);
        let tr: tf.Tensor = tf.zeros([n * yy.shape[0]]);
        const gradX = tf.grad((c: tf.Tensor) => tf.sum(rowK(c as tf.Tensor2D, shifted)));
        let shifted = yr;
        for (let a = 0; a < d; a++) {
          // central difference in y_a of the autodiff ∂k/∂x_a (float32: ε = 5e-3)
          const e = tf.mul(TRACE_EPS, tf.oneHot(tf.fill([xr.shape[0]], a, 'int32'), d));
          shifted = tf.add(yr, e) as tf.Tensor2D;
          const gp = tf.slice(gradX(xr), [0, a], [-1, 1]);
          shifted = tf.sub(yr, e) as tf.Tensor2D;
          const gm = tf.slice(gradX(xr), [0, a], [-1, 1]);
          tr = tf.add(tr, tf.reshape(tf.div(tf.sub(gp, gm), 2 * TRACE_EPS), [-1]));
        }
        return tf.reshape(tr, [n, yy.shape[0]]) as tf.Tensor2D;
      });
    },
    steinMatrix(x, sx, y, sy) {
      const { yy, syy } = checkSteinArgs(x, sx, y, sy);
      return tf.tidy(() => {
        const [n] = x.shape;
        const m = yy.shape[0];
        const { xr, yr, gx, gy } = pairGrads(x, yy);
        const { xr: sxr, yr: syr } = pairRows(sx, syy);
        const k = rowK(xr, yr);
        const u = tf.addN([
          tf.mul(tf.sum(tf.mul(sxr, syr), 1), k),
          tf.sum(tf.mul(sxr, gy), 1),
          tf.sum(tf.mul(syr, gx), 1),
        ]);
        const tr = kernel.traceGradGrad(x, yy);
        return tf.add(tf.reshape(u, [n, m]), tr) as tf.Tensor2D;
      });
    },
    withBandwidthFrom(x) {
      checkPair(x);
      return kernel;
    },
  };
  return kernel;
}

function isSteinKernel(k: Kernel): k is SteinKernel {
  const s = k as Partial<SteinKernel>;
  return (
    typeof s.gradX === 'function' &&
    typeof s.gradY === 'function' &&
    typeof s.steinTerms === 'function' &&
    typeof s.steinDirection === 'function' &&
    typeof s.traceGradGrad === 'function' &&
    typeof s.steinMatrix === 'function'
  );
}

/**
 * A SteinKernel for any core `Kernel`: steinkit kernels pass through; a kernel's
 * own `steinTerms` serves the SVGD direction; every other piece of a kernel
 * with only `gram(x, y)` comes by autodiff on pairs of single rows
 * (`gram` on `[1, d]` × `[1, d]` is not batched, so this is slow: prefer
 * `customKernel` with a paired-row function).
 */
export function asSteinKernel(kernel: Kernel): SteinKernel {
  if (kernel == null || typeof kernel.gram !== 'function') {
    throw new TypeError(`kernel: expected an object with gram(x, y), got ${String(kernel)}`);
  }
  if (isSteinKernel(kernel)) return kernel;
  // k(x_r, y_r) row by row through the batch: gram of the pairs' diagonal, computed blockwise
  const fn: PairKernelFn = (xr, yr) => {
    const p = xr.shape[0];
    const rows: tf.Tensor[] = [];
    for (let r = 0; r < p; r++) {
      rows.push(
        tf.reshape(kernel.gram(tf.slice(xr, [r, 0], [1, -1]), tf.slice(yr, [r, 0], [1, -1])), [1]),
      );
    }
    return tf.concat(rows) as tf.Tensor1D;
  };
  const wrapped = customKernel(fn, kernel.name);
  const base = kernel;
  const own = base.steinTerms?.bind(base);
  const out: SteinKernel = {
    ...wrapped,
    gram: (x, y) => base.gram(x, y),
    // a kernel's own steinTerms (core's optional closed form) is used for SVGD
    ...(own
      ? {
          steinTerms: own,
          steinDirection: (x: tf.Tensor2D, s: tf.Tensor2D) => {
            checkScore(x, s);
            return tf.tidy(() => {
              const { gram, repulsion } = own(x);
              const kt = tf.transpose(gram);
              return {
                direction: tf.add(tf.matMul(kt, s), repulsion) as tf.Tensor2D,
                kernelSum: tf.sum(kt, 1, true) as tf.Tensor2D,
              };
            });
          },
        }
      : {}),
    withBandwidthFrom: (x: tf.Tensor2D) =>
      base.withBandwidthFrom ? asSteinKernel(base.withBandwidthFrom(x)) : out,
  };
  return out;
}
