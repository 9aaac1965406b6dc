import { createRng } from '@steinkit/core';
import { imq, rbf } from '@steinkit/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ksd } from '../src/index';

const gaussScore = (x: tf.Tensor2D) => tf.neg(x) as tf.Tensor2D;

/** Slow per-pair float64 reference for the RBF/IMQ Stein kernel u_p. */
function slowKsd(
  xs: number[][],
  ss: number[][],
  kind: 'rbf' | 'imq',
  p: number,
  stat: 'u' | 'v',
): number {
  const n = xs.length;
  const d = xs[0].length;
  let total = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      if (stat === 'u' && i === j) continue;
      const diff = xs[i].map((v, a) => v - xs[j][a]);
      const r2 = diff.reduce((s, v) => s + v * v, 0);
      let k: number;
      let f1: number;
      let f2: number;
      if (kind === 'rbf') {
        k = Math.exp(-r2 / (p * p));
        f1 = -k / (p * p);
        f2 = k / p ** 4;
      } else {
        const b = p * p + r2;
        k = b ** -0.5;
        f1 = -0.5 * b ** -1.5;
        f2 = 0.75 * b ** -2.5;
      }
      // ∇ₓk = 2f'·diff, ∇_y k = −2f'·diff
      let u = k * ss[i].reduce((s, v, a) => s + v * ss[j][a], 0);
      for (let a = 0; a < d; a++) {
        u += ss[i][a] * (-2 * f1 * diff[a]);
        u += ss[j][a] * (2 * f1 * diff[a]);
        // ∂²k/∂x_a∂y_a = −2f' − 4f''·diff_a²
        u += -2 * f1 - 4 * f2 * diff[a] * diff[a];
      }
      total += u;
    }
  return total / (stat === 'u' ? n * (n - 1) : n * n);
}

describe('ksd', () => {
  const rng = createRng(11);
  const x = tf.add(rng.normal([40, 3]), 0.4) as tf.Tensor2D;
  it.each([
    ['rbf', 'u'],
    ['rbf', 'v'],
    ['imq', 'u'],
    ['imq', 'v'],
  ] as const)('%s %s-statistic matches a slow per-pair loop', (kind, stat) => {
    const p = kind === 'rbf' ? 1.7 : 1.2;
    const kernel = kind === 'rbf' ? rbf({ bandwidth: p }) : imq({ c: p });
    const before = tf.memory().numTensors;
    const v = ksd(x, gaussScore, kernel, { statistic: stat });
    const got = v.dataSync()[0];
    v.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const s = tf.neg(x);
    const ref = slowKsd(x.arraySync(), s.arraySync() as number[][], kind, p, stat);
    s.dispose();
    expect(Math.abs(got - ref)).toBeLessThan(1e-4 * Math.max(1, Math.abs(ref)));
  });
});
