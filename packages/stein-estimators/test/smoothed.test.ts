// Noise-smoothed KSD (Wenliang & Kanagawa 2020): blindness of KSD to mixing
// proportions of separated modes, and the remedy on the convolved distributions.
import { createRng, type Rng } from '@steinkit/core';
import { rbf } from '@steinkit/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { convolvedScore, ksdTest, smoothedKsd, smoothedKsdTest } from '../src/index';

const MU = 5; // modes at ±5, std 1: e^{−12.5} density ratio at the midpoint

/** Score of w N(−μ, s²) + (1 − w) N(μ, s²) in 1-D (s² = 1 + σ² is the mixture convolved with N(0, σ²)). */
function mixScore(w: number, s2: number) {
  return (x: tf.Tensor2D) =>
    tf.tidy(() => {
      const a = tf.sub(Math.log(w), tf.div(tf.square(tf.add(x, MU)), 2 * s2));
      const b = tf.sub(Math.log(1 - w), tf.div(tf.square(tf.sub(x, MU)), 2 * s2));
      const r = tf.sigmoid(tf.sub(a, b)); // responsibility of −μ
      const toMinus = tf.neg(tf.add(x, MU));
      const toPlus = tf.neg(tf.sub(x, MU));
      return tf.div(tf.add(tf.mul(r, toMinus), tf.mul(tf.sub(1, r), toPlus)), s2) as tf.Tensor2D;
    });
}

function mixLogProb(w: number) {
  return (x: tf.Tensor2D) =>
    tf.tidy(() => {
      const a = tf.sub(Math.log(w), tf.div(tf.square(tf.add(x, MU)), 2));
      const b = tf.sub(Math.log(1 - w), tf.div(tf.square(tf.sub(x, MU)), 2));
      return tf.squeeze(tf.logSumExp(tf.concat([a, b], 1), 1, true), [1]) as tf.Tensor1D;
    });
}

/** n draws of w N(−μ, 1) + (1 − w) N(μ, 1). */
function sample(rng: Rng, n: number, w: number) {
  return tf.tidy(() => {
    const plus = tf.step(tf.sub(rng.uniform([n, 1]), w));
    return tf.add(rng.normal([n, 1]), tf.mul(MU, tf.sub(tf.mul(2, plus), 1))) as tf.Tensor2D;
  });
}

const SIGMA = 4;
const kernel = rbf(); // median heuristic, resolved on the (noisy) samples

describe('noise-smoothed KSD test (model ½N(−5, 1) + ½N(5, 1), n = 100)', () => {
  it('is calibrated under H₀: 150 null draws reject within 0.05 ± 3 binomial s.e. (at most 0.10, more than 0)', () => {
    const before = tf.memory().numTensors;
    const rng = createRng(3);
    let rejections = 0;
    const trials = 150;
    for (let t = 0; t < trials; t++) {
      const x = sample(rng, 100, 0.5);
      const res = smoothedKsdTest(x, mixScore(0.5, 1 + SIGMA ** 2), kernel, {
        noiseStd: SIGMA,
        bootstraps: 200,
        seed: t,
      });
      if (res.reject) rejections++;
      x.dispose();
    }
    expect(rejections / trials).toBeGreaterThan(0);
    expect(rejections / trials).toBeLessThanOrEqual(0.1);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('KSD is blind to the proportions (0.8/0.2 instead of ½/½: power ≤ 0.15), the smoothed test is not (≥ 0.7)', () => {
    const rng = createRng(4);
    let plain = 0;
    let smoothed = 0;
    const trials = 50;
    for (let t = 0; t < trials; t++) {
      const x = sample(rng, 100, 0.8);
      if (ksdTest(x, mixScore(0.5, 1), kernel, { bootstraps: 300, seed: t }).reject) plain++;
      const res = smoothedKsdTest(x, mixScore(0.5, 1 + SIGMA ** 2), kernel, {
        noiseStd: SIGMA,
        bootstraps: 300,
        seed: t,
      });
      if (res.reject) smoothed++;
      x.dispose();
    }
    expect(plain / trials).toBeLessThanOrEqual(0.15);
    expect(smoothed / trials).toBeGreaterThanOrEqual(0.7);
  });

  it('smoothedKsd is the U-statistic of ksdTest on x + σε (same noise seed)', () => {
    const rng = createRng(5);
    const x0 = sample(rng, 200, 0.5);
    const x1 = sample(rng, 200, 0.8);
    const sc = mixScore(0.5, 1 + SIGMA ** 2);
    const v0 = smoothedKsd(x0, sc, kernel, { noiseStd: SIGMA, noiseSeed: 7 });
    const v1 = smoothedKsd(x1, sc, kernel, { noiseStd: SIGMA, noiseSeed: 7 });
    const noise = createRng(7).fork().normal([200, 1], 0, SIGMA);
    const y1 = tf.add(x1, noise) as tf.Tensor2D;
    const direct = tf.tidy(() => ksdTest(y1, sc, kernel, { bootstraps: 1 }).statistic);
    expect(v1.dataSync()[0]).toBeCloseTo(direct, 6);
    expect(v1.dataSync()[0]).toBeGreaterThan(v0.dataSync()[0]);
    tf.dispose([x0, x1, v0, v1, noise, y1]);
  });
});

describe('convolvedScore (self-normalized importance sampling of E[∇log p(x) | y])', () => {
  // SNIS is noisiest at y = 0, between the modes (bimodal posterior): the tolerances are its Monte Carlo error
  const y = tf.linspace(-9, 9, 19).reshape([19, 1]) as tf.Tensor2D;
  const exact = mixScore(0.3, 1 + 0.8 ** 2)(y);
  const exactArr = exact.dataSync();
  const scale = Math.max(...Array.from(exactArr, Math.abs));

  it.each([
    ['with the score', true, 0.04],
    ['Tweedie form (log p only)', false, 0.1],
  ])(
    'matches the exact mixture-convolved score, %s (σ = 0.8, M = 20000)',
    (_name, useScore, tol) => {
      const before = tf.memory().numTensors;
      const approx = convolvedScore(mixLogProb(0.3), {
        noiseStd: 0.8,
        draws: 20_000,
        seed: 1,
        score: useScore ? mixScore(0.3, 1) : undefined,
      });
      const a = approx(y);
      const err = Math.max(...Array.from(a.dataSync(), (v, i) => Math.abs(v - exactArr[i])));
      a.dispose();
      console.log(`convolvedScore ${_name}: max rel error ${(err / scale).toFixed(3)}`);
      expect(err / scale).toBeLessThan(tol);
      expect(tf.memory().numTensors).toBe(before);
      // and it is not the unsmoothed score
      const raw = mixScore(0.3, 1)(y);
      const gap = Math.max(...Array.from(raw.dataSync(), (v, i) => Math.abs(v - exactArr[i])));
      raw.dispose();
      expect(gap / scale).toBeGreaterThan(0.3);
    },
  );

  it('rejects bad input with named errors', () => {
    const x = tf.zeros([4, 1]) as tf.Tensor2D;
    expect(() => convolvedScore(mixLogProb(0.3), { noiseStd: 0 })).toThrow(/noiseStd/);
    expect(() => convolvedScore(mixLogProb(0.3), { noiseStd: 1, draws: 0 })).toThrow(/draws/);
    expect(() => convolvedScore(5 as never, { noiseStd: 1 })).toThrow(TypeError);
    expect(() => smoothedKsd(x, mixScore(0.5, 2), kernel, { noiseStd: -1 })).toThrow(/noiseStd/);
    expect(() => smoothedKsdTest(x, tf.zeros([4, 1]) as never, kernel, { noiseStd: 1 })).toThrow(
      /smoothedScore/,
    );
    expect(() => smoothedKsd(x, mixScore(0.5, 2), kernel, undefined as never)).toThrow(/noiseStd/);
    x.dispose();
  });
});
