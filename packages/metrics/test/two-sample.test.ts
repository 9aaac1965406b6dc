import { createRng } from '@steinkit/core';
import { rbf } from '@steinkit/kernels';
import { energyDistance, mmd2 } from '@steinkit/metrics';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

function rows(t: tf.Tensor2D): number[][] {
  return t.arraySync();
}

/** MMD² by explicit double loops, k(a, b) = exp(−‖a − b‖²/h²). */
function slowMmd2(x: number[][], y: number[][], h: number, unbiased: boolean): number {
  const k = (a: number[], b: number[]) =>
    Math.exp(-a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / (h * h));
  const within = (z: number[][]) => {
    let s = 0;
    let c = 0;
    for (let i = 0; i < z.length; i++) {
      for (let j = 0; j < z.length; j++) {
        if (unbiased && i === j) continue;
        s += k(z[i], z[j]);
        c++;
      }
    }
    return s / c;
  };
  let xy = 0;
  for (const a of x) for (const b of y) xy += k(a, b);
  return within(x) + within(y) - (2 * xy) / (x.length * y.length);
}

/** The median pairwise distance of the pooled sample, self-pairs excluded. */
function slowMedian(z: number[][]): number {
  const d: number[] = [];
  for (let i = 0; i < z.length; i++)
    for (let j = 0; j < z.length; j++)
      if (i !== j) d.push(Math.sqrt(z[i].reduce((s, v, k) => s + (v - z[j][k]) ** 2, 0)));
  d.sort((a, b) => a - b);
  const m = d.length >> 1;
  return d.length % 2 ? d[m] : 0.5 * (d[m - 1] + d[m]);
}

describe('MMD²', () => {
  it('matches a slow double loop (unbiased and biased, median bandwidth of the pooled sample)', () => {
    const rng = createRng(1);
    const x = rng.normal([30, 3]) as tf.Tensor2D;
    const y = rng.normal([25, 3], 0.5, 1.2) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const xs = rows(x);
    const ys = rows(y);
    const h = slowMedian([...xs, ...ys]);
    for (const estimator of ['unbiased', 'biased'] as const) {
      const m = mmd2(x, y, { estimator });
      expect(m.dataSync()[0]).toBeCloseTo(slowMmd2(xs, ys, h, estimator === 'unbiased'), 5);
      m.dispose();
    }
    // an explicit fixed kernel
    const m = mmd2(x, y, { kernel: rbf({ bandwidth: 0.7 }) });
    expect(m.dataSync()[0]).toBeCloseTo(slowMmd2(xs, ys, 0.7, true), 5);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
  });

  it('≈ 0 within its null spread for one distribution, clearly larger for a shift', () => {
    const rng = createRng(2);
    const n = 200;
    // the null spread: MMD² over 20 independent same-distribution pairs
    const nulls: number[] = [];
    for (let r = 0; r < 20; r++) {
      nulls.push(
        tf.tidy(
          () =>
            mmd2(
              rng.normal([n, 2]) as tf.Tensor2D,
              rng.normal([n, 2]) as tf.Tensor2D,
            ).dataSync()[0],
        ),
      );
    }
    const mean = nulls.reduce((a, b) => a + b, 0) / nulls.length;
    const sd = Math.sqrt(nulls.reduce((a, b) => a + (b - mean) ** 2, 0) / (nulls.length - 1));
    expect(Math.abs(mean)).toBeLessThan(3 * (sd / Math.sqrt(nulls.length)) + 1e-4); // unbiased: E = 0
    const same = tf.tidy(
      () =>
        mmd2(rng.normal([n, 2]) as tf.Tensor2D, rng.normal([n, 2]) as tf.Tensor2D).dataSync()[0],
    );
    expect(Math.abs(same)).toBeLessThan(4 * sd);
    const shifted = tf.tidy(
      () =>
        mmd2(rng.normal([n, 2]) as tf.Tensor2D, rng.normal([n, 2], 1) as tf.Tensor2D).dataSync()[0],
    );
    expect(shifted).toBeGreaterThan(10 * sd);
    const biasedSame = tf.tidy(
      () =>
        mmd2(rng.normal([n, 2]) as tf.Tensor2D, rng.normal([n, 2]) as tf.Tensor2D, {
          estimator: 'biased',
        }).dataSync()[0],
    );
    expect(biasedSame).toBeGreaterThan(0); // V-statistic is ≥ 0 and biased upward
  });

  it('rejects bad input', () => {
    const a = tf.zeros([4, 2]) as tf.Tensor2D;
    const b = tf.zeros([4, 3]) as tf.Tensor2D;
    expect(() => mmd2(a, b)).toThrow(/y: expected shape \[\?, 2\], got \[4, 3\]/);
    expect(() => mmd2(a, a, { estimator: 'x' as never })).toThrow(/estimator/);
    expect(() => mmd2(tf.zeros([1, 2]) as tf.Tensor2D, a)).toThrow(/at least 2 rows/);
    tf.dispose([a, b]);
  });
});

describe('energy distance', () => {
  it('matches the definition by loops and separates shifted samples', () => {
    const rng = createRng(3);
    const x = rng.normal([20, 2]) as tf.Tensor2D;
    const y = rng.normal([15, 2], 1) as tf.Tensor2D;
    const xs = rows(x);
    const ys = rows(y);
    const dist = (a: number[], b: number[]) => Math.hypot(...a.map((v, i) => v - b[i]));
    const avg = (p: number[][], q: number[][], skipDiag: boolean) => {
      let s = 0;
      let c = 0;
      p.forEach((a, i) => {
        q.forEach((b, j) => {
          if (skipDiag && i === j) return;
          s += dist(a, b);
          c++;
        });
      });
      return s / c;
    };
    const before = tf.memory().numTensors;
    for (const estimator of ['unbiased', 'biased'] as const) {
      const u = estimator === 'unbiased';
      const e = energyDistance(x, y, { estimator });
      expect(e.dataSync()[0]).toBeCloseTo(
        2 * avg(xs, ys, false) - avg(xs, xs, u) - avg(ys, ys, u),
        3,
      );
      e.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    const same = tf.tidy(
      () =>
        energyDistance(
          rng.normal([300, 2]) as tf.Tensor2D,
          rng.normal([300, 2]) as tf.Tensor2D,
        ).dataSync()[0],
    );
    const far = tf.tidy(
      () =>
        energyDistance(
          rng.normal([300, 2]) as tf.Tensor2D,
          rng.normal([300, 2], 1) as tf.Tensor2D,
        ).dataSync()[0],
    );
    expect(Math.abs(same)).toBeLessThan(0.05);
    expect(far).toBeGreaterThan(0.5);
    tf.dispose([x, y]);
  });
});
