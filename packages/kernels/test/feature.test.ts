import { createRng } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { customKernel, featureKernel, imq, rbf } from '../src/index';

const rng = createRng(21);
const d = 3;
const f = 4;
const W = rng.normal([d, f], 0, 0.7) as tf.Tensor2D;
const b = rng.normal([1, f], 0, 0.3) as tf.Tensor2D;
const phi = (x: tf.Tensor2D) => tf.tanh(tf.add(tf.matMul(x, W), b)) as tf.Tensor2D;
const x = rng.normal([7, d]) as tf.Tensor2D;
const y = rng.normal([5, d]) as tf.Tensor2D;
const w = rng.uniform([7, 5], 0.2, 1) as tf.Tensor2D;
const sx = rng.normal([7, d]) as tf.Tensor2D;

function close(a: tf.Tensor, c: tf.Tensor, tol = 1e-4) {
  expect(a.shape).toEqual(c.shape);
  const av = a.dataSync();
  const cv = c.dataSync();
  const scale = Math.max(1, ...Array.from(cv, Math.abs));
  for (let i = 0; i < av.length; i++) expect(Math.abs(av[i] - cv[i]) / scale).toBeLessThan(tol);
}

const h = 0.9;
const sqf = (a: tf.Tensor2D, c: tf.Tensor2D) => tf.sum(tf.square(tf.sub(phi(a), phi(c))), 1);
const refs = {
  rbf: customKernel((a, c) => tf.exp(tf.div(tf.neg(sqf(a, c)), h * h)) as tf.Tensor1D),
  imq: customKernel((a, c) => tf.pow(tf.add(1, sqf(a, c)), -0.5) as tf.Tensor1D),
};

describe.each([
  ['rbf', featureKernel(rbf({ bandwidth: h }), phi)],
  ['imq', featureKernel(imq(), phi)],
] as const)('featureKernel(%s) vs pairwise autodiff', (name, k) => {
  const ref = refs[name];
  it('gram, gradX, gradY', () => {
    close(k.gram(x, y), ref.gram(x, y));
    close(k.gradX(x, y, w), ref.gradX(x, y, w));
    close(k.gradY(x, y, w), ref.gradY(x, y, w));
  });
  it('SVGD repulsion through the Jacobian of φ (n = 7 > f + 1) and through n² rows of φ (n = 4 ≤ f + 1)', () => {
    for (const rows of [7, 4]) {
      const xs = tf.slice(x, [0, 0], [rows, d]) as tf.Tensor2D;
      const ss = tf.slice(sx, [0, 0], [rows, d]) as tf.Tensor2D;
      const a = k.steinTerms(xs);
      const c = ref.steinTerms(xs);
      close(a.gram, c.gram);
      close(a.repulsion, c.repulsion);
      expect(tf.max(tf.abs(c.repulsion)).dataSync()[0]).toBeGreaterThan(1e-2);
      close(k.steinDirection(xs, ss).direction, tf.add(tf.matMul(c.gram, ss), c.repulsion));
    }
  });
  it('trace term against float64 finite differences', () => {
    const Wa = W.arraySync();
    const ba = b.arraySync()[0];
    const phiJs = (v: number[]) =>
      ba.map((bb, j) => Math.tanh(v.reduce((s, vi, i) => s + vi * Wa[i][j], bb)));
    const kf = (p: number[], q: number[]) => {
      const r2 = phiJs(p).reduce((s, v, j) => s + (v - phiJs(q)[j]) ** 2, 0);
      return name === 'rbf' ? Math.exp(-r2 / (h * h)) : (1 + r2) ** -0.5;
    };
    const xa = x.arraySync();
    const ya = y.arraySync();
    const E = 1e-3;
    const sh = (v: number[], i: number, t: number) => v.map((u, j) => (j === i ? u + t : u));
    const tr = xa.map((p) =>
      ya.map((q) => {
        let t = 0;
        for (let a = 0; a < d; a++)
          t +=
            (kf(sh(p, a, E), sh(q, a, E)) -
              kf(sh(p, a, E), sh(q, a, -E)) -
              kf(sh(p, a, -E), sh(q, a, E)) +
              kf(sh(p, a, -E), sh(q, a, -E))) /
            (4 * E * E);
        return t;
      }),
    );
    close(k.traceGradGrad(x, y), tf.tensor2d(tr), 2e-3);
  });
  it('leaks nothing', () => {
    const before = tf.memory().numTensors;
    const st = k.steinTerms(x);
    const x4 = tf.slice(x, [0, 0], [4, d]) as tf.Tensor2D;
    const st4 = k.steinTerms(x4);
    tf.dispose([
      k.gram(x),
      k.gradX(x, y),
      k.gradX(x),
      st.gram,
      st.repulsion,
      x4,
      st4.gram,
      st4.repulsion,
    ]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('featureKernel with the identity map is its base kernel', () => {
  it('steinTerms on both routes (φ(x) is x itself: the cotangent must stay constant)', () => {
    const base = rbf({ bandwidth: 1.1 });
    const k = featureKernel(base, (z) => z);
    for (const rows of [2, 7]) {
      const xs = tf.slice(x, [0, 0], [rows, d]) as tf.Tensor2D;
      const a = k.steinTerms(xs);
      const c = base.steinTerms(xs);
      close(a.gram, c.gram, 1e-5);
      close(a.repulsion, c.repulsion, 1e-5);
      tf.dispose([xs, a.gram, a.repulsion, c.gram, c.repulsion]);
    }
  });
});

describe('featureKernel with a heuristic base', () => {
  it('resolves the bandwidth on φ(x) and exposes it', () => {
    const k = featureKernel(rbf(), phi);
    expect(k.bandwidth).toBeUndefined();
    const fixed = k.withBandwidthFrom(x);
    const fx = phi(x);
    const direct = rbf().withBandwidthFrom(fx);
    expect(fixed?.bandwidth).toBeCloseTo(direct?.bandwidth as number, 6);
    fx.dispose();
  });
  it('rejects a non-radial base', () => {
    const k = featureKernel(
      customKernel((a, c) => tf.sum(tf.mul(a, c), 1) as tf.Tensor1D),
      phi,
    );
    expect(() => k.gram(x)).toThrow(/radial/);
  });
});
