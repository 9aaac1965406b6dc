import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRng } from '../src/index';

describe('createRng', () => {
  it('one seed gives the same draws; another seed different ones', () => {
    const a = createRng(7);
    const b = createRng(7);
    const c = createRng(8);
    const xa = a.normal([5, 3]);
    const xb = b.normal([5, 3]);
    const xc = c.normal([5, 3]);
    expect(Array.from(xa.dataSync())).toEqual(Array.from(xb.dataSync()));
    expect(Array.from(xa.dataSync())).not.toEqual(Array.from(xc.dataSync()));
    expect(Array.from(a.permutation(10))).toEqual(Array.from(b.permutation(10)));
    tf.dispose([xa, xb, xc]);
  });

  it('draws have the right moments (normal, uniform, laplace)', () => {
    const rng = createRng(1);
    const n = 20000;
    const stats = (t: tf.Tensor) => {
      const v = t.dataSync();
      let m = 0;
      for (const x of v) m += x;
      m /= v.length;
      let s = 0;
      let a = 0;
      for (const x of v) {
        s += (x - m) ** 2;
        a += Math.abs(x - m);
      }
      t.dispose();
      return { mean: m, var: s / v.length, mad: a / v.length };
    };
    const nrm = stats(rng.normal([n], 2, 3));
    expect(nrm.mean).toBeCloseTo(2, 1);
    expect(Math.abs(nrm.var - 9) / 9).toBeLessThan(0.05);
    const uni = stats(rng.uniform([n], -1, 1));
    expect(Math.abs(uni.mean)).toBeLessThan(0.02);
    expect(Math.abs(uni.var - 1 / 3)).toBeLessThan(0.02);
    const lap = stats(rng.laplace([n], 1)); // Var = 2b², E|x| = b
    expect(Math.abs(lap.var - 2) / 2).toBeLessThan(0.06);
    expect(Math.abs(lap.mad - 1)).toBeLessThan(0.03);
  });

  it('permutation is a permutation; bad seeds are rejected', () => {
    const p = Array.from(createRng(3).permutation(100)).sort((a, b) => a - b);
    expect(p).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(() => createRng(-1)).toThrow(/seed: expected an integer/);
    expect(() => createRng(1.5)).toThrow(RangeError);
  });
});
