import { neuralSampler } from '@steinkit/amortizers';
import * as tfl from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

describe('neuralSampler', () => {
  const net = tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [7], units: 6, activation: 'tanh' }),
      tfl.layers.dense({ units: 12 }),
      tfl.layers.reshape({ targetShape: [2, 2, 3] }),
    ],
  });

  it('wraps a layers model: η = trainable weights, outputs flattened, seeded draws reproducible, default ξ ~ U[−1, 1]', () => {
    const s = neuralSampler({
      net: tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [5], units: 3 })] }),
      noiseDim: 5,
    });
    expect(s.dim).toBe(3);
    expect(s.trainableVariables).toHaveLength(2);
    const before = tf.memory().numTensors;
    const a = s.sample(4, 7);
    const b = s.sample(4, 7);
    expect(a.shape).toEqual([4, 3]);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    const z = s.noise(2000, 1);
    const zs = z.dataSync();
    expect(Math.min(...zs)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...zs)).toBeLessThanOrEqual(1);
    const m = tf.mean(z);
    expect(Math.abs(m.dataSync()[0])).toBeLessThan(0.02);
    tf.dispose([a, b, z, m]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('conditional: the net sees [ξ, onehot(y)]; images keep their shape in applyRaw', () => {
    const s = neuralSampler({ net, noiseDim: 4, numClasses: 3 });
    expect(s.outputShape).toEqual([2, 2, 3]);
    expect(s.dim).toBe(12);
    const z = s.noise(2, 1);
    const y = tf.tensor1d([2, 0], 'int32');
    const raw = s.applyRaw(z, y);
    expect(raw.shape).toEqual([2, 2, 2, 3]);
    const manual = net.apply(tf.concat([z, tf.cast(tf.oneHot(y, 3), 'float32')], 1)) as tf.Tensor;
    expect(tf.max(tf.abs(tf.sub(raw, manual))).dataSync()[0]).toBeLessThan(1e-6);
    const flat = s.apply(z, y);
    expect(flat.shape).toEqual([2, 12]);
    // sample draws labels itself; a missing label is a clear error in apply
    expect(s.sample(5, 3).shape).toEqual([5, 12]);
    expect(() => s.apply(z)).toThrow(/labels: a conditional sampler needs labels \[2\]/);
    const lab = s.labels(3000, 2).dataSync();
    const frac = [0, 1, 2].map((k) => lab.filter((v) => v === k).length / 3000);
    for (const f of frac) expect(Math.abs(f - 1 / 3)).toBeLessThan(0.04);
    tf.dispose([z, y, raw, manual, flat]);
  });

  it('a user label mapping replaces the concatenation', () => {
    const W = tf.variable(tf.ones([3, 2]), true, 'map_W');
    const s = neuralSampler({
      net: (h) => tf.matMul(h, W),
      variables: [W],
      noiseDim: 3,
      numClasses: 4,
      labelMapping: (z, y) => tf.mul(z, tf.expandDims(tf.cast(y, 'float32'), 1)) as tf.Tensor2D,
    });
    const z = tf.ones([2, 3]) as tf.Tensor2D;
    const y = tf.tensor1d([0, 2], 'int32');
    expect(s.apply(z, y).arraySync()).toEqual([
      [0, 0],
      [6, 6],
    ]);
    tf.dispose([z, y, W]);
  });

  it('getWeights/setWeights round-trip through JSON and refuse bad input untouched', () => {
    const s = neuralSampler({ net, noiseDim: 4, numClasses: 3 });
    const w = JSON.parse(JSON.stringify(s.getWeights()));
    const x0 = s.sample(3, 1);
    s.trainableVariables[0].assign(tf.zerosLike(s.trainableVariables[0]));
    const bad = JSON.parse(JSON.stringify(w));
    bad[1].values[0] = 'x';
    expect(() => s.setWeights(bad)).toThrow(/weights\[1\]: expected finite values/);
    expect(() => s.setWeights(w.slice(1))).toThrow(/expected 4 entries/);
    s.setWeights(w);
    const x1 = s.sample(3, 1);
    expect(Array.from(x1.dataSync())).toEqual(Array.from(x0.dataSync()));
    tf.dispose([x0, x1]);
  });

  it('rejects bad options naming the argument', () => {
    expect(() => neuralSampler({ net: (z) => z, noiseDim: 2 })).toThrow(/variables:/);
    expect(() => neuralSampler({ net, noiseDim: 0 })).toThrow(/noiseDim/);
    const s = neuralSampler({
      net: tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [5], units: 3 })] }),
      noiseDim: 5,
    });
    const z = tf.zeros([2, 4]) as tf.Tensor2D;
    expect(() => s.apply(z)).toThrow(/noise: expected shape \[\?, 5\], got \[2, 4\]/);
    z.dispose();
  });
});
