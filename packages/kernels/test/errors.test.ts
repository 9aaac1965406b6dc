import { setMemoryBudget } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { median } from '../src/bandwidth';
import { imq, rbf, resolveBandwidth, setFusedKernels } from '../src/index';

afterEach(() => {
  setMemoryBudget(undefined);
  setFusedKernels('auto');
});

describe('kernels refuse what they would get wrong (issue 16)', () => {
  it('int32 / bool points: a TypeError naming x, not a non-symmetric Gram matrix', () => {
    // the issue's repro: K01 = 0.0749, K10 = 0.0938 for int32, 0.0519 for both in float32
    const xi = tf.tensor2d(
      [
        [0, 1],
        [2, 0],
        [1, 1],
      ],
      undefined,
      'int32',
    );
    const xf = tf.cast(xi, 'float32') as tf.Tensor2D;
    const yb = tf.ones([2, 2], 'bool') as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const k = rbf({ bandwidth: 1.3 });
    expect(() => k.gram(xi as tf.Tensor2D)).toThrow(
      new TypeError("x: expected a float32 tensor, got int32 (cast it with tf.cast(x, 'float32'))"),
    );
    expect(() => k.gram(xf, yb)).toThrow(/y: expected a float32 tensor, got bool/);
    expect(() => k.steinDirection(xf, xi as tf.Tensor2D)).toThrow(
      /score: expected a float32 tensor, got int32/,
    );
    expect(tf.memory().numTensors).toBe(before);
    const g = k.gram(xf).arraySync();
    expect(g[0][1]).toBeCloseTo(Math.exp(-5 / 1.69), 6);
    expect(g[1][0]).toBe(g[0][1]);
    tf.dispose([xi, xf, yb]);
  });
  it('d = 0 is a RangeError (wasm returned garbage from uninitialized memory)', () => {
    const x = tf.zeros([3, 0]) as tf.Tensor2D;
    expect(() => rbf({ bandwidth: 1 }).gram(x)).toThrow(
      new RangeError('x: expected d ≥ 1 column, got shape [3, 0]'),
    );
    expect(() => imq().steinMatrix(x, x)).toThrow(/x: expected d ≥ 1/);
    x.dispose();
  });
  it('a disposed tensor names the argument', () => {
    const x = tf.ones([2, 2]) as tf.Tensor2D;
    x.dispose();
    expect(() => rbf({ bandwidth: 1 }).gram(x)).toThrow(/^x: the tensor has been disposed/);
  });
  it('tiny and huge bandwidths are refused; resolved ones are clamped', () => {
    expect(() => rbf({ bandwidth: 1e-30 })).toThrow(
      /^bandwidth: expected a number in \[0\.000001, 100000000\] \(float32 kernels overflow outside it/,
    );
    expect(() => imq({ c: 1e-30 })).toThrow(/^c: expected a number in/);
    expect(() => rbf({ bandwidth: 1e30 })).toThrow(/^bandwidth: expected a number in/);
    expect(() => rbf({ bandwidth: { kind: 'median', fallback: 1e-9 } })).toThrow(
      /bandwidth\.fallback/,
    );
    // points 1e-9 apart: the median distance 1e-9 is clamped to 1e-6, so the Gram matrix stays finite
    const x = tf.tensor2d([[0], [1e-9], [2e-9]]);
    expect(resolveBandwidth({ kind: 'median' }, x)).toBe(1e-6);
    const k = rbf().steinMatrix(x, tf.zerosLike(x) as tf.Tensor2D);
    expect(Array.from(k.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([x, k]);
  });
  it('the median heuristic refuses NaN/±Inf and overflowing values, naming x', () => {
    const before = tf.memory().numTensors;
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 1e30]) {
      const x = tf.tensor2d([
        [0, 1],
        [bad, 2],
        [3, 4],
      ]);
      expect(() => resolveBandwidth({ kind: 'median' }, x)).toThrow(
        /^x: the median bandwidth needs finite pairwise distances/,
      );
      expect(() => rbf().gram(x as tf.Tensor2D)).toThrow(RangeError);
      x.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(median([3, Number.NaN, 1])).toBeNaN();
    expect(median([3, 2, 1])).toBe(2);
  });
  it('memory pre-check: a RangeError with n, d and bytes instead of a wasm trap; the backend keeps working', () => {
    setFusedKernels('off'); // the composite (n×n) path; the fused kernels are memory-linear
    const before = tf.memory().numTensors;
    // n = 16384: the composite SVGD direction needs > 5 GB on wasm (the issue's trap)
    const x = tf.zeros([16384, 2]) as tf.Tensor2D;
    expect(() => rbf({ bandwidth: 1 }).steinDirection(x, x)).toThrow(
      /^rbf\(h=1\)\.steinDirection: x with n = 16384, d = 2 needs about 5\.\d+ GB of tensors \(\d+ bytes\), over the wasm backend's budget/,
    );
    expect(() => rbf().gram(x)).toThrow(/^median bandwidth: x with n = 16384, d = 2 needs/);
    setMemoryBudget(10_000);
    const y = tf.zeros([40, 3]) as tf.Tensor2D;
    expect(() => imq().steinMatrix(y, y)).toThrow(
      /steinMatrix: x with n = 40, d = 3 needs .* \(\d+ bytes\)/,
    );
    const z = tf.zeros([30, 3]) as tf.Tensor2D;
    expect(() => rbf({ bandwidth: 1 }).gram(y, z)).toThrow(
      /^rbf\(h=1\)\.gram: x with n = 40, m = 30, d = 3 needs/,
    );
    z.dispose();
    tf.dispose([x, y]);
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(tf.add(tf.ones([3]), 1).dataSync())).toEqual([2, 2, 2]);
  });
});
