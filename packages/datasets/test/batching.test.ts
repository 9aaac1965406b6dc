import {
  batches,
  datasetFromTensors,
  type ImageDataset,
  splitIndices,
  splitTensor,
  tensorBatches,
  trainTestSplit,
} from '@steinkit/datasets';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

/** 23 tiny 2×2 images; image i has every pixel = i / 100 and label i % 3. */
function toy(n = 23): ImageDataset {
  const images = new Float32Array(n * 4);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    images.fill(i / 100, i * 4, i * 4 + 4);
    labels[i] = i % 3;
  }
  return { name: 'toy', size: n, height: 2, width: 2, channels: 1, numClasses: 3, images, labels };
}

describe('batches', () => {
  it('covers each row once per epoch, matches labels, is reproducible and leaks nothing', () => {
    const ds = toy();
    const before = tf.memory().numTensors;
    const run = (seed: number) => {
      const seen: number[][] = [];
      for (const b of batches(ds, { batchSize: 5, seed, epochs: 2 })) {
        expect(tf.memory().numTensors).toBe(before + 3); // only the current batch is alive
        const px = b.x.dataSync();
        const lab = b.labels.dataSync();
        const oh = b.oneHot!.arraySync();
        b.indices.forEach((i, k) => {
          expect(px[k * 4]).toBeCloseTo(i / 100, 6);
          expect(lab[k]).toBe(i % 3);
          expect(oh[k][i % 3]).toBe(1);
        });
        expect(b.x.shape.slice(1)).toEqual([2, 2, 1]);
        seen.push(Array.from(b.indices));
        tf.dispose([b.x, b.labels, b.oneHot!]);
      }
      return seen;
    };
    const a = run(7);
    expect(a.length).toBe(10); // 2 epochs × ⌈23/5⌉
    expect(a[4].length).toBe(3);
    const epoch0 = a
      .slice(0, 5)
      .flat()
      .sort((x, y) => x - y);
    expect(epoch0).toEqual(Array.from({ length: 23 }, (_, i) => i));
    expect(a.slice(0, 5).flat()).not.toEqual(a.slice(5).flat()); // fresh permutation per epoch
    expect(run(7)).toEqual(a);
    expect(run(8)).not.toEqual(a);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('supports flat layout, dropLast, no shuffle, no one-hot', () => {
    const ds = toy();
    const all = [
      ...batches(ds, {
        batchSize: 5,
        shuffle: false,
        dropLast: true,
        layout: 'flat',
        oneHot: false,
      }),
    ];
    expect(all.length).toBe(4);
    expect(all[0].x.shape).toEqual([5, 4]);
    expect(all[0].oneHot).toBeUndefined();
    expect(Array.from(all[1].indices)).toEqual([5, 6, 7, 8, 9]);
    for (const b of all) tf.dispose([b.x, b.labels]);
    expect(() => batches(ds, { batchSize: 0 })).toThrow(/batchSize/);
    expect(() => batches(ds, { batchSize: 2, layout: 'nchw' as never })).toThrow(/layout/);
  });

  it('tensorBatches gathers aligned rows reproducibly', () => {
    const x = tf.tensor2d(Array.from({ length: 20 }, (_, i) => [i, -i]));
    const y = tf.tensor1d(Array.from({ length: 20 }, (_, i) => 10 * i));
    const before = tf.memory().numTensors;
    const rows: number[] = [];
    for (const b of tensorBatches(x, { batchSize: 6, seed: 3 }, [y])) {
      const xv = b.x.dataSync();
      const yv = b.others[0].dataSync();
      b.indices.forEach((i, k) => {
        expect(xv[2 * k]).toBe(i);
        expect(yv[k]).toBe(10 * i);
      });
      rows.push(...b.indices);
      tf.dispose([b.x, ...b.others]);
    }
    expect(rows.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(tf.memory().numTensors).toBe(before);
    expect(() => tensorBatches(x, { batchSize: 2 }, [tf.zeros([3])])).toThrow(
      /others\[0\]: expected 20 rows/,
    );
    tf.dispose([x, y]);
  });

  it('splits train/test disjointly and reproducibly', () => {
    const s = splitIndices(100, 0.2, 5);
    expect(s.test.length).toBe(20);
    expect(new Set([...s.train, ...s.test]).size).toBe(100);
    expect(splitIndices(100, 0.2, 5)).toEqual(s);
    const { train, test } = trainTestSplit(toy(), { testFraction: 0.3, seed: 1 });
    expect(train.size + test.size).toBe(23);
    expect(test.size).toBe(7);
    expect(train.images[0] * 100).toBeCloseTo(Math.round(train.images[0] * 100), 4);
    const x = tf.reshape(tf.range(0, 10), [10, 1]);
    const before = tf.memory().numTensors;
    const t = splitTensor(x, { testFraction: 0.5, seed: 2 });
    expect(tf.memory().numTensors).toBe(before + 2);
    const got = [...t.train.dataSync(), ...t.test.dataSync()].sort((a, b) => a - b);
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => i));
    tf.dispose([x, t.train, t.test]);
    expect(() => splitIndices(10, 1.5)).toThrow(/testFraction/);
  });

  it('datasetFromTensors round-trips NHWC and flat images', () => {
    const x = tf.tensor4d(
      Array.from({ length: 2 * 2 * 3 * 1 }, (_, i) => i / 12),
      [2, 2, 3, 1],
    );
    const ds = datasetFromTensors(x, [1, 0], { numClasses: 2 });
    expect([ds.size, ds.height, ds.width, ds.channels]).toEqual([2, 2, 3, 1]);
    expect(ds.images[7]).toBeCloseTo(7 / 12, 6);
    const flat = tf.reshape(x, [2, 6]);
    expect(datasetFromTensors(flat, [1, 1], { numClasses: 2, shape: [2, 3, 1] }).height).toBe(2);
    expect(() => datasetFromTensors(flat, [1, 1], { numClasses: 2 })).toThrow(
      /images: expected \[n, h, w, c\]/,
    );
    expect(() => datasetFromTensors(x, [1, 2], { numClasses: 2 })).toThrow(/label 2 at 1/);
    tf.dispose([x, flat]);
  });
});
