import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  bernoulliModel,
  gaussianEncoder,
  implicitEncoder,
  logitMeanBias,
  logWeightCritic,
} from '../src/index';
import { gaussLogPdf, randomizeVariables } from './helpers';

describe('gaussianEncoder', () => {
  const full = gaussianEncoder({
    inputDim: 4,
    latentDim: 3,
    hidden: [5],
    covariance: 'full',
    seed: 3,
  });
  const relative = gaussianEncoder({
    inputDim: 4,
    latentDim: 3,
    hidden: [5],
    covariance: 'full',
    lowerPart: 'relative',
    seed: 3,
  });
  const diag = gaussianEncoder({ inputDim: 4, latentDim: 3, hidden: [5], seed: 4 });
  randomizeVariables(full.trainableVariables, 11);
  randomizeVariables(relative.trainableVariables, 11); // the same weights as `full`
  randomizeVariables(diag.trainableVariables, 12);
  const x = tf.tensor2d([
    [0.1, 0.9, 0.3, 0.5],
    [1, 0, 0, 1],
  ]);
  afterAll(() => {
    full.dispose();
    relative.dispose();
    diag.dispose();
    x.dispose();
  });

  for (const [name, enc] of [
    ['full', full],
    ['full, relative lower part', relative],
    ['diagonal', diag],
  ] as const) {
    it(`${name}: log q(z|x) by the triangular solve equals the closed-form N(z; μ, LLᵀ) (float64 inverse and determinant)`, () => {
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const eps = enc.noise(2, 6, 5);
        const { z, logq } = enc.sampleWithLogProb(x, eps);
        const z2 = tf.add(z, tf.mul(0.7, enc.noise(2, 6, 9))) as tf.Tensor3D; // off-sample points too
        const lp = enc.logProb(x, z2);
        const lpAtZ = enc.logProb(x, z);
        const p = enc.params(x);
        const L = p.scaleTril
          ? (p.scaleTril.arraySync() as number[][][])
          : (tf.exp(p.logStd).arraySync() as number[][]).map((s) =>
              s.map((v, i) => s.map((_, j) => (i === j ? v : 0))),
            );
        const mu = p.mean.arraySync() as number[][];
        const zs = z2.arraySync() as number[][][];
        const got = lp.arraySync() as number[][];
        for (let b = 0; b < 2; b++) {
          const Lb = L[b];
          if (name !== 'diagonal')
            expect(Math.abs(Lb[2][0]) + Math.abs(Lb[1][0])).toBeGreaterThan(0.05);
          expect(Lb[0][1]).toBe(0); // lower-triangular
          const Sigma = Lb.map((r) => Lb.map((c) => r.reduce((s, v, k) => s + v * c[k], 0)));
          for (let s = 0; s < 6; s++) {
            const want = gaussLogPdf(zs[b][s], mu[b], Sigma);
            expect(Math.abs(got[b][s] - want)).toBeLessThan(2e-4 * Math.max(1, Math.abs(want)));
          }
        }
        // log q from the noise alone agrees with the solve at z = μ + Lε
        const d = tf.max(tf.abs(tf.sub(logq, lpAtZ))).dataSync()[0];
        expect(d).toBeLessThan(1e-3);
      });
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it("'relative' lower part: L = diag σ · (I + s·M) with the 'absolute' encoder's M at the same weights", () => {
    const scaled = gaussianEncoder({
      inputDim: 4,
      latentDim: 3,
      hidden: [5],
      covariance: 'full',
      lowerPart: 'relative',
      lowerScale: 0.25,
      seed: 3,
    });
    randomizeVariables(scaled.trainableVariables, 11);
    const before = tf.memory().numTensors;
    const a = full.params(x);
    const r = relative.params(x);
    const q = scaled.params(x);
    const La = a.scaleTril?.arraySync() as number[][][];
    const Lr = r.scaleTril?.arraySync() as number[][][];
    const Lq = q.scaleTril?.arraySync() as number[][][];
    const sigma = tf.tidy(() => tf.exp(a.logStd).arraySync()) as number[][];
    let offDiagonalSeen = 0;
    for (let b = 0; b < 2; b++)
      for (let k = 0; k < 3; k++)
        for (let j = 0; j < 3; j++) {
          // absolute: L = M + diag σ, so M_kj = La_kj below the diagonal
          const want = j < k ? sigma[b][k] * La[b][k][j] : La[b][k][j];
          expect(Lr[b][k][j]).toBeCloseTo(want, 6);
          expect(Lq[b][k][j]).toBeCloseTo(j < k ? 0.25 * want : want, 6);
          if (j < k) offDiagonalSeen += Math.abs(La[b][k][j] - Lr[b][k][j]);
        }
    expect(offDiagonalSeen).toBeGreaterThan(0.01); // σ ≠ 1: the two variants really differ
    tf.dispose([a, r, q].flatMap((p) => [p.mean, p.logStd, p.scaleTril as tf.Tensor]));
    expect(tf.memory().numTensors).toBe(before);
    scaled.dispose();
  });

  it('has a positive diagonal and a full encoder starts diagonal', () => {
    const e = gaussianEncoder({
      inputDim: 4,
      latentDim: 3,
      hidden: [],
      covariance: 'full',
      seed: 1,
    });
    const p = e.params(x);
    const L = p.scaleTril?.arraySync() as number[][][];
    expect(L[0][1][0]).toBe(0);
    expect(L[0][0][0]).toBeGreaterThan(0);
    tf.dispose([p.mean, p.logStd, p.scaleTril as tf.Tensor]);
    e.dispose();
  });

  it('rejects bad input with clear errors', () => {
    const eps = full.noise(2, 3, 1);
    expect(() => full.sample(tf.zeros([2, 5]) as tf.Tensor2D, eps)).toThrow(
      /x: expected shape \[B, 4\]/,
    );
    expect(() => full.sample(tf.zeros([2, 2, 2]) as unknown as tf.Tensor2D, eps)).toThrow(
      RangeError,
    );
    expect(() => full.sample(x, tf.zeros([3, 3, 3]) as tf.Tensor3D)).toThrow(
      /eps: expected shape \[2, S, 3\]/,
    );
    expect(() =>
      gaussianEncoder({ inputDim: 4, latentDim: 3, covariance: 'dense' as 'full' }),
    ).toThrow(/covariance: expected 'diagonal' or 'full'/);
    expect(() =>
      gaussianEncoder({
        inputDim: 4,
        latentDim: 3,
        covariance: 'full',
        lowerPart: 'scaled' as 'relative',
      }),
    ).toThrow(/lowerPart: expected 'absolute' or 'relative'/);
    expect(() =>
      gaussianEncoder({ inputDim: 4, latentDim: 3, covariance: 'full', lowerScale: 0 }),
    ).toThrow(/lowerScale: expected a finite number > 0/);
    expect(() => gaussianEncoder({ inputDim: 0, latentDim: 3 })).toThrow(/inputDim/);
    eps.dispose();
  });
});

describe('construction', () => {
  it('building and disposing encoders, the model and the critic leaves no tensors', () => {
    const before = tf.memory().numTensors;
    for (const m of [
      gaussianEncoder({ inputDim: 5, latentDim: 2, hidden: [3, 3], covariance: 'full' }),
      gaussianEncoder({ inputDim: 5, latentDim: 2, hidden: [] }),
      implicitEncoder({ inputDim: 5, latentDim: 2, hidden: [3] }),
      bernoulliModel({ dataDim: 5, latentDim: 2, hidden: [3] }),
      logWeightCritic({ inputDim: 5 }),
    ])
      m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('decoder output bias (Burda et al.: logit of the mean training pixel)', () => {
  it('logitMeanBias = logit(clip(column mean)); the untrained decoder at z = 0 outputs exactly that bias', () => {
    // 4 rows × 3 pixels: column means 0.5, 0 (clipped to 1e-3), 0.875
    const px = [1, 0, 1, 0, 0, 1, 0.5, 0, 0.5, 0.5, 0, 1];
    const b = logitMeanBias(px, 4, 3);
    const logit = (p: number) => Math.log(p / (1 - p));
    expect(b[0]).toBeCloseTo(logit(0.5), 6);
    expect(b[1]).toBeCloseTo(logit(1e-3), 5);
    expect(b[2]).toBeCloseTo(logit(0.875), 5);
    const before = tf.memory().numTensors;
    const m = bernoulliModel({ dataDim: 3, latentDim: 2, hidden: [4, 4], seed: 3, outputBias: b });
    // tanh layers with zero biases map z = 0 to h = 0, so the logits are the output bias
    const l = tf.tidy(() => m.logits(tf.zeros([1, 2]) as tf.Tensor2D).dataSync());
    expect(Array.from(l)).toEqual(Array.from(b));
    // log p(x, z=0) = Σ x_j b_j − log(1 + e^{b_j}) + log N(0; 0, I₂), in float64
    const x = [1, 0, 1];
    const lj = tf.tidy(() =>
      m.logJoint(tf.tensor2d([x]), tf.zeros([1, 1, 2]) as tf.Tensor3D).dataSync(),
    )[0];
    const exact =
      x.reduce((a, xj, j) => a + xj * b[j] - Math.log1p(Math.exp(b[j])), 0) - Math.log(2 * Math.PI);
    expect(lj).toBeCloseTo(exact, 4);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
    // the default is zeros
    const z0 = bernoulliModel({ dataDim: 3, latentDim: 2, hidden: [4], seed: 3 });
    expect(
      Array.from(tf.tidy(() => z0.logits(tf.zeros([1, 2]) as tf.Tensor2D).dataSync())),
    ).toEqual([0, 0, 0]);
    z0.dispose();
  });

  it('rejects bad biases and bad pixel arrays', () => {
    const before = tf.memory().numTensors;
    expect(() => bernoulliModel({ dataDim: 3, latentDim: 2, outputBias: [0, 0] })).toThrow(
      /outputBias: expected 3 numbers, got 2 values/,
    );
    expect(() =>
      bernoulliModel({ dataDim: 3, latentDim: 2, outputBias: [0, Number.NaN, 0] }),
    ).toThrow(/outputBias\[1\]: expected a finite number/);
    expect(() => logitMeanBias([0.5, 0.5], 2, 3)).toThrow(/pixels: expected at least n·dim = 6/);
    expect(() => logitMeanBias([0.5, Number.NaN], 1, 2)).toThrow(
      /pixels: expected finite values \(column 1\)/,
    );
    expect(() => logitMeanBias([0.5], 1, 1, 0)).toThrow(/eps/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('implicitEncoder', () => {
  it('z = f(x, ε): noise changes the sample, the same noise reproduces it, tidy', () => {
    const e = implicitEncoder({ inputDim: 4, latentDim: 2, noiseDim: 3, hidden: [6, 5], seed: 2 });
    const x = tf.ones([3, 4]) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const eps = e.noise(3, 4, 7);
      const z = e.sample(x, eps);
      const z2 = e.sample(x, eps);
      expect(z.shape).toEqual([3, 4, 2]);
      expect(tf.max(tf.abs(tf.sub(z, z2))).dataSync()[0]).toBe(0);
      const spread = tf.moments(z, 1).variance.dataSync();
      expect(Math.min(...spread)).toBeGreaterThan(1e-6);
    });
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    e.dispose();
  });
});
