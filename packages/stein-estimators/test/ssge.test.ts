import { createRng } from '@steinkit/core';
import { rbf, symmetricEigenTensor } from '@steinkit/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { kdeScore, ssge, steinGradientEstimator } from '../src/index';
import { relErr, sample, x, xt } from './gaussian-fixture';

describe('symmetricEigenTensor (Jacobi)', () => {
  it('reconstructs a symmetric matrix with orthonormal eigenvectors', () => {
    const a = tf.tidy(() => {
      const b = createRng(2).normal([9, 9]);
      return tf.add(b, tf.transpose(b)) as tf.Tensor2D;
    });
    const { values, vectors } = symmetricEigenTensor(a);
    const err = tf.tidy(() => {
      const rec = tf.matMul(tf.mul(vectors, tf.reshape(values, [1, 9])), tf.transpose(vectors));
      const orth = tf.sub(tf.matMul(tf.transpose(vectors), vectors), tf.eye(9));
      return [tf.max(tf.abs(tf.sub(rec, a))).dataSync()[0], tf.max(tf.abs(orth)).dataSync()[0]];
    });
    expect(err[0]).toBeLessThan(1e-4);
    expect(err[1]).toBeLessThan(1e-5);
    const v = Array.from(values.dataSync());
    expect(v).toEqual([...v].sort((p, q) => q - p));
    tf.dispose([a, values, vectors]);
  });
});

describe('ssge (Shi, Sun & Zhu 2018)', () => {
  it('with all eigenfunctions equals −K⁻¹R in sample (the η → 0 Stein estimator)', () => {
    const small = sample(30);
    const k = rbf({ bandwidth: 0.3 }); // a well-conditioned K
    const f = ssge(k, { numEigen: 30 }).fit(small);
    const g = steinGradientEstimator(k, { eta: 1e-5 }).fit(small);
    const a = f.estimate();
    const b = g.estimate();
    const rel = tf.tidy(() => tf.norm(tf.sub(a, b)).dataSync()[0] / tf.norm(b).dataSync()[0]);
    expect(f.numEigen).toBe(30);
    expect(rel).toBeLessThan(3e-3); // measured 3e-4
    tf.dispose([a, b, small]);
    f.dispose();
    g.dispose();
  });

  it('recovers a Gaussian score in and out of sample, better than the KDE score, without leaks', () => {
    const before = tf.memory().numTensors;
    // median × 1.5, J from 99% of the eigenvalue mass (measured J = 9, errors 0.24 / 0.25)
    const f = ssge(rbf({ bandwidth: { kind: 'median', scale: 1.5 } })).fit(x);
    const gIn = f.estimate();
    const gOut = f.at(xt);
    const inErr = relErr(gIn, x);
    const outErr = relErr(gOut, xt);
    tf.dispose([gIn, gOut]);
    f.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const kde = kdeScore(rbf({ bandwidth: { kind: 'median', scale: 0.5 } }), x);
    const kdeErr = relErr(kde, x);
    kde.dispose();
    expect(inErr).toBeLessThan(0.3);
    expect(outErr).toBeLessThan(0.3);
    expect(kdeErr).toBeGreaterThan(inErr);
  });

  it('validates options', () => {
    expect(() => ssge(rbf(), { numEigen: 0 })).toThrow(/numEigen/);
    expect(() => ssge(rbf(), { energy: 2 })).toThrow(/energy/);
  });
});
