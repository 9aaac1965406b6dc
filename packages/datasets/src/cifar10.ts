import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageDataset } from './image-dataset';
import type { Split } from './mnist';

export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
] as const;

const SIDE = 32;
const PLANE = SIDE * SIDE;
const RECORD = 1 + 3 * PLANE;

export interface Cifar10Options {
  /**
   * A `.bin` file, or the `cifar-10-batches-bin` directory (then `split` picks
   * `data_batch_1..5.bin` or `test_batch.bin`). CIFAR-10 cannot be downloaded
   * by this package; fetch it from https://www.cs.toronto.edu/~kriz/cifar.html.
   */
  path: string;
  /** Used when `path` is a directory. Default `train`. */
  split?: Split;
}

/**
 * Parses CIFAR-10 binary records (1 label byte, then 1024 red, 1024 green and
 * 1024 blue bytes, rows of 32) into NHWC float32 in [0, 1].
 */
export function parseCifar10(bytes: Uint8Array, source = 'CIFAR-10 data'): ImageDataset {
  if (bytes.length === 0 || bytes.length % RECORD !== 0) {
    throw new Error(
      `${source}: ${bytes.length} bytes is not a whole number of ${RECORD}-byte CIFAR-10 records (truncated or not CIFAR-10 binary)`,
    );
  }
  const n = bytes.length / RECORD;
  const images = new Float32Array(n * PLANE * 3);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const r = i * RECORD;
    const label = bytes[r];
    if (label > 9) throw new Error(`${source}: record ${i} has label ${label}, expected 0..9`);
    labels[i] = label;
    const out = i * PLANE * 3;
    for (let p = 0; p < PLANE; p++) {
      images[out + 3 * p] = bytes[r + 1 + p] / 255;
      images[out + 3 * p + 1] = bytes[r + 1 + PLANE + p] / 255;
      images[out + 3 * p + 2] = bytes[r + 1 + 2 * PLANE + p] / 255;
    }
  }
  return {
    name: source,
    size: n,
    height: SIDE,
    width: SIDE,
    channels: 3,
    numClasses: 10,
    images,
    labels,
    classNames: CIFAR10_CLASSES,
  };
}

function concat(parts: ImageDataset[], name: string): ImageDataset {
  const size = parts.reduce((s, p) => s + p.size, 0);
  const images = new Float32Array(size * PLANE * 3);
  const labels = new Int32Array(size);
  let at = 0;
  for (const p of parts) {
    images.set(p.images, at * PLANE * 3);
    labels.set(p.labels, at);
    at += p.size;
  }
  return { ...parts[0], name, size, images, labels };
}

/** Loads CIFAR-10 from its binary distribution at a user-given path. */
export function loadCifar10(options: Cifar10Options): ImageDataset {
  const { path } = options;
  if (typeof path !== 'string' || path === '') {
    throw new TypeError(
      'path: expected a CIFAR-10 .bin file or the cifar-10-batches-bin directory',
    );
  }
  if (!existsSync(path)) throw new Error(`loadCifar10: ${path} does not exist`);
  const read = (file: string) => parseCifar10(readFileSync(file), file);
  if (!statSync(path).isDirectory()) return read(path);
  const split = options.split ?? 'train';
  if (split !== 'train' && split !== 'test') {
    throw new TypeError(`split: expected 'train' or 'test', got '${split}'`);
  }
  const files =
    split === 'test' ? ['test_batch.bin'] : [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`);
  const parts = files.map((f) => {
    const p = join(path, f);
    if (!existsSync(p)) throw new Error(`loadCifar10: ${f} not found in ${path}`);
    return read(p);
  });
  return parts.length === 1 ? parts[0] : concat(parts, `cifar10/${split}`);
}
