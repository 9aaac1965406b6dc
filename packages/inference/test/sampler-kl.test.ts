import { neuralSampler } from '@steinkit/amortizers';
import { createRng } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { samplerKl, samplerKlInit, samplerKlStep } from '../src/index';

function linearNet(seed: number) {
  const rng = createRng(seed);
  const W = tf.variable(rng.normal([2, 2], 0, 0.3));
  const b = tf.variable(tf.zeros([2]));
  return { net: (e: tf.Tensor2D) => tf.add(tf.matMul(e, W), b), variables: [W, b] };
}

describe('implicit sampler trained by KL(q‖p) with the SGE entropy gradient', () => {
  it('a linear sampler x = Wξ + b, ξ ~ N(0, I), learns a correlated Gaussian target (mean and covariance)', () => {
    const { net, variables } = linearNet(1);
    const sampler = neuralSampler({ net, variables, noiseDim: 2, noise: 'normal' });
    const mu = [1, -0.5];
    const P = [
      [1.5, -0.6],
      [-0.6, 1],
    ]; // precision
    const score = (x: tf.Tensor2D) =>
      tf.tidy(() => tf.neg(tf.matMul(tf.sub(x, tf.tensor1d(mu)), tf.tensor2d(P)))) as tf.Tensor2D;
    const optimizer = tf.train.adam(0.05);
    const before = tf.memory().numTensors;
    const state = samplerKl({
      sampler,
      score,
      entropy: { estimator: 'sge', eta: 0.01 },
      update: { rule: 'vjp', optimizer },
      batchSize: 60,
      iterations: 150,
      seed: 2,
    });
    expect(state.iteration).toBe(150);
    expect(tf.memory().numTensors).toBe(before + 4); // Adam's two moments per variable
    const x = sampler.sample(5000, 7);
    const xs = x.arraySync() as number[][];
    x.dispose();
    const m = [0, 1].map((k) => xs.reduce((a, r) => a + r[k], 0) / xs.length);
    const C = [0, 1].map((i) =>
      [0, 1].map(
        (j) => xs.reduce((a, r) => a + (r[i] - m[i]) * (r[j] - m[j]), 0) / (xs.length - 1),
      ),
    );
    const det = P[0][0] * P[1][1] - P[0][1] * P[1][0];
    const Sigma = [
      [P[1][1] / det, -P[0][1] / det],
      [-P[1][0] / det, P[0][0] / det],
    ];
    expect(Math.hypot(m[0] - mu[0], m[1] - mu[1])).toBeLessThan(0.1);
    const err =
      Math.hypot(...C.flatMap((r, i) => r.map((v, j) => v - Sigma[i][j]))) /
      Math.hypot(...Sigma.flat());
    expect(err).toBeLessThan(0.2);
    // the step is resumable: same (seed, iteration) → same noise, same update
    expect(samplerKlInit({ seed: 2 })).toEqual({ iteration: 0, seed: 2 });
    expect(() =>
      samplerKlStep(state, {
        sampler,
        score,
        entropy: { estimator: 'sge' },
        update: { rule: 'vjp', optimizer },
        batchSize: 1,
      }),
    ).toThrow(/batchSize/);
    optimizer.dispose();
    tf.dispose(variables);
  });
});
