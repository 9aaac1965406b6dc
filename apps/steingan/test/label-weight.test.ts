import { createRng } from '@steinkit/core';
import { autoencoderEnergy } from '@steinkit/energy-models';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { weightedJointEnergy } from '../src/index';

describe('weightedJointEnergy', () => {
  const e = autoencoderEnergy({
    inputShape: [12],
    arch: 'mlp',
    codeDim: 3,
    hidden: [6],
    numClasses: 4,
    margin: 0.2,
    seed: 3,
  });
  const rng = createRng(5);
  const x = tf.tensor2d(
    Array.from({ length: 5 * 12 }, () => rng.float()),
    [5, 12],
  );
  const y = tf.tensor1d([0, 1, 2, 3, 1], 'int32');
  const w = 2.5;
  const ew = weightedJointEnergy(e, w);

  it('is recon + w·(E₁₅ − recon) and w = 1 is eq. (15) itself', () => {
    expect(weightedJointEnergy(e, 1)).toBe(e);
    const got = ew.energy(x, y).arraySync();
    const r = e.reconstructionEnergy(x).arraySync();
    const full = e.energy(x, y).arraySync();
    for (let i = 0; i < 5; i++) expect(got[i]).toBeCloseTo(r[i] + w * (full[i] - r[i]), 5);
  });

  it('its score is the same combination of the scores (autodiff), tidy', () => {
    const n0 = tf.memory().numTensors;
    const s = ew.score(x, y);
    const [err, diff] = tf.tidy(() => {
      const sFull = e.score(x, y);
      const sRec = tf.neg(tf.grad((xx: tf.Tensor) => tf.sum(e.reconstructionEnergy(xx)))(x));
      const want = tf.add(tf.mul(w, sFull), tf.mul(1 - w, sRec));
      return [
        tf.max(tf.abs(tf.sub(s, want))).arraySync() as number,
        tf.max(tf.abs(tf.sub(s, sFull))).arraySync() as number,
      ];
    });
    expect(err).toBeLessThan(1e-5);
    // the label term matters: not equal to the unweighted score
    expect(diff).toBeGreaterThan(1e-4);
    s.dispose();
    expect(tf.memory().numTensors).toBe(n0);
  });
});
