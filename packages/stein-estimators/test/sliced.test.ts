import { adagradMomentum, createRng, fromTfOptimizer } from '@steinkit/core';
import {
  maxSksd,
  maxSksdDispose,
  maxSksdFit,
  maxSksdInit,
  maxSksdStep,
  maxSksdValue,
  sksd,
  sksdPairMatrix,
  slicedBandwidthSq,
  slicedGofTest,
} from '@steinkit/stein-estimators';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { medianSqPairDiffs } from '../src/sliced';

/** Slow float64 per-slice, per-pair reference of the sliced KSD (the formula, term by term). */
function referenceSksd(
  x: number[][],
  sc: number[][],
  r: number[][],
  g: number[][],
  u: boolean,
  h2Override?: number[],
): number {
  const n = x.length;
  const unit = (v: number[]) => {
    const nr = Math.sqrt(v.reduce((a, b) => a + b * b, 0));
    return v.map((e) => e / nr);
  };
  const dot = (a: number[], b: number[]) => a.reduce((acc, e, i) => acc + e * b[i], 0);
  let total = 0;
  r.forEach((ri0, i) => {
    const ri = unit(ri0);
    const gi = unit(g[i]);
    const a = x.map((row) => dot(row, gi));
    const s = sc.map((row) => dot(row, ri));
    const c = dot(ri, gi);
    let h2: number;
    if (h2Override) h2 = h2Override[i];
    else {
      const sq: number[] = [];
      for (let j = 0; j < n; j++) for (let k = j + 1; k < n; k++) sq.push((a[j] - a[k]) ** 2);
      sq.sort((p, q) => p - q);
      const m = sq.length;
      h2 = 2 * (m % 2 ? sq[(m - 1) / 2] : 0.5 * (sq[m / 2 - 1] + sq[m / 2]));
    }
    for (let j = 0; j < n; j++)
      for (let k = 0; k < n; k++) {
        if (u && j === k) continue;
        const dlt = a[j] - a[k];
        const kk = Math.exp(-(dlt * dlt) / h2);
        const dB = ((2 * dlt) / h2) * kk; // ∂k/∂b
        const dA = -dB; // ∂k/∂a
        const dAB = (2 / h2 - (4 * dlt * dlt) / (h2 * h2)) * kk;
        total += s[j] * s[k] * kk + c * s[j] * dB + c * s[k] * dA + c * c * dAB;
      }
  });
  return total / (u ? n * (n - 1) : n * n);
}

const arr = (t: tf.Tensor) => t.arraySync() as number[][];

describe('sksd', () => {
  it('matches the slow per-slice reference on random inputs (U and V, S ≠ D)', () => {
    const rng = createRng(1);
    const x = tf.add(rng.normal([13, 4]), 3) as tf.Tensor2D; // offset: exercises centering
    const sc = rng.normal([13, 4]) as tf.Tensor2D;
    const r = rng.normal([6, 4]) as tf.Tensor2D;
    const g = rng.normal([6, 4]) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    for (const statistic of ['u', 'v'] as const) {
      const v = sksd(x, sc, { r, g, statistic });
      const ref = referenceSksd(arr(x), arr(sc), arr(r), arr(g), statistic === 'u');
      expect(v.dataSync()[0]).toBeCloseTo(ref, 4);
      expect(Math.abs(v.dataSync()[0] - ref)).toBeLessThan(1e-4 * Math.max(1, Math.abs(ref)));
      v.dispose();
      // pair matrix agrees: mean over pairs (V) / off-diagonal mean (U)
      const H = sksdPairMatrix(x, sc, { r, g });
      const hv = arr(H);
      let sum = 0;
      let diag = 0;
      for (let j = 0; j < hv.length; j++) {
        for (let k = 0; k < hv.length; k++) sum += hv[j][k];
        diag += hv[j][j];
      }
      const fromH = statistic === 'u' ? (sum - diag) / (13 * 12) : sum / 169;
      expect(fromH).toBeCloseTo(ref, 4);
      H.dispose();
    }
    // fixed bandwidth, per-slice and global
    const hs = [0.5, 1, 1.5, 2, 0.7, 3];
    const v2 = sksd(x, sc, { r, g, bandwidth: hs });
    expect(v2.dataSync()[0]).toBeCloseTo(
      referenceSksd(
        arr(x),
        arr(sc),
        arr(r),
        arr(g),
        false,
        hs.map((h) => h * h),
      ),
      4,
    );
    v2.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, sc, r, g]);
  });

  it('equals the 1-D KSD of the first coordinate when r = g = e₁', () => {
    const rng = createRng(2);
    const n = 20;
    const x = rng.normal([n, 3]) as tf.Tensor2D;
    const sc = tf.neg(tf.mul(x, 0.7)) as tf.Tensor2D; // score of N(0, 1/0.7)
    const e1 = tf.tensor2d([[1, 0, 0]]);
    const h = 0.9;
    const v = sksd(x, sc, { r: e1, g: e1, statistic: 'u', bandwidth: h }).dataSync()[0];
    // 1-D KSD (Liu et al. 2016), u_p(x, y) = s(x)s(y)k + s(x)∂_y k + s(y)∂_x k + ∂_x∂_y k
    const xs = arr(x).map((row) => row[0]);
    const ss = arr(sc).map((row) => row[0]);
    let acc = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        if (i === j) continue;
        const d = xs[i] - xs[j];
        const k = Math.exp(-(d * d) / (h * h));
        const dx = ((-2 * d) / (h * h)) * k;
        const dy = -dx;
        const dxy = (2 / (h * h)) * k * (1 - (2 * d * d) / (h * h));
        acc += ss[i] * ss[j] * k + ss[i] * dy + ss[j] * dx + dxy;
      }
    expect(v).toBeCloseTo(acc / (n * (n - 1)), 5);
    tf.dispose([x, sc, e1]);
  });

  it('gradients with respect to g, r and the score match finite differences of the float64 reference', () => {
    const rng = createRng(3);
    const n = 9;
    const D = 3;
    const x = rng.normal([n, D]) as tf.Tensor2D;
    const sc = rng.normal([n, D]) as tf.Tensor2D;
    const r = rng.normal([2, D]) as tf.Tensor2D;
    const g = rng.normal([2, D]) as tf.Tensor2D;
    const hs = [0.8, 1.3]; // fixed: the median is piecewise constant, so FD through it is not meaningful
    for (const statistic of ['u', 'v'] as const) {
      const grads = tf.grads((gg: tf.Tensor, rr: tf.Tensor, ss: tf.Tensor) =>
        sksd(x, ss as tf.Tensor2D, {
          r: rr as tf.Tensor2D,
          g: gg as tf.Tensor2D,
          statistic,
          bandwidth: hs,
        }),
      )([g, r, sc]);
      const [gg, gr, gsc] = grads.map(arr);
      const X = arr(x);
      const base = { g: arr(g), r: arr(r), s: arr(sc) };
      const f = (b: typeof base) =>
        referenceSksd(
          X,
          b.s,
          b.r,
          b.g,
          statistic === 'u',
          hs.map((h) => h * h),
        );
      const eps = 1e-6;
      for (const [key, an] of [
        ['g', gg],
        ['r', gr],
        ['s', gsc],
      ] as const) {
        const m = base[key];
        for (let i = 0; i < m.length; i++)
          for (let j = 0; j < D; j++) {
            const plus = structuredClone(base);
            const minus = structuredClone(base);
            plus[key][i][j] += eps;
            minus[key][i][j] -= eps;
            const fd = (f(plus) - f(minus)) / (2 * eps);
            expect(Math.abs(an[i][j] - fd)).toBeLessThan(2e-4 * Math.max(1, Math.abs(fd)));
          }
      }
      tf.dispose(grads);
    }
    tf.dispose([x, sc, r, g]);
  });

  it('at ICA size (D = 120, n = 100, Laplace mixtures) the closed-form gradients equal autodiff through the materialized [S, n, n] formula', () => {
    // float32 cancellation check for the slice-blocked expansion (cubic moments of t) at a realistic size
    const rng = createRng(21);
    const D = 120;
    const n = 100;
    const mix = rng.normal([D, D]);
    const x = tf.matMul(rng.laplace([n, D]), mix) as tf.Tensor2D;
    const sc = tf.neg(tf.matMul(tf.sign(rng.normal([n, D])), tf.transpose(mix))) as tf.Tensor2D;
    const r = tf.eye(D) as tf.Tensor2D;
    const g0 = tf.add(tf.eye(D), tf.mul(0.3, rng.normal([D, D]))) as tf.Tensor2D;
    const unit = (m: tf.Tensor2D) =>
      tf.div(m, tf.add(tf.norm(m, 'euclidean', 1, true), 1e-10)) as tf.Tensor2D;
    const h2 = tf.tidy(() => slicedBandwidthSq(tf.matMul(unit(g0), x, false, true) as tf.Tensor2D));
    const before = tf.memory().numTensors;
    const materialized = (g: tf.Tensor2D, s0: tf.Tensor2D) => {
      const q = tf.reshape(tf.tensor1d(Array.from(h2, (v) => 1 / v)), [D, 1, 1]);
      const gn = unit(g);
      const a = tf.reshape(tf.matMul(gn, x, false, true), [D, n, 1]);
      const s = tf.reshape(tf.matMul(r, s0, false, true), [D, n, 1]);
      const c = tf.reshape(tf.sum(tf.mul(r, gn), 1), [D, 1, 1]);
      const d = tf.sub(a, tf.transpose(a, [0, 2, 1]));
      const K = tf.exp(tf.neg(tf.mul(q, tf.square(d))));
      const sT = tf.transpose(s, [0, 2, 1]);
      const dB = tf.mul(tf.mul(tf.mul(2, q), d), K); // ∂k/∂b
      const dAB = tf.mul(tf.sub(tf.mul(2, q), tf.mul(tf.mul(4, tf.square(q)), tf.square(d))), K);
      const H = tf.addN([
        tf.mul(tf.mul(s, sT), K),
        tf.mul(tf.mul(c, s), dB),
        tf.mul(tf.mul(c, sT), tf.neg(dB)),
        tf.mul(tf.square(c), dAB),
      ]);
      return tf.div(tf.sum(H), n * n) as tf.Scalar;
    };
    const hs = Array.from(h2, Math.sqrt);
    const closed = tf.grads((g: tf.Tensor, s0: tf.Tensor) =>
      sksd(x, s0 as tf.Tensor2D, { r, g: g as tf.Tensor2D, statistic: 'v', bandwidth: hs }),
    )([g0, sc]);
    const naive = tf.grads((g: tf.Tensor, s0: tf.Tensor) =>
      materialized(g as tf.Tensor2D, s0 as tf.Tensor2D),
    )([g0, sc]);
    for (let i = 0; i < 2; i++) {
      const rel = tf.tidy(
        () => tf.div(tf.norm(tf.sub(closed[i], naive[i])), tf.norm(naive[i])).dataSync()[0],
      );
      expect(rel).toBeLessThan(2e-5);
    }
    const v1 = tf.tidy(() => sksd(x, sc, { r, g: g0, bandwidth: hs }).dataSync()[0]);
    const v2 = tf.tidy(() => materialized(g0, sc).dataSync()[0]);
    expect(Math.abs(v1 - v2)).toBeLessThan(5e-5 * Math.abs(v2)); // float32 sums over 1.4 M pair terms
    tf.dispose([...closed, ...naive]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([mix, x, sc, r, g0]);
  });

  it('cpu and wasm agree; bad input is a clear error', async () => {
    const rng = createRng(4);
    const x = rng.normal([30, 5]) as tf.Tensor2D;
    const sc = rng.normal([30, 5]) as tf.Tensor2D;
    const I = tf.eye(5) as tf.Tensor2D;
    const onWasm = sksd(x, sc, { r: I, g: I });
    const vw = onWasm.dataSync()[0];
    await tf.setBackend('cpu');
    const x2 = tf.tensor2d(arr(x));
    const s2 = tf.tensor2d(arr(sc));
    const I2 = tf.eye(5) as tf.Tensor2D;
    const vc = sksd(x2, s2, { r: I2, g: I2 }).dataSync()[0];
    tf.dispose([x2, s2, I2]);
    await tf.setBackend('wasm');
    expect(vc).toBeCloseTo(vw, 4);
    expect(() => sksd(x, sc, { r: I, g: tf.eye(4) as tf.Tensor2D })).toThrow(
      /g: expected shape \[\?, 5\]/,
    );
    expect(() => sksd(x, sc, { r: I, g: I, bandwidth: -1 })).toThrow(RangeError);
    expect(() => sksd(x, sc, { r: I, g: I, statistic: 'w' as 'u' })).toThrow(TypeError);
    tf.dispose([x, sc, I, onWasm]);
  });

  it('median of squared pair differences', () => {
    // pairs of [0, 1, 3]: 1, 9, 4 → 4; of [0, 2, 2.5]: 4, 6.25, 0.25 → 4; of [0, 1, 2, 4] (6 pairs) → (4 + 4)/2
    expect(Array.from(medianSqPairDiffs(new Float64Array([0, 1, 3, 0, 2, 2.5]), 2, 3))).toEqual([
      4, 4,
    ]);
    expect(Array.from(medianSqPairDiffs(new Float64Array([0, 1, 2, 4]), 1, 4))).toEqual([4]);
    // against sorting all pairs, random rows (n = 100, 37) and heavy ties
    const rng = createRng(12);
    for (const n of [100, 37]) {
      const rows = 5;
      const a = new Float64Array(rows * n).map((_, i) =>
        i % 3 === 0 ? Math.round(rng.float() * 4) : rng.float() * 10 - 5,
      );
      const got = medianSqPairDiffs(a, rows, n);
      for (let r = 0; r < rows; r++) {
        const sq: number[] = [];
        for (let j = 0; j < n; j++)
          for (let k = j + 1; k < n; k++) sq.push((a[r * n + j] - a[r * n + k]) ** 2);
        sq.sort((p, q) => p - q);
        const m = sq.length;
        const want = m % 2 ? sq[(m - 1) / 2] : 0.5 * (sq[m / 2 - 1] + sq[m / 2]);
        expect(got[r]).toBeCloseTo(want, 10);
      }
    }
    expect(Array.from(medianSqPairDiffs(new Float64Array(50).fill(3), 1, 50))).toEqual([0]);
  });

  it('includeSelf: lower median over the pairs j ≤ k with the zero self-distances (reference convention)', () => {
    // [0, 1, 2, 4, 7]: 15 values j ≤ k = 5 zeros + 1, 1, 4, 4, 9, 9, 16, 25, 36, 49 → sorted index 7 → 4
    expect(Array.from(medianSqPairDiffs(new Float64Array([0, 1, 2, 4, 7]), 1, 5, true))).toEqual([
      4,
    ]);
    // n < 4: more zeros than half → 0
    expect(Array.from(medianSqPairDiffs(new Float64Array([0, 5, 9]), 1, 3, true))).toEqual([0]);
    const rng = createRng(13);
    for (const n of [100, 38]) {
      const rows = 4;
      const a = new Float64Array(rows * n).map((_, i) =>
        i % 4 === 0 ? Math.round(rng.float() * 3) : rng.float() * 6 - 3,
      );
      const got = medianSqPairDiffs(a, rows, n, true);
      const plain = medianSqPairDiffs(a, rows, n);
      for (let r = 0; r < rows; r++) {
        const all: number[] = []; // as torch: triu incl. diagonal, then torch.median (lower)
        for (let j = 0; j < n; j++)
          for (let k = j; k < n; k++) all.push((a[r * n + j] - a[r * n + k]) ** 2);
        all.sort((p, q) => p - q);
        expect(got[r]).toBeCloseTo(all[Math.floor((all.length - 1) / 2)], 10);
        expect(got[r]).toBeLessThan(plain[r]);
      }
    }
    // through the bandwidth spec: h² = 2 · that median
    const proj = tf.tensor2d([[0, 1, 2, 4, 7]]);
    expect(
      slicedBandwidthSq(proj as tf.Tensor2D, { kind: 'median', scale: 2, includeSelf: true })[0],
    ).toBeCloseTo(8, 6);
    expect(slicedBandwidthSq(proj as tf.Tensor2D, { kind: 'median', scale: 2 })[0]).toBeCloseTo(
      2 * 9,
      6,
    );
    proj.dispose();
  });
});

describe('maxSKSD ascent', () => {
  it('increases the statistic toward the direction where the scores differ (g variant), tidy', () => {
    const rng = createRng(5);
    const D = 4;
    // Sample N(0, I) but target N(0, diag(1, 1, 1, 0.25)): the mismatch lives on e₄.
    const x = rng.normal([60, D]) as tf.Tensor2D;
    const prec = tf.tensor1d([1, 1, 1, 4]);
    const score = (z: tf.Tensor2D) => tf.neg(tf.mul(z, prec)) as tf.Tensor2D;
    const state = maxSksdInit(D, {
      g: rng.normal([D, D]) as tf.Tensor2D,
      optimizer: tf.train.adam(0.05),
    });
    const first = maxSksdFit(state, x, score, 1); // creates Adam's two slot variables
    const before = tf.memory().numTensors;
    const trace = maxSksdFit(state, x, score, 40);
    expect(tf.memory().numTensors).toBe(before);
    expect(trace[39]).toBeGreaterThan(1.5 * first[0]);
    const norms = tf.tidy(() => tf.norm(state.g, 'euclidean', 1).arraySync() as number[]);
    for (const v of norms) expect(v).toBeCloseTo(1, 5);
    // r stays the identity in the g variant
    expect(arr(state.r)).toEqual(arr(tf.eye(D)));
    maxSksdDispose(state);
    tf.dispose([x, prec]);
  });

  it('renormalize: false keeps the raw g (as the reference code): norms grow, the statistic is scale-invariant', () => {
    const rng = createRng(7);
    const D = 3;
    const x = rng.normal([40, D]) as tf.Tensor2D;
    const score = (z: tf.Tensor2D) => tf.neg(tf.mul(z, tf.tensor1d([1, 1, 3]))) as tf.Tensor2D;
    const state = maxSksdInit(D, { optimizer: tf.train.adam(0.05) });
    maxSksdFit(state, x, score, 20, { renormalize: false });
    const norms = tf.tidy(() => tf.norm(state.g, 'euclidean', 1).arraySync() as number[]);
    // Adam moves every coordinate by ≈ lr; the gradient is orthogonal to g, so ‖g‖ only grows.
    for (const v of norms) expect(v).toBeGreaterThan(1 + 1e-3);
    const [raw, unitRows] = tf.tidy(() => [
      maxSksdValue(state, x, score).dataSync()[0],
      sksd(x, score, {
        r: state.r,
        g: tf.div(state.g, tf.norm(state.g, 'euclidean', 1, true)) as tf.Tensor2D,
      }).dataSync()[0],
    ]);
    expect(raw).toBeCloseTo(unitRows, 5);
    maxSksdDispose(state);
    x.dispose();
  });
});

describe('sliced goodness-of-fit test', () => {
  it('keeps a correct model and rejects a model wrong along one direction', () => {
    const D = 5;
    const rng = createRng(21);
    const x = rng.normal([200, D]) as tf.Tensor2D;
    const good = (z: tf.Tensor2D) => tf.neg(z) as tf.Tensor2D;
    const prec = tf.tensor1d([1, 1, 1, 1, 3]);
    const bad = (z: tf.Tensor2D) => tf.neg(tf.mul(z, prec)) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const r1 = slicedGofTest(x, good, { steps: 30, bootstrap: 300, rng: createRng(1) });
    const r2 = slicedGofTest(x, bad, { steps: 30, bootstrap: 300, rng: createRng(1) });
    expect(tf.memory().numTensors).toBe(before);
    expect(r1.pValue).toBeGreaterThan(0.05);
    expect(r2.pValue).toBeLessThan(0.01);
    expect(r2.statistic).toBeGreaterThan(r1.statistic);
    expect(r1.nFit + r1.nTest).toBe(200);
    expect(() => slicedGofTest(x, good, { fitFraction: 1.5 })).toThrow(RangeError);
    tf.dispose([x, prec]);
  });
});

describe('maxSKSD-rg: one optimal pair (r, g) against brute force', () => {
  it('ascent from two starts reaches the best (r, g) of an 18 × 18 grid of directions', () => {
    // x ~ N(0, I₂); the model N(0, diag(1, 1/4)) is wrong along e₂ only.
    const rng = createRng(30);
    const x = rng.normal([60, 2]) as tf.Tensor2D;
    const prec = tf.tensor1d([1, 4]);
    const score = (z: tf.Tensor2D) => tf.neg(tf.mul(z, prec)) as tf.Tensor2D;
    const sc = score(x);
    const dir = (a: number) => [Math.cos(a), Math.sin(a)];
    const value = (r: number[], g: number[]) =>
      tf.tidy(() => sksd(x, sc, { r: tf.tensor2d([r]), g: tf.tensor2d([g]) }).dataSync()[0]);
    // Brute force: (r, g) and (−r, −g) give the same statistic, so angles in [0, π) suffice.
    const M = 18;
    let best = { v: -Infinity, a: 0, b: 0 };
    for (let i = 0; i < M; i++)
      for (let j = 0; j < M; j++) {
        const a = (Math.PI * i) / M;
        const b = (Math.PI * j) / M;
        const v = value(dir(a), dir(b));
        if (v > best.v) best = { v, a, b };
      }
    // the brute-force optimum is near r = g = ±e₂ (the sample's optimum, not the population's)
    expect(Math.abs(Math.sin(best.a))).toBeGreaterThan(0.94);
    expect(Math.abs(Math.sin(best.b))).toBeGreaterThan(0.94);
    const before = tf.memory().numTensors;
    for (const [a0, b0] of [
      [0.3, 0.5],
      [2.6, 1.2],
    ]) {
      const [r0, g0] = [tf.tensor2d([dir(a0)]), tf.tensor2d([dir(b0)])];
      const init = maxSksdInit(2, { variant: 'rg', r: r0, g: g0, optimizer: tf.train.adam(0.05) });
      tf.dispose([r0, g0]);
      const { state, trace } = maxSksd(init, { x, score: sc }, { steps: 120 });
      expect(state.step).toBe(120);
      const [r, g] = [arr(state.r)[0], arr(state.g)[0]];
      const found = value(r, g);
      // as good as the grid's best, and not much better (the grid step is 10°)
      expect(found).toBeGreaterThan(best.v * 0.99);
      expect(found).toBeLessThan(best.v * 1.05);
      expect(found).toBeGreaterThan(trace[0] * 1.5);
      // and it found the grid's pair of directions (up to sign, within about a grid step)
      const cosR = Math.abs(r[0] * Math.cos(best.a) + r[1] * Math.sin(best.a));
      const cosG = Math.abs(g[0] * Math.cos(best.b) + g[1] * Math.sin(best.b));
      expect(cosR).toBeGreaterThan(0.97);
      expect(cosG).toBeGreaterThan(0.97);
      maxSksdDispose(state);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, prec, sc]);
  });

  it('with S pairs (rg on the identity start) each slice ascends and the 0.1 forms still work', () => {
    const rng = createRng(6);
    const x = rng.normal([40, 3]) as tf.Tensor2D;
    const score = (z: tf.Tensor2D) => tf.neg(tf.mul(z, 3)) as tf.Tensor2D;
    const state = maxSksdInit(3, { variant: 'rg', optimizer: tf.train.adam(0.05) });
    const r0 = arr(state.r);
    const v0 = maxSksdValue(state, x, score);
    const first = v0.dataSync()[0];
    v0.dispose();
    // deprecated 0.1 forms: a number, state.step advanced in place
    const legacy = maxSksdStep(state, x, score);
    expect(legacy).toBeCloseTo(first, 4);
    expect(state.step).toBe(1);
    const trace = maxSksdFit(state, x, score, 30);
    expect(state.step).toBe(31);
    expect(arr(state.r)).not.toEqual(r0);
    expect(trace[29]).toBeGreaterThan(first * 1.2);
    maxSksdDispose(state);
    x.dispose();
  });
});

describe('maxSksd takes a SteinOptimizer', () => {
  it('fromTfOptimizer(Adam) follows the same tf Adam given directly (g and rg); adagradMomentum states travel in the state; dispose frees all', () => {
    const x = tf.tidy(() => createRng(31).normal([40, 3])) as tf.Tensor2D;
    const score = tf.tidy(() => tf.mul(-0.8, x)) as tf.Tensor2D;
    for (const variant of ['g', 'rg'] as const) {
      const before = tf.memory().numTensors;
      const a = maxSksdInit(3, { variant, optimizer: tf.train.adam(1e-2, 0.9, 0.99) });
      const adam = tf.train.adam(1e-2, 0.9, 0.99);
      const b = maxSksdInit(3, { variant, optimizer: fromTfOptimizer(adam) });
      const ta = maxSksd(a, { x, score }, { steps: 4 });
      const tb = maxSksd(b, { x, score }, { steps: 4 });
      expect(tb.state.optimizerStates).toHaveLength(variant === 'rg' ? 2 : 1);
      for (const k of ['g', 'r'] as const) {
        const da = ta.state[k].dataSync();
        const db = tb.state[k].dataSync();
        for (let i = 0; i < da.length; i++) expect(db[i]).toBeCloseTo(da[i], 6);
      }
      tb.trace.forEach((v, i) => {
        expect(v).toBeCloseTo(ta.trace[i], 5);
      });
      expect(ta.trace[3]).toBeGreaterThan(ta.trace[0]); // it ascends
      maxSksdDispose(ta.state);
      maxSksdDispose(tb.state);
      adam.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
    const c = maxSksdInit(3, { optimizer: adagradMomentum({ learningRate: 1e-2 }) });
    let s = c;
    for (let t = 0; t < 3; t++) s = maxSksdStep(s, { x, score }).state;
    expect((s.optimizerStates as { iter: number }[])[0].iter).toBe(3);
    maxSksdDispose(s);
    expect(() => maxSksdInit(3, { optimizer: {} as never })).toThrow(
      /optimizer: expected a SteinOptimizer/,
    );
    tf.dispose([x, score]);
  });
});
