import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { gaussianMixture, paperMixture1d } from '../src/index';

/** log ∫ p(x) N(y; x, τ) dx by the trapezoid rule on [−30, 30] (float64), p = Σ w_k N(μ_k, s_k²). */
function logConvolved(y: number, tau: number, mus: number[], ss: number[], ws: number[]): number {
  const norm = (v: number, m: number, s2: number) =>
    Math.exp(-((v - m) ** 2) / (2 * s2)) / Math.sqrt(2 * Math.PI * s2);
  const h = 1e-3;
  let acc = 0;
  for (let x = -30; x <= 30; x += h) {
    const px = mus.reduce((a, m, k) => a + ws[k] * norm(x, m, ss[k] ** 2), 0);
    acc += px * norm(y, x, tau);
  }
  return Math.log(acc * h);
}

describe('gaussianMixture(...).smoothed(σ²)', () => {
  it('is p ∗ N(0, σ²): log-density and score match quadrature of the convolution (1-D, unequal stds and weights)', () => {
    const before = tf.memory().numTensors;
    const mus = [-3, 1.5];
    const ss = [0.6, 1.2];
    const ws = [0.3, 0.7];
    const tau = 0.8;
    const p = gaussianMixture({ means: mus.map((m) => [m]), std: ss, weights: ws });
    const ps = p.smoothed(tau);
    const ys = [-4, -1, 0.3, 2.5];
    const y = tf.tensor2d(ys, [4, 1]);
    const outs = [ps.logProb(y), ps.score(y), p.score(y)];
    const [lp, sc, raw] = outs.map((t) => t.dataSync());
    const eps = 1e-3;
    for (const [i, v] of ys.entries()) {
      expect(lp[i]).toBeCloseTo(logConvolved(v, tau, mus, ss, ws), 4);
      const fd =
        (logConvolved(v + eps, tau, mus, ss, ws) - logConvolved(v - eps, tau, mus, ss, ws)) /
        (2 * eps);
      expect(sc[i]).toBeCloseTo(fd, 3);
    }
    // smoothing changes the score (it is not the raw one)
    expect(Math.max(...ys.map((_, i) => Math.abs(sc[i] - raw[i])))).toBeGreaterThan(0.2);
    tf.dispose([y, ...outs]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('composes (smoothed(a).smoothed(b) = smoothed(a + b)), keeps the name, and rejects a bad variance', () => {
    const p = paperMixture1d();
    const y = tf.tensor2d([[-1], [0.5], [3]]);
    const a = p.smoothed(0.5).smoothed(0.25).score(y).dataSync();
    const b = p.smoothed(0.75).score(y).dataSync();
    for (let i = 0; i < 3; i++) expect(a[i]).toBeCloseTo(b[i], 5);
    expect(p.smoothed(0.5).name).toContain('N(0, 0.5·I)');
    expect(() => p.smoothed(-1)).toThrow(/noiseVar/);
    expect(() => p.smoothed(Number.NaN)).toThrow(RangeError);
    y.dispose();
  });
});
