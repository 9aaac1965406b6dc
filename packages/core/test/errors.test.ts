import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  assert2D,
  assertFiniteArray,
  assertFloat,
  assertMemory,
  assertPoints,
  assertTensor,
  memoryBudget,
  pairwiseBytes,
  setMemoryBudget,
} from '../src/index';

afterEach(() => setMemoryBudget(undefined));

describe('argument checks (issue 16)', () => {
  it('a disposed tensor is a TypeError naming the argument, not "reading backend"', () => {
    const x = tf.zeros([3, 2]);
    x.dispose();
    expect(() => assert2D(x, 'x')).toThrow(
      new TypeError('x: the tensor has been disposed (it was freed before this call)'),
    );
    expect(() => assertTensor(x, 'particles')).toThrow(/particles: the tensor has been disposed/);
    expect(() => assertTensor(null as never, 'x')).toThrow(
      new TypeError('x: expected a tensor, got null'),
    );
  });
  it('int32 and bool points are refused with the cast to use', () => {
    const xi = tf.tensor2d(
      [
        [0, 1],
        [2, 0],
      ],
      undefined,
      'int32',
    );
    const xb = tf.tensor2d([[1, 0]], undefined, 'bool');
    expect(() => assertFloat(xi, 'x')).toThrow(
      new TypeError("x: expected a float32 tensor, got int32 (cast it with tf.cast(x, 'float32'))"),
    );
    expect(() => assertPoints(xb, 'y')).toThrow(/y: expected a float32 tensor, got bool/);
    tf.dispose([xi, xb]);
  });
  it('d = 0 and too few points', () => {
    const e = tf.zeros([4, 0]);
    expect(() => assertPoints(e, 'x')).toThrow(
      new RangeError('x: expected d ≥ 1 column, got shape [4, 0]'),
    );
    const one = tf.zeros([1, 2]);
    expect(() => assertPoints(one, 'x', { minN: 2, what: 'the test needs' })).toThrow(
      new RangeError('x: the test needs n ≥ 2 points, got 1'),
    );
    expect(assertPoints(one, 'x')).toBe(one);
    expect(() => assertFiniteArray([1, Number.NaN], 'mean1')).toThrow(
      'mean1: expected finite values, found NaN at flat index 1',
    );
    tf.dispose([e, one]);
  });
});

describe('memory pre-check (issue 16)', () => {
  it('names the op, n, d and the bytes; nothing is allocated and the backend keeps working', () => {
    const before = tf.memory().numTensors;
    // the ksd at n = 8192, d = 64: ~22 n×n float32 matrices on the composite path
    const bytes = pairwiseBytes(8192, 8192, 64, 22);
    expect(bytes).toBe(4 * (22 * 8192 * 8192 + 4 * 2 * 8192 * 64));
    expect(() => assertMemory({ op: 'ksd', n: 8192, d: 64, bytes })).toThrow(RangeError);
    expect(() => assertMemory({ op: 'ksd', n: 8192, d: 64, bytes })).toThrow(
      new RegExp(
        `^ksd: x with n = 8192, d = 64 needs about 5\\.9\\d GB of tensors \\(${bytes} bytes\\), over the wasm backend's budget of 2\\.15 GB`,
      ),
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(tf.add(tf.ones([3]), 1).dataSync())).toEqual([2, 2, 2]);
  });
  it('the budget is per backend and can be set', () => {
    expect(memoryBudget()).toMatchObject({ backend: 'wasm', total: 2 ** 31 });
    setMemoryBudget(1000);
    expect(() => assertMemory({ op: 'gram', n: 20, m: 30, d: 2, bytes: 2400 })).toThrow(
      /^gram: x with n = 20, m = 30, d = 2 needs about 0\.000 GB of tensors \(2400 bytes\)/,
    );
    expect(() => assertMemory({ op: 'gram', n: 2, d: 2, bytes: 100 })).not.toThrow();
    expect(() => setMemoryBudget(-1)).toThrow(/bytes: expected a finite number > 0/);
  });
});
