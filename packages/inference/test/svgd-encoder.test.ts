import { setLearningRate } from '@steinkit/amortizers';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  implicitEncoder,
  importanceLogLikelihood,
  inferenceDispose,
  inferenceInit,
  inferenceStep,
} from '../src/index';
import { gaussLogPdf, inv, linearGaussianModel, matMul, matT } from './helpers';

// Conjugate model: z ~ N(0, I₂), x|z ~ N(Az, s²I₃); posterior N(Σ Aᵀx/s², Σ), Σ = (I + AᵀA/s²)⁻¹.
const A = [
  [1, 0.5],
  [-0.4, 0.9],
  [0.3, -0.2],
];
const s = 0.6;

describe('amortized SVGD encoder (update (10), target p(z|x)) on a conjugate Gaussian model', () => {
  it('the implicit encoder learns every x’s posterior mean and covariance; IS log-likelihood with the moment-matched proposal ≈ exact log p(x)', () => {
    const { model } = linearGaussianModel(A, s);
    const enc = implicitEncoder({ inputDim: 3, latentDim: 2, noiseDim: 2, hidden: [], seed: 3 });
    const xs = [
      [1, -0.5, 0.4],
      [-1.2, 0.8, 0],
      [0.3, 1.5, -0.7],
      [0, 0, 0.2],
    ];
    const x = tf.tensor2d(xs);
    const before = tf.memory().numTensors;
    let state = inferenceInit({ learningRate: 0.05, seed: 1 });
    const opts = { encoder: enc, model, objective: { kind: 'svgd' as const, particles: 100 } };
    for (let t = 0; t < 180; t++) {
      if (t === 120) setLearningRate(state.optimizer, 0.005);
      const r = inferenceStep(state, { x }, opts);
      state = r.state;
      r.info.bound.dispose();
    }
    inferenceDispose(state);
    expect(tf.memory().numTensors).toBe(before);

    const AtA = matMul(matT(A), A);
    const Sigma = inv(AtA.map((r, i) => r.map((v, j) => v / (s * s) + (i === j ? 1 : 0))));
    const z = tf.tidy(() => enc.sample(x, enc.noise(4, 4000, 99)).arraySync()) as number[][][];
    let meanErr = 0;
    let covErr = 0;
    xs.forEach((xv, b) => {
      const Atx = matMul(
        matT(A),
        xv.map((v) => [v / (s * s)]),
      );
      const mu = matMul(Sigma, Atx).map((r) => r[0]);
      const zb = z[b];
      const m = [0, 1].map((k) => zb.reduce((a, r) => a + r[k], 0) / zb.length);
      const C = [0, 1].map((i) =>
        [0, 1].map(
          (j) => zb.reduce((a, r) => a + (r[i] - m[i]) * (r[j] - m[j]), 0) / (zb.length - 1),
        ),
      );
      meanErr = Math.max(meanErr, ...m.map((v, k) => Math.abs(v - mu[k])));
      const num = Math.hypot(...C.flatMap((r, i) => r.map((v, j) => v - Sigma[i][j])));
      covErr = Math.max(covErr, num / Math.hypot(...Sigma.flat()));
    });
    console.log(
      `svgd encoder: max |mean − posterior mean| ${meanErr.toFixed(3)}, max rel. cov error ${covErr.toFixed(3)} (posterior sd ≈ ${Math.sqrt(Sigma[0][0]).toFixed(3)})`,
    );
    expect(meanErr).toBeLessThan(0.05);
    expect(covErr).toBeLessThan(0.2);

    // importance-sampled log p(x) with the moment-matched Gaussian proposal vs the exact marginal
    const ll = importanceLogLikelihood({
      model,
      encoder: enc,
      x,
      samples: 2000,
      momentSamples: 500,
      seed: 4,
    });
    const marg = matMul(A, matT(A)).map((r, i) => r.map((v, j) => v + (i === j ? s * s : 0)));
    xs.forEach((xv, b) => {
      expect(Math.abs(ll.perExample[b] - gaussLogPdf(xv, [0, 0, 0], marg))).toBeLessThan(0.02);
    });
    expect(ll.proposal).toMatch(/moment-matched full-covariance Gaussian/);
    x.dispose();
    enc.dispose();
    model.dispose();
  });
});
