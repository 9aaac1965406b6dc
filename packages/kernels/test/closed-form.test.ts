import { createRng } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { customKernel, imq, pairwiseSqDist, rbf, type SteinKernel } from '../src/index';

const rng = createRng(7);
const n = 6;
const m = 5;
const d = 3;
const x = rng.normal([n, d]) as tf.Tensor2D;
const y = tf.add(rng.normal([m, d]), 0.3) as tf.Tensor2D;
const w = rng.uniform([n, m], 0.1, 1) as tf.Tensor2D;
const sx = rng.normal([n, d]) as tf.Tensor2D;
const sy = rng.normal([m, d]) as tf.Tensor2D;

// independent row-wise definitions, differentiated by tfjs autodiff
const h = 1.3;
const rbfRow = customKernel(
  (a, b) => tf.exp(tf.div(tf.neg(tf.sum(tf.square(tf.sub(a, b)), 1)), h * h)) as tf.Tensor1D,
  'rbf-autodiff',
);
const imqRow = (c: number, beta: number) =>
  customKernel(
    (a, b) => tf.pow(tf.add(c * c, tf.sum(tf.square(tf.sub(a, b)), 1)), beta) as tf.Tensor1D,
    'imq-autodiff',
  );

function close(a: tf.Tensor, b: tf.Tensor, tol = 1e-4) {
  expect(a.shape).toEqual(b.shape);
  const av = a.dataSync();
  const bv = b.dataSync();
  const scale = Math.max(1, ...Array.from(bv, Math.abs));
  for (let i = 0; i < av.length; i++) expect(Math.abs(av[i] - bv[i]) / scale).toBeLessThan(tol);
}

type JsK = (a: number[], b: number[]) => number;
const sq = (a: number[], b: number[]) => a.reduce((s, ai, i) => s + (ai - b[i]) ** 2, 0);
const rbfJs: JsK = (a, b) => Math.exp(-sq(a, b) / (h * h));
const imqJs =
  (c: number, beta: number): JsK =>
  (a, b) =>
    (c * c + sq(a, b)) ** beta;

/** Float64 central differences: ∇ₓk, ∇_y k and tr ∇ₓ∇_y k for one pair. */
function fdPair(kf: JsK, a: number[], b: number[], e = 1e-4) {
  const sh = (v: number[], i: number, t: number) => v.map((u, j) => (j === i ? u + t : u));
  const gx: number[] = [];
  const gy: number[] = [];
  let tr = 0;
  for (let i = 0; i < a.length; i++) {
    gx.push((kf(sh(a, i, e), b) - kf(sh(a, i, -e), b)) / (2 * e));
    gy.push((kf(a, sh(b, i, e)) - kf(a, sh(b, i, -e))) / (2 * e));
    const E = 1e-3;
    tr +=
      (kf(sh(a, i, E), sh(b, i, E)) -
        kf(sh(a, i, E), sh(b, i, -E)) -
        kf(sh(a, i, -E), sh(b, i, E)) +
        kf(sh(a, i, -E), sh(b, i, -E))) /
      (4 * E * E);
  }
  return { k: kf(a, b), gx, gy, tr };
}

/** Slow per-pair JS reference for the trace term and the Stein kernel u_p. */
function fdMatrices(kf: JsK, xs: tf.Tensor2D, ys: tf.Tensor2D, sxs: tf.Tensor2D, sys: tf.Tensor2D) {
  const xa = xs.arraySync();
  const ya = ys.arraySync();
  const sxa = sxs.arraySync();
  const sya = sys.arraySync();
  const tr = xa.map(() => ya.map(() => 0));
  const u = xa.map(() => ya.map(() => 0));
  const dot = (p: number[], q: number[]) => p.reduce((s, v, i) => s + v * q[i], 0);
  for (let i = 0; i < xa.length; i++)
    for (let j = 0; j < ya.length; j++) {
      const f = fdPair(kf, xa[i], ya[j]);
      tr[i][j] = f.tr;
      u[i][j] = dot(sxa[i], sya[j]) * f.k + dot(sxa[i], f.gy) + dot(sya[j], f.gx) + f.tr;
    }
  return { tr: tf.tensor2d(tr), u: tf.tensor2d(u) };
}

const cases: [string, SteinKernel, SteinKernel, JsK][] = [
  ['rbf', rbf({ bandwidth: h }), rbfRow, rbfJs],
  ['imq', imq({ c: 0.8, beta: -0.5 }), imqRow(0.8, -0.5), imqJs(0.8, -0.5)],
  ['imq beta=-0.3', imq({ c: 1.5, beta: -0.3 }), imqRow(1.5, -0.3), imqJs(1.5, -0.3)],
];

describe.each(cases)('%s closed forms vs autodiff', (_name, k, ref, kjs) => {
  it('gram', () => {
    close(k.gram(x, y), ref.gram(x, y));
    close(k.gram(x), ref.gram(x));
  });
  it('gradX and gradY (weighted), in either argument', () => {
    close(k.gradX(x, y, w), ref.gradX(x, y, w));
    close(k.gradY(x, y, w), ref.gradY(x, y, w));
    close(k.gradX(x), ref.gradX(x));
    close(k.gradY(x, y), ref.gradY(x, y));
  });
  it('gradX matches tf.grad of the weighted Gram sum', () => {
    const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(w, k.gram(a as tf.Tensor2D, y))))(x);
    close(k.gradX(x, y, w), g);
  });
  it('SVGD repulsion Σ_j ∇_{x_j} k(x_j, x_i)', () => {
    const a = k.steinTerms(x);
    const b = ref.steinTerms(x);
    close(a.gram, b.gram);
    close(a.repulsion, b.repulsion);
    const dir = k.steinDirection(x, sx);
    close(dir.direction, tf.add(tf.matMul(b.gram, sx), b.repulsion));
    close(dir.kernelSum, tf.sum(b.gram, 1, true));
  });
  it('trace term tr(∇ₓ∇_y k) and u_p against float64 finite differences', () => {
    const fd = fdMatrices(kjs, x, y, sx, sy);
    close(k.traceGradGrad(x, y), fd.tr, 1e-3);
    close(k.steinMatrix(x, sx, y, sy), fd.u, 1e-3);
    const fdSame = fdMatrices(kjs, x, x, sx, sx);
    const u = k.steinMatrix(x, sx);
    close(u, fdSame.u, 1e-3);
    close(u, tf.transpose(u), 1e-5);
  });
  it('trace term and u_p against customKernel (autodiff gradient + central difference)', () => {
    close(k.traceGradGrad(x, y), ref.traceGradGrad(x, y), 1e-3);
    close(k.steinMatrix(x, sx, y, sy), ref.steinMatrix(x, sx, y, sy), 1e-3);
  });
  it('leaks nothing', () => {
    const before = tf.memory().numTensors;
    const outs = [
      k.gram(x, y),
      k.gradX(x, y, w),
      k.gradY(x, y),
      k.traceGradGrad(x),
      k.steinMatrix(x, sx, y, sy),
    ];
    const st = k.steinTerms(x);
    const sd = k.steinDirection(x, sx);
    tf.dispose([...outs, st.gram, st.repulsion, sd.direction, sd.kernelSum]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('finite differences (float64 JS reference)', () => {
  it('rbf trace term matches a central difference of the mixed derivative', () => {
    const xv = Array.from(x.dataSync()).slice(0, d);
    const yv = Array.from(y.dataSync()).slice(0, d);
    const kf = (a: number[], b: number[]) =>
      Math.exp(-a.reduce((s, ai, i) => s + (ai - b[i]) ** 2, 0) / (h * h));
    const e = 1e-3;
    let tr = 0;
    for (let a = 0; a < d; a++) {
      const sh = (v: number[], i: number, t: number) => v.map((u, j) => (j === i ? u + t : u));
      tr +=
        (kf(sh(xv, a, e), sh(yv, a, e)) -
          kf(sh(xv, a, e), sh(yv, a, -e)) -
          kf(sh(xv, a, -e), sh(yv, a, e)) +
          kf(sh(xv, a, -e), sh(yv, a, -e))) /
        (4 * e * e);
    }
    const t = rbf({ bandwidth: h }).traceGradGrad(x, y).dataSync()[0];
    expect(t).toBeCloseTo(tr, 3);
  });
});

describe('pairwiseSqDist', () => {
  it('matches a direct loop, is ≥ 0 and has a zero diagonal', () => {
    const dd = pairwiseSqDist(x, y).arraySync();
    const xa = x.arraySync();
    const ya = y.arraySync();
    for (let i = 0; i < n; i++)
      for (let j = 0; j < m; j++) {
        const r = xa[i].reduce((s, v, a) => s + (v - ya[j][a]) ** 2, 0);
        expect(dd[i][j]).toBeCloseTo(r, 4);
      }
    const same = pairwiseSqDist(x).arraySync();
    for (let i = 0; i < n; i++) expect(same[i][i]).toBe(0);
    expect(Math.min(...same.flat())).toBeGreaterThanOrEqual(0);
  });
});
