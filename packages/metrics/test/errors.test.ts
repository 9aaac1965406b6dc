import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { frechetDistance, gaussianFrechetDistance, labelAgreement, mmd2 } from '../src/index';

describe('metrics refuse what they would get wrong (issue 16)', () => {
  it('biased mmd2 with n = 0 (was 0.447) and d = 0, int32 samples', () => {
    const before = tf.memory().numTensors;
    const x = tf.zeros([0, 2]) as tf.Tensor2D;
    const y = tf.ones([4, 2]) as tf.Tensor2D;
    expect(() => mmd2(x, y, { estimator: 'biased' })).toThrow(
      new RangeError('x: MMD² needs n ≥ 1 point, got 0'),
    );
    expect(() => mmd2(y, x, { estimator: 'biased' })).toThrow(/^y: MMD² needs n ≥ 1 point, got 0/);
    const d0 = tf.zeros([3, 0]) as tf.Tensor2D;
    expect(() => mmd2(d0, d0)).toThrow(/^x: expected d ≥ 1 column/);
    const yi = tf.ones([4, 2], 'int32') as tf.Tensor2D;
    expect(() => mmd2(y, yi)).toThrow(/^y: expected a float32 tensor, got int32/);
    tf.dispose([x, y, d0, yi]);
    expect(tf.memory().numTensors).toBe(before);
  });
  it('gaussianFrechetDistance with a non-PSD or non-symmetric covariance (was 0)', () => {
    const I = [1, 0, 0, 1];
    expect(() => gaussianFrechetDistance([0, 0], [1, 0, 0, -1], [0, 0], I)).toThrow(
      new RangeError(
        'cov1: expected a positive semi-definite covariance, got smallest eigenvalue -1.000',
      ),
    );
    expect(() => gaussianFrechetDistance([0, 0], I, [0, 0], [1, 2, 0, 1])).toThrow(
      /^cov2: expected a symmetric matrix, got \[0, 1\] = 2 but \[1, 0\] = 0/,
    );
    expect(() => gaussianFrechetDistance([0, Number.NaN], I, [0, 0], I)).toThrow(
      /^mean1: expected finite values, found NaN at flat index 1/,
    );
    expect(() => gaussianFrechetDistance([], [], [], [])).toThrow(/^mean1: expected d ≥ 1/);
    // a valid pair: closed form ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^½) for commuting diagonal Σ
    expect(gaussianFrechetDistance([1, 0], [4, 0, 0, 1], [0, 0], [1, 0, 0, 9])).toBeCloseTo(
      1 + (2 - 1) ** 2 + (1 - 3) ** 2,
      10,
    );
  });
  it('frechetDistance of samples with NaN names x', () => {
    const x = tf.tensor2d([
      [0, 1],
      [Number.NaN, 2],
      [3, 1],
    ]);
    const y = tf.tensor2d([
      [0, 1],
      [1, 2],
      [3, 1],
    ]);
    expect(() => frechetDistance(x, y)).toThrow(/^x: expected finite values/);
    tf.dispose([x, y]);
  });
  it('labelAgreement of 0 images (was NaN)', () => {
    const clf = { predictLabels: () => tf.tensor1d([], 'int32') } as never;
    const images = tf.zeros([0, 28, 28, 1]);
    expect(() => labelAgreement(clf, images, [])).toThrow(
      new RangeError('images: labelAgreement needs at least 1 image, got shape [0, 28, 28, 1]'),
    );
    images.dispose();
  });
});
