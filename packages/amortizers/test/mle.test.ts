import {
  amortizedMle,
  amortizedMleDispose,
  amortizedMleInit,
  amortizedMleStep,
  type BalanceOptions,
  neuralSampler,
} from '@steinkit/amortizers';
import { adagradMomentum, createRng, type EnergyModel, foldIn } from '@steinkit/core';
import { rbf } from '@steinkit/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

let uid = 0;
const v = (t: tf.Tensor, name: string) => {
  const out = tf.variable(t, true, `${name}_${uid++}`);
  t.dispose();
  return out;
};

/** E(x; μ, A) = ½‖x − μ‖² + 0.1‖tanh(xA)‖², with encode(x) = tanh(xA). */
function tinyModel(seed: number) {
  const rng = createRng(seed);
  const mu = v(tf.tensor1d([0.3, -0.2]), 'mu');
  const A = v(rng.normal([2, 3], 0, 0.7), 'A');
  const encode = (x: tf.Tensor) => tf.tanh(tf.matMul(x as tf.Tensor2D, A)) as tf.Tensor2D;
  const energyImpl = (x: tf.Tensor) =>
    tf.add(
      tf.mul(0.5, tf.sum(tf.square(tf.sub(x, mu)), 1)),
      tf.mul(0.1, tf.sum(tf.square(encode(x)), 1)),
    ) as tf.Tensor1D;
  const model: EnergyModel & { encode: (x: tf.Tensor) => tf.Tensor2D } = {
    energy: (x) => tf.tidy(() => energyImpl(x)),
    score: (x) => tf.tidy(() => tf.neg(tf.grad((z: tf.Tensor) => tf.sum(energyImpl(z)))(x))),
    encode: (x) => tf.tidy(() => encode(x)),
    trainableVariables: [mu, A],
  };
  return { model, mu, A };
}

function tinySampler(seed: number) {
  const rng = createRng(seed);
  const W = v(rng.normal([2, 2], 0, 0.5), 'W');
  const b = v(tf.tensor1d([0, 0]), 'b');
  const sampler = neuralSampler({
    net: (z) => tf.add(tf.matMul(z, W), b),
    variables: [W, b],
    noiseDim: 2,
    noise: 'normal',
  });
  return { sampler, W, b };
}

function data(n: number, shift: number[], seed: number) {
  return tf.tidy(() =>
    tf.add(createRng(seed).normal([n, 2], 0, 0.5), tf.tensor1d(shift)),
  ) as tf.Tensor2D;
}

describe('amortizedMleStep (Algorithm 2)', () => {
  it('θ follows (16) exactly: μ ← μ − ε[mean(μ − x_obs) − (1 − γ)·mean(μ − x_s)] (+ the encoder term)', () => {
    const { model, mu, A } = tinyModel(1);
    const { sampler } = tinySampler(2);
    const x = data(16, [1, 1], 3);
    const lr = 0.05;
    const gamma = 0.7;
    const state = amortizedMleInit({ seed: 9 });
    const genOpt = tf.train.sgd(0.01);
    const enOpt = tf.train.sgd(lr);
    const mu0 = Array.from(mu.dataSync());
    const A0 = tf.clone(A);
    const before = tf.memory().numTensors;
    // The deprecated 0.1 argument order (state, opts, batch) still works.
    const {
      record,
      info,
      state: s1,
    } = amortizedMleStep(
      state,
      {
        sampler,
        model,
        kernel: rbf({ bandwidth: { kind: 'median', scale: 0.5 } }),
        generatorUpdate: { rule: 'vjp', optimizer: genOpt },
        energyOptimizer: enOpt,
        energyLearningRate: lr,
        gamma,
        balance: { speedUp: false, freezeGap: false },
      },
      { data: x },
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(info).toBe(record);
    expect(s1.iteration).toBe(1);
    expect(record).toMatchObject({
      iteration: 1,
      thetaUpdated: true,
      spedUp: false,
      energyLearningRate: lr,
    });
    // the samples θ saw: same ξ, updated η
    const z = sampler.noise(16, foldIn(9, 0));
    const xs = sampler.apply(z);
    const xo = x.arraySync();
    const xsa = xs.arraySync();
    for (let k = 0; k < 2; k++) {
      const mObs = xo.reduce((a, r) => a + r[k], 0) / 16;
      const mS = xsa.reduce((a, r) => a + r[k], 0) / 16;
      const g = mu0[k] - mObs - (1 - gamma) * (mu0[k] - mS);
      expect(Array.from(mu.dataSync())[k]).toBeCloseTo(mu0[k] - lr * g, 5);
    }
    expect(record.energyGap).toBeCloseTo(record.dataEnergy - record.sampleEnergy, 6);
    tf.dispose([z, xs, x, A0]);
    genOpt.dispose();
    enOpt.dispose();
  });

  it("never changes the θ optimizer's learning rate: the speed-up scales θ's step; a SteinOptimizer works too", () => {
    const step = (
      energyOptimizer: tf.Optimizer | ReturnType<typeof adagradMomentum>,
      speedUp: number | false,
    ) => {
      const { model, mu } = tinyModel(1);
      const { sampler } = tinySampler(2);
      const x = data(16, [3, 3], 3); // data energy ≫ sample energy: the speed-up rule fires
      const genOpt = tf.train.sgd(0.01);
      const mu0 = Array.from(mu.dataSync());
      const opts = {
        sampler,
        model,
        kernel: rbf({ bandwidth: 1 }),
        generatorUpdate: { rule: 'vjp' as const, optimizer: genOpt },
        energyOptimizer,
        energyLearningRate: 1e-3,
        balance: {
          speedUp: speedUp === false ? (false as const) : { learningRate: speedUp },
          freezeGap: false as const,
        },
      };
      const n0 = tf.memory().numTensors;
      const r = amortizedMleStep(amortizedMleInit({ seed: 1 }), { data: x }, opts);
      const moved = Array.from(mu.dataSync()).map((m, k) => m - mu0[k]);
      const held = tf.memory().numTensors - n0;
      amortizedMleDispose(r.state, opts);
      const left = tf.memory().numTensors - n0;
      tf.dispose([x, ...model.trainableVariables, ...sampler.trainableVariables]);
      genOpt.dispose();
      return { r, moved, held, left };
    };
    const adam = tf.train.adam(1e-3);
    const fast = step(adam, 5e-3);
    expect(fast.r.info.spedUp).toBe(true);
    expect((adam as unknown as { learningRate: number }).learningRate).toBe(1e-3);
    adam.dispose();
    const adam2 = tf.train.adam(1e-3);
    const slow = step(adam2, false);
    adam2.dispose();
    fast.moved.forEach((m, k) => {
      expect(m).toBeCloseTo(5 * slow.moved[k], 6); // Adam's step is linear in its step size
      expect(Math.abs(m)).toBeCloseTo(5e-3, 4);
    });
    // core's SteinOptimizer: its per-variable states travel in the stepper state and are freed
    const ada = adagradMomentum({ learningRate: 1e-3 });
    const s = step(ada, 5e-3);
    expect(s.r.state.energyOptimizerStates).toHaveLength(2);
    expect(s.held).toBe(2); // one squared-gradient history per θ variable …
    expect(s.left).toBe(0); // … freed by amortizedMleDispose
    s.moved.forEach((m) => {
      expect(Math.abs(m)).toBeCloseTo(5e-3, 4); // first step: lr·g/(ε + |g|) ≈ lr·sign(g), × 5
    });
    expect(() => step({} as tf.Optimizer, false)).toThrow(
      /energyOptimizer: expected a SteinOptimizer \(.*\) or a tf.Optimizer/,
    );
  });

  it('balancing rules: speed-up when data energy > sample energy, freeze when samples ≫ data; logged', () => {
    const run = (balance: BalanceOptions, shift: number[], sampleShift = [0, 0]) => {
      const { model, mu } = tinyModel(1);
      const { sampler, b } = tinySampler(2);
      tf.tidy(() => {
        b.assign(tf.tensor1d(sampleShift));
      });
      const x = data(16, shift, 3);
      const genOpt = tf.train.sgd(0.01);
      const enOpt = tf.train.adam(1e-3);
      const mu0 = Array.from(mu.dataSync());
      const { record } = amortizedMleStep(
        amortizedMleInit({ seed: 1 }),
        {
          sampler,
          model,
          kernel: rbf({ bandwidth: 1 }),
          generatorUpdate: { rule: 'vjp', optimizer: genOpt },
          energyOptimizer: enOpt,
          energyLearningRate: 1e-3,
          gamma: 0.7,
          balance,
        },
        { data: x },
      );
      const moved = Math.abs(Array.from(mu.dataSync())[0] - mu0[0]);
      x.dispose();
      return { record, moved };
    };
    // data far from μ: data energy ≫ sample energy → θ sped up (and never frozen: one-sided rule)
    const sped = run({}, [3, 3]);
    expect(sped.record.dataEnergy).toBeGreaterThan(sped.record.sampleEnergy + 0.5);
    expect(sped.record).toMatchObject({
      spedUp: true,
      energyLearningRate: 5e-3,
      thetaUpdated: true,
      gamma: 0.7,
    });
    expect(sped.moved).toBeCloseTo(5e-3, 4); // Adam's first step moves each coordinate by ≈ lr
    const plain = run({ speedUp: false, freezeGap: false }, [3, 3]);
    expect(plain.record).toMatchObject({
      spedUp: false,
      energyLearningRate: 1e-3,
      thetaUpdated: true,
    });
    expect(plain.moved).toBeCloseTo(1e-3, 4);
    // the literal two-sided reading freezes θ here
    const two = run({ freezeTwoSided: true }, [3, 3]);
    expect(two.record).toMatchObject({ thetaUpdated: false, thetaSkipReason: 'gap' });
    expect(two.moved).toBe(0);
    // samples far from μ, data at μ: θ is ahead → frozen by the default rule; slowGamma applies
    const frozen = run({ slowGamma: 0.9 }, [0.3, -0.2], [4, 4]);
    expect(frozen.record.sampleEnergy).toBeGreaterThan(frozen.record.dataEnergy + 0.5);
    expect(frozen.record).toMatchObject({
      thetaUpdated: false,
      thetaSkipReason: 'gap',
      spedUp: false,
      gamma: 0.9,
    });
    expect(frozen.moved).toBe(0);
  });

  it('one step agrees on wasm and cpu (conditional sampler, Adam, feature kernel)', async () => {
    const one = async (backend: string) => {
      await tf.setBackend(backend);
      const { model, mu, A } = tinyModel(5);
      const rng = createRng(6);
      const W = v(rng.normal([4, 2], 0, 0.5), 'Wc');
      const b = v(tf.tensor1d([0, 0]), 'bc');
      const sampler = neuralSampler({
        net: (z) => tf.add(tf.matMul(z, W), b),
        variables: [W, b],
        noiseDim: 2,
        numClasses: 2,
      });
      const x = data(12, [0.5, -0.5], 7);
      const y = tf.tensor1d([0, 1, 0, 1, 1, 0, 0, 1, 1, 1, 0, 0], 'int32');
      const genOpt = tf.train.adam(1e-2);
      const enOpt = tf.train.adam(1e-3);
      let state = amortizedMleInit({ seed: 3 });
      const records = [];
      for (let t = 0; t < 2; t++) {
        const r = amortizedMleStep(
          state,
          { data: x, labels: y },
          {
            sampler,
            model: {
              ...model,
              energy: (xx: tf.Tensor) => model.energy(xx),
              score: (xx: tf.Tensor) => model.score(xx),
            },
            kernel: rbf({ bandwidth: { kind: 'median', scale: 0.5 } }),
            generatorUpdate: { rule: 'vjp', optimizer: genOpt },
            energyOptimizer: enOpt,
            energyLearningRate: 1e-3,
            repulsion: 'exact',
            balance: { freezeGap: false },
          },
        );
        state = r.state;
        records.push(r.info);
      }
      const out = {
        records,
        weights: [mu, A, W, b].map((t) => Array.from(t.dataSync())),
      };
      tf.dispose([x, y, mu, A, W, b]);
      genOpt.dispose();
      enOpt.dispose();
      return out;
    };
    const start = tf.getBackend();
    try {
      const w = await one('wasm');
      const c = await one('cpu');
      for (let t = 0; t < 2; t++) {
        expect(w.records[t].dataEnergy).toBeCloseTo(c.records[t].dataEnergy, 4);
        expect(w.records[t].sampleEnergy).toBeCloseTo(c.records[t].sampleEnergy, 4);
        expect(w.records[t].thetaUpdated).toBe(c.records[t].thetaUpdated);
        expect(w.records[t].spedUp).toBe(c.records[t].spedUp);
      }
      w.weights.forEach((arr, i) => {
        arr.forEach((val, j) => {
          expect(val).toBeCloseTo(c.weights[i][j], 4);
        });
      });
    } finally {
      await tf.setBackend(start);
    }
  });

  it('a short run learns: θ (μ) and the sampler both move to the data mean', () => {
    const { model, mu } = tinyModel(8);
    const { sampler, W, b } = tinySampler(9);
    const target = [2, -1];
    const genOpt = tf.train.adam(0.05);
    const enOpt = tf.train.adam(0.05);
    const before = tf.memory().numTensors;
    // The loop (one iteration per batch, each batch disposed after its step).
    function* batches() {
      for (let t = 0; ; t++) yield { data: data(32, target, 100 + t) };
    }
    const seen: number[] = [];
    const state = amortizedMle({
      sampler,
      model,
      kernel: rbf({ bandwidth: { kind: 'median', scale: 0.5 } }),
      generatorUpdate: { rule: 'vjp', optimizer: genOpt },
      energyOptimizer: enOpt,
      energyLearningRate: 0.05,
      balance: { speedUp: false },
      batches: batches(),
      iterations: 90,
      seed: 2,
      onStep: (info) => {
        seen.push(info.iteration);
        return undefined;
      },
    });
    expect(state.iteration).toBe(90);
    expect(seen).toEqual(Array.from({ length: 90 }, (_, i) => i + 1));
    // only the optimizers' slots were added
    expect(tf.memory().numTensors).toBe(before + 2 * 2 + 2 * 2);
    const m = Array.from(mu.dataSync());
    const s = sampler.sample(500, 1);
    const sm = tf.mean(s, 0);
    const smean = Array.from(sm.dataSync());
    for (let k = 0; k < 2; k++) {
      expect(Math.abs(m[k] - target[k])).toBeLessThan(0.15);
      expect(Math.abs(smean[k] - target[k])).toBeLessThan(0.2);
    }
    tf.dispose([s, sm, W, b]);
    genOpt.dispose();
    enOpt.dispose();
  });
});
