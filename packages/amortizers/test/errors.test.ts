import { createRng, type EnergyModel } from '@steinkit/core';
import { rbf } from '@steinkit/kernels';
import * as tfl from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  amortizedMleInit,
  amortizedMleStep,
  amortizedSvgd,
  amortizedSvgdInit,
  amortizedSvgdStep,
  gaussianSampler,
  neuralSampler,
  reparamKlInit,
  reparamKlStep,
} from '../src/index';
import { tinyMlp } from './helpers';

const snapshot = (vs: tf.Variable[]) => vs.map((v) => Array.from(v.dataSync()));

function tinySampler(seed: number) {
  const { net, variables } = tinyMlp(2, 4, 2, seed);
  return { sampler: neuralSampler({ net, variables, noiseDim: 2, noise: 'normal' }), variables };
}

describe('amortized SVGD stops at the first non-finite update (issue 16)', () => {
  it('a NaN score: RangeError naming the iteration, weights untouched, nothing leaked', () => {
    const { sampler, variables } = tinySampler(1);
    let calls = 0;
    const score = (x: tf.Tensor2D) =>
      (++calls >= 3 ? tf.mul(x, Number.NaN) : tf.neg(x)) as tf.Tensor2D;
    const opts = {
      sampler,
      score,
      kernel: rbf(),
      update: { rule: 'vjp' as const, optimizer: tf.train.sgd(0.01) },
      batchSize: 8,
    };
    const before = tf.memory().numTensors;
    let w: number[][] = [];
    const run = () =>
      amortizedSvgd({
        ...opts,
        iterations: 5,
        onStep: () => {
          w = snapshot(variables);
        },
      });
    expect(run).toThrow(
      /^amortizedSvgd: iteration 3: the Stein direction Δx .* is not finite \(NaN\/±Inf\); stopped before applying it, the model keeps the weights of iteration 2/,
    );
    expect(snapshot(variables)).toEqual(w); // the weights after iteration 2
    expect(snapshot(variables).flat().every(Number.isFinite)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(variables);
  });
  it('a throwing score leaves no noise/label tensors; vjp without an optimizer names it', () => {
    const { sampler, variables } = tinySampler(2);
    const bad = () => {
      throw new Error('user score failed');
    };
    const base = { sampler, kernel: rbf(), batchSize: 4 };
    const sgd = tf.train.sgd(0.1);
    const before = tf.memory().numTensors;
    expect(() =>
      amortizedSvgdStep(amortizedSvgdInit(), {
        ...base,
        score: bad,
        update: { rule: 'vjp', optimizer: sgd },
      }),
    ).toThrow('user score failed');
    expect(tf.memory().numTensors).toBe(before);
    expect(() =>
      amortizedSvgdStep(amortizedSvgdInit(), {
        ...base,
        score: (x) => tf.neg(x) as tf.Tensor2D,
        update: { rule: 'vjp' } as never,
      }),
    ).toThrow(
      new TypeError(
        'update.optimizer: expected a SteinOptimizer (e.g. adagradMomentum, identityOptimizer) or a tf.Optimizer (e.g. tf.train.sgd(1e-3)), got undefined',
      ),
    );
    expect(() =>
      amortizedSvgdStep(amortizedSvgdInit(), {
        ...base,
        score: (x) => tf.cast(x, 'int32') as tf.Tensor2D,
        update: { rule: 'vjp', optimizer: sgd },
      }),
    ).toThrow(/^score\(x\): expected a float32 tensor, got int32/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(variables);
  });
  it('neuralSampler: a net whose input width is not noiseDim names noiseDim', () => {
    const net = tfl.sequential({ layers: [tfl.layers.dense({ units: 3, inputShape: [10] })] });
    expect(() => neuralSampler({ net, noiseDim: 100 })).toThrow(
      new RangeError('noiseDim: the net takes inputs of width 10, but noiseDim = 100 gives 100'),
    );
    expect(() => neuralSampler({ net, noiseDim: 7, numClasses: 3 })).not.toThrow();
    net.dispose();
  });
});

/** amortizedMleStep's options for the tests below: vjp generator update (SGD 0.01), RBF kernel. */
function mleOptions(
  sampler: ReturnType<typeof tinySampler>['sampler'],
  model: EnergyModel,
  energyOptimizer: tf.Optimizer,
  energyLearningRate: number,
) {
  return {
    sampler,
    model,
    kernel: rbf(),
    generatorUpdate: { rule: 'vjp' as const, optimizer: tf.train.sgd(0.01) },
    energyOptimizer,
    energyLearningRate,
  };
}

describe('amortizedMleStep validates before mutating (issue 16)', () => {
  function setup() {
    const rng = createRng(3);
    const mu = tf.variable(tf.tensor1d([0.3, -0.2]), true);
    const A = tf.variable(rng.normal([2, 2], 0, 0.7), true);
    const energy = (x: tf.Tensor) =>
      tf.add(
        tf.mul(0.5, tf.sum(tf.square(tf.sub(x, mu)), 1)),
        tf.sum(tf.square(tf.matMul(x as tf.Tensor2D, A)), 1),
      ) as tf.Tensor1D;
    const model: EnergyModel = {
      energy: (x) => tf.tidy(() => energy(x)),
      score: (x) => tf.tidy(() => tf.neg(tf.grad((z: tf.Tensor) => tf.sum(energy(z)))(x))),
      trainableVariables: [mu, A],
    };
    const s = tinySampler(4);
    const opts = mleOptions(s.sampler, model, tf.train.adam(1e-3), 1e-3);
    return { opts, vars: [...s.variables, mu, A] };
  }
  it('data of the wrong width: nothing updated, nothing leaked', () => {
    const { opts, vars } = setup();
    const w0 = snapshot(vars);
    const data = tf.ones([6, 3]);
    const before = tf.memory().numTensors;
    expect(() => amortizedMleStep(amortizedMleInit(), opts, { data })).toThrow(
      new RangeError("batch.data: expected 2 values per row (the sampler's dim), got shape [6, 3]"),
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(snapshot(vars)).toEqual(w0);
    data.dispose();
    tf.dispose(vars);
  });
  it('NaN data: RangeError naming the iteration, nothing updated', () => {
    const { opts, vars } = setup();
    const w0 = snapshot(vars);
    const data = tf.tensor2d([
      [0, 1],
      [Number.NaN, 0],
      [1, 1],
      [2, 0],
    ]);
    const before = tf.memory().numTensors;
    expect(() => amortizedMleStep({ iteration: 4, seed: 0 }, opts, { data })).toThrow(
      /^batch\.data: iteration 5: expected finite values, found NaN\/±Inf; nothing was updated/,
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(snapshot(vars)).toEqual(w0);
    data.dispose();
    tf.dispose(vars);
  });
});

describe('amortizedMleStep stops at non-finite energies (issue 16)', () => {
  it('NaN mean energies: RangeError naming the iteration, θ untouched, no tensor leaked', () => {
    const mu = tf.variable(tf.tensor1d([0.3, -0.2]), true);
    // energy NaN (the rules read it), score finite (η's step runs)
    const model: EnergyModel = {
      energy: (x) => tf.tidy(() => tf.mul(tf.sum(tf.sub(x, mu), 1), Number.NaN) as tf.Tensor1D),
      score: (x) => tf.tidy(() => tf.neg(tf.sub(x, mu)) as tf.Tensor2D),
      trainableVariables: [mu],
    };
    const s = tinySampler(4);
    const opts = mleOptions(s.sampler, model, tf.train.sgd(0.1), 0.1);
    const data = tf.tensor2d([
      [0, 1],
      [1, 0],
      [1, 1],
      [2, 0],
    ]);
    const theta0 = snapshot([mu]);
    const before = tf.memory().numTensors;
    expect(() => amortizedMleStep({ iteration: 6, seed: 0 }, opts, { data })).toThrow(
      /^energy: non-finite mean energies \(data NaN, samples NaN\) at iteration 7; θ was not updated$/,
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(snapshot([mu])).toEqual(theta0);
    tf.dispose([data, mu, ...s.variables]);
  });
});

describe('reparamKlStep stops at a non-finite bound (issue 16)', () => {
  it('a NaN log density: RangeError naming the iteration, q untouched', () => {
    const q = gaussianSampler({ dim: 2, seed: 0 });
    const w0 = snapshot(q.trainableVariables);
    const optimizer = tf.train.adam(0.1); // Adam's constructor allocates its β-power scalars
    const before = tf.memory().numTensors;
    const logProb = (x: tf.Tensor2D) => tf.mul(tf.sum(x, 1), Number.NaN) as tf.Tensor1D;
    expect(() => reparamKlStep(reparamKlInit(), { q, logProb, optimizer, batchSize: 4 })).toThrow(
      /^reparamKl: iteration 1: the bound or its gradient is not finite/,
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(snapshot(q.trainableVariables)).toEqual(w0);
    q.dispose();
    optimizer.dispose();
  });
});
