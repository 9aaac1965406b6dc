import {
  type AmortizedRule,
  amortizedMle,
  amortizedMleDispose,
  amortizedMleInit,
  amortizedMleStep,
  amortizedSvgd,
  amortizedSvgdDispose,
  amortizedSvgdInit,
  amortizedSvgdStep,
  fitUpdate,
  gaussianSampler,
  leastSquaresUpdate,
  neuralSampler,
  reparamKl,
  reparamKlDispose,
  vjpUpdate,
} from '@steinkit/amortizers';
import {
  type AdagradMomentumState,
  adagradMomentum,
  createRng,
  type EnergyModel,
  fromTfOptimizer,
  identityOptimizer,
  type LoopOptimizer,
} from '@steinkit/core';
import { rbf } from '@steinkit/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { tinyMlp } from './helpers';

/**
 * Every loop of the package takes a core SteinOptimizer; a tf.Optimizer is still
 * accepted and must give the same trajectory as the same optimizer wrapped by
 * `fromTfOptimizer` (the documented adapter). Two copies of one network start
 * from the same weights; one is driven by the tf.Optimizer, one by its wrapper.
 */
function twinSamplers(seed: number) {
  const make = () => {
    const { net, variables } = tinyMlp(2, 5, 2, seed);
    return { sampler: neuralSampler({ net, variables, noiseDim: 2, noise: 'normal' }), variables };
  };
  return [make(), make()] as const;
}

function maxDiff(a: tf.Variable[], b: tf.Variable[]): number {
  let m = 0;
  a.forEach((v, i) => {
    const x = v.dataSync();
    const y = b[i].dataSync();
    for (let k = 0; k < x.length; k++) m = Math.max(m, Math.abs(x[k] - y[k]));
  });
  return m;
}

/** How far the weights moved from the seed's initial ones. */
function moved(vs: tf.Variable[], seed: number): number {
  const init = tinyMlp(2, 5, 2, seed).variables;
  const d = maxDiff(vs, init);
  tf.dispose(init);
  return d;
}

const score = (x: tf.Tensor2D) => tf.neg(x) as tf.Tensor2D; // N(0, I)

describe('the η-update rules take a SteinOptimizer', () => {
  it('(10) vjp: identityOptimizer is plain back-propagation (= tf.train.sgd(1)); adagradMomentum keeps one state per variable', () => {
    const [a, b] = twinSamplers(11);
    const xi = a.sampler.noise(8, 1);
    const dx = tf.tidy(() => createRng(2).normal([8, 2], 0, 0.1)) as tf.Tensor2D;
    const sgd = tf.train.sgd(1);
    const before = tf.memory().numTensors;
    expect(vjpUpdate(a.sampler, { noise: xi }, dx, identityOptimizer())).toEqual(
      a.variables.map(() => null),
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(vjpUpdate(b.sampler, { noise: xi }, dx, sgd)).toBeUndefined();
    expect(maxDiff(a.variables, b.variables)).toBeLessThan(1e-6);
    expect(moved(a.variables, 11)).toBeGreaterThan(1e-2);
    // a stateful SteinOptimizer: the states come back, one per variable, and carry on
    const ada = adagradMomentum({ learningRate: 0.01 });
    let states = vjpUpdate(a.sampler, { noise: xi }, dx, ada);
    states = vjpUpdate(a.sampler, { noise: xi }, dx, ada, states);
    expect(states).toHaveLength(a.variables.length);
    expect((states as AdagradMomentumState[]).map((s) => s.iter)).toEqual([2, 2, 2, 2]);
    for (const s of states as AdagradMomentumState[]) ada.dispose(s);
    tf.dispose([xi, dx, ...a.variables, ...b.variables]);
    sgd.dispose();
  });

  it('(8) fit and (9) least squares: a tf.Optimizer and fromTfOptimizer of the same optimizer agree', () => {
    const [a, b] = twinSamplers(12);
    const xi = a.sampler.noise(8, 3);
    const dx = tf.tidy(() => createRng(4).normal([8, 2], 0, 0.3)) as tf.Tensor2D;
    const direct = tf.train.adam(0.02);
    const wrapped = fromTfOptimizer(tf.train.adam(0.02));
    const r1 = fitUpdate(a.sampler, { noise: xi }, dx, direct, { stepSize: 1, innerSteps: 3 });
    const r2 = fitUpdate(b.sampler, { noise: xi }, dx, wrapped, { stepSize: 1, innerSteps: 3 });
    expect(r1.optimizerStates).toBeUndefined();
    expect(r2.optimizerStates).toHaveLength(4);
    for (const [i, l] of r2.losses.entries()) expect(l).toBeCloseTo(r1.losses[i], 5);
    expect(r1.losses[2]).toBeLessThan(r1.losses[0]);
    expect(maxDiff(a.variables, b.variables)).toBeLessThan(1e-6);
    for (const s of r2.optimizerStates ?? []) wrapped.dispose(s as never);
    // (9): −δ fed to identityOptimizer is η ← η + δ, the optimizer-free rule with ε = 1
    const ls1 = leastSquaresUpdate(a.sampler, { noise: xi }, dx, {
      stepSize: 1,
      optimizer: identityOptimizer(),
    });
    const ls2 = leastSquaresUpdate(b.sampler, { noise: xi }, dx, { stepSize: 1 });
    expect(ls1.optimizerStates).toEqual([null, null, null, null]);
    expect(ls2.optimizerStates).toBeUndefined();
    expect(maxDiff(a.variables, b.variables)).toBeLessThan(1e-5);
    tf.dispose([xi, dx, ...a.variables, ...b.variables]);
    direct.dispose();
  });
});

describe('the loops take a SteinOptimizer', () => {
  it('amortizedSvgd: tf.train.adam and fromTfOptimizer(tf.train.adam) give the same sampler; the states travel in the state and amortizedSvgdDispose frees them', () => {
    const [a, b] = twinSamplers(13);
    const base = { score, kernel: rbf(), batchSize: 16, iterations: 4, seed: 5 };
    const direct = tf.train.adam(0.01);
    const sa = amortizedSvgd({
      ...base,
      sampler: a.sampler,
      update: { rule: 'vjp', optimizer: direct },
    });
    expect(sa.optimizerStates).toBeUndefined();
    const before = tf.memory().numTensors;
    const adam = tf.train.adam(0.01);
    const update: AmortizedRule = { rule: 'vjp', optimizer: fromTfOptimizer(adam) };
    const sb = amortizedSvgd({ ...base, sampler: b.sampler, update });
    expect(sb.iteration).toBe(4);
    expect(sb.optimizerStates).toHaveLength(4);
    expect(maxDiff(a.variables, b.variables)).toBeLessThan(1e-6);
    expect(moved(a.variables, 13)).toBeGreaterThan(1e-2);
    amortizedSvgdDispose(sb, { update }); // the shadow variables and the 3 optimizer copies
    adam.dispose(); // the wrapped optimizer stays the caller's
    expect(tf.memory().numTensors).toBe(before);
    // stepper form: adagradMomentum's iteration count advances in the state
    const ada: AmortizedRule = { rule: 'vjp', optimizer: adagradMomentum({ learningRate: 0.01 }) };
    let st = amortizedSvgdInit({ seed: 1 });
    for (let t = 0; t < 2; t++)
      st = amortizedSvgdStep(st, { ...base, sampler: a.sampler, update: ada }).state;
    expect((st.optimizerStates as AdagradMomentumState[]).map((s) => s.iter)).toEqual([2, 2, 2, 2]);
    amortizedSvgdDispose(st, { update: ada });
    direct.dispose();
    tf.dispose([...a.variables, ...b.variables]);
  });

  it('amortizedMle: the generator update and θ take SteinOptimizers; amortizedMleDispose frees both', () => {
    let uid = 0;
    const mk = () => {
      const mu = tf.variable(tf.tensor1d([0.3, -0.2]), true, `opt_mu_${uid++}`);
      const model: EnergyModel = {
        energy: (x) =>
          tf.tidy(() => tf.mul(0.5, tf.sum(tf.square(tf.sub(x, mu)), 1)) as tf.Tensor1D),
        score: (x) => tf.tidy(() => tf.neg(tf.sub(x, mu))),
        trainableVariables: [mu],
      };
      return { model, mu };
    };
    const [a, b] = twinSamplers(14);
    const ma = mk();
    const mb = mk();
    const x = tf.tidy(() => tf.add(createRng(3).normal([16, 2], 0, 0.5), 1)) as tf.Tensor2D;
    const run = (
      sampler: (typeof a)['sampler'],
      model: EnergyModel,
      gen: LoopOptimizer,
      en: LoopOptimizer,
    ) => {
      const opts = {
        sampler,
        model,
        kernel: rbf(),
        generatorUpdate: { rule: 'vjp' as const, optimizer: gen },
        energyOptimizer: en,
        energyLearningRate: 0.05,
        balance: { speedUp: false as const, freezeGap: false as const },
        features: 'identity' as const,
      };
      let s = amortizedMleInit({ seed: 2 });
      for (let t = 0; t < 3; t++) s = amortizedMleStep(s, { data: x }, opts).state;
      return { s, opts };
    };
    const ra = run(a.sampler, ma.model, tf.train.sgd(0.05), tf.train.sgd(0.05));
    const before = tf.memory().numTensors;
    const gen = tf.train.sgd(0.05);
    const en = tf.train.sgd(0.05);
    const rb = run(b.sampler, mb.model, fromTfOptimizer(gen), fromTfOptimizer(en));
    expect(rb.s.generatorOptimizerStates).toHaveLength(4);
    expect(rb.s.energyOptimizerStates).toHaveLength(1);
    expect(maxDiff(a.variables, b.variables)).toBeLessThan(1e-6);
    expect(maxDiff([ma.mu], [mb.mu])).toBeLessThan(1e-6);
    expect(moved(a.variables, 14)).toBeGreaterThan(1e-3);
    amortizedMleDispose(rb.s, rb.opts);
    gen.dispose();
    en.dispose();
    expect(tf.memory().numTensors).toBe(before);
    amortizedMleDispose(ra.s, ra.opts);
    tf.dispose([x, ma.mu, mb.mu, ...a.variables, ...b.variables]);
  });

  it('reparamKl: fromTfOptimizer(adam) equals adam; reparamKlDispose frees the states', () => {
    const logProb = (x: tf.Tensor2D) =>
      tf.tidy(() => tf.mul(-0.5, tf.sum(tf.square(tf.sub(x, 1)), 1)) as tf.Tensor1D);
    const qa = gaussianSampler({ dim: 2, seed: 1 });
    const qb = gaussianSampler({ dim: 2, seed: 1 });
    const direct = tf.train.adam(0.05);
    reparamKl({ q: qa, logProb, optimizer: direct, batchSize: 8, iterations: 3, seed: 4 });
    const before = tf.memory().numTensors;
    const adam = tf.train.adam(0.05);
    const optimizer = fromTfOptimizer(adam);
    const sb = reparamKl({ q: qb, logProb, optimizer, batchSize: 8, iterations: 3, seed: 4 });
    expect(sb.optimizerStates).toHaveLength(qb.trainableVariables.length);
    expect(maxDiff(qa.trainableVariables, qb.trainableVariables)).toBeLessThan(1e-6);
    expect(Math.abs(qa.trainableVariables[0].dataSync()[0])).toBeGreaterThan(0.1); // the mean moved toward 1
    reparamKlDispose(sb, { optimizer });
    adam.dispose();
    expect(tf.memory().numTensors).toBe(before);
    direct.dispose();
  });
});

describe('the loops follow the convention: onStep false stops, an async onStep makes a Promise', () => {
  it('amortizedSvgd, reparamKl, amortizedMle', async () => {
    const [a] = twinSamplers(15);
    const sgd = tf.train.sgd(0.01);
    const base = { sampler: a.sampler, score, kernel: rbf(), batchSize: 8, iterations: 5 };
    const update: AmortizedRule = { rule: 'vjp', optimizer: sgd };
    const stopped = amortizedSvgd({ ...base, update, onStep: (i) => i.iteration < 2 });
    expect(stopped.iteration).toBe(2);
    const seen: number[] = [];
    const pending = amortizedSvgd({
      ...base,
      update,
      onStep: async (i) => {
        await new Promise((r) => setTimeout(r, 1));
        seen.push(i.iteration);
        return i.iteration < 3;
      },
    });
    expect(pending).toBeInstanceOf(Promise);
    expect((await pending).iteration).toBe(3);
    expect(seen).toEqual([1, 2, 3]);
    const q = gaussianSampler({ dim: 2, seed: 1 });
    const logProb = (x: tf.Tensor2D) =>
      tf.tidy(() => tf.mul(-0.5, tf.sum(tf.square(x), 1)) as tf.Tensor1D);
    const rk = reparamKl({
      q,
      logProb,
      optimizer: sgd,
      batchSize: 4,
      iterations: 5,
      onStep: async () => false,
    });
    expect((await rk).iteration).toBe(1);
    const mu = tf.variable(tf.tensor1d([0, 0]), true, 'loop_mu');
    const model: EnergyModel = {
      energy: (x) => tf.tidy(() => tf.mul(0.5, tf.sum(tf.square(tf.sub(x, mu)), 1)) as tf.Tensor1D),
      score: (x) => tf.tidy(() => tf.neg(tf.sub(x, mu))),
      trainableVariables: [mu],
    };
    const batches = function* () {
      for (let t = 0; t < 10; t++) yield { data: tf.randomNormal([8, 2], 0, 1, 'float32', t) };
    };
    const mle = amortizedMle({
      sampler: a.sampler,
      model,
      kernel: rbf(),
      generatorUpdate: update,
      energyOptimizer: sgd,
      energyLearningRate: 0.01,
      features: 'identity',
      batches: batches(),
      iterations: 4,
      onStep: async (i) => i.iteration < 10,
    });
    expect((await mle).iteration).toBe(4);
    tf.dispose([mu, ...a.variables]);
    sgd.dispose();
  });
});
