import { createRng, invert, symmetricEigen } from '@steinkit/core';
import { rbf } from '@steinkit/kernels';
import { activeSlices, sksd, svgdDirection } from '@steinkit/stein-estimators';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

const D = 4;

/** A random SPD matrix A = LLᵀ + I (row-major float64). */
function randomSpd(seed: number): Float64Array {
  const rng = createRng(seed);
  const L = rng.normal([D, D]).dataSync();
  const A = new Float64Array(D * D);
  for (let i = 0; i < D; i++)
    for (let j = 0; j < D; j++) {
      let s = i === j ? 1 : 0;
      for (let k = 0; k < D; k++) s += 0.5 * L[i * D + k] * L[j * D + k];
      A[i * D + j] = s;
    }
  return A;
}

/** Gaussian score s(y) = −P y for a symmetric precision P. */
const gaussScore = (P: Float64Array) => {
  const Pt = tf.tensor2d(Float32Array.from(P), [D, D]);
  return (y: tf.Tensor2D) => tf.neg(tf.matMul(y, Pt)) as tf.Tensor2D;
};

const absDot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return Math.abs(s);
};

describe('activeSlices', () => {
  it('exact scores: r = eigenvectors of C Σ̂ C and g_i ∝ C r_i for Gaussians (d(y) = C y)', () => {
    // p = N(0, A), q = N(0, B): d(y) = s_p − s_q = (B⁻¹ − A⁻¹) y = C y, so
    // E[d dᵀ] = C Σ̂ C with the sample second moment Σ̂, and ∇_y(rᵀ C y) = C r
    // for every sample: H = C r rᵀ C, whose top eigenvector is C r / ‖C r‖.
    const A = randomSpd(1);
    const B = randomSpd(2);
    const Ai = invert(A, D);
    const Bi = invert(B, D);
    const C = Bi.map((v, i) => v - Ai[i]);
    const x = createRng(3).normal([300, D]) as tf.Tensor2D;
    const sP = gaussScore(Ai);
    const sQ = gaussScore(Bi);
    const before = tf.memory().numTensors;
    const out = activeSlices(x, sP, sQ);
    expect(tf.memory().numTensors).toBe(before + 2);

    const X = x.dataSync();
    const n = x.shape[0];
    const Sig = new Float64Array(D * D);
    for (let t = 0; t < n; t++)
      for (let i = 0; i < D; i++)
        for (let j = 0; j < D; j++) Sig[i * D + j] += (X[t * D + i] * X[t * D + j]) / n;
    const mul = (P: Float64Array, Q: Float64Array) => {
      const R = new Float64Array(D * D);
      for (let i = 0; i < D; i++)
        for (let j = 0; j < D; j++)
          for (let k = 0; k < D; k++) R[i * D + j] += P[i * D + k] * Q[k * D + j];
      return R;
    };
    const eig = symmetricEigen(mul(mul(C, Sig), C), D);
    const r = out.r.arraySync();
    const g = out.g.arraySync();
    for (let s = 0; s < D; s++) {
      const k = D - 1 - s;
      const v = Array.from({ length: D }, (_, a) => eig.vectors[a * D + k]);
      expect(out.eigenvalues[s]).toBeCloseTo(eig.values[k], 3);
      expect(absDot(r[s], v)).toBeGreaterThan(0.9999);
      const cr = Array.from({ length: D }, (_, a) =>
        r[s].reduce((acc, rb, b) => acc + C[a * D + b] * rb, 0),
      );
      const nr = Math.hypot(...cr);
      expect(absDot(g[s], cr) / nr).toBeGreaterThan(0.9999);
      expect(Math.hypot(...g[s])).toBeCloseTo(1, 5);
    }
    // r is orthonormal
    const rrT = tf.tidy(() => tf.matMul(out.r, out.r, false, true).arraySync()) as number[][];
    for (let i = 0; i < D; i++)
      for (let j = 0; j < D; j++) expect(rrT[i][j]).toBeCloseTo(i === j ? 1 : 0, 5);
    tf.dispose([out.r, out.g, x]);
  });

  it("'kernel': the smoothed difference is the SVGD direction, and the slices find the mismatched direction", () => {
    // p = N(0, I), q = N(0, I + 3vvᵀ): p and q differ only along v.
    const v = [0.5, -0.5, 0.5, 0.5];
    const n = 400;
    const rng = createRng(5);
    const z = rng.normal([n, D]).dataSync();
    const X = new Float32Array(n * D);
    for (let t = 0; t < n; t++) {
      let proj = 0;
      for (let a = 0; a < D; a++) proj += z[t * D + a] * v[a];
      for (let a = 0; a < D; a++) X[t * D + a] = z[t * D + a] + proj * v[a]; // (I + vvᵀ) z: variance 4 along v
    }
    const x = tf.tensor2d(X, [n, D]);
    const sP = (y: tf.Tensor2D) => tf.neg(y) as tf.Tensor2D;
    const kernel = rbf({ bandwidth: { kind: 'median', squared: true, scale: 2 } });
    const out = activeSlices(x, sP, 'kernel', { numSlices: 2, kernel });
    expect(out.r.shape).toEqual([2, D]);
    const r = out.r.arraySync();
    const g = out.g.arraySync();
    expect(absDot(r[0], v)).toBeGreaterThan(0.98);
    expect(absDot(g[0], v)).toBeGreaterThan(0.95);
    expect(out.eigenvalues[0]).toBeGreaterThan(5 * out.eigenvalues[1]);

    // r[0] is the top eigenvector of E[φ φᵀ] with φ the SVGD direction (an independent implementation).
    const phi = svgdDirection(x, sP, kernel.withBandwidthFrom(x));
    const M = tf.tidy(() => tf.div(tf.matMul(phi, phi, true, false), n));
    const eig = symmetricEigen(M.dataSync(), D);
    const top = Array.from({ length: D }, (_, a) => eig.vectors[a * D + D - 1]);
    expect(absDot(r[0], top)).toBeGreaterThan(0.9999);
    expect(out.eigenvalues[0]).toBeCloseTo(eig.values[D - 1], 4);

    // The point of active slices: the top slice pair gives a larger sliced KSD than any axis slice.
    const top1 = tf.tidy(
      () =>
        sksd(x, sP, {
          r: tf.slice(out.r, [0, 0], [1, D]),
          g: tf.slice(out.g, [0, 0], [1, D]),
        }).dataSync()[0],
    );
    for (let a = 0; a < D; a++) {
      const axis = tf.tidy(() => {
        const e = tf.cast(tf.oneHot(tf.tensor1d([a], 'int32'), D), 'float32') as tf.Tensor2D;
        return sksd(x, sP, { r: e, g: e }).dataSync()[0];
      });
      expect(top1).toBeGreaterThan(1.5 * axis);
    }
    tf.dispose([out.r, out.g, x, phi, M]);
  });

  it('keeps g_i = r_i where the sensitivity matrix vanishes (no NaN), and blocks do not change the result', () => {
    // s_p − s_q = constant μ: E[d dᵀ] = μμᵀ (r_0 = μ̂), ∇(rᵀd) = 0 so every H_i = 0.
    const mu = tf.tensor2d([[1, 2, 0, -2]]);
    const x = createRng(7).normal([50, D]) as tf.Tensor2D;
    const sP = (y: tf.Tensor2D) => tf.neg(y) as tf.Tensor2D;
    const sQ = (y: tf.Tensor2D) => tf.sub(tf.neg(y), mu) as tf.Tensor2D;
    const a = activeSlices(x, sP, sQ);
    const b = activeSlices(x, sP, sQ, { blockSize: 1 });
    expect(absDot(a.r.arraySync()[0], [1 / 3, 2 / 3, 0, -2 / 3])).toBeGreaterThan(0.99999);
    expect(a.g.arraySync()).toEqual(a.r.arraySync());
    expect(b.g.arraySync()).toEqual(a.g.arraySync());
    tf.dispose([a.r, a.g, b.r, b.g, x, mu]);
  });

  it('rejects bad input with the argument named', () => {
    const x = tf.zeros([10, 3]) as tf.Tensor2D;
    const s = (y: tf.Tensor2D) => tf.neg(y) as tf.Tensor2D;
    expect(() => activeSlices(x, s, s, { numSlices: 4 })).toThrow(
      /numSlices: expected at most D = 3/,
    );
    expect(() => activeSlices(x, s, 'kde' as never)).toThrow(/scoreQ/);
    expect(() => activeSlices(tf.zeros([1, 3]) as tf.Tensor2D, s, s)).toThrow(
      /x: expected at least 2/,
    );
    const nan = (y: tf.Tensor2D) => tf.mul(y, Number.NaN) as tf.Tensor2D;
    expect(() => activeSlices(x, nan, s)).toThrow(/non-finite/);
    x.dispose();
  });
});
