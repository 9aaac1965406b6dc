import { rbf } from '@steinkit/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ksd, ksdTest, steinGradientEstimator, svgd, svgdDirection, svgdInit } from '../src/index';

const x = tf.zeros([5, 2]) as tf.Tensor2D;
const score = (z: tf.Tensor2D) => tf.neg(z) as tf.Tensor2D;

describe('bad input throws named errors', () => {
  it('wrong rank and mismatched n or d', () => {
    expect(() => ksd(tf.zeros([5]) as never, score, rbf())).toThrow(/x: expected shape/);
    expect(() => ksd(x, tf.zeros([5, 3]) as tf.Tensor2D, rbf())).toThrow(
      /score\(x\): expected shape \[5, 2\]/,
    );
    expect(() => ksd(x, tf.zeros([4, 2]) as tf.Tensor2D, rbf())).toThrow(/score\(x\)/);
    expect(() => svgdDirection(tf.zeros([2, 2, 2]) as never, score, rbf())).toThrow(
      /x: expected shape/,
    );
    expect(() => svgdInit(tf.zeros([3]) as never)).toThrow(/particles/);
    expect(() => ksdTest(tf.zeros([1, 2]) as tf.Tensor2D, score, rbf())).toThrow(/n ≥ 2/);
  });
  it('bad options', async () => {
    expect(() => ksd(x, score, rbf(), { statistic: 'w' as never })).toThrow(/statistic/);
    expect(() => ksd(tf.zeros([1, 2]) as tf.Tensor2D, score, rbf())).toThrow(/n ≥ 2/);
    expect(() => svgd({ score, kernel: rbf(), init: x, steps: -1 })).toThrow(/steps/);
    expect(() => svgd({ score, kernel: rbf(), init: x, steps: 1, stepSize: Number.NaN })).toThrow(
      /stepSize/,
    );
    expect(() => steinGradientEstimator(rbf(), { eta: 0 })).toThrow(/eta/);
    expect(() => svgdDirection(x, score, { name: 'bad' } as never)).toThrow(/kernel/);
  });
});
