import { createRng } from '@steinkit/core';
import { customKernel, imq, rbf } from '@steinkit/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { svgdDirection } from '../src/index';

describe('svgdDirection (eq. 7)', () => {
  const rng = createRng(3);
  const x = rng.normal([30, 2]) as tf.Tensor2D;
  const score = (z: tf.Tensor2D) => tf.mul(-2, tf.sub(z, 1)) as tf.Tensor2D;

  it.each([
    ['rbf', 0.9],
    ['imq', 1.1],
  ] as const)('%s matches a slow per-pair loop, both normalizations', (kind, p) => {
    const kernel = kind === 'rbf' ? rbf({ bandwidth: p }) : imq({ c: p });
    const xs = x.arraySync();
    const s = score(x);
    const ss = s.arraySync();
    s.dispose();
    const n = xs.length;
    const ref = xs.map(() => [0, 0]);
    const ksum = xs.map(() => 0);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const diff = xs[j].map((v, a) => v - xs[i][a]); // x_j − x_i
        const r2 = diff[0] ** 2 + diff[1] ** 2;
        const k = kind === 'rbf' ? Math.exp(-r2 / (p * p)) : (p * p + r2) ** -0.5;
        const f1 = kind === 'rbf' ? -k / (p * p) : -0.5 * (p * p + r2) ** -1.5;
        ksum[i] += k;
        for (let a = 0; a < 2; a++) ref[i][a] += k * ss[j][a] + 2 * f1 * diff[a]; // ∇_{x_j} k(x_j, x_i)
      }
    const before = tf.memory().numTensors;
    const dn = svgdDirection(x, score, kernel);
    const dk = svgdDirection(x, score, kernel, { normalize: 'kernelSum' });
    const a = dn.arraySync();
    const b = dk.arraySync();
    tf.dispose([dn, dk]);
    expect(tf.memory().numTensors).toBe(before);
    for (let i = 0; i < n; i++)
      for (let c = 0; c < 2; c++) {
        expect(a[i][c]).toBeCloseTo(ref[i][c] / n, 4);
        expect(b[i][c]).toBeCloseTo(ref[i][c] / ksum[i], 4);
      }
  });

  it('a customKernel (autodiff) gives the same direction as the closed-form RBF', () => {
    const h = 0.9;
    const ck = customKernel(
      (a, b) => tf.exp(tf.div(tf.neg(tf.sum(tf.square(tf.sub(a, b)), 1)), h * h)) as tf.Tensor1D,
    );
    const a = svgdDirection(x, score, ck);
    const b = svgdDirection(x, score, rbf({ bandwidth: h }));
    const av = a.dataSync();
    const bv = b.dataSync();
    for (let i = 0; i < av.length; i++) expect(av[i]).toBeCloseTo(bv[i], 4);
    tf.dispose([a, b]);
  });

  it('reduces to the score for a single particle', () => {
    const one = tf.tensor2d([[0.3, -0.2]]);
    const dir = svgdDirection(one, score, rbf());
    const s = score(one);
    expect(Array.from(dir.dataSync())).toEqual(Array.from(s.dataSync()));
    tf.dispose([one, dir, s]);
  });

  it('rejects bad input with named errors', () => {
    expect(() => svgdDirection(tf.zeros([3]) as never, score, rbf())).toThrow(/x: expected shape/);
    expect(() => svgdDirection(x, () => tf.zeros([30, 3]) as tf.Tensor2D, rbf())).toThrow(
      /score\(x\)/,
    );
    expect(() => rbf({ bandwidth: Number.NaN })).toThrow(/bandwidth/);
    expect(() => svgdDirection(x, score, rbf(), { normalize: 'x' as never })).toThrow(/normalize/);
  });
});
