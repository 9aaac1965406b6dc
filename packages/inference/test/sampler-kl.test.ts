import { neuralSampler } from '@steinkit/amortizers';
import { adagradMomentum, createRng, fromTfOptimizer, identityOptimizer } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { samplerKl, samplerKlDispose, samplerKlInit, samplerKlStep } from '../src/index';

function linearNet(seed: number) {
  const rng = createRng(seed);
  const w0 = rng.normal([2, 2], 0, 0.3);
  const W = tf.variable(w0);
  const b0 = tf.zeros([2]);
  const b = tf.variable(b0);
  tf.dispose([w0, b0]);
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

  describe('the stepper convention: a SteinOptimizer with its states in the stepper state', () => {
    const score = (x: tf.Tensor2D) => tf.neg(x) as tf.Tensor2D; // N(0, I)
    const entropy = { estimator: 'sge' as const, eta: 0.01 };
    const maxDiff = (a: tf.Variable[], b: tf.Variable[]) =>
      Math.max(
        ...a.map((v, i) => {
          const x = v.dataSync();
          const y = b[i].dataSync();
          return Math.max(...Array.from(x, (xv, k) => Math.abs(xv - y[k])));
        }),
      );
    const twin = () =>
      [linearNet(5), linearNet(5)].map(({ net, variables }) => ({
        variables,
        sampler: neuralSampler({ net, variables, noiseDim: 2, noise: 'normal' }),
      }));

    it('fromTfOptimizer(Adam) follows a tf Adam step for step (its states carried from step to step); samplerKlDispose frees them', () => {
      const [a, b] = twin();
      const before = tf.memory().numTensors;
      const adamA = tf.train.adam(0.05);
      const adamB = tf.train.adam(0.05);
      const wrapped = fromTfOptimizer(adamB);
      const sa = samplerKl({
        sampler: a.sampler,
        score,
        entropy,
        update: { rule: 'vjp', optimizer: adamA },
        batchSize: 16,
        iterations: 6,
        seed: 4,
      });
      expect(sa).toEqual({ iteration: 6, seed: 4 }); // a tf.Optimizer keeps its own slots
      let sb = samplerKlInit({ seed: 4 });
      const update = { rule: 'vjp' as const, optimizer: wrapped };
      for (let t = 0; t < 6; t++) {
        const r = samplerKlStep(sb, { sampler: b.sampler, score, entropy, update, batchSize: 16 });
        expect(r.info.iteration).toBe(t + 1);
        expect(r.state.optimizerStates).toHaveLength(2);
        sb = r.state;
      }
      // Re-creating the states each step (dropping them) restarts Adam's moments: the
      // trajectories would part after the first step (checked: max diff ≈ 1e-2).
      expect(maxDiff(a.variables, b.variables)).toBeLessThan(1e-6);
      const init = linearNet(5).variables;
      expect(maxDiff(a.variables, init)).toBeGreaterThan(0.05);
      tf.dispose(init);
      samplerKlDispose(sb, { update });
      adamA.dispose();
      adamB.dispose();
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([...a.variables, ...b.variables]);
    });

    it('the loop runs on runLoop: onStep false stops, an async onStep makes it a Promise; adagradMomentum states match a manual stepping', async () => {
      const [a, b] = twin();
      const mk = () => adagradMomentum({ learningRate: 0.05 });
      const before = tf.memory().numTensors;
      const seen: number[] = [];
      const optA = mk();
      const sa = samplerKl({
        sampler: a.sampler,
        score,
        entropy,
        update: { rule: 'vjp', optimizer: optA },
        batchSize: 16,
        iterations: 10,
        seed: 1,
        onStep: (info) => {
          seen.push(info.iteration);
          return info.iteration < 4;
        },
      });
      expect(seen).toEqual([1, 2, 3, 4]);
      expect(sa.iteration).toBe(4);
      const optB = mk();
      const pb = samplerKl({
        sampler: b.sampler,
        score,
        entropy,
        update: { rule: 'vjp', optimizer: optB },
        batchSize: 16,
        iterations: 4,
        seed: 1,
        onStep: async () => {},
      });
      expect(pb).toBeInstanceOf(Promise);
      const sb = await pb;
      expect(sb.iteration).toBe(4);
      expect(maxDiff(a.variables, b.variables)).toBeLessThan(1e-6);
      expect((sa.optimizerStates as { iter: number }[]).map((s) => s.iter)).toEqual([4, 4]);
      samplerKlDispose(sa, { update: { rule: 'vjp', optimizer: optA } });
      samplerKlDispose(sb, { update: { rule: 'vjp', optimizer: optB } });
      expect(tf.memory().numTensors).toBe(before);
      expect(() =>
        samplerKlStep(samplerKlInit(), {
          sampler: a.sampler,
          score,
          entropy,
          update: { rule: 'vjp', optimizer: 'adam' as never },
          batchSize: 16,
        }),
      ).toThrow(/update\.optimizer/);
      expect(tf.memory().numTensors).toBe(before);
      // identityOptimizer: a plain data state (null per variable), nothing to free
      const r = samplerKlStep(samplerKlInit(), {
        sampler: a.sampler,
        score,
        entropy,
        update: { rule: 'vjp', optimizer: identityOptimizer() },
        batchSize: 16,
      });
      expect(r.state.optimizerStates).toEqual([null, null]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([...a.variables, ...b.variables]);
    });
  });
});
