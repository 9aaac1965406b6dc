import { createRng } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { choleskySolve, customKernel, rbf } from '../src/index';

describe('choleskySolve', () => {
  it('solves an SPD system (matrix and vector right-hand sides) without leaks', () => {
    const r = createRng(9);
    const a = r.normal([12, 12]) as tf.Tensor2D;
    const spd = tf.add(tf.matMul(a, tf.transpose(a)), tf.mul(0.5, tf.eye(12))) as tf.Tensor2D;
    const b = r.normal([12, 3]);
    const before = tf.memory().numTensors;
    const xs = choleskySolve(spd, b);
    const err = tf.tidy(
      () => tf.max(tf.abs(tf.sub(tf.matMul(spd, xs as tf.Tensor2D), b))).dataSync()[0],
    );
    expect(err).toBeLessThan(1e-3);
    const v = tf.tensor1d(Array.from({ length: 12 }, (_, i) => i));
    const xv = choleskySolve(spd, v);
    expect(xv.shape).toEqual([12]);
    const errV = tf.tidy(() => {
      const bv = tf.reshape(tf.matMul(spd, tf.reshape(xv, [12, 1])), [12]);
      return tf.max(tf.abs(tf.sub(bv, v))).dataSync()[0];
    });
    expect(errV).toBeLessThan(1e-3);
    tf.dispose([xs, v, xv]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, spd, b]);
  });

  it('adds jitter to a singular PSD matrix and rejects bad input', () => {
    const k = rbf({ bandwidth: 1 }).gram(tf.ones([4, 2]) as tf.Tensor2D); // all ones: rank 1
    const s = choleskySolve(k, tf.ones([4, 1]));
    expect(Array.from(s.dataSync()).every(Number.isFinite)).toBe(true);
    expect(() => choleskySolve(tf.ones([3, 2]) as tf.Tensor2D, tf.ones([3]))).toThrow(
      /a: expected a square/,
    );
    expect(() => choleskySolve(tf.eye(3) as tf.Tensor2D, tf.ones([4]))).toThrow(
      /b: expected shape/,
    );
    expect(() => choleskySolve(tf.mul(-1, tf.eye(3)) as tf.Tensor2D, tf.ones([3]))).toThrow(
      /positive definite/,
    );
    expect(() => choleskySolve(tf.tensor2d([[Number.NaN]]), tf.ones([1]))).toThrow(/finite/);
    tf.dispose([k, s]);
  });
});

describe('bad input to kernels', () => {
  const x = tf.zeros([4, 3]) as tf.Tensor2D;
  it.each([
    ['rbf', rbf({ bandwidth: 1 })],
    ['custom', customKernel((a, b) => tf.sum(tf.mul(a, b), 1) as tf.Tensor1D)],
  ])('%s: wrong rank, mismatched d, wrong weights/score shape', (_n, k) => {
    expect(() => k.gram(tf.zeros([4]) as never)).toThrow(/x: expected shape \[\?, \?\], got \[4\]/);
    expect(() => k.gram(x, tf.zeros([2, 5]) as tf.Tensor2D)).toThrow(/y: expected shape \[\?, 3\]/);
    expect(() => k.gradX(x, x, tf.ones([4, 5]) as tf.Tensor2D)).toThrow(
      /weights: expected shape \[4, 4\]/,
    );
    expect(() => k.steinMatrix(x, tf.zeros([4, 2]) as tf.Tensor2D)).toThrow(
      /sx: expected shape \[4, 3\]/,
    );
    expect(() => k.steinDirection(x, tf.zeros([3, 3]) as tf.Tensor2D)).toThrow(/score/);
  });
});

describe('asSteinKernel', () => {
  it('lifts a gram-only core Kernel (autodiff) and uses its own steinTerms when given', async () => {
    const { asSteinKernel } = await import('../src/index');
    const ref = rbf({ bandwidth: 1.1 });
    const x = tf.tensor2d([
      [0, 0.5],
      [1, -0.2],
      [-0.4, 0.3],
    ]);
    const s = tf.tensor2d([
      [1, 0],
      [0, 1],
      [0.5, 0.5],
    ]);
    const plain = asSteinKernel({ name: 'plain', gram: (a, b) => ref.gram(a, b) });
    const own = asSteinKernel({
      name: 'own',
      gram: (a, b) => ref.gram(a, b),
      steinTerms: (a) => ref.steinTerms(a),
    });
    const want = ref.steinDirection(x, s).direction.arraySync();
    for (const k of [plain, own]) {
      const got = k.steinDirection(x, s).direction.arraySync();
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 2; j++) expect(got[i][j]).toBeCloseTo(want[i][j], 4);
    }
    expect(() => asSteinKernel({} as never)).toThrow(/kernel/);
  });
});
