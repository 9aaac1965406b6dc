import {
  fitUpdate,
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

describe('update (8): fit f(η; ξ) to the moved samples x′ = f(η; ξ) + εΔx', () => {
  // f(η; ξ) = ξW + b on m = 6 rows: the loss ½‖AΘ − X′‖² with A = [ξ, 1], Θ = [W; b] is a
  // quadratic, so plain gradient descent on it is reproduced exactly in float64 below.
  const m = 6;
  const setup = (tag: string) => {
    const W = tf.variable(
      tf.tensor2d([
        [0.5, -1],
        [2, 0.3],
        [0.1, 0.7],
      ]),
      true,
      `fit_W_${tag}`,
    );
    const b = tf.variable(tf.tensor1d([0.2, -0.4]), true, `fit_b_${tag}`);
    const s = neuralSampler({
      net: (z) => tf.add(tf.matMul(z, W), b),
      variables: [W, b],
      noiseDim: 3,
    });
    const xi = s.noise(m, 7);
    const dx = tf.tidy(() => createRng(8).normal([m, 2])) as tf.Tensor2D;
    return { W, b, s, xi, dx };
  };
  /** Θ = [W; b] (4×2) as float64 rows; A = [ξ, 1] (m×4). */
  const theta = (W: tf.Variable, b: tf.Variable) => [
    ...(W.arraySync() as number[][]),
    b.arraySync() as number[],
  ];
  const mulA = (A: number[][], T: number[][]) =>
    A.map((row) => [0, 1].map((c) => row.reduce((acc, a, k) => acc + a * T[k][c], 0)));

  it('runs gradient descent on ½Σ‖f(η; ξ_i) − x′_i‖² with x′ fixed: losses and η match a float64 replay', () => {
    const { W, b, s, xi, dx } = setup('gd');
    const A = (xi.arraySync() as number[][]).map((r) => [...r, 1]);
    const D = dx.arraySync() as number[][];
    const eps = 0.3;
    const lr = 0.05;
    const steps = 8;
    let T = theta(W, b);
    const target = mulA(A, T).map((r, i) => r.map((v, c) => v + eps * D[i][c]));
    const want: number[] = [];
    for (let k = 0; k < steps; k++) {
      const R = mulA(A, T).map((r, i) => r.map((v, c) => v - target[i][c])); // residual
      want.push(0.5 * R.flat().reduce((acc, v) => acc + v * v, 0));
      const G = T.map((_, r) =>
        [0, 1].map((c) => A.reduce((acc, row, i) => acc + row[r] * R[i][c], 0)),
      );
      T = T.map((row, r) => row.map((v, c) => v - lr * G[r][c]));
    }
    const opt = tf.train.sgd(lr);
    const before = tf.memory().numTensors;
    const { losses } = fitUpdate(s, { noise: xi }, dx, opt, { stepSize: eps, innerSteps: steps });
    expect(tf.memory().numTensors).toBe(before);
    // the first loss is ½ε²‖Δx‖² (the targets sit εΔx away), then it falls
    expect(losses[0]).toBeCloseTo(0.5 * eps * eps * D.flat().reduce((a, v) => a + v * v, 0), 5);
    expect(losses).toHaveLength(steps);
    losses.forEach((l, k) => {
      expect(Math.abs(l - want[k])).toBeLessThan(1e-5 * Math.max(1, want[0]));
    });
    for (let k = 1; k < steps; k++) expect(losses[k]).toBeLessThan(losses[k - 1]);
    const got = theta(W, b);
    got.forEach((row, r) => {
      row.forEach((v, c) => {
        expect(v).toBeCloseTo(T[r][c], 5);
      });
    });
    tf.dispose([xi, dx, W, b]);
    opt.dispose();
  });

  it('many inner steps reach the least-squares solution Θ* = Θ₀ + ε(AᵀA)⁻¹AᵀΔx', () => {
    const { W, b, s, xi, dx } = setup('ls');
    const A = (xi.arraySync() as number[][]).map((r) => [...r, 1]);
    const D = dx.arraySync() as number[][];
    const eps = 0.5;
    const T0 = theta(W, b);
    const AtA = [0, 1, 2, 3].map((r) =>
      [0, 1, 2, 3].map((c) => A.reduce((acc, row) => acc + row[r] * row[c], 0)),
    );
    const star = [0, 1].map((c) =>
      denseSolve(
        AtA,
        [0, 1, 2, 3].map((r) => A.reduce((acc, row, i) => acc + row[r] * D[i][c], 0)),
      ),
    );
    const opt = tf.train.adam(0.05);
    const { losses } = fitUpdate(s, { noise: xi }, dx, opt, { stepSize: eps, innerSteps: 600 });
    const got = theta(W, b);
    got.forEach((row, r) => {
      row.forEach((v, c) => {
        expect(Math.abs(v - (T0[r][c] + eps * star[c][r]))).toBeLessThan(2e-3);
      });
    });
    // the optimum leaves only the part of εΔx outside the column space of A
    const fitted = mulA(A, got);
    const target = mulA(A, T0).map((r, i) => r.map((v, c) => v + eps * D[i][c]));
    const resid = 0.5 * fitted.flat().reduce((acc, v, j) => acc + (v - target.flat()[j]) ** 2, 0);
    expect(losses[losses.length - 1]).toBeCloseTo(resid, 4);
    tf.dispose([xi, dx, W, b]);
    opt.dispose();
  });

  it('rejects a non-optimizer, a wrong Δx shape and a bad step size', () => {
    const { W, b, s, xi, dx } = setup('err');
    const opt = tf.train.sgd(0.1);
    expect(() => fitUpdate(s, { noise: xi }, dx, {} as tf.Optimizer, { stepSize: 1 })).toThrow(
      /optimizer/,
    );
    const bad = tf.zeros([m, 3]) as tf.Tensor2D;
    expect(() => fitUpdate(s, { noise: xi }, bad, opt, { stepSize: 1 })).toThrow(/dx/);
    expect(() => fitUpdate(s, { noise: xi }, dx, opt, { stepSize: -1 })).toThrow(/stepSize/);
    expect(() => fitUpdate(s, { noise: xi }, dx, opt, { stepSize: 1, innerSteps: 0 })).toThrow(
      /innerSteps/,
    );
    tf.dispose([xi, dx, W, b, bad]);
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
