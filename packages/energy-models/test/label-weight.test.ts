import { createRng } from '@steinkit/core';
import { autoencoderEnergy, autoencoderEnergyFromRecord } from '@steinkit/energy-models';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

/** The joint energy (15) with a weighted label term: ‖x − D(E(x))‖ + w·max(m, CE). */
describe('autoencoderEnergy labelWeight', () => {
  const config = {
    inputShape: [12],
    arch: 'mlp' as const,
    codeDim: 3,
    hidden: [6],
    numClasses: 4,
    margin: 0.2,
    seed: 3,
  };
  const e = autoencoderEnergy(config); // w = 1: eq. (15) as written
  const w = 2.5;
  const ew = autoencoderEnergy({ ...config, labelWeight: w }); // same seed: same weights
  const rng = createRng(5);
  const x = tf.tensor2d(
    Array.from({ length: 5 * 12 }, () => rng.float()),
    [5, 12],
  );
  const y = tf.tensor1d([0, 1, 2, 3, 1], 'int32');

  it('is recon + w·(E₁₅ − recon), and survives save/load', () => {
    const got = ew.energy(x, y).arraySync();
    const r = e.reconstructionEnergy(x).arraySync();
    const full = e.energy(x, y).arraySync();
    for (let i = 0; i < 5; i++) expect(got[i]).toBeCloseTo(r[i] + w * (full[i] - r[i]), 5);
    const back = autoencoderEnergyFromRecord(ew.save());
    expect(back.config.labelWeight).toBe(w);
    expect(back.energy(x, y).arraySync()[2]).toBeCloseTo(got[2], 5);
    back.dispose();
    expect(e.config.labelWeight).toBe(1);
    expect(() => autoencoderEnergy({ ...config, labelWeight: -1 })).toThrow(/config.labelWeight/);
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
