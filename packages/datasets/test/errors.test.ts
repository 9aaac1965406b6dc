import { describe, expect, it } from 'vitest';
import { batches, type ImageDataset, validateImageDataset } from '../src/index';

const toy = (over: Partial<ImageDataset> = {}): ImageDataset => ({
  name: 'toy',
  size: 3,
  height: 2,
  width: 2,
  channels: 1,
  numClasses: 3,
  images: new Float32Array(12).fill(0.5),
  labels: Int32Array.from([0, 1, 2]),
  ...over,
});

describe('batches refuses malformed datasets (issue 16)', () => {
  it('a too-short image array (was zero-padded)', () => {
    expect(() => batches(toy({ images: new Float32Array(8) }), { batchSize: 2 })).toThrow(
      new RangeError('ds.images: expected 3·2·2·1 = 12 floats, got 8'),
    );
  });
  it('an out-of-range or fractional label (was one-hot to all zeros)', () => {
    expect(() => batches(toy({ labels: Int32Array.from([0, 3, 1]) }), { batchSize: 2 })).toThrow(
      new RangeError('ds.labels: label 3 at 1 is not an integer in [0, 3)'),
    );
    expect(() =>
      validateImageDataset(toy({ labels: Float32Array.from([0, 1.5, 1]) as never }), 'train'),
    ).toThrow(/^train\.labels: label 1\.5 at 1/);
    expect(() => batches(toy({ numClasses: 0 }), { batchSize: 2 })).toThrow(
      /^ds\.numClasses: expected a positive integer/,
    );
    expect(() => batches(null as never, { batchSize: 2 })).toThrow(TypeError);
  });
  it('a valid dataset still batches', () => {
    const it = batches(toy(), { batchSize: 2, shuffle: false });
    const b = it.next().value;
    if (!b) throw new Error('no batch');
    expect(b.x.shape).toEqual([2, 2, 2, 1]);
    expect(b.oneHot?.arraySync()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    b.x.dispose();
    b.labels.dispose();
    b.oneHot?.dispose();
  });
});
