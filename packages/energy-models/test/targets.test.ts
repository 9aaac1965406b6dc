import {
  banana,
  bayesianLogisticRegression,
  gaussianGrid,
  gaussianMixture,
  gaussianRing,
  paperMixture1d,
} from '@steinkit/energy-models';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { finiteDiffGrad, maxAbs, maxAbsDiff } from './helpers';

describe('gaussianMixture', () => {
  const gm = gaussianMixture({
    means: [
      [-2, 0],
      [2, 1],
    ],
    std: [0.7, 1.2],
    weights: [1, 3],
  });

  it('log-density matches a hand-written density at a point', () => {
    const x = tf.tensor2d([[0.3, -0.4]]);
    const lp = gm.logProb(x).dataSync()[0];
    const n = (m: number[], s: number) =>
      Math.exp(-((0.3 - m[0]) ** 2 + (-0.4 - m[1]) ** 2) / (2 * s * s)) / (2 * Math.PI * s * s);
    expect(lp).toBeCloseTo(Math.log(0.25 * n([-2, 0], 0.7) + 0.75 * n([2, 1], 1.2)), 5);
    x.dispose();
  });

  it('score matches finite differences of logProb; no leaks', () => {
    const x = tf.tensor2d([
      [0.3, -0.4],
      [-1.5, 0.2],
      [2.5, 2],
    ]);
    const before = tf.memory().numTensors;
    const s = gm.score(x);
    const fd = finiteDiffGrad((z) => gm.logProb(z as tf.Tensor2D), x);
    expect(maxAbsDiff(s.dataSync(), fd)).toBeLessThan(2e-3);
    s.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('samples have the mixture mean', () => {
    const s = gm.sample(4000, 3);
    const m = tf.mean(s, 0).dataSync();
    expect(m[0]).toBeCloseTo(0.25 * -2 + 0.75 * 2, 1);
    expect(m[1]).toBeCloseTo(0.75, 1);
    s.dispose();
  });

  it('component frequencies follow the weights, and the draws are the same on cpu and wasm', async () => {
    const tight = gaussianMixture({ means: [[-10], [0], [10]], std: 0.1, weights: [1, 2, 7] });
    const n = 20000;
    const x = tight.sample(n, 11);
    const v = x.dataSync();
    const freq = [-10, 0, 10].map((mu) => v.filter((t) => Math.abs(t - mu) < 1).length / n);
    [0.1, 0.2, 0.7].forEach((p, k) => {
      expect(Math.abs(freq[k] - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
    });
    const before = tf.getBackend();
    await tf.setBackend('cpu');
    const onCpu = tight.sample(500, 11);
    const cpuValues = Array.from(onCpu.dataSync());
    onCpu.dispose();
    await tf.setBackend(before);
    const again = tight.sample(500, 11);
    expect(Array.from(again.dataSync())).toEqual(cpuValues);
    tf.dispose([x, again]);
  });

  it('rejects bad shapes with the argument named', () => {
    const x = tf.zeros([3, 3]) as tf.Tensor2D;
    expect(() => gm.score(x)).toThrow(/x: expected shape \[\?, 2\]/);
    x.dispose();
    expect(() => gaussianMixture({ means: [[0, 0], [1]] })).toThrow(RangeError);
  });
});

describe('banana', () => {
  it('score matches finite differences; samples have mean (0, 0) and log-density integrates', () => {
    const t = banana({ a: 1.2, b: 0.6 });
    const x = tf.tensor2d([
      [0.3, -0.4],
      [-1.5, 0.9],
      [1, 2],
    ]);
    const fd = finiteDiffGrad((z) => t.logProb(z as tf.Tensor2D), x);
    const s = t.score(x);
    expect(maxAbsDiff(s.dataSync(), fd)).toBeLessThan(2e-3);
    const smp = t.sample(5000, 1);
    const m = tf.mean(smp, 0).dataSync();
    expect(Math.abs(m[0])).toBeLessThan(0.06);
    expect(Math.abs(m[1])).toBeLessThan(0.08);
    // Riemann sum of p over a grid ≈ 1 (normalized density).
    const g = tf.tidy(() => {
      const xs = tf.linspace(-7, 7, 141);
      const ys = tf.linspace(-6, 20, 261);
      const grid = tf.stack(
        [tf.reshape(tf.tile(tf.expandDims(xs, 1), [1, 261]), [-1]), tf.tile(ys, [141])],
        1,
      ) as tf.Tensor2D;
      return tf.mul(tf.sum(tf.exp(t.logProb(grid))), 0.1 * 0.1);
    });
    expect(g.dataSync()[0]).toBeCloseTo(1, 2);
    tf.dispose([x, s, smp, g]);
  });
});

describe('bayesianLogisticRegression', () => {
  const N = 40;
  const p = 3;
  const X = tf.tidy(() => tf.randomNormal([N, p], 0, 1, 'float32', 1)) as tf.Tensor2D;
  const y = tf.tidy(() =>
    tf.cast(tf.greater(tf.sum(tf.mul(X, tf.tensor1d([1, -2, 0.5])), 1), 0), 'float32'),
  ) as tf.Tensor1D;

  it.each(['gamma', 'gaussian'] as const)(
    'full-data score (%s prior) equals autodiff of logProb',
    (kind) => {
      const m = bayesianLogisticRegression({ features: X, labels: y, prior: { kind } });
      const th = tf.tidy(() => tf.randomNormal([5, m.dim], 0, 0.5, 'float32', 2)) as tf.Tensor2D;
      const before = tf.memory().numTensors;
      const s = m.score(th);
      const ad = tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(m.logProb(t as tf.Tensor2D)))(th));
      expect(maxAbsDiff(s.dataSync(), ad.dataSync())).toBeLessThan(
        1e-3 * Math.max(1, maxAbs(ad.dataSync())),
      );
      tf.dispose([s, ad]);
      expect(tf.memory().numTensors).toBe(before);
      th.dispose();
    },
  );

  it('minibatch score is unbiased (averages to the full score)', () => {
    const m = bayesianLogisticRegression({
      features: X,
      labels: y,
      prior: { kind: 'gaussian' },
      batchSize: 10,
      seed: 4,
    });
    const th = tf.tensor2d([[0.2, -0.3, 0.1]]);
    const full = m.fullScore(th).dataSync();
    const acc = new Float64Array(p);
    const R = 400;
    for (let r = 0; r < R; r++) {
      const s = m.score(th);
      s.dataSync().forEach((v, i) => {
        acc[i] += v / R;
      });
      s.dispose();
    }
    expect(maxAbsDiff(acc, full)).toBeLessThan(0.05 * maxAbs(full) + 0.05);
    th.dispose();
  });

  it('predicts well at the generating direction', () => {
    const m = bayesianLogisticRegression({ features: X, labels: y, prior: { kind: 'gaussian' } });
    const th = tf.tensor2d([[3, -6, 1.5]]);
    expect(m.accuracy(th, X, y)).toBe(1);
    th.dispose();
  });
});

function autodiffScore(logProb: (x: tf.Tensor2D) => tf.Tensor1D, x: tf.Tensor2D): tf.Tensor2D {
  return tf.grad((z: tf.Tensor) => tf.sum(logProb(z as tf.Tensor2D)))(x) as tf.Tensor2D;
}

describe('ring, grid and the paper mixture (moved from @steinkit/datasets)', () => {
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
