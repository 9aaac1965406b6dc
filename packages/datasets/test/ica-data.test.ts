import { conditionNumber, createRng } from '@steinkit/core';
import { icaData, randomMixingMatrix, sampleIca, sampleIcaSources } from '@steinkit/datasets';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

describe('ICA data', () => {
  it('randomMixingMatrix has cond(A) < D and is seeded', () => {
    for (const D of [2, 5, 10]) {
      const a = randomMixingMatrix(D, createRng(D));
      expect(a.shape).toEqual([D, D]);
      expect(conditionNumber(a.dataSync(), D)).toBeLessThan(D);
      const b = randomMixingMatrix(D, createRng(D));
      expect(b.dataSync()).toEqual(a.dataSync());
      tf.dispose([a, b]);
    }
    expect(() => randomMixingMatrix(1, createRng(0))).toThrow(/D: expected an integer/);
  });

  it('icaData mixes heavy-tailed sources: x = A s, W A = I', () => {
    const before = tf.memory().numTensors;
    for (const source of ['laplace', 'student-t'] as const) {
      const d = icaData({ dim: 4, n: 4000, source, df: 5, seed: 1 });
      expect(d.x.shape).toEqual([4000, 4]);
      tf.tidy(() => {
        const rec = tf.matMul(d.sources, d.mixing, false, true);
        expect(tf.max(tf.abs(tf.sub(rec, d.x))).dataSync()[0]).toBeLessThan(1e-5);
        const wa = tf.matMul(d.unmixing, d.mixing).dataSync();
        wa.forEach((v, i) => {
          expect(v).toBeCloseTo(i % 5 === 0 ? 1 : 0, 4);
        });
        // Laplace(0,1): var 2, kurtosis 6 ; t_5: var 5/3, excess kurtosis 6
        const s = d.sources;
        const m = tf.moments(s, 0);
        const v = m.variance.dataSync();
        const k = tf
          .div(tf.mean(tf.pow(tf.sub(s, m.mean), 4), 0), tf.square(m.variance))
          .dataSync();
        const [ev] = source === 'laplace' ? [2] : [5 / 3];
        v.forEach((x) => {
          expect(Math.abs(x - ev) / ev).toBeLessThan(0.15);
        });
        for (const x of k) expect(x).toBeGreaterThan(4.5); // heavy tails: well above the Gaussian 3
      });
      tf.dispose([d.x, d.sources, d.mixing, d.unmixing]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('randomMixingMatrix options: scale, maxCond, the 0.1 maxTries argument', () => {
    const before = tf.memory().numTensors;
    const rng = createRng(60);
    for (const D of [5, 20]) {
      const a = randomMixingMatrix(D, rng, { scale: 1 / Math.sqrt(D) });
      const v = a.dataSync();
      let ss = 0;
      for (const x of v) ss += x * x;
      expect(ss / (D * D)).toBeGreaterThan(0.5 / D); // entries have variance 1/D, not 1
      expect(ss / (D * D)).toBeLessThan(2 / D);
      expect(conditionNumber(v, D)).toBeLessThan(D);
      a.dispose();
    }
    const tight = randomMixingMatrix(3, createRng(1), { maxCond: 2.5 });
    expect(conditionNumber(tight.dataSync(), 3)).toBeLessThan(2.5);
    tight.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => randomMixingMatrix(4, rng, { maxCond: 1.0001, maxTries: 3 })).toThrow(
      /maxCond: no 4×4 Gaussian matrix with cond\(A\) < 1.0001 in 3 draws/,
    );
    expect(() => randomMixingMatrix(4, rng, 0)).toThrow(/maxTries: expected an integer/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('sampleIca is x = s Aᵀ of sampleIcaSources on the same stream; the deprecated dof still works', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const a = tf.tensor2d([
        [1, 2],
        [0.5, -1],
      ]);
      for (const opts of [{}, { source: 'student-t' as const, df: 2.5 }]) {
        const x = sampleIca(a, 50, createRng(4), opts);
        const s = sampleIcaSources(50, 2, createRng(4), opts);
        const diff = tf.max(tf.abs(tf.sub(x, tf.matMul(s, a, false, true)))).dataSync()[0];
        expect(diff).toBeLessThan(1e-6);
      }
      const viaDof = icaData({ dim: 3, n: 20, source: 'student-t', dof: 7, seed: 2 });
      const viaDf = icaData({ dim: 3, n: 20, source: 'student-t', df: 7, seed: 2 });
      expect(Array.from(viaDof.x.dataSync())).toEqual(Array.from(viaDf.x.dataSync()));
      const other = icaData({ dim: 3, n: 20, source: 'student-t', df: 3, seed: 2 });
      expect(Array.from(other.x.dataSync())).not.toEqual(Array.from(viaDf.x.dataSync()));
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(() => sampleIcaSources(3, 2, createRng(0), { df: 0, source: 'student-t' })).toThrow(
      /df: expected a finite number > 0/,
    );
    expect(() => icaData({ dim: 3, n: 5, source: 'gauss' as unknown as 'laplace' })).toThrow(
      TypeError,
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});
