import { featureSteinDirection } from '@steinkit/amortizers';
import { createRng } from '@steinkit/core';
import { featureKernel, rbf } from '@steinkit/kernels';
import { svgdDirection } from '@steinkit/stein-estimators';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

// A nonlinear feature map E(x) = tanh(xA + c), so J_E differs between particles.
const A = tf.tensor2d([
  [1.2, -0.7, 0.4],
  [0.3, 0.9, -1.1],
]);
const c = tf.tensor1d([0.1, -0.2, 0.3]);
const E = (x: tf.Tensor2D) => tf.tanh(tf.add(tf.matMul(x, A), c)) as tf.Tensor2D;
const Aa = A.arraySync();
const ca = Array.from(c.dataSync());

/**
 * Float64 Δx_i with the j = i terms dropped and the kernelSum normalization,
 * RBF κ(a, b) = exp(−‖a − b‖²/h²) on E(x) (or on x when `identity`); the
 * repulsion's Jacobian at x_j (`'exact'`), at x_i (`'approximate'`) or the
 * approximate term with the sign flipped.
 */
function referenceExcludeSelf(
  xs: number[][],
  ss: number[][],
  h: number,
  mode: 'exact' | 'approximate' | 'flipped',
  identity = false,
): number[][] {
  const n = xs.length;
  const D = xs[0].length;
  const feat = (r: number[]) =>
    identity ? r : ca.map((cc, k) => Math.tanh(r.reduce((t, v, a) => t + v * Aa[a][k], cc)));
  // J(x)ᵀ u for E: Σ_k (1 − E_k²) A[a][k] u_k
  const jt = (r: number[], u: number[]) =>
    identity
      ? u
      : r.map((_, a) => feat(r).reduce((t, e, k) => t + (1 - e * e) * Aa[a][k] * u[k], 0));
  const e = xs.map(feat);
  const K = e.map((a) =>
    e.map((b) => Math.exp(-a.reduce((t, v, k) => t + (v - b[k]) ** 2, 0) / (h * h))),
  );
  return xs.map((_, i) => {
    const out = new Array(D).fill(0);
    let den = 0;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      den += K[i][j];
      const [p, q] = mode === 'exact' ? [j, i] : [i, j];
      // ∇_{x_p} κ(E(x_p), E(x_q)) = J(x_p)ᵀ (−2/h²) κ (E_p − E_q)
      const g = jt(
        xs[p],
        e[p].map((v, k) => (-2 / (h * h)) * K[i][j] * (v - e[q][k])),
      );
      const sign = mode === 'approximate' ? -1 : 1;
      for (let a = 0; a < D; a++) out[a] += K[i][j] * ss[j][a] + sign * g[a];
    }
    return out.map((v) => v / den);
  });
}

describe('featureSteinDirection: the repulsive term with a kernel on features', () => {
  it('exact term equals a slow per-pair reference Σ_j J_E(x_j)ᵀ ∇₁κ(E(x_j), E(x_i))', () => {
    const x = tf.tidy(() => createRng(1).normal([5, 2])) as tf.Tensor2D;
    const s = tf.zerosLike(x) as tf.Tensor2D;
    const h = 0.8;
    const before = tf.memory().numTensors;
    const d = featureSteinDirection(x, s, {
      kernel: rbf({ bandwidth: h }),
      features: E,
      repulsion: 'exact',
    });
    expect(tf.memory().numTensors).toBe(before + 3);
    // reference: loop over pairs, gradient of κ(E(z), E(x_i)) w.r.t. z at z = x_j
    const xs = x.arraySync();
    const ref = xs.map(() => [0, 0]);
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 5; j++) {
        const g = tf.tidy(() => {
          const ei = E(tf.tensor2d([xs[i]]));
          return tf.grad((z: tf.Tensor) =>
            tf.exp(tf.div(tf.neg(tf.sum(tf.square(tf.sub(E(z as tf.Tensor2D), ei)))), h * h)),
          )(tf.tensor2d([xs[j]]));
        });
        const gv = g.dataSync();
        ref[i][0] += gv[0] / 5;
        ref[i][1] += gv[1] / 5;
        g.dispose();
      }
    }
    const got = d.repulsion.arraySync();
    for (let i = 0; i < 5; i++) {
      expect(got[i][0]).toBeCloseTo(ref[i][0], 5);
      expect(got[i][1]).toBeCloseTo(ref[i][1], 5);
    }
    // and the approximate term differs (the Jacobian is taken at x_i instead)
    const a = featureSteinDirection(x, s, {
      kernel: rbf({ bandwidth: h }),
      features: E,
      repulsion: 'approximate',
    });
    const diff = tf.max(tf.abs(tf.sub(a.repulsion, d.repulsion))).dataSync()[0];
    expect(diff).toBeGreaterThan(1e-3);
    tf.dispose([x, s, d.direction, d.drive, d.repulsion, a.direction, a.drive, a.repulsion]);
  });

  it("with identity features it is stein-estimators' svgdDirection (the one SVGD direction), both normalizations", () => {
    const x = tf.tidy(() => createRng(5).normal([7, 3])) as tf.Tensor2D;
    const s = tf.tidy(() => tf.mul(-0.7, x)) as tf.Tensor2D;
    for (const kernel of [
      rbf({ bandwidth: 1.3 }),
      rbf({ bandwidth: { kind: 'median', scale: 0.5 } }),
    ])
      for (const normalize of ['n', 'kernelSum'] as const) {
        const ours = featureSteinDirection(x, s, { kernel, normalize });
        const ref = svgdDirection(x, s, kernel, { normalize });
        const diff = tf.max(tf.abs(tf.sub(ours.direction, ref))).dataSync()[0];
        const size = tf.max(tf.abs(ref)).dataSync()[0];
        expect(size).toBeGreaterThan(1e-2);
        expect(diff).toBeLessThan(1e-5 * Math.max(1, size));
        tf.dispose([ours.direction, ours.drive, ours.repulsion, ref]);
      }
    tf.dispose([x, s]);
  });

  it('with identity features, exact = approximate = the kernel closed form, and flipped = −that', () => {
    const x = tf.tidy(() => createRng(2).normal([6, 2])) as tf.Tensor2D;
    const s = tf.tidy(() => tf.neg(x)) as tf.Tensor2D;
    const k = rbf({ bandwidth: 1.1 });
    const id = (z: tf.Tensor2D) => z;
    const closed = featureSteinDirection(x, s, { kernel: k });
    const ex = featureSteinDirection(x, s, { kernel: k, features: id, repulsion: 'exact' });
    const ap = featureSteinDirection(x, s, { kernel: k, features: id, repulsion: 'approximate' });
    const fl = featureSteinDirection(x, s, { kernel: k, features: id, repulsion: 'flipped' });
    const md = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
    expect(md(ex.repulsion, closed.repulsion)).toBeLessThan(1e-5);
    expect(md(ap.repulsion, closed.repulsion)).toBeLessThan(1e-5);
    expect(md(fl.repulsion, tf.neg(closed.repulsion))).toBeLessThan(1e-5);
    expect(tf.max(tf.abs(closed.repulsion)).dataSync()[0]).toBeGreaterThan(1e-2);
    for (const r of [closed, ex, ap, fl]) tf.dispose([r.direction, r.drive, r.repulsion]);
    tf.dispose([x, s]);
  });

  it('particles spread (exact and approximate) but collapse with the sign flipped', () => {
    // SVGD on particles toward N(0, I) from a tight start, kernel RBF on E(x) with h = 0.5·median.
    const spread = (mode: 'exact' | 'approximate' | 'flipped', sd0: number) => {
      let x = tf.tidy(() => createRng(3).normal([24, 2], 0, sd0)) as tf.Tensor2D;
      const kernel = rbf({ bandwidth: { kind: 'median', scale: 0.5 } });
      for (let t = 0; t < 100; t++) {
        const next = tf.tidy(() => {
          const s = tf.neg(x) as tf.Tensor2D;
          const d = featureSteinDirection(x, s, { kernel, features: E, repulsion: mode });
          return tf.add(x, tf.mul(0.3, d.direction)) as tf.Tensor2D;
        });
        x.dispose();
        x = next;
      }
      const sdT = tf.tidy(() => tf.mean(tf.sqrt(tf.moments(x, 0).variance)));
      const sd = sdT.dataSync()[0];
      tf.dispose([x, sdT]);
      return sd;
    };
    const before = tf.memory().numTensors;
    const ex = spread('exact', 0.1);
    const ap = spread('approximate', 0.1);
    const fl = spread('flipped', 0.1);
    const flWide = spread('flipped', 1);
    const exWide = spread('exact', 1);
    expect(tf.memory().numTensors).toBe(before);
    // start: sd 0.1 (or 1); the target has sd 1
    expect(ex).toBeGreaterThan(0.4);
    expect(ap).toBeGreaterThan(0.4);
    // flipped: no spreading from a tight start, and a start at the target's spread collapses
    expect(fl).toBeLessThan(0.2);
    expect(flWide).toBeLessThan(0.3);
    expect(exWide).toBeGreaterThan(0.6);
  });

  it('with excludeSelf and kernelSum it matches float64, also for isolated particles (Σ_{j≠i} k ≈ 1e-5)', () => {
    // n = 3, h = 0.8: the off-diagonal kernel values are 1.6e-7 … 1.3e-5, so the
    // denominator must not be formed as Σ_j k − k_ii (≈ 1 − 1 in float32).
    for (const [n, h] of [
      [3, 0.8],
      [4, 0.5],
      [9, 0.7],
    ] as const) {
      const x = tf.tidy(() => createRng(n).normal([n, 2])) as tf.Tensor2D;
      const s = tf.tidy(() => tf.mul(-0.7, x)) as tf.Tensor2D;
      const cases = [
        ['exact', false],
        ['approximate', false],
        ['flipped', true],
        ['exact', true],
      ] as const;
      for (const [mode, identity] of cases) {
        const ref = referenceExcludeSelf(x.arraySync(), s.arraySync(), h, mode, identity);
        const d = featureSteinDirection(x, s, {
          kernel: rbf({ bandwidth: h }),
          features: identity ? undefined : E,
          repulsion: mode,
          excludeSelf: true,
          normalize: 'kernelSum',
        });
        const got = d.direction.arraySync();
        const size = Math.max(...ref.flat().map(Math.abs));
        const err = Math.max(...got.flat().map((v, k) => Math.abs(v - ref.flat()[k])));
        expect(size).toBeGreaterThan(0.5);
        // Identity features + exact: the RBF's own closed form (steinTerms, no mask) keeps
        // the j = i term's float32 residue, which 1/Σ_{j≠i} k ≈ 1e5 amplifies (1.2e-3 at n = 3).
        expect(err).toBeLessThan((identity && mode === 'exact' ? 2e-3 : 2e-5) * size);
        tf.dispose([d.direction, d.drive, d.repulsion]);
      }
      tf.dispose([x, s]);
    }
  });

  it("exact repulsion on features is svgdDirection with @steinkit/kernels' featureKernel (one SVGD-direction path)", () => {
    // n = 6 > c + 1 = 4 and n = 3 ≤ 4: both of featureKernel's exact routes
    for (const n of [6, 3]) {
      const x = tf.tidy(() => createRng(7 + n).normal([n, 2])) as tf.Tensor2D;
      const s = tf.tidy(() => tf.mul(-0.5, x)) as tf.Tensor2D;
      const kernel = rbf({ bandwidth: { kind: 'median', scale: 0.5 } });
      for (const normalize of ['n', 'kernelSum'] as const) {
        const ours = featureSteinDirection(x, s, {
          kernel,
          features: E,
          repulsion: 'exact',
          normalize,
        });
        const codes = E(x);
        const ref = svgdDirection(x, s, featureKernel(kernel.withBandwidthFrom(codes), E), {
          normalize,
        });
        const diff = tf.max(tf.abs(tf.sub(ours.direction, ref))).dataSync()[0];
        const size = tf.max(tf.abs(ref)).dataSync()[0];
        expect(size).toBeGreaterThan(1e-2);
        expect(diff).toBeLessThan(1e-5 * Math.max(1, size));
        tf.dispose([ours.direction, ours.drive, ours.repulsion, ref, codes]);
      }
      tf.dispose([x, s]);
    }
  });

  it('rejects a bad mode and mismatched scores', () => {
    const x = tf.zeros([3, 2]) as tf.Tensor2D;
    const bad = tf.zeros([3, 3]) as tf.Tensor2D;
    expect(() =>
      featureSteinDirection(x, x, { kernel: rbf({ bandwidth: 1 }), repulsion: 'nope' as 'exact' }),
    ).toThrow(/repulsion: expected/);
    expect(() => featureSteinDirection(x, bad, { kernel: rbf({ bandwidth: 1 }) })).toThrow(
      /score: expected shape \[3, 2\]/,
    );
    tf.dispose([x, bad]);
  });
});
