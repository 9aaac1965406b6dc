import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageTensor, loadCifar10 } from '@steinkit/datasets';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

/** k records; record r has label r % 10 and byte (channel c, pixel p) = (r + 7c + p) % 256. */
function cifarBytes(k: number, offset = 0): Uint8Array {
  const out = new Uint8Array(k * 3073);
  for (let r = 0; r < k; r++) {
    out[r * 3073] = (r + offset) % 10;
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < 1024; p++)
        out[r * 3073 + 1 + c * 1024 + p] = (r + offset + 7 * c + p) % 256;
    }
  }
  return out;
}

describe('CIFAR-10 binary loader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'steinkit-cifar-'));

  it('parses records into NHWC float32 in [0, 1]', () => {
    const file = join(dir, 'three.bin');
    writeFileSync(file, cifarBytes(3));
    const ds = loadCifar10({ path: file });
    expect([ds.size, ds.height, ds.width, ds.channels]).toEqual([3, 32, 32, 3]);
    expect(Array.from(ds.labels)).toEqual([0, 1, 2]);
    const x = imageTensor(ds);
    expect(x.shape).toEqual([3, 32, 32, 3]);
    const v = x.dataSync();
    // image 2, row 1, col 5 → pixel p = 37, channel c at NHWC offset
    for (let c = 0; c < 3; c++) {
      const at = ((2 * 32 + 1) * 32 + 5) * 3 + c;
      expect(v[at]).toBeCloseTo(((2 + 7 * c + 37) % 256) / 255, 6);
    }
    x.dispose();
    expect(ds.classNames?.[3]).toBe('cat');
  });

  it('reads the batches directory by split', () => {
    const root = join(dir, 'cifar-10-batches-bin');
    mkdirSync(root);
    for (let k = 1; k <= 5; k++) writeFileSync(join(root, `data_batch_${k}.bin`), cifarBytes(2, k));
    writeFileSync(join(root, 'test_batch.bin'), cifarBytes(4));
    const train = loadCifar10({ path: root });
    const test = loadCifar10({ path: root, split: 'test' });
    expect(train.size).toBe(10);
    expect(Array.from(train.labels)).toEqual([1, 2, 2, 3, 3, 4, 4, 5, 5, 6]);
    expect(test.size).toBe(4);
  });

  it('rejects truncated files, bad labels and missing paths by name', () => {
    const before = tf.memory().numTensors;
    const bad = join(dir, 'bad.bin');
    writeFileSync(bad, cifarBytes(2).subarray(0, 5000));
    expect(() => loadCifar10({ path: bad })).toThrow(
      /bad\.bin: 5000 bytes is not a whole number of 3073-byte/,
    );
    const lab = cifarBytes(1);
    lab[0] = 11;
    writeFileSync(bad, lab);
    expect(() => loadCifar10({ path: bad })).toThrow(/bad\.bin: record 0 has label 11/);
    expect(() => loadCifar10({ path: join(dir, 'nope') })).toThrow(/nope does not exist/);
    expect(() => loadCifar10({ path: dir, split: 'test' })).toThrow(/test_batch\.bin not found/);
    // a failed load allocates no tensors (they are made per batch, never at load time)
    expect(tf.memory().numTensors).toBe(before);
  });
});
