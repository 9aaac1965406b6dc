import { createRng } from '@steinkit/core';
import { rbf } from '@steinkit/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ksdMatrix, ksdTest, wildBootstrapTest } from '../src/index';

describe('wildBootstrapTest', () => {
  it('on the Stein kernel matrix is ksdTest (same seed, same replicates); p-value by direct count', () => {
    const x = createRng(1).normal([30, 2]) as tf.Tensor2D;
    const score = (z: tf.Tensor2D) => tf.neg(tf.sub(z, 0.3)) as tf.Tensor2D;
    const u = ksdMatrix(x, score, rbf({ bandwidth: 1.2 }));
    const a = wildBootstrapTest(u, { bootstraps: 200, seed: 4 });
    const b = ksdTest(x, score, rbf({ bandwidth: 1.2 }), { bootstraps: 200, seed: 4 });
    expect(a.statistic).toBeCloseTo(b.statistic, 7);
    expect(Array.from(a.bootstrap)).toEqual(Array.from(b.bootstrap));
    // T from the matrix by hand, and the p-value's definition
    const m = u.arraySync() as number[][];
    let off = 0;
    for (let i = 0; i < 30; i++) for (let j = 0; j < 30; j++) if (i !== j) off += m[i][j];
    expect(a.statistic).toBeCloseTo(off / (30 * 29), 6);
    const exceed = Array.from(a.bootstrap).filter((v) => v >= a.statistic).length;
    expect(a.pValue).toBeCloseTo((1 + exceed) / 201, 12);
    tf.dispose([x, u]);
  });

  it('rejects a non-square or tiny matrix', () => {
    const h = tf.zeros([3, 4]) as tf.Tensor2D;
    const one = tf.zeros([1, 1]) as tf.Tensor2D;
    expect(() => wildBootstrapTest(h)).toThrow(RangeError);
    expect(() => wildBootstrapTest(one)).toThrow(/n ≥ 2/);
    expect(() => wildBootstrapTest(tf.zeros([2, 2]) as tf.Tensor2D, { alpha: 2 })).toThrow(/alpha/);
    tf.dispose([h, one]);
  });
});
