import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  adagradMomentum,
  applyOptimizer,
  assertLoopOptimizer,
  disposeOptimizerStates,
  fromTfOptimizer,
  identityOptimizer,
  isSteinOptimizer,
} from '../src/index';

describe('adagradMomentum (SVGD code optimizer)', () => {
  it('matches a hand computation over three steps and leaks nothing', () => {
    const lr = 0.1;
    const alpha = 0.9;
    const opt = adagradMomentum({ learningRate: lr, alpha });
    const before = tf.memory().numTensors;
    let state = opt.init(tf.scalar(0)); // adagradMomentum keeps no reference to the param
    const gs = [
      [1, -2],
      [0.5, 4],
      [-3, 0.1],
    ];
    let hist: number[] = [];
    for (const [k, g] of gs.entries()) {
      hist =
        k === 0 ? g.map((v) => v * v) : hist.map((h, i) => alpha * h + (1 - alpha) * g[i] ** 2);
      const expected = g.map((v, i) => (lr * v) / (1e-6 + Math.sqrt(hist[i])));
      const gt = tf.tensor1d(g);
      const r = opt.update(gt, state);
      gt.dispose();
      state = r.state;
      const got = Array.from(r.step.dataSync());
      r.step.dispose();
      for (const [i, v] of got.entries()) expect(v).toBeCloseTo(expected[i], 5);
    }
    opt.dispose(state);
    expect(tf.memory().numTensors).toBe(before + 1); // only the scalar passed to init
  });

  it('rejects bad hyper-parameters and mismatched shapes', () => {
    expect(() => adagradMomentum({ learningRate: -1 })).toThrow(/learningRate/);
    expect(() => adagradMomentum({ learningRate: 1, alpha: 1 })).toThrow(/alpha/);
    const opt = adagradMomentum({ learningRate: 1 });
    let state = opt.init(tf.zeros([2]));
    const r = opt.update(tf.ones([2]), state);
    state = r.state;
    expect(() => opt.update(tf.ones([3]), state)).toThrow(
      /direction: expected shape \[2\], got \[3\]/,
    );
    opt.dispose(state);
  });
});

describe('fromTfOptimizer', () => {
  it('SGD ascent: step = lr·g', () => {
    const opt = fromTfOptimizer(tf.train.sgd(0.5));
    const state = opt.init(tf.tensor1d([1, 2]));
    const { step } = opt.update(tf.tensor1d([2, -4]), state);
    expect(Array.from(step.dataSync())).toEqual([1, -2]);
    step.dispose();
    opt.dispose(state);
  });
});

describe("applyOptimizer: one step over a network's variables (every loop's optimizer path)", () => {
  const grads = () => ({
    opt_w: tf.tensor2d([
      [1, -2],
      [0.5, 4],
    ]),
    opt_b: tf.tensor1d([-3, 0.25]),
  });
  const vars = (tag: string) => [
    tf.variable(
      tf.tensor2d([
        [0.1, 0.2],
        [0.3, 0.4],
      ]),
      true,
      `opt_w_${tag}`,
    ),
    tf.variable(tf.tensor1d([1, -1]), true, `opt_b_${tag}`),
  ];
  const named = (vs: tf.Variable[], g: Record<string, tf.Tensor>) => ({
    [vs[0].name]: g.opt_w,
    [vs[1].name]: g.opt_b,
  });

  it('identityOptimizer: v ← v − factor·∇ (plain gradient descent), no state', () => {
    const vs = vars('id');
    const g = grads();
    const before = tf.memory().numTensors;
    const states = applyOptimizer(identityOptimizer(), vs, named(vs, g), undefined, 0.5);
    expect(states).toEqual([null, null]);
    expect(tf.memory().numTensors).toBe(before);
    const w = vs[0].arraySync() as number[][];
    expect(w[0][0]).toBeCloseTo(0.1 - 0.5 * 1, 6);
    expect(w[1][1]).toBeCloseTo(0.4 - 0.5 * 4, 6);
    expect(Array.from(vs[1].dataSync())).toEqual([
      expect.closeTo(1 + 1.5, 6),
      expect.closeTo(-1 - 0.125, 6),
    ]);
    tf.dispose([...vs, ...Object.values(g)]);
  });

  it('a SteinOptimizer (adagradMomentum) carries one state per variable across calls; a tf.Optimizer through fromTfOptimizer equals the tf.Optimizer given directly', () => {
    // adagradMomentum over two steps vs the hand formula on one entry
    const vs = vars('ada');
    const g = grads();
    const opt = adagradMomentum({ learningRate: 0.1, alpha: 0.9 });
    let states = applyOptimizer(opt, vs, named(vs, g));
    states = applyOptimizer(opt, vs, named(vs, g), states);
    // entry w[1][1]: ascent direction −4 twice; hist = 16 then 16; step = 0.1·(−4)/(1e-6 + 4)
    const step = (0.1 * -4) / (1e-6 + 4);
    expect((vs[0].arraySync() as number[][])[1][1]).toBeCloseTo(0.4 + 2 * step, 5);
    expect(states).toHaveLength(2);
    const n = tf.memory().numTensors;
    disposeOptimizerStates(opt, states);
    expect(tf.memory().numTensors).toBe(n - 2); // the two hist tensors
    // Adam: wrapped vs direct, three steps
    const a = vars('adamA');
    const b = vars('adamB');
    const wrapped = fromTfOptimizer(tf.train.adam(0.05));
    const direct = tf.train.adam(0.05);
    let st: unknown[] | undefined;
    for (let t = 0; t < 3; t++) {
      st = applyOptimizer(wrapped, a, named(a, g), st);
      expect(applyOptimizer(direct, b, named(b, g))).toBeUndefined();
    }
    for (let i = 0; i < 2; i++) {
      const da = a[i].dataSync();
      const db = b[i].dataSync();
      for (let k = 0; k < da.length; k++) expect(da[k]).toBeCloseTo(db[k], 6);
      // and it moved: 3 Adam steps of ≈ lr against the gradient's sign
      expect(Math.abs(da[0] - (i === 0 ? 0.1 : 1))).toBeGreaterThan(0.1);
    }
    disposeOptimizerStates(wrapped, st);
    direct.dispose();
    tf.dispose([...vs, ...a, ...b, ...Object.values(g)]);
  });

  it('a tf.Optimizer with factor rescales its step; bad optimizers and state counts are refused', () => {
    const a = vars('fa');
    const b = vars('fb');
    const g = grads();
    applyOptimizer(tf.train.sgd(0.1), a, named(a, g), undefined, 3);
    applyOptimizer(tf.train.sgd(0.3), b, named(b, g));
    for (let i = 0; i < 2; i++) {
      const da = a[i].dataSync();
      const db = b[i].dataSync();
      for (let k = 0; k < da.length; k++) expect(da[k]).toBeCloseTo(db[k], 6);
    }
    expect(() => applyOptimizer(identityOptimizer(), a, named(a, g), [null])).toThrow(
      /states: expected one optimizer state per variable \(2\)/,
    );
    expect(() => assertLoopOptimizer({}, 'update.optimizer')).toThrow(
      /update.optimizer: expected a SteinOptimizer/,
    );
    expect(isSteinOptimizer(tf.train.sgd(1))).toBe(false);
    expect(isSteinOptimizer(identityOptimizer())).toBe(true);
    tf.dispose([...a, ...b, ...Object.values(g)]);
  });
});
