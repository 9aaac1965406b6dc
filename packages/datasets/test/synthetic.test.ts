import { createRng } from '@steinkit/core';
import {
  banana,
  conditionNumber,
  gaussianGrid,
  gaussianRing,
  icaData,
  invert,
  matmul,
  paperMixture1d,
  randomMixingMatrix,
  singularValues,
  symmetricEigen,
} from '@steinkit/datasets';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

function autodiffScore(logProb: (x: tf.Tensor2D) => tf.Tensor1D, x: tf.Tensor2D): tf.Tensor2D {
  return tf.grad((z: tf.Tensor) => tf.sum(logProb(z as tf.Tensor2D)))(x) as tf.Tensor2D;
}

describe('synthetic targets', () => {
  it('paper 1-D mixture: normalized density, closed-form score, moments', () => {
    const t = paperMixture1d();
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      // ∫ p = 1 and the density at 2 by hand.
      const grid = tf.reshape(tf.linspace(-12, 12, 4801), [4801, 1]) as tf.Tensor2D;
      const p = tf.exp(t.logProb(grid));
      expect(tf.sum(p).dataSync()[0] * (24 / 4800)).toBeCloseTo(1, 4);
      const at2 = t.logProb(tf.tensor2d([[2]])).dataSync()[0];
      const hand = (1 / 3) * Math.exp(-8) + (2 / 3) * 1;
      expect(at2).toBeCloseTo(Math.log(hand / Math.sqrt(2 * Math.PI)), 5);
      const x = tf.tensor2d([[-3], [-2], [0], [0.5], [4]]);
      const s = t.score(x).dataSync();
      const a = autodiffScore(t.logProb, x).dataSync();
      s.forEach((v, i) => {
        expect(v).toBeCloseTo(a[i], 4);
      });
      const m = tf.moments(t.sample(20000, 3));
      expect(m.mean.dataSync()[0]).toBeCloseTo(2 / 3, 1); // ⅓·(−2) + ⅔·2
      expect(m.variance.dataSync()[0]).toBeCloseTo(1 + 4 - 4 / 9, 1);
      expect(t.sample(5, 9).dataSync()).toEqual(t.sample(5, 9).dataSync());
    });
    // each public call freed its intermediates (only tidy-owned outputs existed)
    const x = tf.tensor2d([[0.1]]);
    const mid = tf.memory().numTensors;
    const lp = t.logProb(x);
    const sc = t.score(x);
    const sm = t.sample(3, 1);
    expect(tf.memory().numTensors).toBe(mid + 3);
    tf.dispose([x, lp, sc, sm]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('ring and grid: scores match autodiff, samples land on the modes', () => {
    for (const t of [
      gaussianRing({ modes: 8, radius: 3, std: 0.3 }),
      gaussianGrid({ side: 3, spacing: 2, std: 0.4 }),
    ]) {
      tf.tidy(() => {
        const x = t.sample(64, 1);
        expect(x.shape).toEqual([64, 2]);
        const s = t.score(x).dataSync();
        const a = autodiffScore(t.logProb, x).dataSync();
        s.forEach((v, i) => {
          expect(v).toBeCloseTo(a[i], 3);
        });
      });
    }
    tf.tidy(() => {
      const r = gaussianRing({ modes: 8, radius: 3, std: 0.05 }).sample(500, 2);
      const norms = tf.norm(r, 'euclidean', 1);
      expect(tf.min(norms).dataSync()[0]).toBeGreaterThan(2.7);
      expect(tf.max(norms).dataSync()[0]).toBeLessThan(3.3);
    });
    expect(() => gaussianRing().logProb(tf.zeros([3, 3]) as tf.Tensor2D)).toThrow(
      /x: expected shape \[\?, 2\]/,
    );
  });

  it('banana: normalized, score by autodiff, conditional mean', () => {
    const t = banana({ a: 1, b: 0.5 });
    tf.tidy(() => {
      const x = t.sample(50, 4);
      const s = t.score(x).dataSync();
      const a = autodiffScore(t.logProb, x).dataSync();
      s.forEach((v, i) => {
        expect(v).toBeCloseTo(a[i], 3);
      });
      // ∫∫ p on a grid
      const g = tf.linspace(-8, 8, 321);
      const h = tf.linspace(-10, 30, 801);
      const xx = tf.stack(
        [tf.reshape(tf.tile(tf.reshape(g, [321, 1]), [1, 801]), [-1]), tf.tile(h, [321])],
        1,
      );
      const mass =
        tf.sum(tf.exp(t.logProb(xx as tf.Tensor2D))).dataSync()[0] * (16 / 320) * (40 / 800);
      expect(mass).toBeCloseTo(1, 3);
      const big = t.sample(20000, 5);
      // E[x2] = b·(E[x1²] − a²) = 0
      expect(Math.abs(tf.mean(tf.slice(big, [0, 1], [-1, 1])).dataSync()[0])).toBeLessThan(0.05);
    });
  });
});

describe('linear algebra and ICA data', () => {
  it('Jacobi eigendecomposition reconstructs a symmetric matrix', () => {
    const n = 12;
    const rng = createRng(11);
    const b = rng.normal([n, n]);
    const a = tf.matMul(b, b, false, true);
    const av = Float64Array.from(a.dataSync());
    tf.dispose([a, b]);
    const { values, vectors } = symmetricEigen(av, n);
    for (let i = 1; i < n; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1]);
    // V diag(λ) Vᵀ = A and VᵀV = I
    const vd = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let k = 0; k < n; k++) vd[i * n + k] = vectors[i * n + k] * values[k];
    const vt = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) vt[k * n + i] = vectors[i * n + k];
    const rec = matmul(vd, vt, n, n, n);
    const id = matmul(vt, vectors, n, n, n);
    for (let i = 0; i < n * n; i++) {
      expect(rec[i]).toBeCloseTo(av[i], 3);
      expect(id[i]).toBeCloseTo(i % (n + 1) === 0 ? 1 : 0, 10);
    }
  });

  it('singular values and condition numbers match known matrices', () => {
    // rotation × diag(3, 1, 0.5): singular values 3, 1, 0.5
    const c = Math.cos(0.3);
    const s = Math.sin(0.3);
    const r = [c, -s, 0, s, c, 0, 0, 0, 1];
    const m = matmul(r, [3, 0, 0, 0, 1, 0, 0, 0, 0.5], 3, 3, 3);
    const sv = singularValues(m, 3, 3);
    expect(Array.from(sv).map((v) => Number(v.toFixed(10)))).toEqual([3, 1, 0.5]);
    expect(conditionNumber(m, 3)).toBeCloseTo(6, 10);
    expect(conditionNumber([1, 2, 2, 4], 2)).toBeGreaterThan(1e7);
    const inv = invert(m, 3);
    const id = matmul(m, inv, 3, 3, 3);
    id.forEach((v, i) => {
      expect(v).toBeCloseTo(i % 4 === 0 ? 1 : 0, 12);
    });
    expect(() => invert([1, 2, 2, 4], 2)).toThrow(/singular/);
  });

  it('randomMixingMatrix has cond(A) < D and is seeded', () => {
    for (const D of [2, 5, 10]) {
      const a = randomMixingMatrix(D, createRng(D));
      expect(a.shape).toEqual([D, D]);
      expect(conditionNumber(a.dataSync(), D)).toBeLessThan(D);
      const b = randomMixingMatrix(D, createRng(D));
      expect(b.dataSync()).toEqual(a.dataSync());
      tf.dispose([a, b]);
    }
    expect(() => randomMixingMatrix(1, createRng(0))).toThrow(/D: expected an integer/);
  });

  it('icaData mixes heavy-tailed sources: x = A s, W A = I', () => {
    const before = tf.memory().numTensors;
    for (const source of ['laplace', 'student-t'] as const) {
      const d = icaData({ dim: 4, n: 4000, source, dof: 5, seed: 1 });
      expect(d.x.shape).toEqual([4000, 4]);
      tf.tidy(() => {
        const rec = tf.matMul(d.sources, d.mixing, false, true);
        expect(tf.max(tf.abs(tf.sub(rec, d.x))).dataSync()[0]).toBeLessThan(1e-5);
        const wa = tf.matMul(d.unmixing, d.mixing).dataSync();
        wa.forEach((v, i) => {
          expect(v).toBeCloseTo(i % 5 === 0 ? 1 : 0, 4);
        });
        // Laplace(0,1): var 2, kurtosis 6 ; t_5: var 5/3, excess kurtosis 6
        const s = d.sources;
        const m = tf.moments(s, 0);
        const v = m.variance.dataSync();
        const k = tf
          .div(tf.mean(tf.pow(tf.sub(s, m.mean), 4), 0), tf.square(m.variance))
          .dataSync();
        const [ev] = source === 'laplace' ? [2] : [5 / 3];
        v.forEach((x) => {
          expect(Math.abs(x - ev) / ev).toBeLessThan(0.15);
        });
        for (const x of k) expect(x).toBeGreaterThan(4.5); // heavy tails: well above the Gaussian 3
      });
      tf.dispose([d.x, d.sources, d.mixing, d.unmixing]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
