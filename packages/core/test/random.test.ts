import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRng, foldIn } from '../src/index';

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

describe('foldIn', () => {
  it('is a pure function of (seed, t): equal inputs agree, neighbours differ', () => {
    expect(foldIn(3, 10)).toBe(foldIn(3, 10));
    const seen = new Set<number>();
    for (let s = 0; s < 32; s++) for (let t = 0; t < 32; t++) seen.add(foldIn(s, t));
    expect(seen.size).toBe(32 * 32); // no collisions on a small grid, and (s, t) ≠ (t, s)
    expect(foldIn(1, 2)).not.toBe(foldIn(2, 1));
    expect(foldIn(0, 0)).not.toBe(0);
  });

  it('spreads bits: one input bit flips about half the output bits', () => {
    const popcount = (x: number) => {
      let c = 0;
      for (let v = x >>> 0; v; v >>>= 1) c += v & 1;
      return c;
    };
    let flips = 0;
    let pairs = 0;
    for (let s = 0; s < 64; s++)
      for (let b = 0; b < 32; b++) {
        flips += popcount(foldIn(s, 5) ^ foldIn(s, (5 ^ (1 << b)) >>> 0));
        flips += popcount(foldIn(s, 5) ^ foldIn((s ^ (1 << b)) >>> 0, 5));
        pairs += 2;
      }
    expect(flips / pairs).toBeGreaterThan(15);
    expect(flips / pairs).toBeLessThan(17);
  });

  it('rejects seeds and steps that are not 32-bit unsigned integers', () => {
    expect(() => foldIn(-1, 0)).toThrow(/seed: expected an integer/);
    expect(() => foldIn(0, 1.5)).toThrow(/t: expected an integer/);
    expect(() => foldIn(0, 2 ** 32)).toThrow(/t: expected an integer/);
  });
});
