import { createRng } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';

let count = 0;
/** A tiny tanh MLP ξ → tanh(ξW1 + b1)W2 + b2 with seeded Glorot-ish weights. */
export function tinyMlp(inDim: number, hidden: number, outDim: number, seed: number) {
  const rng = createRng(seed);
  const mk = (shape: number[], s: number) => {
    const t = rng.normal(shape, 0, s);
    const v = tf.variable(t, true, `tiny_${seed}_${count++}`);
    t.dispose();
    return v;
  };
  const W1 = mk([inDim, hidden], 1 / Math.sqrt(inDim));
  const b1 = mk([hidden], 0.1);
  const W2 = mk([hidden, outDim], 1 / Math.sqrt(hidden));
  const b2 = mk([outDim], 0.1);
  const variables = [W1, b1, W2, b2];
  const net = (z: tf.Tensor2D) => tf.add(tf.matMul(tf.tanh(tf.add(tf.matMul(z, W1), b1)), W2), b2);
  return { net, variables };
}

/** Biased MMD² with an RBF kernel exp(−‖x−y‖²/h²) (a slow, independent reference). */
export function mmd2(x: tf.Tensor2D, y: tf.Tensor2D, h = 1): number {
  const v = tf.tidy(() => {
    const k = (a: tf.Tensor2D, b: tf.Tensor2D) => {
      const d = tf.sub(tf.expandDims(a, 1), tf.expandDims(b, 0));
      return tf.mean(tf.exp(tf.div(tf.neg(tf.sum(tf.square(d), 2)), h * h)));
    };
    return tf.sub(tf.add(k(x, x), k(y, y)), tf.mul(2, k(x, y)));
  });
  const r = v.dataSync()[0];
  v.dispose();
  return r;
}

/** Solves A x = b (dense, float64) by Gaussian elimination with partial pivoting. */
export function denseSolve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = c + 1; r < n; r++) {
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  const x = new Array(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r][n];
    for (let k = r + 1; k < n; k++) s -= M[r][k] * x[k];
    x[r] = s / M[r][r];
  }
  return x;
}
