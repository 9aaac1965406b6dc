import { adagradMomentum, createRng, identityOptimizer } from '@steinkit/core';
import { rbf, SVGD_MEDIAN } from '@steinkit/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { sgdOptimizer, svgd, svgdDispose, svgdInit, svgdStep } from '../src/index';

it('sgdOptimizer is the deprecated alias of core identityOptimizer', () => {
  expect(sgdOptimizer).toBe(identityOptimizer);
});

function moments(x: tf.Tensor2D) {
  const a = x.arraySync();
  const n = a.length;
  const d = a[0].length;
  const mean = Array.from({ length: d }, (_, j) => a.reduce((s, r) => s + r[j], 0) / n);
  const cov = mean.map((_, i) =>
    mean.map((__, j) => a.reduce((s, r) => s + (r[i] - mean[i]) * (r[j] - mean[j]), 0) / n),
  );
  return { mean, cov };
}

describe('svgd sampler', () => {
  it('recovers mean and covariance of a correlated 2-D Gaussian (200 particles)', async () => {
    const mu = [1, -1];
    // Σ = [[1, 0.8], [0.8, 1]], precision P = Σ⁻¹
    const det = 1 - 0.64;
    const P = tf.tensor2d([
      [1 / det, -0.8 / det],
      [-0.8 / det, 1 / det],
    ]);
    const m = tf.tensor2d([mu]);
    const score = (x: tf.Tensor2D) => tf.neg(tf.matMul(tf.sub(x, m), P)) as tf.Tensor2D;
    const init = createRng(1).normal([200, 2]) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    // default AdaGrad with momentum; it ends in an oscillation of amplitude ~stepSize
    const out = await svgd({
      score,
      kernel: rbf({ bandwidth: SVGD_MEDIAN }),
      init,
      steps: 300,
      stepSize: 0.05,
    });
    const { mean, cov } = moments(out);
    out.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(Math.abs(mean[0] - 1)).toBeLessThan(0.05);
    expect(Math.abs(mean[1] + 1)).toBeLessThan(0.05);
    expect(Math.abs(cov[0][0] - 1)).toBeLessThan(0.08);
    expect(Math.abs(cov[1][1] - 1)).toBeLessThan(0.08);
    expect(Math.abs(cov[0][1] - 0.8)).toBeLessThan(0.08);
    tf.dispose([P, m, init]);
  });

  it('recovers the moments of the paper mixture ⅓N(−2, 1) + ⅔N(2, 1)', async () => {
    // score = Σ_k π_k N_k(x) (μ_k − x) / Σ_k π_k N_k(x), stable via softmax of log weights
    const score = (x: tf.Tensor2D) =>
      tf.tidy(() => {
        const mus = tf.tensor2d([[-2, 2]]);
        const logw = tf.add(
          tf.log(tf.tensor2d([[1 / 3, 2 / 3]])),
          tf.mul(-0.5, tf.square(tf.sub(x, mus))),
        );
        const r = tf.softmax(logw);
        return tf.sum(tf.mul(r, tf.sub(mus, x)), 1, true) as tf.Tensor2D;
      });
    const init = createRng(2).normal([200, 1], 0, 2) as tf.Tensor2D;
    const out = await svgd({
      score,
      kernel: rbf({ bandwidth: SVGD_MEDIAN }),
      init,
      steps: 500,
      stepSize: 0.2,
    });
    const { mean, cov } = moments(out);
    const frac = Array.from(out.dataSync()).filter((v) => v > 0).length / 200;
    out.dispose();
    init.dispose();
    expect(Math.abs(mean[0] - 2 / 3)).toBeLessThan(0.2); // true mean 2/3
    expect(Math.abs(cov[0][0] - (5 - 4 / 9)) / (5 - 4 / 9)).toBeLessThan(0.1); // true variance 4.56
    expect(Math.abs(frac - 2 / 3)).toBeLessThan(0.07);
  });

  it('init/step drive the same run by hand, disposing the old state; onStep stops early', async () => {
    const score = (x: tf.Tensor2D) => tf.neg(x) as tf.Tensor2D;
    const init = createRng(5).normal([20, 2]) as tf.Tensor2D;
    const kernel = rbf();
    const before = tf.memory().numTensors;
    let state = svgdInit(init, identityOptimizer());
    const first = state.particles;
    const r1 = svgdStep(state, { score, kernel, stepSize: 0.5 });
    state = r1.state;
    expect(first.isDisposed).toBe(true);
    expect(r1.info).toEqual({ step: 1 });
    state = svgdStep(state, { score, kernel, stepSize: 0.5 }).state;
    expect(state.step).toBe(2);
    const byHand = state.particles.arraySync();
    svgdDispose(state);
    expect(tf.memory().numTensors).toBe(before);
    let calls = 0;
    // The loop is synchronous with a synchronous onStep: the result is the tensor itself.
    const out = svgd({
      score,
      kernel,
      init,
      steps: 10,
      stepSize: 0.5,
      optimizer: identityOptimizer(),
      onStep: (s) => {
        calls++;
        return s < 2;
      },
    });
    expect(out).toBeInstanceOf(tf.Tensor);
    expect(calls).toBe(2);
    expect(out.arraySync()).toEqual(byHand);
    out.dispose();
    expect(tf.memory().numTensors).toBe(before);
    // An async onStep makes it a Promise, awaited each step (early stop included).
    const seen: number[] = [];
    const pending = svgd({
      score,
      kernel,
      init,
      steps: 10,
      stepSize: 0.5,
      optimizer: identityOptimizer(),
      onStep: async (s) => {
        await new Promise((r) => setTimeout(r, 1));
        seen.push(s);
        return s < 2;
      },
    });
    expect(pending).toBeInstanceOf(Promise);
    const outAsync = await pending;
    expect(seen).toEqual([1, 2]);
    expect(outAsync.arraySync()).toEqual(byHand);
    outAsync.dispose();
    expect(tf.memory().numTensors).toBe(before);
    // A throwing async onStep frees the loop's tensors.
    await expect(
      svgd({
        score,
        kernel,
        init,
        steps: 3,
        onStep: async () => Promise.reject(new Error('stop')),
      }),
    ).rejects.toThrow('stop');
    expect(tf.memory().numTensors).toBe(before);
    init.dispose();
  });

  it('accepts a tf.Optimizer and an explicit SteinOptimizer', async () => {
    const score = (x: tf.Tensor2D) => tf.neg(tf.sub(x, 3)) as tf.Tensor2D;
    const init = createRng(6).normal([50, 1]) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const adam = tf.train.adam(0.1);
    const a = await svgd({ score, kernel: rbf(), init, steps: 200, optimizer: adam });
    const b = await svgd({
      score,
      kernel: rbf(),
      init,
      steps: 200,
      optimizer: adagradMomentum({ learningRate: 0.05 }),
    });
    for (const t of [a, b]) expect(Math.abs(moments(t).mean[0] - 3)).toBeLessThan(0.06);
    tf.dispose([a, b]);
    adam.dispose(); // the tf optimizer owns its moment estimates
    expect(tf.memory().numTensors).toBe(before);
    init.dispose();
  });

  it('re-estimates a heuristic bandwidth on the current particles every step', async () => {
    const score = (x: tf.Tensor2D) => tf.neg(x) as tf.Tensor2D;
    const init = createRng(7).normal([30, 2], 0, 3) as tf.Tensor2D;
    const base = rbf();
    const seen: number[] = [];
    const kernel = {
      ...base,
      withBandwidthFrom: (x: tf.Tensor2D) => {
        const k = base.withBandwidthFrom(x);
        seen.push(k.bandwidth as number);
        return k;
      },
    };
    const out = await svgd({ score, kernel, init, steps: 5, stepSize: 0.3 });
    expect(seen.length).toBe(5);
    expect(seen[4]).toBeLessThan(seen[0]); // particles contract from N(0, 9) toward N(0, 1)
    tf.dispose([out, init]);
  });
});
