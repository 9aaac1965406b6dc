// DAE ↔ KSD (the Stein-methods talk, seed 002, "Denoising Autoencoder objective"):
// for ∇log q(y) = (r_σ(y) − y)/σ², the RKHS norm² of the functional gradient of
// the DAE objective at f = 0 is 4σ⁴·KSD(p_σ, q), the V-statistic on the corrupted
// inputs y = x + σε with the RBF kernel k(y, z) = exp(−‖y − z‖²/h²).
//
// Everything on the DAE side is a float64 black box evaluated by finite
// differences; only the KSD comes from the library (float32).
import { createRng } from '@steinkit/core';
import { rbf } from '@steinkit/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ksd } from '../src/index';

type Vec = number[];
type Field = (y: Vec) => Vec;

const n = 24;
const d = 3;
const sigma = 0.3;
const h = 1.3;

// A fixed nonlinear reconstruction r_σ(y) = tanh(A y + c) (any r works: q is defined by it).
const A = [
  [0.9, -0.4, 0.2],
  [0.3, 0.7, -0.5],
  [-0.6, 0.1, 1.1],
];
const c = [0.1, -0.2, 0.05];
const r: Field = (y) =>
  A.map((row, a) => Math.tanh(row.reduce((s, v, b) => s + v * y[b], 0) + c[a]));

const kern = (y: Vec, z: Vec) => Math.exp(-y.reduce((s, v, a) => s + (v - z[a]) ** 2, 0) / (h * h));

/** ∇·g(y) by central differences (float64). */
function divergence(g: Field, y: Vec, step = 1e-5): number {
  let div = 0;
  for (let a = 0; a < d; a++) {
    const yp = y.slice();
    const ym = y.slice();
    yp[a] += step;
    ym[a] -= step;
    div += (g(yp)[a] - g(ym)[a]) / (2 * step);
  }
  return div;
}

/**
 * The empirical DAE objective on corrupted inputs y_i, in its noise-free
 * (implicit score matching) form: L(r) = E_y‖r(y) − E[x|y]‖² + const and, by
 * Tweedie, E[x|y] = y + σ²∇log p_σ(y); integrating by parts,
 * L(r) = E_{p_σ}[‖r(y) − y‖² + 2σ² ∇·r(y)] + const. F(f) = L(r + f).
 */
function daeObjective(ys: Vec[], f: Field): number {
  let total = 0;
  for (const y of ys) {
    const ry = r(y);
    const fy = f(y);
    total += ry.reduce((s, v, a) => s + (v + fy[a] - y[a]) ** 2, 0);
    total += 2 * sigma * sigma * (divergence(r, y) + divergence(f, y));
  }
  return total / ys.length;
}

/** The directional (Gateaux) derivative dF(εg)/dε at ε = 0; F is quadratic in ε, so the central difference is exact. */
function directional(ys: Vec[], g: Field, eps = 1e-3): number {
  const plus = daeObjective(ys, (y) => g(y).map((v) => eps * v));
  const minus = daeObjective(ys, (y) => g(y).map((v) => -eps * v));
  return (plus - minus) / (2 * eps);
}

/** The talk's functional gradient at f = 0: G(z) = 2σ² (1/n) Σ_i [∇log q(y_i) k(y_i, z) + ∇_{y_i} k(y_i, z)]. */
function talkGradient(ys: Vec[]): Field {
  const sq = ys.map((y) => r(y).map((v, a) => (v - y[a]) / (sigma * sigma)));
  return (z) => {
    const out = new Array(d).fill(0);
    ys.forEach((y, i) => {
      const k = kern(y, z);
      for (let a = 0; a < d; a++) out[a] += sq[i][a] * k - (2 * (y[a] - z[a]) * k) / (h * h);
    });
    return out.map((v) => (2 * sigma * sigma * v) / ys.length);
  };
}

function corruptedInputs(seed: number): Vec[] {
  const rng = createRng(seed);
  const x = tf.tidy(() => tf.add(tf.mul(rng.normal([n, d]), 0.8), 0.3));
  const y = tf.tidy(() => tf.add(x, tf.mul(sigma, rng.normal([n, d]))));
  const ys = y.arraySync() as Vec[];
  tf.dispose([x, y]);
  return ys;
}

describe('DAE ↔ KSD (talk, seed 002)', () => {
  const ys = corruptedInputs(5);
  const G = talkGradient(ys);

  it("the talk's G is the Riesz representer: dF[k(z, ·)e_a] = G_a(z)", () => {
    const rng = createRng(9);
    const zs = rng.normal([4, d]);
    const zArr = zs.arraySync() as Vec[];
    zs.dispose();
    for (const z of zArr)
      for (let a = 0; a < d; a++) {
        const dir: Field = (y) => {
          const e = new Array(d).fill(0);
          e[a] = kern(z, y);
          return e;
        };
        expect(directional(ys, dir)).toBeCloseTo(G(z)[a], 6);
      }
  });

  it('‖∇_f F|_{f=0}‖²_{H^d} = dF[G] equals 4σ⁴ · ksd(y, (r_σ(y) − y)/σ², rbf(h), V-statistic)', () => {
    const before = tf.memory().numTensors;
    const normSq = directional(ys, G); // ⟨G, G⟩_H = dF[G]
    const y = tf.tensor2d(ys);
    const score = tf.tensor2d(ys.map((v) => r(v).map((rv, a) => (rv - v[a]) / (sigma * sigma))));
    const v = ksd(y, score, rbf({ bandwidth: h }), { statistic: 'v' });
    const ksdV = v.dataSync()[0];
    const ksdU = ksd(y, score, rbf({ bandwidth: h }), { statistic: 'u' });
    const u = ksdU.dataSync()[0];
    tf.dispose([y, score, v, ksdU]);
    expect(tf.memory().numTensors).toBe(before);
    expect(normSq).toBeGreaterThan(0);
    expect(Math.abs(normSq - 4 * sigma ** 4 * ksdV) / normSq).toBeLessThan(1e-4);
    // the U-statistic is a different number: the identity is the V-statistic's
    expect(Math.abs(normSq - 4 * sigma ** 4 * u) / normSq).toBeGreaterThan(1e-2);
  });

  it('the clean-target DAE gradient E[(r(y) − x)ᵀg(y)] equals the Stein form E[(r(y) − y)ᵀg(y) + σ²∇·g(y)] (Monte Carlo, x ~ N(0.3, 0.64 I))', () => {
    // Independent of the identity above: the step from the DAE's clean targets x
    // to the Stein form (Tweedie + integration by parts), checked by simulation.
    const m = 40_000;
    const rng = createRng(21);
    const z = [0.2, -0.1, 0.4];
    const a = [0.5, -1, 0.7];
    const g: Field = (y) => a.map((v) => v * kern(z, y));
    const x = tf.tidy(() => tf.add(tf.mul(rng.normal([m, d]), 0.8), 0.3));
    const e = rng.normal([m, d]);
    const xs = x.dataSync();
    const es = e.dataSync();
    tf.dispose([x, e]);
    const diff: number[] = [];
    for (let i = 0; i < m; i++) {
      const xi = [xs[3 * i], xs[3 * i + 1], xs[3 * i + 2]];
      const yi = xi.map((v, b) => v + sigma * es[3 * i + b]);
      const ry = r(yi);
      const gy = g(yi);
      const dae = ry.reduce((s, v, b) => s + (v - xi[b]) * gy[b], 0);
      // ∇·g in closed form: Σ_b a_b ∂_b k(z, y) = Σ_b a_b · (−2(y_b − z_b)/h²) k
      const div = a.reduce((s, v, b) => s + (v * -2 * (yi[b] - z[b]) * kern(z, yi)) / (h * h), 0);
      const stein = ry.reduce((s, v, b) => s + (v - yi[b]) * gy[b], 0) + sigma * sigma * div;
      diff.push(dae - stein);
    }
    const mean = diff.reduce((s, v) => s + v, 0) / m;
    const sd = Math.sqrt(diff.reduce((s, v) => s + (v - mean) ** 2, 0) / (m - 1));
    expect(Math.abs(mean)).toBeLessThan(4 * (sd / Math.sqrt(m)));
  });
});
