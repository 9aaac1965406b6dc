import { loadMnist } from '@steinkit/datasets';
import { type ImageClassifier, trainClassifier } from '@steinkit/metrics/reference';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { balancedLabels, type EvaluateContext, metricsEvaluator } from '../src/index';

// A stand-in "generator" that returns real MNIST images of a class (shift = 0)
// or of the next class (shift = 1): the metrics step must see the difference.
const pool = loadMnist({ split: 'train', limit: 3000 });
const byClass: number[][] = Array.from({ length: 10 }, () => []);
for (let i = 1000; i < pool.size; i++) byClass[pool.labels[i]].push(i);

function realGenerator(shift: number): EvaluateContext['generate'] {
  return (labels, seed) => {
    const out = new Float32Array(labels.length * 784);
    labels.forEach((y, k) => {
      const list = byClass[(y + shift) % 10];
      const r = list[(seed + k * 7) % list.length];
      out.set(pool.images.subarray(r * 784, (r + 1) * 784), k * 784);
    });
    return tf.tensor2d(out, [labels.length, 784]);
  };
}

let clf: ImageClassifier;
beforeAll(async () => {
  const small = loadMnist({ split: 'train', limit: 1000 });
  clf = await trainClassifier(small, { epochs: 1, batchSize: 32 });
});
afterAll(() => clf.dispose());

describe('metrics step (tiny sizes, injected reference classifier)', () => {
  const ctx = (shift: number): EvaluateContext => ({
    dataset: 'mnist',
    numClasses: 10,
    seed: 1,
    generate: realGenerator(shift),
    log: () => {},
  });

  it('scores real images of the right class high and mislabelled ones low', async () => {
    const before = tf.memory().numTensors;
    const opts = metricsEvaluator({
      samples: 200,
      trainSamples: 300,
      testLimit: 300,
      epochs: 1,
      classifier: clf,
    });
    const good = await opts(ctx(0));
    const bad = await opts(ctx(1));
    expect(tf.memory().numTensors - before).toBe(0);
    expect(good.labelAgreement).toBeGreaterThan(0.6);
    expect(bad.labelAgreement).toBeLessThan(0.2);
    expect(good.ganTrainAccuracy).toBeGreaterThan(0.3);
    expect(bad.ganTrainAccuracy).toBeLessThan(0.15);
    // mislabelled samples have the same marginal: the Fréchet distance of the
    // features barely moves; it is small for both and finite
    expect(good.frechetDistance).toBeGreaterThan(0);
    expect(good.frechetDistance).toBeLessThan(50);
    expect(Number.isFinite(bad.frechetDistance)).toBe(true);
    expect(good.errors).toBeUndefined();
  });

  it('keeps the other metrics when one throws (recorded under errors, value NaN)', async () => {
    const broken: ImageClassifier = {
      model: clf.model,
      featureModel: clf.featureModel,
      inputShape: clf.inputShape,
      numClasses: clf.numClasses,
      info: clf.info,
      probabilities: (x, b) => clf.probabilities(x, b),
      predictLabels: (x, b) => clf.predictLabels(x, b),
      features: () => {
        throw new RangeError('features: broken on purpose');
      },
      dispose: () => {},
    };
    const before = tf.memory().numTensors;
    const q = await metricsEvaluator({
      samples: 200,
      trainSamples: 300,
      testLimit: 300,
      epochs: 1,
      classifier: broken,
    })(ctx(0));
    expect(tf.memory().numTensors - before).toBe(0);
    expect(q.labelAgreement).toBeGreaterThan(0.6);
    expect(q.ganTrainAccuracy).toBeGreaterThan(0.3);
    expect(Number.isNaN(q.frechetDistance)).toBe(true);
    expect(q.errors).toEqual({ frechetDistance: 'features: broken on purpose' });
  });

  it('balancedLabels cycles through the classes', () => {
    expect(Array.from(balancedLabels(12, 10))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
  });
});
