import { autoencoderEnergy, autoencoderEnergyFromRecord } from '@steinkit/energy-models';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { finiteDiffGrad, maxAbs, maxAbsDiff } from './helpers';

describe('autoencoderEnergy (14)', () => {
  const m = autoencoderEnergy({ inputShape: [4, 4, 1], hidden: [16], codeDim: 5, seed: 1 });
  afterAll(() => m.dispose());

  it('energy is the per-sample reconstruction norm ‖x − D(E(x))‖', () => {
    const x = tf.tidy(() => tf.randomUniform([3, 4, 4, 1], 0, 1, 'float32', 7));
    const e = m.energy(x);
    const ref = tf.tidy(() => {
      const r = tf.reshape(m.decode(m.encode(x)), [3, 16]);
      return tf.norm(tf.sub(tf.reshape(x, [3, 16]), r), 'euclidean', 1);
    });
    expect(e.shape).toEqual([3]);
    expect(maxAbsDiff(e.dataSync(), ref.dataSync())).toBeLessThan(1e-5);
    // flat input is accepted too
    const xf = tf.reshape(x, [3, 16]);
    const ef = m.energy(xf);
    expect(maxAbsDiff(ef.dataSync(), e.dataSync())).toBeLessThan(1e-6);
    tf.dispose([x, e, ref, xf, ef]);
  });

  it('score = −∇ₓ energy matches finite differences; no leaks', () => {
    const x = tf.tidy(() => tf.randomUniform([2, 16], 0, 1, 'float32', 8));
    const before = tf.memory().numTensors;
    const s = m.score(x);
    const fd = finiteDiffGrad((z) => tf.neg(m.energy(z)), x, 1e-2);
    expect(s.shape).toEqual([2, 16]);
    expect(maxAbsDiff(s.dataSync(), fd)).toBeLessThan(3e-3 + 0.02 * maxAbs(fd));
    s.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('save → JSON → load restores exactly; corrupt and mismatched records are refused', () => {
    const rec = JSON.parse(JSON.stringify(m.save()));
    const m2 = autoencoderEnergyFromRecord(rec);
    const x = tf.tidy(() => tf.randomUniform([2, 16], 0, 1, 'float32', 9));
    const a = m.energy(x);
    const b = m2.energy(x);
    expect(maxAbsDiff(a.dataSync(), b.dataSync())).toBe(0);
    const bad = JSON.parse(JSON.stringify(rec));
    bad.weights[0].values[3] = null;
    expect(() => m2.load(bad)).toThrow(/expected finite values/);
    const bad2 = JSON.parse(JSON.stringify(rec));
    bad2.weights[1].shape = [99];
    expect(() => m2.load(bad2)).toThrow(/expected shape/);
    expect(() => m2.load({ hello: 1 })).toThrow(TypeError);
    // untouched after the refused loads
    const c = m2.energy(x);
    expect(maxAbsDiff(a.dataSync(), c.dataSync())).toBe(0);
    tf.dispose([x, a, b, c]);
    m2.dispose();
  });

  it('rejects a wrong input shape naming the argument', () => {
    const x = tf.zeros([2, 15]);
    expect(() => m.energy(x)).toThrow(
      /x: expected shape \[n, 4, 4, 1\] or \[n, 16\], got \[2, 15\]/,
    );
    x.dispose();
  });
});

describe('joint energy (15)', () => {
  const m = autoencoderEnergy({
    inputShape: [6],
    hidden: [8],
    codeDim: 4,
    numClasses: 3,
    margin: 0.2,
    seed: 2,
  });
  afterAll(() => m.dispose());

  it('energy = ‖x − D(E(x))‖ + max(m, CE(y | E(x))); labels as ints or one-hot', () => {
    const x = tf.tidy(() => tf.randomUniform([4, 6], 0, 1, 'float32', 3));
    const y = tf.tensor1d([0, 2, 1, 2], 'int32');
    const e = m.energy(x, y).dataSync();
    const r = m.reconstructionEnergy(x).dataSync();
    const lg = m.logits(x).arraySync() as number[][];
    const labels = [0, 2, 1, 2];
    lg.forEach((row, i) => {
      const lse = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
      const ce = lse - row[labels[i]];
      expect(e[i]).toBeCloseTo(r[i] + Math.max(0.2, ce), 4);
    });
    const oh = tf.oneHot(y, 3);
    expect(maxAbsDiff(m.energy(x, oh).dataSync(), e)).toBeLessThan(1e-6);
    expect(() => m.energy(x)).toThrow(/y: the joint energy/);
    const yb = tf.tensor1d([0, 1], 'int32');
    expect(() => m.energy(x, yb)).toThrow(/y: expected labels \[4\]/);
    tf.dispose([x, y, oh, yb]);
  });

  it('score(x, y) matches finite differences', () => {
    const x = tf.tidy(() => tf.randomUniform([2, 6], 0, 1, 'float32', 5));
    const y = tf.tensor1d([1, 0], 'int32');
    const s = m.score(x, y);
    const fd = finiteDiffGrad((z) => tf.neg(m.energy(z, y)), x, 1e-2);
    expect(maxAbsDiff(s.dataSync(), fd)).toBeLessThan(3e-3 + 0.02 * maxAbs(fd));
    tf.dispose([x, y, s]);
  });
});

describe('conv autoencoder energy (paper-like)', () => {
  it('encodes to the code, scores match finite differences and θ-gradients exist (cpu)', async () => {
    const prev = tf.getBackend();
    await tf.setBackend('cpu');
    try {
      const m = autoencoderEnergy({
        inputShape: [8, 8, 1],
        arch: 'conv',
        filters: [4, 6],
        codeDim: 7,
        seed: 3,
        numClasses: 2,
      });
      const x = tf.tidy(() => tf.randomUniform([2, 8, 8, 1], 0, 1, 'float32', 6));
      const y = tf.tensor1d([1, 0], 'int32');
      expect(m.encode(x).shape).toEqual([2, 7]);
      const s = m.score(x, y);
      expect(s.shape).toEqual([2, 8, 8, 1]);
      const fd = finiteDiffGrad((z) => tf.neg(m.energy(z, y)), x, 1e-2);
      expect(maxAbsDiff(s.dataSync(), fd)).toBeLessThan(3e-3 + 0.02 * maxAbs(fd));
      const { value, grads } = tf.variableGrads(
        () => tf.sum(m.energy(x, y)) as tf.Scalar,
        m.trainableVariables,
      );
      expect(Object.keys(grads)).toHaveLength(m.trainableVariables.length);
      for (const g of Object.values(grads))
        expect(Number.isFinite(tf.sum(g).dataSync()[0])).toBe(true);
      tf.dispose([x, y, s, value, ...Object.values(grads)]);
      m.dispose();
    } finally {
      await tf.setBackend(prev);
    }
  });
});

describe('backends', () => {
  it('conv and mlp joint energies: energy, score and θ-gradients agree on wasm and cpu', async () => {
    const start = tf.getBackend();
    const run = async (backend: string, arch: 'mlp' | 'conv') => {
      await tf.setBackend(backend);
      const m = autoencoderEnergy({
        inputShape: [8, 8, 1],
        arch,
        filters: [3, 4],
        hidden: [12],
        codeDim: 5,
        numClasses: 3,
        seed: 4,
      });
      const x = tf.tidy(() => tf.randomUniform([3, 8, 8, 1], 0, 1, 'float32', 11));
      const y = tf.tensor1d([0, 2, 1], 'int32');
      const e = Array.from(m.energy(x, y).dataSync());
      const s = Array.from(m.score(x, y).dataSync());
      const { value, grads } = tf.variableGrads(
        () => tf.sum(m.energy(x, y)) as tf.Scalar,
        m.trainableVariables,
      );
      const g = m.trainableVariables.flatMap((v) => Array.from(grads[v.name].dataSync()));
      tf.dispose([x, y, value, ...Object.values(grads)]);
      m.dispose();
      return { e, s, g };
    };
    try {
      for (const arch of ['mlp', 'conv'] as const) {
        const w = await run('wasm', arch);
        const c = await run('cpu', arch);
        expect(maxAbsDiff(w.e, c.e)).toBeLessThan(1e-4);
        expect(maxAbsDiff(w.s, c.s)).toBeLessThan(1e-4 * Math.max(1, maxAbs(c.s)));
        expect(maxAbsDiff(w.g, c.g)).toBeLessThan(1e-4 * Math.max(1, maxAbs(c.g)));
      }
    } finally {
      await tf.setBackend(start);
    }
  });
});
