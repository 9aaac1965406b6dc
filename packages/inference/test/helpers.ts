import { createRng } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { type LatentVariableModel, readWeights, writeWeights } from '../src/index';

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * A linear-Gaussian model p(z) = N(0, I), p(x|z) = N(Az + b, s²I) whose
 * marginal N(b, AAᵀ + s²I) and posterior are known in closed form.
 * `trainable`: b is a variable (θ); A is fixed.
 */
export function linearGaussianModel(A: number[][], s: number, b0?: number[], trainable = false) {
  const D = A.length;
  const d = A[0].length;
  const At = tf.keep(tf.tensor2d(A).transpose()) as tf.Tensor2D; // [d, D]
  const bInit = b0 ?? new Array(D).fill(0);
  const b = tf.variable(tf.tensor1d(bInit), true, `lg_b_${Math.random()}`);
  const vars = trainable ? [b] : [];
  const model: LatentVariableModel = {
    dataDim: D,
    latentDim: d,
    trainableVariables: vars,
    logJoint(x, z) {
      return tf.tidy(() => {
        const [B, S] = [z.shape[0], z.shape[1]];
        const mean = tf.add(tf.reshape(tf.matMul(tf.reshape(z, [B * S, d]), At), [B, S, D]), b);
        const r = tf.sub(tf.expandDims(x, 1), mean);
        const ll = tf.sub(
          tf.mul(-0.5 / (s * s), tf.sum(tf.square(r), 2)),
          0.5 * D * Math.log(2 * Math.PI * s * s),
        );
        const lp = tf.sub(tf.mul(-0.5, tf.sum(tf.square(z), 2)), 0.5 * d * LOG_2PI);
        return tf.add(ll, lp) as tf.Tensor2D;
      });
    },
    getWeights: () => readWeights(vars),
    setWeights: (w) => writeWeights(vars, w),
    dispose: () => tf.dispose([At, b]),
  };
  return { model, b };
}

/** Row-major helpers in float64. */
export function matT(A: number[][]): number[][] {
  return A[0].map((_, j) => A.map((r) => r[j]));
}
export function matMul(A: number[][], B: number[][]): number[][] {
  return A.map((r) => B[0].map((_, j) => r.reduce((s, a, k) => s + a * B[k][j], 0)));
}
export function inv(M: number[][]): number[][] {
  const n = M.length;
  const a = M.map((r, i) => [...r, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r][c]) > Math.abs(a[p][c])) p = r;
    [a[c], a[p]] = [a[p], a[c]];
    const piv = a[c][c];
    for (let j = 0; j < 2 * n; j++) a[c][j] /= piv;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r][c];
      for (let j = 0; j < 2 * n; j++) a[r][j] -= f * a[c][j];
    }
  }
  return a.map((r) => r.slice(n));
}
export function logDet(M: number[][]): number {
  // via Gaussian elimination (M symmetric positive definite here)
  const n = M.length;
  const a = M.map((r) => [...r]);
  let ld = 0;
  for (let c = 0; c < n; c++) {
    ld += Math.log(a[c][c]);
    for (let r = c + 1; r < n; r++) {
      const f = a[r][c] / a[c][c];
      for (let j = c; j < n; j++) a[r][j] -= f * a[c][j];
    }
  }
  return ld;
}
/** log N(x; mu, Σ) in float64. */
export function gaussLogPdf(x: number[], mu: number[], S: number[][]): number {
  const r = x.map((v, i) => v - mu[i]);
  const Si = inv(S);
  const q = r.reduce((acc, ri, i) => acc + ri * Si[i].reduce((t, sij, j) => t + sij * r[j], 0), 0);
  return -0.5 * q - 0.5 * logDet(S) - 0.5 * x.length * LOG_2PI;
}

export function randomMatrix(rows: number, cols: number, seed: number, scale = 1): number[][] {
  const t = createRng(seed).normal([rows, cols], 0, scale);
  const v = Array.from(t.dataSync());
  t.dispose();
  return Array.from({ length: rows }, (_, i) => v.slice(i * cols, (i + 1) * cols));
}

/** Sets every variable to seeded N(0, scale²) values (to leave the zero init of heads). */
export function randomizeVariables(vars: tf.Variable[], seed: number, scale = 0.5): void {
  const rng = createRng(seed);
  for (const v of vars) tf.tidy(() => v.assign(rng.normal(v.shape, 0, scale)));
}
