import { type AmortizedRule, amortizedSvgd, neuralSampler } from '@steinkit/amortizers';
import { createRng } from '@steinkit/core';
import { rbf, SVGD_MEDIAN } from '@steinkit/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { mmd2, tinyMlp } from './helpers';

// Target N(μ, diag(σ²)) with a closed-form score.
const mu = [1, -1];
const sd = [0.6, 1.2];
const score = (x: tf.Tensor2D) =>
  tf.tidy(() =>
    tf.div(tf.sub(tf.tensor1d(mu), x), tf.tensor1d(sd.map((s) => s * s))),
  ) as tf.Tensor2D;
const targetSamples = () =>
  tf.tidy(() =>
    tf.add(tf.mul(createRng(77).normal([300, 2]), tf.tensor1d(sd)), tf.tensor1d(mu)),
  ) as tf.Tensor2D;

function stats(x: tf.Tensor2D) {
  const m = tf.moments(x, 0);
  const out = {
    mean: Array.from(m.mean.dataSync()),
    sd: Array.from(tf.sqrt(m.variance).dataSync()),
  };
  tf.dispose([m.mean, m.variance]);
  return out;
}

describe('amortized SVGD (Algorithm 1) moves a small sampler toward a 2-D Gaussian', () => {
  const cases: [string, (o: () => tf.Optimizer) => AmortizedRule, number][] = [
    ['(10) vjp', (o) => ({ rule: 'vjp', optimizer: o() }), 120],
    ['(8) fit', (o) => ({ rule: 'fit', optimizer: o(), stepSize: 1, innerSteps: 3 }), 90],
    [
      '(9) leastSquares',
      () => ({ rule: 'leastSquares', stepSize: 0.5, cgIterations: 5, damping: 1e-2 }),
      80,
    ],
  ];
  it.each(cases)(
    '%s: MMD² to the target falls by ≥ 5× and the moments approach (μ, σ)',
    (_name, make, iters) => {
      const { net, variables } = tinyMlp(3, 16, 2, 5);
      const sampler = neuralSampler({ net, variables, noiseDim: 3, seed: 1 });
      const y = targetSamples();
      const x0 = sampler.sample(300, 123);
      const before = mmd2(x0, y);
      const opt = tf.train.adam(0.03);
      const update = make(() => opt);
      const n0 = tf.memory().numTensors;
      const state = amortizedSvgd({
        sampler,
        score,
        kernel: rbf({ bandwidth: SVGD_MEDIAN }),
        update,
        batchSize: 32,
        iterations: iters,
        seed: 4,
      });
      // Adam slots are created lazily on the first step and kept by the optimizer
      const slots = update.rule === 'leastSquares' ? 0 : 2 * variables.length;
      expect(tf.memory().numTensors).toBe(n0 + slots);
      expect(state.iteration).toBe(iters);
      const x1 = sampler.sample(300, 123);
      const after = mmd2(x1, y);
      const st = stats(x1);
      expect(after).toBeLessThan(before / 5);
      expect(Math.abs(st.mean[0] - mu[0])).toBeLessThan(0.25);
      expect(Math.abs(st.mean[1] - mu[1])).toBeLessThan(0.25);
      // eq. (7)'s self term biases the spread low with fresh batches (see the excludeSelf test)
      for (let k = 0; k < 2; k++) {
        expect(st.sd[k]).toBeGreaterThan(0.55 * sd[k]);
        expect(st.sd[k]).toBeLessThan(1.15 * sd[k]);
      }
      tf.dispose([x0, x1, y, ...variables]);
      opt.dispose();
    },
  );
});

describe('excludeSelf', () => {
  it('removes the downward variance bias of (7) with fresh batches (sd within 15% instead of ≈ −25%)', () => {
    const run = (excludeSelf: boolean) => {
      const { net, variables } = tinyMlp(3, 16, 2, 5);
      const sampler = neuralSampler({ net, variables, noiseDim: 3, seed: 1, noise: 'normal' });
      const opt = tf.train.adam(0.015);
      amortizedSvgd({
        sampler,
        score,
        kernel: rbf({ bandwidth: SVGD_MEDIAN }),
        update: { rule: 'vjp', optimizer: opt },
        batchSize: 32,
        iterations: 200,
        seed: 4,
        excludeSelf,
      });
      const x = sampler.sample(2000, 5);
      const st = stats(x);
      tf.dispose([x, ...variables]);
      opt.dispose();
      return st.sd.map((v, k) => v / sd[k]);
    };
    const paper = run(false);
    const unbiased = run(true);
    for (let k = 0; k < 2; k++) {
      expect(unbiased[k]).toBeGreaterThan(0.85);
      expect(unbiased[k]).toBeLessThan(1.15);
      expect(paper[k]).toBeLessThan(unbiased[k]);
    }
  });
});
