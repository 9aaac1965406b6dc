import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { assert2D, assertFinite, assertPositive, assertSameDim, assertShape } from '../src/index';

describe('shape assertions', () => {
  it('name the argument, the expected and the actual shape', () => {
    const x = tf.zeros([3, 4]);
    expect(() => assertShape(x, 'x', [3, 5])).toThrow(
      new RangeError('x: expected shape [3, 5], got [3, 4]'),
    );
    expect(() => assert2D(tf.zeros([3]), 'particles')).toThrow(
      'particles: expected shape [?, ?], got [3]',
    );
    expect(() => assertSameDim(x, 'x', tf.zeros([2, 2]), 'y')).toThrow(
      'y: expected shape [?, 4], got [2, 2]',
    );
    expect(() => assertShape(undefined as never, 'x', [1])).toThrow(TypeError);
    expect(assert2D(x, 'x', 3, 4)).toBe(x);
  });
  it('positive and finite checks', () => {
    expect(() => assertPositive(Number.NaN, 'bandwidth')).toThrow(
      'bandwidth: expected a finite number > 0, got NaN',
    );
    expect(() => assertPositive(0, 'h')).toThrow(RangeError);
    expect(() => assertPositive(0, 'h', true)).not.toThrow();
    expect(() => assertFinite(tf.tensor1d([1, Number.NaN]), 'score')).toThrow(
      'score: expected finite values, found NaN at flat index 1',
    );
  });
});
