import { assertInt, createRng } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import {
  type ImageDataset,
  type ImageLayout,
  imageShape,
  subsetDataset,
  validateImageDataset,
} from './image-dataset';

export interface BatchOptions {
  /** Rows per batch. */
  batchSize: number;
  /** Shuffle seed; the same seed gives the same batches. Default 0. */
  seed?: number;
  /** Shuffle each epoch (default true); false keeps the dataset order. */
  shuffle?: boolean;
  /** Drop the last incomplete batch of each epoch (default false). */
  dropLast?: boolean;
  /** Passes over the data (default 1); each epoch draws a fresh permutation. */
  epochs?: number;
  /** Image layout (default `nhwc`). */
  layout?: ImageLayout;
  /** Also yield one-hot labels (default true). */
  oneHot?: boolean;
}

/** One mini-batch. The caller owns its tensors (dispose with `tf.dispose([b.x, b.labels, b.oneHot])`). */
export interface Batch {
  x: tf.Tensor;
  /** int32 `[b]`. */
  labels: tf.Tensor1D;
  /** float32 `[b, numClasses]`, unless `oneHot: false`. */
  oneHot?: tf.Tensor2D;
  /** The dataset rows in this batch. */
  indices: Int32Array;
  epoch: number;
}

function checkBatchOptions(opts: BatchOptions, n: number): Required<Omit<BatchOptions, 'layout'>> {
  assertInt(opts.batchSize, 'batchSize', 1);
  const epochs = opts.epochs ?? 1;
  assertInt(epochs, 'epochs', 1);
  const seed = opts.seed ?? 0;
  assertInt(seed, 'seed', 0, 2 ** 32 - 1);
  if (n < 1) throw new RangeError('dataset: expected at least one row, got 0');
  return {
    batchSize: opts.batchSize,
    seed,
    shuffle: opts.shuffle ?? true,
    dropLast: opts.dropLast ?? false,
    epochs,
    oneHot: opts.oneHot ?? true,
  };
}

/** Row orders for each epoch, then the batch boundaries; no tensors. */
function* batchIndices(
  n: number,
  o: Required<Omit<BatchOptions, 'layout'>>,
): Generator<{ idx: Int32Array; epoch: number }> {
  const rng = createRng(o.seed);
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    let order: Int32Array;
    if (o.shuffle) order = rng.permutation(n);
    else {
      order = new Int32Array(n);
      for (let i = 0; i < n; i++) order[i] = i;
    }
    for (let s = 0; s < n; s += o.batchSize) {
      const e = Math.min(n, s + o.batchSize);
      if (o.dropLast && e - s < o.batchSize) break;
      yield { idx: order.slice(s, e), epoch };
    }
  }
}

/**
 * Seeded mini-batches over an ImageDataset. Tensors are created lazily, one
 * batch per `next()`, from the dataset's float arrays, so the iterator itself
 * never holds tensors; each yielded batch belongs to the caller.
 */
export function batches(ds: ImageDataset, opts: BatchOptions): Generator<Batch, void, undefined> {
  // validate eagerly (a generator body would only run on the first next())
  validateImageDataset(ds, 'ds');
  const o = checkBatchOptions(opts, ds.size);
  const layout = opts.layout ?? 'nhwc';
  if (layout !== 'nhwc' && layout !== 'flat') {
    throw new TypeError(`layout: expected 'nhwc' or 'flat', got '${layout}'`);
  }
  return imageBatchGenerator(ds, o, layout);
}

function* imageBatchGenerator(
  ds: ImageDataset,
  o: Required<Omit<BatchOptions, 'layout'>>,
  layout: ImageLayout,
): Generator<Batch, void, undefined> {
  const per = ds.height * ds.width * ds.channels;
  for (const { idx, epoch } of batchIndices(ds.size, o)) {
    const b = idx.length;
    const buf = new Float32Array(b * per);
    const lab = new Int32Array(b);
    for (let k = 0; k < b; k++) {
      const i = idx[k];
      buf.set(ds.images.subarray(i * per, (i + 1) * per), k * per);
      lab[k] = ds.labels[i];
    }
    const x = tf.tensor(buf, imageShape(ds, b, layout), 'float32');
    const labels = tf.tensor1d(lab, 'int32');
    const oneHot = o.oneHot
      ? (tf.tidy(() => tf.cast(tf.oneHot(labels, ds.numClasses), 'float32')) as tf.Tensor2D)
      : undefined;
    yield { x, labels, oneHot, indices: idx, epoch };
  }
}

/** One mini-batch of rows of a tensor (and optional aligned tensors). */
export interface TensorBatch {
  x: tf.Tensor;
  /** Rows of `others`, in the order given. */
  others: tf.Tensor[];
  indices: Int32Array;
  epoch: number;
}

/**
 * Seeded mini-batches over the rows of `x` (and of each tensor in `others`, which
 * must have as many rows): `tf.gather` per batch; the caller owns each batch and
 * keeps ownership of `x`.
 */
export function tensorBatches(
  x: tf.Tensor,
  opts: Omit<BatchOptions, 'layout' | 'oneHot'>,
  others: tf.Tensor[] = [],
): Generator<TensorBatch, void, undefined> {
  if (x == null || !Array.isArray(x.shape) || x.shape.length < 1) {
    throw new TypeError('x: expected a tensor of shape [n, ...]');
  }
  const n = x.shape[0];
  others.forEach((t, i) => {
    if (t.shape[0] !== n) {
      throw new RangeError(
        `others[${i}]: expected ${n} rows like x, got shape [${t.shape.join(', ')}]`,
      );
    }
  });
  const o = checkBatchOptions({ ...opts, oneHot: false }, n);
  return tensorBatchGenerator(x, others, o);
}

function* tensorBatchGenerator(
  x: tf.Tensor,
  others: tf.Tensor[],
  o: Required<Omit<BatchOptions, 'layout'>>,
): Generator<TensorBatch, void, undefined> {
  for (const { idx, epoch } of batchIndices(x.shape[0], o)) {
    const batch = tf.tidy(() => {
      const ix = tf.tensor1d(idx, 'int32');
      return [tf.gather(x, ix), ...others.map((t) => tf.gather(t, ix))];
    });
    yield { x: batch[0], others: batch.slice(1), indices: idx, epoch };
  }
}

/** A seeded random split of 0..n−1 into `train` and `test` index sets. */
export function splitIndices(
  n: number,
  testFraction: number,
  seed = 0,
): { train: Int32Array; test: Int32Array } {
  assertInt(n, 'n', 2);
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new RangeError(`testFraction: expected a number in (0, 1), got ${testFraction}`);
  }
  const nTest = Math.min(n - 1, Math.max(1, Math.round(n * testFraction)));
  const perm = createRng(seed).permutation(n);
  return { test: perm.slice(0, nTest), train: perm.slice(nTest) };
}

/** A seeded train/test split of an ImageDataset (copies the rows). */
export function trainTestSplit(
  ds: ImageDataset,
  opts: { testFraction: number; seed?: number },
): { train: ImageDataset; test: ImageDataset } {
  const { train, test } = splitIndices(ds.size, opts.testFraction, opts.seed ?? 0);
  return {
    train: subsetDataset(ds, train, `${ds.name}[train]`),
    test: subsetDataset(ds, test, `${ds.name}[test]`),
  };
}

/** A seeded train/test split of the rows of a tensor; returns new tensors. */
export function splitTensor(
  x: tf.Tensor,
  opts: { testFraction: number; seed?: number },
): { train: tf.Tensor; test: tf.Tensor } {
  const { train, test } = splitIndices(x.shape[0], opts.testFraction, opts.seed ?? 0);
  return tf.tidy(() => ({
    train: tf.gather(x, tf.tensor1d(train, 'int32')),
    test: tf.gather(x, tf.tensor1d(test, 'int32')),
  }));
}
