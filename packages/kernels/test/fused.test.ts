/**
 * The fused pairwise engine (src/fused) against a float64 JS reference and the
 * composite tfjs path, on ragged tiles (n not a multiple of the tile, tiles of
 * 8 and 16 rows), n = 1, RBF and IMQ (β = −½ and a general β), fixed and
 * median bandwidths; the vector exp's error bound; the memory guards; the
 * dispatch under a gradient tape.
 */
import { createRng } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { meanPairwiseDistance } from '../src/distance';
import { fusedMath, fusedMedianSq, fusedSvgd, setTileSize } from '../src/fused/engine';
import {
  getFusedKernels,
  imq,
  rbf,
  resolveBandwidth,
  type SteinKernel,
  setFusedKernels,
} from '../src/index';

afterEach(() => {
  setFusedKernels('auto');
  setTileSize(64);
});
afterAll(() => expect(getFusedKernels()).toBe('auto'));

/** A fresh seed per run (printed with every failure) plus fixed ones. */
const fresh = Math.floor(Math.random() * 1e9);
const seeds = [11, fresh];

interface Problem {
  x: Float64Array;
  s: Float64Array;
  n: number;
  d: number;
}

function problem(seed: number, n: number, d: number): Problem {
  const rng = createRng(seed);
  const xs = rng.normal([n, d], 1, 0.7);
  const ss = rng.normal([n, d]);
  const x = Float64Array.from(xs.dataSync());
  const s = Float64Array.from(ss.dataSync());
  tf.dispose([xs, ss]);
  return { x, s, n, d };
}

type Prof = { f: (r: number) => number; f1: (r: number) => number; f2: (r: number) => number };
const rbfProf = (h: number): Prof => {
  const a = 1 / (h * h);
  return {
    f: (r) => Math.exp(-a * r),
    f1: (r) => -a * Math.exp(-a * r),
    f2: (r) => a * a * Math.exp(-a * r),
  };
};
const imqProf = (c: number, b: number): Prof => ({
  f: (r) => (c * c + r) ** b,
  f1: (r) => b * (c * c + r) ** (b - 1),
  f2: (r) => b * (b - 1) * (c * c + r) ** (b - 2),
});

function sq(p: Problem, i: number, y: Float64Array, j: number): number {
  let t = 0;
  for (let c = 0; c < p.d; c++) {
    const q = p.x[i * p.d + c] - y[j * p.d + c];
    t += q * q;
  }
  return t;
}

/** float64 references of everything the engine computes. */
function reference(p: Problem, k: Prof, y?: Float64Array, m = p.n) {
  const { n, d, x, s } = p;
  const yy = y ?? x;
  const direction = new Float64Array(n * d);
  const kernelSum = new Float64Array(n);
  const repulsion = new Float64Array(n * d);
  const gradX = new Float64Array(n * d);
  let uOff = 0;
  let uDiag = 0;
  let kOff = 0;
  let kAll = 0;
  let dist = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const r = sq(p, i, yy, j);
      const kv = k.f(r);
      const f1 = k.f1(r);
      kAll += kv;
      dist += Math.sqrt(r);
      if (i !== j) kOff += kv;
      for (let c = 0; c < d; c++) gradX[i * d + c] += 2 * f1 * (x[i * d + c] - yy[j * d + c]);
      if (y) continue;
      kernelSum[i] += kv;
      let ss = 0;
      let cross = 0;
      for (let c = 0; c < d; c++) {
        const g = 2 * f1 * (x[j * d + c] - x[i * d + c]);
        direction[i * d + c] += kv * s[j * d + c] + g;
        repulsion[i * d + c] += g;
        ss += s[i * d + c] * s[j * d + c];
        cross +=
          s[i * d + c] * (x[j * d + c] - x[i * d + c]) +
          s[j * d + c] * (x[i * d + c] - x[j * d + c]);
      }
      const u = kv * ss + 2 * f1 * cross - 4 * k.f2(r) * r - 2 * d * f1;
      if (i === j) uDiag += u;
      else uOff += u;
    }
  }
  return { direction, kernelSum, repulsion, gradX, uOff, uDiag, kOff, kAll, dist };
}

function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]));
  return e / Math.max(scale, 1e-30);
}

const t2 = (v: Float64Array, n: number, d: number) => tf.tensor2d(Float32Array.from(v), [n, d]);
const read = (t: tf.Tensor) => {
  const v = Float64Array.from(t.dataSync());
  t.dispose();
  return v;
};

/** Runs every fused method (and the composite one with the engine off). */
function evaluate(
  kernel: SteinKernel,
  p: Problem,
  mode: 'auto' | 'off',
  yData?: Float64Array,
  m = 0,
) {
  setFusedKernels(mode);
  const before = tf.memory().numTensors;
  const x = t2(p.x, p.n, p.d);
  const s = t2(p.s, p.n, p.d);
  const y = yData ? t2(yData, m, p.d) : undefined;
  const ones = tf.ones([m, 3]) as tf.Tensor2D;
  const { direction, kernelSum } = kernel.steinDirection(x, s);
  const terms = kernel.steinTerms(x);
  const out = {
    direction: read(direction),
    kernelSum: read(kernelSum),
    repulsion: read(terms.repulsion),
    gram: read(terms.gram),
    u: p.n > 1 ? read(kernel.ksdStatistic!(x, s, 'u'))[0] : Number.NaN,
    v: read(kernel.ksdStatistic!(x, s, 'v'))[0],
    kMean: read(kernel.gramMean!(x))[0],
    kOffMean: p.n > 1 ? read(kernel.gramMean!(x, undefined, true))[0] : Number.NaN,
    dist: read(meanPairwiseDistance(x))[0],
    gradX: y ? read(kernel.gradX(x, y)) : new Float64Array(0),
    gradY: y ? read(kernel.gradY(y, x)) : new Float64Array(0),
    cross: y ? read(kernel.gramMean!(x, y))[0] : Number.NaN,
    crossDist: y ? read(meanPairwiseDistance(x, y))[0] : Number.NaN,
    gramMatMul: y ? read(kernel.gramMatMul!(x, y, ones)) : new Float64Array(0),
  };
  tf.dispose([x, s, ones]);
  if (y) y.dispose();
  expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
  return out;
}

const kernels: [string, SteinKernel, Prof][] = [
  ['rbf h=1.3', rbf({ bandwidth: 1.3 }), rbfProf(1.3)],
  ['imq c=0.8 β=−½', imq({ c: 0.8 }), imqProf(0.8, -0.5)],
  ['imq c=1.2 β=−0.3', imq({ c: 1.2, beta: -0.3 }), imqProf(1.2, -0.3)],
];

describe('fused vs float64 reference vs composite', () => {
  for (const [label, kernel, prof] of kernels) {
    for (const seed of seeds) {
      it(`${label}, ragged tiles (n = 37, 70; tiles 8, 16, 64), seed ${seed}`, () => {
        for (const [n, d, bs] of [
          [37, 3, 8],
          [70, 5, 16],
          [29, 17, 64],
        ] as const) {
          setTileSize(bs);
          const p = problem(seed + n, n, d);
          const y = problem(seed + 1000 + n, 11, d).x;
          const ref = reference(p, prof);
          const refY = reference(p, prof, y, 11);
          const f = evaluate(kernel, p, 'auto', y, 11);
          const c = evaluate(kernel, p, 'off', y, 11);
          const msg = `${label} n=${n} d=${d} tile=${bs} seed=${seed}`;
          for (const [name, tol] of [
            ['direction', 2e-6],
            ['kernelSum', 2e-6],
            // Σ_j 2f'(x_j − x_i) = (G·x)_i − x_i (G·1)_i cancels (as the composite path does)
            ['repulsion', 2e-5],
          ] as const) {
            expect(maxRel(f[name], ref[name]), `${msg}: fused ${name}`).toBeLessThan(tol);
            expect(maxRel(c[name], ref[name]), `${msg}: composite ${name}`).toBeLessThan(5e-5);
          }
          const gref = new Float64Array(n * n);
          for (let i = 0; i < n; i++)
            for (let j = 0; j < n; j++) gref[i * n + j] = prof.f(sq(p, i, p.x, j));
          expect(maxRel(f.gram, gref), `${msg}: gram`).toBeLessThan(1e-6);
          const u = ref.uOff / (n * (n - 1));
          const v = (ref.uOff + ref.uDiag) / (n * n);
          expect(Math.abs(f.u - u), `${msg}: KSD U`).toBeLessThan(1e-5 * Math.abs(v));
          expect(Math.abs(f.v - v), `${msg}: KSD V`).toBeLessThan(1e-5 * Math.abs(v));
          expect(Math.abs(c.u - u), `${msg}: composite KSD U`).toBeLessThan(1e-4 * Math.abs(v));
          expect(Math.abs(f.kMean - ref.kAll / (n * n)) / (ref.kAll / (n * n))).toBeLessThan(1e-6);
          expect(
            Math.abs(f.kOffMean - ref.kOff / (n * (n - 1))) / (ref.kAll / (n * n)),
          ).toBeLessThan(1e-6);
          expect(Math.abs(f.dist - ref.dist / (n * n)) / (ref.dist / (n * n))).toBeLessThan(1e-6);
          expect(maxRel(f.gradX, refY.gradX), `${msg}: gradX`).toBeLessThan(2e-6);
          expect(maxRel(f.gradY, refY.gradX), `${msg}: gradY`).toBeLessThan(2e-6);
          expect(maxRel(c.gradX, f.gradX), `${msg}: composite gradX`).toBeLessThan(5e-5);
          expect(Math.abs(f.cross - refY.kAll / (n * 11)) / (refY.kAll / (n * 11))).toBeLessThan(
            1e-6,
          );
          expect(
            Math.abs(f.crossDist - refY.dist / (n * 11)) / (refY.dist / (n * 11)),
          ).toBeLessThan(1e-6);
          const rowSums = new Float64Array(n * 3);
          for (let i = 0; i < n; i++) {
            let t = 0;
            for (let j = 0; j < 11; j++) t += prof.f(sq(p, i, y, j));
            rowSums.fill(t, i * 3, i * 3 + 3);
          }
          expect(maxRel(f.gramMatMul, rowSums), `${msg}: gramMatMul`).toBeLessThan(1e-6);
          expect(maxRel(c.gramMatMul, rowSums), `${msg}: composite gramMatMul`).toBeLessThan(5e-5);
        }
      });
    }
  }

  it('n = 1: the direction is the score, V-statistic is the diagonal term, U throws', () => {
    const p = problem(5, 1, 4);
    for (const [label, kernel, prof] of kernels) {
      const f = evaluate(kernel, p, 'auto');
      const ref = reference(p, prof);
      expect(
        maxRel(
          f.direction,
          p.s.map((v) => v * prof.f(0)),
        ),
        label,
      ).toBeLessThan(1e-6);
      expect(Math.abs(f.kernelSum[0] - prof.f(0))).toBeLessThan(1e-6);
      expect(Math.abs(f.v - ref.uDiag) / Math.abs(ref.uDiag), label).toBeLessThan(1e-6);
      const x = t2(p.x, 1, 4);
      expect(() => kernel.ksdStatistic!(x, x, 'u')).toThrow(/n ≥ 2/);
      x.dispose();
    }
  });
});

describe('vectorized exp / log / pow of the module', () => {
  it('exp: max relative error ≤ 2e-7 on [−87.33, 88.37] (2²¹ points + 2¹⁸ near 0), 0 below', () => {
    const N = 1 << 21;
    const xs = new Float32Array(N + (1 << 18) + 3);
    for (let i = 0; i < N; i++) xs[i] = -87.33 + ((87.33 + 88.37) * i) / (N - 1);
    for (let i = 0; i < 1 << 18; i++) xs[N + i] = -1e-3 + (2e-3 * i) / (1 << 18);
    xs[xs.length - 3] = -90;
    xs[xs.length - 2] = -1000;
    xs[xs.length - 1] = 0;
    const ys = fusedMath(0, xs);
    let worst = 0;
    for (let i = 0; i < xs.length - 3; i++) {
      const t = Math.exp(xs[i]);
      worst = Math.max(worst, Math.abs(ys[i] - t) / t);
    }
    expect(worst).toBeLessThan(2e-7);
    expect(worst).toBeGreaterThan(0); // float32 output: never exact everywhere
    expect(ys[xs.length - 3]).toBe(0);
    expect(ys[xs.length - 2]).toBe(0);
    expect(ys[xs.length - 1]).toBe(1);
  });

  it('log: max absolute error ≤ 2e-7·max(1, |log x|); t^β = exp(β log t): relative ≤ 2e-6 on the IMQ range', () => {
    const N = 1 << 18;
    const xs = new Float32Array(N);
    for (let i = 0; i < N; i++) xs[i] = Math.fround(2 ** (-60 + (120 * i) / N));
    const ls = fusedMath(1, xs);
    let worst = 0;
    for (let i = 0; i < N; i++) {
      const t = Math.log(xs[i]);
      worst = Math.max(worst, Math.abs(ls[i] - t) / Math.max(1, Math.abs(t)));
    }
    expect(worst).toBeLessThan(2e-7);
    const ts = new Float32Array(N);
    for (let i = 0; i < N; i++) ts[i] = Math.fround(0.01 + (1e4 * i) / N); // c² + r²
    for (const beta of [-0.3, -0.5, -0.9]) {
      const ps = fusedMath(2, ts, beta);
      let w = 0;
      for (let i = 0; i < N; i++) {
        const t = ts[i] ** beta;
        w = Math.max(w, Math.abs(ps[i] - t) / t);
      }
      expect(w, `beta ${beta}`).toBeLessThan(2e-6);
    }
  });
});

describe('exact median without n² memory', () => {
  it('integer points: the fused order statistics equal the exact ones (ragged tiles, both conventions)', () => {
    const rng = createRng(3);
    for (const [n, bs] of [
      [1, 8],
      [2, 8],
      [45, 8],
      [100, 16],
    ] as const) {
      setTileSize(bs);
      const d = 3;
      const x = new Float32Array(n * d);
      for (let i = 0; i < x.length; i++) x[i] = Math.floor(rng.float() * 21) - 10;
      const pairs: number[] = [];
      const full: number[] = [];
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let t = 0;
          for (let c = 0; c < d; c++) t += (x[i * d + c] - x[j * d + c]) ** 2;
          full.push(t);
          if (j > i) pairs.push(t);
        }
      }
      for (const [vals, includeSelf] of [
        [pairs, false],
        [full, true],
      ] as const) {
        vals.sort((a, b) => a - b);
        const r = fusedMedianSq(x, n, d, { includeSelf, tol: 0 });
        if (vals.length === 0) {
          expect(r.count).toBe(0);
          continue;
        }
        const hi = vals[vals.length >> 1];
        const lo = vals.length % 2 ? hi : vals[(vals.length >> 1) - 1];
        expect([r.lo, r.hi], `n=${n} self=${includeSelf}`).toEqual([lo, hi]);
      }
    }
  });

  it('resolveBandwidth: fused (wasm) agrees with the composite path for every convention', () => {
    const x = tf.tidy(() =>
      tf.add(tf.mul(createRng(fresh).normal([203, 7]), 0.5), 1),
    ) as tf.Tensor2D;
    const specs = [
      { kind: 'median' as const },
      { kind: 'median' as const, scale: 0.5 },
      { kind: 'median' as const, squared: true, logN: 'n+1' as const, includeSelf: true },
      { kind: 'median' as const, squared: true, logN: 'n' as const },
      { kind: 'median' as const, subsample: { m: 50, seed: 4 } },
    ];
    for (const spec of specs) {
      setTileSize(16);
      const fused = resolveBandwidth(spec, x);
      setFusedKernels('off');
      const composite = resolveBandwidth(spec, x);
      setFusedKernels('auto');
      expect(
        Math.abs(fused - composite) / composite,
        `${JSON.stringify(spec)} seed ${fresh}`,
      ).toBeLessThan(2e-6);
    }
    // all points equal: the fallback, never NaN
    const same = tf.ones([9, 2]) as tf.Tensor2D;
    expect(resolveBandwidth({ kind: 'median', fallback: 3 }, same)).toBe(3);
    tf.dispose([x, same]);
  });
});

describe('dispatch and guards', () => {
  it('under a gradient tape the composite ops run: gradients agree with central differences of the fused forward', () => {
    const p = problem(21, 12, 3);
    const kernel = rbf({ bandwidth: 1.1 });
    const x = t2(p.x, 12, 3);
    const s = t2(p.s, 12, 3);
    const wts = tf.tidy(() => tf.randomNormal([12, 3], 0, 1, 'float32', 2));
    const loss = (z: tf.Tensor2D) => tf.sum(tf.mul(kernel.steinDirection(z, s).direction, wts));
    const g = tf.grad((z: tf.Tensor) => loss(z as tf.Tensor2D))(x);
    const gv = g.dataSync();
    const eps = 1e-2;
    for (const idx of [0, 7, 20, 35]) {
      const bump = (e: number) =>
        tf.tidy(() => {
          const v = Float32Array.from(p.x);
          v[idx] += e;
          return loss(tf.tensor2d(v, [12, 3])).dataSync()[0];
        });
      const fd = (bump(eps) - bump(-eps)) / (2 * eps);
      expect(Math.abs(gv[idx] - fd)).toBeLessThan(2e-3 * Math.max(1, Math.abs(fd)));
    }
    tf.dispose([x, s, wts, g]);
  });

  it('memory beyond wasm32 is a RangeError naming n, d and the bytes, never a trap', () => {
    const empty = new Float32Array(0);
    expect(() => fusedSvgd(empty, empty, 2 ** 25, 64, { kind: 'rbf', a: 1 })).toThrow(
      /svgdDirection: n = 33554432, d = 64 needs \d+ bytes of wasm memory/,
    );
    setFusedKernels('off');
    const x = tf.zeros([40000, 1]) as tf.Tensor2D;
    // the composite path: core's assertMemory refuses before tfjs-wasm would trap
    expect(() => rbf({ bandwidth: 1 }).steinMatrix(x, x)).toThrow(
      /steinMatrix: x with n = 40000, d = 1 needs about .* bytes/,
    );
    x.dispose();
  });
});
