import { createRng } from '@steinkit/core';
import { paperMixture1d } from '@steinkit/energy-models';
import {
  frechetDistance,
  gaussianFrechetDistance,
  ksdMetric,
  logMeanExp,
  meanAndCovariance,
  meanLogLikelihood,
  parzenLogLikelihood,
} from '@steinkit/metrics';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

describe('Fréchet distance', () => {
  it('is 0 for identical sets and leaks nothing', () => {
    const x = createRng(1).normal([200, 6]) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    expect(frechetDistance(x, x)).toBeLessThan(1e-6);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('matches the closed form for Gaussians', () => {
    // commuting (diagonal) covariances: W₂² = ‖Δμ‖² + Σ (√a_i − √b_i)²
    const d = 3;
    const a = [4, 1, 0.25];
    const b = [1, 9, 0.25];
    const diag = (v: number[]) => v.flatMap((x, i) => v.map((_, j) => (i === j ? x : 0)));
    const closed = 1 + 4 + a.reduce((s, ai, i) => s + (Math.sqrt(ai) - Math.sqrt(b[i])) ** 2, 0);
    expect(gaussianFrechetDistance([0, 0, 0], diag(a), [1, 0, 2], diag(b))).toBeCloseTo(closed, 10);
    // non-commuting 2×2 case against the 2×2 formula tr√M = √(tr M + 2√det M)
    const c1 = [2, 0.8, 0.8, 1];
    const c2 = [1, -0.3, -0.3, 0.5];
    const sqrtTr = (m: number[]) =>
      Math.sqrt(m[0] + m[3] + 2 * Math.sqrt(m[0] * m[3] - m[1] * m[2]));
    // tr (Σ₁^{½} Σ₂ Σ₁^{½})^{½} = tr (Σ₁Σ₂)^{½}, and for 2×2 tr √P = √(tr P + 2√det P)
    const p = [
      c1[0] * c2[0] + c1[1] * c2[2],
      c1[0] * c2[1] + c1[1] * c2[3],
      c1[2] * c2[0] + c1[3] * c2[2],
      c1[2] * c2[1] + c1[3] * c2[3],
    ];
    const want = 0 + c1[0] + c1[3] + c2[0] + c2[3] - 2 * sqrtTr(p);
    expect(gaussianFrechetDistance([0, 0], c1, [0, 0], c2)).toBeCloseTo(want, 10);
    expect(gaussianFrechetDistance([0, 0], c1, [0, 0], c1)).toBeLessThan(1e-10);
    expect(() => gaussianFrechetDistance([0], c1, [0, 0], c2)).toThrow(/mean2: expected length 1/);

    // from samples: the estimate converges to the closed form of the sampling laws
    const rng = createRng(4);
    const n = 20000;
    const x = tf.tidy(() => tf.mul(rng.normal([n, d]), tf.sqrt(tf.tensor1d(a)))) as tf.Tensor2D;
    const y = tf.tidy(() =>
      tf.add(tf.mul(rng.normal([n, d]), tf.sqrt(tf.tensor1d(b))), tf.tensor1d([1, 0, 2])),
    ) as tf.Tensor2D;
    expect(frechetDistance(x, y)).toBeCloseTo(closed, 1);
    const mc = meanAndCovariance(x);
    expect(mc.cov[0]).toBeCloseTo(4, 0);
    tf.dispose([x, y]);
  });

  it('handles a rank-deficient 128-d covariance (PSD clamp, no NaN)', () => {
    const rng = createRng(5);
    const x = tf.tidy(() => tf.matMul(rng.normal([300, 10]), rng.normal([10, 128]))) as tf.Tensor2D;
    const y = tf.tidy(() => tf.add(x, 0.01)) as tf.Tensor2D;
    const f = frechetDistance(x, y);
    expect(Number.isFinite(f)).toBe(true);
    expect(f).toBeCloseTo(128 * 1e-4, 1);
    tf.dispose([x, y]);
  });

  it('accepts collapsed samples: a large common offset with rank-2 spread (float32 data)', () => {
    // A collapsed generator: 10 000 near-identical 128-d feature rows far from 0.
    // A float32 Gram of the centered rows loses the PSD property to round-off.
    const rng = createRng(6);
    const n = 10000;
    const d = 128;
    const x = tf.tidy(() =>
      tf.add(
        tf.matMul(tf.mul(rng.normal([n, 2]), 1e-3), rng.normal([2, d])),
        tf.mul(rng.normal([1, d]), 50),
      ),
    ) as tf.Tensor2D;
    const mc = meanAndCovariance(x);
    // float64 reference of one entry and of the trace
    const v = x.dataSync();
    let m0 = 0;
    for (let r = 0; r < n; r++) m0 += v[r * d];
    m0 /= n;
    let c00 = 0;
    for (let r = 0; r < n; r++) c00 += (v[r * d] - m0) ** 2;
    c00 /= n - 1;
    expect(mc.cov[0]).toBeCloseTo(c00, 12);
    const f = frechetDistance(x, x);
    expect(Number.isFinite(f)).toBe(true);
    expect(f).toBeLessThan(1e-6);
    tf.dispose(x);
  });
});

describe('test log-likelihood helpers', () => {
  it('mean log-likelihood in chunks equals the direct mean; non-finite is an error', () => {
    const t = paperMixture1d();
    const x = t.sample(1000, 1);
    const before = tf.memory().numTensors;
    const direct = tf.tidy(() => tf.mean(t.logProb(x)).dataSync()[0]);
    expect(meanLogLikelihood(t.logProb, x, { batchSize: 128 })).toBeCloseTo(direct, 4);
    expect(tf.memory().numTensors).toBe(before);
    const bad = (z: tf.Tensor2D) =>
      tf.tidy(() => tf.log(tf.reshape(tf.sub(z, 100), [-1]))) as tf.Tensor1D;
    expect(() => meanLogLikelihood(bad, x)).toThrow(/non-finite log-density NaN at row 0/);
    x.dispose();
  });

  it('logMeanExp is stable; Parzen estimate approaches the true density', () => {
    const a = tf.tensor2d([
      [1000, 1000],
      [-1000, -1001],
    ]);
    const l = logMeanExp(a, 1).dataSync();
    expect(l[0]).toBeCloseTo(1000, 4);
    expect(l[1]).toBeCloseTo(-1000 + Math.log((1 + Math.exp(-1)) / 2), 3);
    a.dispose();
    const t = paperMixture1d();
    const s = t.sample(4000, 2);
    const test = t.sample(500, 3);
    const truth = meanLogLikelihood(t.logProb, test);
    const parzen = parzenLogLikelihood(s, test, 0.2);
    expect(Math.abs(parzen - truth)).toBeLessThan(0.05);
    tf.dispose([s, test]);
  });
});

describe('KSD metric', () => {
  it('is small for target samples, large for shifted ones', () => {
    const t = paperMixture1d();
    const good = t.sample(300, 4);
    const bad = tf.tidy(() => tf.add(t.sample(300, 5), 1.5)) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const kg = ksdMetric(good, t.score);
    const kb = ksdMetric(bad, t.score);
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(Math.abs(kg.dataSync()[0])).toBeLessThan(0.02);
    expect(kb.dataSync()[0]).toBeGreaterThan(10 * Math.abs(kg.dataSync()[0]) + 0.05);
    tf.dispose([good, bad, kg, kb]);
  });
});
