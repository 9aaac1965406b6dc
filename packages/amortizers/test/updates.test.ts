import {
  jvp,
  leastSquaresUpdate,
  neuralSampler,
  solveLeastSquares,
  vjp,
  vjpUpdate,
} from '@steinkit/amortizers';
import { createRng } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { denseSolve, tinyMlp } from './helpers';

describe('update (10): back-propagating Δx through f', () => {
  it('equals the hand-written chain rule for f(η; ξ) = ξW + b: ΔW = ε Σ_i ξ_iᵀΔx_i, Δb = ε Σ_i Δx_i', () => {
    const W = tf.variable(
      tf.tensor2d([
        [0.5, -1],
        [2, 0.3],
        [0.1, 0.7],
      ]),
      true,
      'lin_W_10',
    );
    const b = tf.variable(tf.tensor1d([0.2, -0.4]), true, 'lin_b_10');
    const s = neuralSampler({
      net: (z) => tf.add(tf.matMul(z, W), b),
      variables: [W, b],
      noiseDim: 3,
    });
    const xi = s.noise(5, 1);
    const dx = tf.tidy(() => createRng(2).normal([5, 2])) as tf.Tensor2D;
    const W0 = W.arraySync();
    const b0 = b.arraySync();
    const eps = 0.1;
    const opt = tf.train.sgd(eps);
    const before = tf.memory().numTensors;
    vjpUpdate(s, { noise: xi }, dx, opt);
    expect(tf.memory().numTensors).toBe(before);
    const xiA = xi.arraySync();
    const dxA = dx.arraySync();
    const W1 = W.arraySync();
    const b1 = b.arraySync();
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 2; c++) {
        let g = 0;
        for (let i = 0; i < 5; i++) g += xiA[i][r] * dxA[i][c];
        expect(W1[r][c]).toBeCloseTo(W0[r][c] + eps * g, 5);
      }
    }
    for (let c = 0; c < 2; c++) {
      const g = dxA.reduce((acc, row) => acc + row[c], 0);
      expect(b1[c]).toBeCloseTo(b0[c] + eps * g, 5);
    }
    tf.dispose([xi, dx, W, b]);
    opt.dispose();
  });
});

describe('jvp by double VJP', () => {
  it('matches central finite differences in η on a tanh MLP; vjp is its adjoint', () => {
    const { net, variables } = tinyMlp(3, 5, 2, 11);
    const s = neuralSampler({ net, variables, noiseDim: 3 });
    const xi = s.noise(4, 3);
    const f = () => s.apply(xi);
    const rng = createRng(4);
    const v = variables.map((w) => rng.normal(w.shape));
    const before = tf.memory().numTensors;
    const jv = jvp(f, variables, v, [4, 2]);
    expect(tf.memory().numTensors).toBe(before + 1);
    const h = 1e-2;
    const shift = (sgn: number) => {
      for (const [i, w] of variables.entries()) {
        tf.tidy(() => {
          w.assign(tf.add(w, tf.mul(sgn * h, v[i])));
        });
      }
    };
    shift(1);
    const fp = f();
    shift(-2);
    const fm = f();
    shift(1);
    const fd = tf.div(tf.sub(fp, fm), 2 * h);
    const err = tf.max(tf.abs(tf.sub(jv, fd))).dataSync()[0];
    expect(err).toBeLessThan(2e-3);
    // ⟨u, Jv⟩ = ⟨Jᵀu, v⟩
    const u = rng.normal([4, 2]);
    const jtu = vjp(f, variables, u);
    const lhs = tf.sum(tf.mul(u, jv)).dataSync()[0];
    const rhs = jtu.reduce((acc, t, i) => acc + tf.sum(tf.mul(t, v[i])).dataSync()[0], 0);
    expect(lhs).toBeCloseTo(rhs, 4);
    tf.dispose([xi, jv, fp, fm, fd, u, ...v, ...jtu, ...variables]);
  });
});

describe('update (9): matrix-free least squares', () => {
  it('CG with JVPs matches a dense solve of (JᵀJ + λI)δ = JᵀΔx with J formed explicitly (test only)', () => {
    const { net, variables } = tinyMlp(2, 3, 2, 21);
    const s = neuralSampler({ net, variables, noiseDim: 2 });
    const m = 4;
    const xi = s.noise(m, 5);
    const dx = tf.tidy(() => createRng(6).normal([m, 2])) as tf.Tensor2D;
    const lambda = 0.05;
    // Dense J (rows: the m·2 outputs; columns: all parameters) by central differences.
    const flatParams = variables.flatMap((w, wi) =>
      Array.from({ length: w.size }, (_, k) => [wi, k]),
    );
    const P = flatParams.length;
    const out0 = s.apply(xi);
    const R = out0.size;
    out0.dispose();
    const J: number[][] = Array.from({ length: R }, () => new Array(P).fill(0));
    const h = 1e-2;
    flatParams.forEach(([wi, k], col) => {
      const w = variables[wi];
      const vals = Float32Array.from(w.dataSync());
      const orig = vals[k];
      vals[k] = orig + h;
      tf.tidy(() => {
        w.assign(tf.tensor(vals, w.shape));
      });
      const fp = s.apply(xi).dataSync();
      vals[k] = orig - h;
      tf.tidy(() => {
        w.assign(tf.tensor(vals, w.shape));
      });
      const fm = s.apply(xi).dataSync();
      vals[k] = orig;
      tf.tidy(() => {
        w.assign(tf.tensor(vals, w.shape));
      });
      for (let r = 0; r < R; r++) J[r][col] = (fp[r] - fm[r]) / (2 * h);
    });
    const d = dx.dataSync();
    const A = Array.from({ length: P }, (_, a) =>
      Array.from({ length: P }, (_, c) => {
        let acc = a === c ? lambda : 0;
        for (let r = 0; r < R; r++) acc += J[r][a] * J[r][c];
        return acc;
      }),
    );
    const rhs = Array.from({ length: P }, (_, a) => {
      let acc = 0;
      for (let r = 0; r < R; r++) acc += J[r][a] * d[r];
      return acc;
    });
    const dense = denseSolve(A, rhs);
    const before = tf.memory().numTensors;
    const { delta, iterations, relativeResidual } = solveLeastSquares(s, { noise: xi }, dx, {
      cgIterations: 60,
      damping: lambda,
      tolerance: 1e-6,
    });
    expect(tf.memory().numTensors).toBe(before + delta.length);
    expect(relativeResidual).toBeLessThan(1e-4);
    expect(iterations).toBeGreaterThan(1);
    const cg = delta.flatMap((t) => Array.from(t.dataSync()));
    const scale = Math.max(...dense.map(Math.abs));
    const err = Math.max(...cg.map((v, i) => Math.abs(v - dense[i])));
    expect(err).toBeLessThan(3e-3 * scale);
    // and η moves by ε·δ
    const eta0 = variables.flatMap((w) => Array.from(w.dataSync()));
    leastSquaresUpdate(s, { noise: xi }, dx, {
      stepSize: 0.1,
      cgIterations: 60,
      damping: lambda,
      tolerance: 1e-6,
    });
    const eta1 = variables.flatMap((w) => Array.from(w.dataSync()));
    const moved = Math.max(...eta1.map((v, i) => Math.abs(v - eta0[i] - 0.1 * dense[i])));
    expect(moved).toBeLessThan(3e-3 * 0.1 * scale + 1e-6);
    tf.dispose([xi, dx, ...delta, ...variables]);
  });
});
