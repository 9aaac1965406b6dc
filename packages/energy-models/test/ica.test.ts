import { createRng, luFactor, luInverse, luLogAbsDet } from '@steinkit/core';
import { createIcaModel, logAbsDet } from '@steinkit/energy-models';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

const det2 = (m: number[]) => m[0] * m[3] - m[1] * m[2];
const det3 = (m: number[]) =>
  m[0] * (m[4] * m[8] - m[5] * m[7]) -
  m[1] * (m[3] * m[8] - m[5] * m[6]) +
  m[2] * (m[3] * m[7] - m[4] * m[6]);

describe('ICA linear algebra', () => {
  it('log|det| matches explicit 2×2 and 3×3 determinants, sign included', () => {
    const a2 = [0.3, -1.2, 2.5, 0.7];
    const a3 = [0.1, 2, -1, 3, 0.5, 0.2, -0.7, 1.1, 4];
    for (const [a, d, det] of [
      [a2, 2, det2(a2)],
      [a3, 3, det3(a3)],
    ] as const) {
      const r = luLogAbsDet(luFactor(a, d));
      expect(r.logAbsDet).toBeCloseTo(Math.log(Math.abs(det)), 12);
      expect(r.sign).toBe(Math.sign(det));
    }
    const sw = [0, 1, 1, 0];
    expect(luLogAbsDet(luFactor(sw, 2))).toEqual({ logAbsDet: 0, sign: -1 });
  });

  it('inverse from LU is an inverse', () => {
    const a = [4, 1, 2, 0.5, 3, -1, 2, 0, 5];
    const inv = luInverse(luFactor(a, 3));
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += a[i * 3 + k] * inv[k * 3 + j];
        expect(s).toBeCloseTo(i === j ? 1 : 0, 12);
      }
  });

  it('no overflow at D = 200 and the gradient is W⁻ᵀ (finite differences)', () => {
    const rng = createRng(3);
    const w = rng.normal([200, 200]) as tf.Tensor2D;
    const v = logAbsDet(w);
    const val = v.dataSync()[0];
    expect(Number.isFinite(val)).toBe(true);
    expect(val).toBeGreaterThan(200); // |det| = e^val: beyond float32 range (e^88), no overflow in the sum of logs
    v.dispose();
    w.dispose();
    // gradient at small D against central differences in float64
    const a = [0.9, 0.2, -0.4, 0.3, 1.1, 0.5, -0.2, 0.6, 0.8];
    const t = tf.tensor2d(a, [3, 3]);
    const g = tf
      .grad((x: tf.Tensor) => logAbsDet(x as tf.Tensor2D))(t)
      .arraySync() as number[][];
    const eps = 1e-6;
    for (let i = 0; i < 9; i++) {
      const p = a.slice();
      const m = a.slice();
      p[i] += eps;
      m[i] -= eps;
      const fd = (Math.log(Math.abs(det3(p))) - Math.log(Math.abs(det3(m)))) / (2 * eps);
      expect(g[Math.floor(i / 3)][i % 3]).toBeCloseTo(fd, 4);
    }
    t.dispose();
  });
});

describe('ICA model', () => {
  it('log-likelihood against a direct computation at D = 2 and 3 (Laplace and Student-t)', () => {
    const b = [0.8, -0.3, 0.1, 0.4, 1.2, -0.5, 0.2, 0.3, 0.9];
    const xs = [
      [0.5, -1, 2],
      [0.1, 0.2, -0.3],
    ];
    for (const base of [{ kind: 'laplace' } as const, { kind: 'student-t', df: 5 } as const]) {
      const model = createIcaModel({ dim: 3, base, unmixing: tf.tensor2d(b, [3, 3]) });
      const x = tf.tensor2d(xs);
      const lp = model.logProb(x).arraySync() as number[];
      xs.forEach((row, n) => {
        let acc = Math.log(Math.abs(det3(b)));
        for (let k = 0; k < 3; k++) {
          const z = b[k * 3] * row[0] + b[k * 3 + 1] * row[1] + b[k * 3 + 2] * row[2];
          if (base.kind === 'laplace') acc += -Math.abs(z) - Math.log(2);
          else {
            // Γ(3)/Γ(2.5)/√(5π) = 2 / (1.329340388...) / √(5π)
            const c = Math.log(2 / 1.3293403881791355 / Math.sqrt(5 * Math.PI));
            acc += c - 3 * Math.log1p((z * z) / 5);
          }
        }
        expect(lp[n]).toBeCloseTo(acc, 4);
      });
      expect(model.meanLogLikelihood(x)).toBeCloseTo((lp[0] + lp[1]) / 2, 4);
      x.dispose();
      model.dispose();
    }
    const m2 = createIcaModel({ dim: 2, unmixing: tf.tensor2d([2, 1, 0.5, 3], [2, 2]) });
    const x2 = tf.tensor2d([[0.3, -0.2]]);
    const z = [2 * 0.3 - 0.2, 0.5 * 0.3 - 0.6];
    expect(m2.logProb(x2).dataSync()[0]).toBeCloseTo(
      Math.log(det2([2, 1, 0.5, 3])) - Math.abs(z[0]) - Math.abs(z[1]) - 2 * Math.log(2),
      5,
    );
    m2.dispose();
    x2.dispose();
  });

  it('closed-form score equals the autodiff score, and is tidy', () => {
    const rng = createRng(7);
    const u = rng.normal([6, 6]) as tf.Tensor2D;
    for (const base of [{ kind: 'laplace' } as const, { kind: 'student-t', df: 5 } as const]) {
      const model = createIcaModel({ dim: 6, base, unmixing: u });
      const x = rng.normal([10, 6]) as tf.Tensor2D;
      const before = tf.memory().numTensors;
      const s1 = model.score(x);
      const s2 = model.scoreAutodiff(x);
      const e = model.energy(x);
      expect(tf.memory().numTensors).toBe(before + 3);
      const a = s1.dataSync();
      const b = s2.dataSync();
      for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 4);
      tf.dispose([s1, s2, e, x]);
      model.dispose();
    }
    u.dispose();
  });

  it('the true unmixing matrix beats a wrong one on its own samples; bad input is a RangeError', () => {
    const rng = createRng(11);
    // a fixed well-conditioned mixing matrix (cond ≈ 1.5) and Laplace sources, x = z Wᵀ
    const w = tf.tensor2d(
      [1.2, 0.3, -0.4, 0.1, 0.2, 0.9, 0.3, -0.5, 0.5, -0.2, 1.1, 0.2, -0.1, 0.4, 0.3, 1],
      [4, 4],
    );
    const bTrue = tf.tidy(() => {
      const inv = luInverse(luFactor(w.dataSync(), 4));
      return tf.tensor2d(Array.from(inv), [4, 4]);
    });
    const x = tf.tidy(() => tf.matMul(rng.laplace([2000, 4]), w, false, true) as tf.Tensor2D);
    const good = createIcaModel({ dim: 4, unmixing: bTrue });
    const bad = createIcaModel({ dim: 4 });
    expect(good.meanLogLikelihood(x)).toBeGreaterThan(bad.meanLogLikelihood(x));
    // The oracle mean log-likelihood is E log p(z) + log|det B| = −D(1 + log 2) + log|det B|.
    const lad = luLogAbsDet(luFactor(bTrue.dataSync(), 4)).logAbsDet;
    expect(good.meanLogLikelihood(x)).toBeCloseTo(-4 * (1 + Math.log(2)) + lad, 0);
    expect(() => good.score(tf.zeros([3, 5]) as tf.Tensor2D)).toThrow(RangeError);
    tf.dispose([w, bTrue, x]);
    good.dispose();
    bad.dispose();
  });
});
