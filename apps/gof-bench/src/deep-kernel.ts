import { assert2D, createRng, fusedAdam } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { medianBandwidth } from './median';

/**
 * The talk's deep-kernel KSD: K_φ(x, y) = exp(−‖φ(x) − φ(y)‖²/h²) with an MLP
 * φ(x) = W₂ tanh(W₁x + b₁) (`[D] → [m] → [f]`), h the median distance of the
 * features. The Stein kernel u_p(x, y) in closed form from the Jacobians
 * J_x = W₂ diag(1 − tanh²) W₁ (`[f, D]`), with Δ = φ(x) − φ(y), C_xy = J_xᵀΔ:
 *   ∇ₓk = −(2/h²) k C_xy,   ∇_y k = −(2/h²) k C_yx,
 *   tr ∇ₓ∇_y k = (2/h²) k [tr(J_xᵀJ_y) + (2/h²) C_xy·C_yx],
 *   u = k [s_xᵀs_y − (2/h²)(s_x·C_yx + s_y·C_xy) + (2/h²) tr(J_xᵀJ_y) + (4/h⁴) C_xy·C_yx].
 * Everything is first-order tfjs ops (matmul, tanh, exp), so φ is trained by
 * plain autodiff of the statistic (tfjs second derivatives through exp are
 * not needed). Checked against `featureKernel`'s pairwise autodiff in the tests.
 */
export interface MlpFeatures {
  W1: tf.Variable; // [m, D]
  b1: tf.Variable; // [m]
  W2: tf.Variable; // [f, m]
}

export function createMlpFeatures(
  D: number,
  hidden: number,
  out: number,
  seed: number,
): MlpFeatures {
  const rng = createRng(seed);
  const init = (t: tf.Tensor) => {
    const v = tf.variable(t, true);
    t.dispose();
    return v;
  };
  return {
    W1: init(rng.normal([hidden, D], 0, 1 / Math.sqrt(D))),
    b1: init(tf.zeros([hidden])),
    W2: init(rng.normal([out, hidden], 0, 1 / Math.sqrt(hidden))),
  };
}

export function disposeFeatures(f: MlpFeatures): void {
  tf.dispose([f.W1, f.b1, f.W2]);
}

/** φ(x) `[n, f]` and the row Jacobians J `[n, f, D]`. */
export function featuresAndJacobians(
  f: MlpFeatures,
  x: tf.Tensor2D,
): { phi: tf.Tensor2D; jac: tf.Tensor3D } {
  return tf.tidy(() => {
    const [n, D] = x.shape;
    const [out, hidden] = f.W2.shape;
    const t = tf.tanh(tf.add(tf.matMul(x, f.W1, false, true), f.b1));
    const phi = tf.matMul(t, f.W2, false, true) as tf.Tensor2D;
    const a = tf.sub(1, tf.square(t)); // [n, m]
    const w2a = tf.mul(tf.expandDims(f.W2, 0), tf.expandDims(a, 1)); // [n, f, m]
    const jac = tf.reshape(tf.matMul(tf.reshape(w2a, [n * out, hidden]), f.W1), [n, out, D]);
    return { phi, jac: jac as tf.Tensor3D };
  });
}

/**
 * Rows `rows` (an index range [lo, hi)) of the Stein kernel matrix at the
 * given features/Jacobians/scores, `[hi − lo, n]`; `invH2` = 1/h².
 */
function steinRows(
  phi: tf.Tensor2D,
  jac: tf.Tensor3D,
  s: tf.Tensor2D,
  invH2: number,
  lo: number,
  hi: number,
): tf.Tensor2D {
  return tf.tidy(() => {
    const [n, out, D] = jac.shape;
    const b = hi - lo;
    const jT = tf.transpose(jac, [0, 2, 1]); // [n, D, f]
    const jTphiSelf = tf.squeeze(tf.matMul(jT, tf.expandDims(phi, 2)), [2]); // J_xᵀφ_x [n, D]
    // J_xᵀφ_y for x in the block, all y: [b, D, n]
    const jTb = tf.slice(jT, [lo, 0, 0], [b, D, out]);
    const jTphiAll = tf.reshape(tf.matMul(tf.reshape(jTb, [b * D, out]), phi, false, true), [
      b,
      D,
      n,
    ]);
    const cxy = tf.sub(tf.expandDims(tf.slice(jTphiSelf, [lo, 0], [b, D]), 2), jTphiAll); // C_xy [b, D, n]
    // C_yx = J_yᵀ(φ_y − φ_x) for y all, x in the block: [n, D, b] → as [b, D, n]
    const phiB = tf.slice(phi, [lo, 0], [b, out]);
    const jTyPhiX = tf.reshape(tf.matMul(tf.reshape(jT, [n * D, out]), phiB, false, true), [
      n,
      D,
      b,
    ]);
    const cyx = tf.transpose(tf.sub(tf.expandDims(jTphiSelf, 2), jTyPhiX), [2, 1, 0]); // [b, D, n]
    const sB = tf.slice(s, [lo, 0], [b, D]);
    const sT = tf.expandDims(tf.transpose(s), 0); // [1, D, n]
    const syCxy = tf.sum(tf.mul(cxy, sT), 1); // [b, n]
    const sxCyx = tf.sum(tf.mul(cyx, tf.expandDims(sB, 2)), 1); // [b, n]
    const cc = tf.sum(tf.mul(cxy, cyx), 1); // [b, n]
    const jFlat = tf.reshape(jac, [n, out * D]);
    const tr = tf.matMul(tf.slice(jFlat, [lo, 0], [b, out * D]), jFlat, false, true); // [b, n]
    const ss = tf.matMul(sB, s, false, true);
    const sq = tf.sum(tf.square(tf.sub(tf.expandDims(phiB, 1), tf.expandDims(phi, 0))), 2); // [b, n]
    const k = tf.exp(tf.mul(-invH2, sq));
    const inner = tf.addN([
      ss,
      tf.mul(-2 * invH2, tf.add(sxCyx, syCxy)),
      tf.mul(2 * invH2, tr),
      tf.mul(4 * invH2 * invH2, cc),
    ]);
    return tf.mul(k, inner) as tf.Tensor2D;
  });
}

/** The n×n Stein kernel matrix of K_φ (rows in blocks of `block`), h from the median heuristic on φ(x) unless given. */
export function deepSteinMatrix(
  f: MlpFeatures,
  x: tf.Tensor2D,
  s: tf.Tensor2D,
  opts: { h?: number; block?: number } = {},
): tf.Tensor2D {
  assert2D(x, 'x');
  assert2D(s, 's', x.shape[0], x.shape[1]);
  return tf.tidy(() => {
    const { phi, jac } = featuresAndJacobians(f, x);
    const h = opts.h ?? medianBandwidth(phi);
    const n = x.shape[0];
    const block = opts.block ?? n;
    const rows: tf.Tensor2D[] = [];
    for (let lo = 0; lo < n; lo += block)
      rows.push(steinRows(phi, jac, s, 1 / (h * h), lo, Math.min(n, lo + block)));
    return (rows.length === 1 ? rows[0] : tf.concat(rows, 0)) as tf.Tensor2D;
  });
}

/** The U-statistic of the deep-kernel KSD, differentiable in φ's variables. */
export function deepKsdU(f: MlpFeatures, x: tf.Tensor2D, s: tf.Tensor2D, h?: number): tf.Scalar {
  return tf.tidy(() => {
    const n = x.shape[0];
    const u = deepSteinMatrix(f, x, s, { h });
    return tf.div(tf.sub(tf.sum(u), tf.sum(tf.mul(u, tf.eye(n)))), n * (n - 1)) as tf.Scalar;
  });
}

export interface TrainDeepKernelOptions {
  hidden?: number;
  out?: number;
  steps?: number;
  batch?: number;
  learningRate?: number;
  seed: number;
}

/**
 * Trains φ to maximize the deep-kernel KSD (U-statistic) on `fit` (samples
 * held out from the test sample) by Adam on minibatches; the bandwidth is the
 * median of the batch's features, recomputed each step (no gradient).
 */
export function trainDeepKernel(
  fit: tf.Tensor2D,
  score: (x: tf.Tensor2D) => tf.Tensor2D,
  opts: TrainDeepKernelOptions,
): MlpFeatures {
  const { hidden = 16, out = 8, steps = 50, batch = 100, learningRate = 1e-2, seed } = opts;
  const [n, D] = fit.shape;
  const f = createMlpFeatures(D, hidden, out, seed);
  const rng = createRng(seed + 1);
  const opt = fusedAdam(learningRate);
  const sFit = tf.tidy(() => score(fit));
  try {
    for (let t = 0; t < steps; t++) {
      const idx = rng.permutation(n).slice(0, Math.min(batch, n));
      tf.tidy(() => {
        const ix = tf.tensor1d(idx, 'int32');
        const xb = tf.gather(fit, ix) as tf.Tensor2D;
        const sb = tf.gather(sFit, ix) as tf.Tensor2D;
        const h = tf.tidy(() => medianBandwidth(featuresAndJacobians(f, xb).phi));
        opt.minimize(() => tf.neg(deepKsdU(f, xb, sb, h)) as tf.Scalar, false, [f.W1, f.b1, f.W2]);
      });
    }
  } finally {
    opt.dispose();
    sFit.dispose();
  }
  return f;
}
