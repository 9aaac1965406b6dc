import * as tf from '@tensorflow/tfjs-core';

/** Central finite differences of Σ f(x) w.r.t. each entry of x (float64 in JS on float32 evals). */
export function finiteDiffGrad(
  f: (x: tf.Tensor) => tf.Tensor,
  x: tf.Tensor,
  h = 1e-2,
): Float64Array {
  const base = Float32Array.from(x.dataSync());
  const out = new Float64Array(base.length);
  const sumAt = (vals: Float32Array) =>
    tf.tidy(() => tf.sum(f(tf.tensor(vals, x.shape))).dataSync()[0]);
  for (let i = 0; i < base.length; i++) {
    const p = Float32Array.from(base);
    const m = Float32Array.from(base);
    p[i] += h;
    m[i] -= h;
    out[i] = (sumAt(p) - sumAt(m)) / (2 * h);
  }
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
