import { createRng } from '@steinkit/core';
import { imq, rbf } from '@steinkit/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ksd, ksdTest } from '../src/index';

const score = (x: tf.Tensor2D) => tf.neg(x) as tf.Tensor2D; // target N(0, I)

function draws(
  seed: number,
  count: number,
  make: (rng: ReturnType<typeof createRng>) => tf.Tensor,
) {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => make(rng) as tf.Tensor2D);
}

describe('ksd as a discrepancy', () => {
  it('U-statistic ≈ 0 under the null, clearly positive for shifted and Laplace samples', () => {
    const kernel = imq();
    const stats = (xs: tf.Tensor2D[]) =>
      xs.map((x) => {
        const v = ksd(x, score, kernel);
        const r = v.dataSync()[0];
        tf.dispose([v, x]);
        return r;
      });
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    const sd = (a: number[]) =>
      Math.sqrt(a.reduce((s, v) => s + (v - mean(a)) ** 2, 0) / (a.length - 1));
    const nul = stats(draws(1, 30, (r) => r.normal([100, 2])));
    const shifted = stats(draws(2, 30, (r) => tf.add(r.normal([100, 2]), 0.5)));
    // Laplace with unit variance: scale 1/√2
    const laplace = stats(draws(3, 30, (r) => r.laplace([100, 2], Math.SQRT1_2)));
    const se = sd(nul) / Math.sqrt(nul.length);
    expect(Math.abs(mean(nul))).toBeLessThan(3 * se);
    expect(nul.some((v) => v < 0)).toBe(true); // unbiased: can go negative
    expect(mean(shifted)).toBeGreaterThan(mean(nul) + 10 * sd(nul));
    expect(mean(laplace)).toBeGreaterThan(mean(nul) + 2 * sd(nul));
    expect(Math.min(...shifted)).toBeGreaterThan(0);
  });

  it('V-statistic is ≥ 0', () => {
    const [x] = draws(4, 1, (r) => r.normal([30, 2]));
    const v = ksd(x, score, rbf(), { statistic: 'v' });
    expect(v.dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([v, x]);
  });
});

describe('ksdTest (Rademacher wild bootstrap)', () => {
  it('has rejection rate in [0.02, 0.09] at α = 0.05 over 200 null draws (n = 50)', () => {
    const kernel = rbf();
    let rejections = 0;
    const before = tf.memory().numTensors;
    const xs = draws(10, 200, (r) => r.normal([50, 2]));
    for (const [i, x] of xs.entries()) {
      if (ksdTest(x, score, kernel, { bootstraps: 500, seed: i }).reject) rejections++;
      x.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    const rate = rejections / 200;
    expect(rate).toBeGreaterThanOrEqual(0.02);
    expect(rate).toBeLessThanOrEqual(0.09);
  });

  it('has power ≥ 0.9 on a clear alternative (mean shift 0.8, n = 50)', () => {
    const kernel = rbf();
    let rejections = 0;
    const xs = draws(20, 50, (r) => tf.add(r.normal([50, 2]), 0.8));
    for (const [i, x] of xs.entries()) {
      const r = ksdTest(x, score, kernel, { bootstraps: 500, seed: 100 + i });
      if (r.reject) rejections++;
      x.dispose();
    }
    expect(rejections / 50).toBeGreaterThanOrEqual(0.9);
  });

  it('is reproducible with a seed and validates its options', () => {
    const [x] = draws(30, 1, (r) => r.normal([20, 2]));
    const a = ksdTest(x, score, rbf(), { seed: 3, bootstraps: 200 });
    const b = ksdTest(x, score, rbf(), { seed: 3, bootstraps: 200 });
    expect(a.pValue).toBe(b.pValue);
    expect(a.bootstrap.length).toBe(200);
    expect(() => ksdTest(x, score, rbf(), { alpha: 1.5 })).toThrow(/alpha/);
    expect(() => ksdTest(x, score, rbf(), { bootstraps: 0 })).toThrow(/bootstraps/);
    x.dispose();
  });
});
