import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { adagradMomentum, fromTfOptimizer } from '../src/index';

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
