import { adagradMomentum, createRng, fromTfOptimizer } from '@steinkit/core';
import {
  createMlpCritic,
  criticDivergence,
  divergenceByAutodiff,
  lsd,
  lsdCriticDispose,
  lsdCriticInit,
  lsdCriticStep,
  lsdObjective,
} from '@steinkit/stein-estimators';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

describe('lsd', () => {
  it('linear critic f(x) = xAᵀ + b: exact trace is tr A and the statistic matches a hand computation', () => {
    const A = [
      [0.5, -1, 0.2],
      [0.3, 2, 0.1],
      [-0.4, 0.6, -1.5],
    ];
    const b = [0.1, -0.2, 0.3];
    const At = tf.tensor2d(A);
    const bt = tf.tensor1d(b);
    const f = (x: tf.Tensor2D) => tf.add(tf.matMul(x, At, false, true), bt) as tf.Tensor2D;
    const xs = [
      [1, 2, 3],
      [-1, 0.5, 0],
    ];
    const x = tf.tensor2d(xs);
    const score = (z: tf.Tensor2D) => tf.neg(z) as tf.Tensor2D; // N(0, I)
    const before = tf.memory().numTensors;
    const div = criticDivergence(f, x);
    expect(Array.from(div.dataSync())).toEqual([1, 1].map(() => expect.closeTo(0.5 + 2 - 1.5, 5)));
    const v = lsd(x, score, f);
    // hand: mean over rows of (−x)·(Ax + b) + tr A
    let acc = 0;
    for (const row of xs) {
      for (let i = 0; i < 3; i++) {
        const fi = A[i][0] * row[0] + A[i][1] * row[1] + A[i][2] * row[2] + b[i];
        acc += -row[i] * fi;
      }
      acc += 1;
    }
    expect(v.dataSync()[0]).toBeCloseTo(acc / 2, 4);
    // objective subtracts λ·E‖f‖²
    let pen = 0;
    for (const row of xs)
      for (let i = 0; i < 3; i++)
        pen += (A[i][0] * row[0] + A[i][1] * row[1] + A[i][2] * row[2] + b[i]) ** 2;
    const o = lsdObjective(x, score, f, { lambda: 0.5 });
    expect(o.dataSync()[0]).toBeCloseTo(acc / 2 - 0.25 * pen, 3);
    tf.dispose([div, v, o]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([At, bt, x]);
  });

  it('MLP critic: closed-form divergence (1 and 2 hidden layers) and JVP agree with autodiff; Hutchinson is unbiased', () => {
    const rng = createRng(9);
    const x = rng.normal([5, 4]) as tf.Tensor2D;
    for (const hidden of [[7], [6, 5], [3, 4, 2]]) {
      const critic = createMlpCritic(4, { hidden, rng, activation: 'swish' });
      const exact = criticDivergence(critic, x).dataSync();
      const auto = divergenceByAutodiff((z) => critic.apply(z), x).dataSync();
      for (let i = 0; i < 5; i++) expect(exact[i]).toBeCloseTo(auto[i], 4);
      const v = rng.normal([5, 4]) as tf.Tensor2D;
      const jv = critic.jvp(x, v).dataSync();
      // JVP against a central difference of f
      const eps = 1e-2;
      const fp = critic.apply(tf.add(x, tf.mul(eps, v)) as tf.Tensor2D).dataSync();
      const fm = critic.apply(tf.sub(x, tf.mul(eps, v)) as tf.Tensor2D).dataSync();
      for (let i = 0; i < jv.length; i++) expect(jv[i]).toBeCloseTo((fp[i] - fm[i]) / (2 * eps), 2);
      v.dispose();
      critic.dispose();
    }
    const critic = createMlpCritic(4, { hidden: [8, 8], rng });
    const exact = criticDivergence(critic, x).dataSync();
    const hrng = createRng(1);
    const draws = 400;
    const acc = new Float64Array(5);
    for (let t = 0; t < draws; t++) {
      const h = criticDivergence(critic, x, {
        trace: 'hutchinson',
        noise: 'rademacher',
        rng: hrng,
      });
      h.dataSync().forEach((e, i) => {
        acc[i] += e / draws;
      });
      h.dispose();
    }
    for (let i = 0; i < 5; i++)
      expect(Math.abs(acc[i] - exact[i])).toBeLessThan(0.1 + 0.1 * Math.abs(exact[i]));
    critic.dispose();
    x.dispose();
  });

  it('critic training increases the objective and is differentiable in the weights', () => {
    const rng = createRng(10);
    const x = tf.mul(rng.normal([64, 3]), 2) as tf.Tensor2D; // N(0, 4I) vs target N(0, I)
    const score = (z: tf.Tensor2D) => tf.neg(z) as tf.Tensor2D;
    const n0 = tf.memory().numTensors;
    createMlpCritic(3, { hidden: [4], rng }).dispose();
    expect(tf.memory().numTensors).toBe(n0);
    const critic = createMlpCritic(3, { hidden: [16, 16], rng });
    const opt = tf.train.adam(1e-2, 0.5, 0.9);
    const first = lsdCriticStep(critic, opt, x, score);
    let last = first;
    for (let i = 0; i < 60; i++) last = lsdCriticStep(critic, opt, x, score);
    expect(last).toBeGreaterThan(first + 0.5);
    expect(() => criticDivergence(critic, x, { trace: 'nope' as 'exact' })).toThrow(TypeError);
    expect(() => lsd(x, tf.zeros([2, 3]) as tf.Tensor2D, critic)).toThrow(RangeError);
    critic.dispose();
    opt.dispose();
    x.dispose();
  });

  describe('the critic stepper: a SteinOptimizer with its states in the stepper state', () => {
    const score = (z: tf.Tensor2D) => tf.neg(z) as tf.Tensor2D;
    const maxDiff = (a: tf.Variable[], b: tf.Variable[]) =>
      Math.max(
        ...a.map((v, i) => {
          const y = b[i].dataSync();
          return Math.max(...Array.from(v.dataSync(), (xv, k) => Math.abs(xv - y[k])));
        }),
      );

    it('fromTfOptimizer(Adam) in the state follows a tf Adam (the deprecated form) step for step; lsdCriticDispose frees the states', () => {
      const x = tf.mul(createRng(3).normal([32, 3]), 2) as tf.Tensor2D;
      const before = tf.memory().numTensors;
      const a = createMlpCritic(3, { hidden: [8, 8], rng: createRng(4) });
      const b = createMlpCritic(3, { hidden: [8, 8], rng: createRng(4) });
      const adamA = tf.train.adam(1e-2, 0.5, 0.9);
      const adamB = tf.train.adam(1e-2, 0.5, 0.9);
      const optimizer = fromTfOptimizer(adamB);
      let state = lsdCriticInit();
      const objA: number[] = [];
      const objB: number[] = [];
      for (let t = 0; t < 8; t++) {
        objA.push(lsdCriticStep(a, adamA, x, score, { lambda: 0.5 }));
        const r = lsdCriticStep(state, { x, score }, { critic: b, optimizer, lambda: 0.5 });
        expect(r.info.iteration).toBe(t + 1);
        expect(r.state.optimizerStates).toHaveLength(6);
        objB.push(r.info.objective);
        state = r.state;
      }
      // Dropping the states (re-created every step) restarts Adam's moments: the
      // weights part after the first step.
      expect(maxDiff(a.trainableVariables, b.trainableVariables)).toBeLessThan(1e-6);
      for (const [i, v] of objB.entries()) expect(v).toBeCloseTo(objA[i], 5);
      expect(objB[7]).toBeGreaterThan(objB[0] + 0.1); // the critic ascends
      lsdCriticDispose(state, { optimizer });
      adamA.dispose();
      adamB.dispose();
      a.dispose();
      b.dispose();
      expect(tf.memory().numTensors).toBe(before);
      // the deprecated form takes no SteinOptimizer (its states would be lost)
      const c = createMlpCritic(3, { hidden: [4], rng: createRng(1) });
      expect(() =>
        lsdCriticStep(c, adagradMomentum({ learningRate: 0.1 }) as never, x, score),
      ).toThrow(/optimizer: a SteinOptimizer/);
      expect(() =>
        lsdCriticStep(lsdCriticInit(), { x, score }, { critic: c, optimizer: 'sgd' as never }),
      ).toThrow(/optimizer: expected a SteinOptimizer/);
      c.dispose();
      x.dispose();
    });

    it('adagradMomentum: one state per critic variable that advances; Hutchinson noise from (seed, iteration), so a resumed step repeats', () => {
      const x = createRng(5).normal([16, 2]) as tf.Tensor2D;
      const before = tf.memory().numTensors;
      const critic = createMlpCritic(2, { hidden: [4], rng: createRng(6) });
      const optimizer = adagradMomentum({ learningRate: 0.05 });
      const opts = { critic, optimizer, trace: 'hutchinson' as const };
      let state = lsdCriticInit({ seed: 9 });
      for (let t = 0; t < 3; t++) state = lsdCriticStep(state, { x, score }, opts).state;
      expect((state.optimizerStates as { iter: number }[]).map((s) => s.iter)).toEqual([
        3, 3, 3, 3,
      ]);
      // the step's noise depends only on (seed, iteration): same weights, same (9, 3) →
      // the same objective; iteration 4 draws other noise
      const saved = critic.trainableVariables.map((v) => tf.clone(v));
      const r1 = lsdCriticStep(
        { iteration: 3, seed: 9 },
        { x, score },
        { ...opts, optimizer: adagradMomentum({ learningRate: 0.05 }) },
      );
      for (const [i, v] of critic.trainableVariables.entries()) v.assign(saved[i]);
      const r2 = lsdCriticStep(
        { iteration: 3, seed: 9 },
        { x, score },
        { ...opts, optimizer: adagradMomentum({ learningRate: 0.05 }) },
      );
      for (const [i, v] of critic.trainableVariables.entries()) v.assign(saved[i]);
      const r3 = lsdCriticStep(
        { iteration: 4, seed: 9 },
        { x, score },
        { ...opts, optimizer: adagradMomentum({ learningRate: 0.05 }) },
      );
      expect(r2.info.objective).toBe(r1.info.objective);
      expect(r3.info.objective).not.toBe(r1.info.objective);
      for (const r of [r1, r2, r3]) lsdCriticDispose(r.state, opts);
      lsdCriticDispose(state, opts);
      tf.dispose(saved);
      critic.dispose();
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
    });
  });
});
