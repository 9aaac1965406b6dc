import { createRng, foldIn } from '@steinkit/core';
import { loadMnist } from '@steinkit/datasets';
import * as tf from '@tensorflow/tfjs-core';

/** The seed of the test set's one-time binarization (fixed for every run and method). */
export const TEST_BINARIZATION_SEED = 20161;

/** Grey levels in [0, 1], flattened `[n·784]`, plus n. */
export interface GreyImages {
  n: number;
  dim: number;
  pixels: Float32Array;
}

export function loadGrey(split: 'train' | 'test', limit?: number): GreyImages {
  const ds = loadMnist({ split, ...(limit !== undefined ? { limit } : {}) });
  const dim = ds.height * ds.width * ds.channels;
  const n = ds.size;
  return { n, dim, pixels: ds.images.subarray(0, n * dim) };
}

/** x_ij ~ Bernoulli(grey_ij) for rows `rows` of `g`, from `seed` (JS draws: identical on every backend). */
export function binarizeRows(g: GreyImages, rows: ArrayLike<number>, seed: number): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(rows.length * g.dim);
  for (let r = 0; r < rows.length; r++) {
    const off = rows[r] * g.dim;
    for (let j = 0; j < g.dim; j++) out[r * g.dim + j] = rng.float() < g.pixels[off + j] ? 1 : 0;
  }
  return out;
}

/** The test set binarized once with the fixed seed: the first `n` rows `[n, 784]`. */
export function binarizedTest(g: GreyImages, n: number): tf.Tensor2D {
  const m = Math.min(n, g.n);
  const rows = Array.from({ length: m }, (_, i) => i);
  return tf.tensor2d(binarizeRows(g, rows, TEST_BINARIZATION_SEED), [m, g.dim]);
}

/**
 * Epoch e of dynamic binarization: a permutation of the training rows and a
 * fresh Bernoulli draw of every pixel, both from (seed, e) — so an epoch is
 * reproducible, and a resumed run sees the same batches. Yields `[batch, 784]`
 * tensors (the caller disposes each); a last partial batch is dropped.
 */
export function* epochBatches(
  g: GreyImages,
  seed: number,
  epoch: number,
  batch: number,
): Generator<tf.Tensor2D> {
  const es = foldIn(seed, epoch);
  const perm = createRng(es).permutation(g.n);
  const steps = Math.floor(g.n / batch);
  for (let s = 0; s < steps; s++) {
    const rows = perm.subarray(s * batch, (s + 1) * batch);
    yield tf.tensor2d(binarizeRows(g, rows, foldIn(es, s + 1)), [batch, g.dim]);
  }
}

export function stepsPerEpoch(g: GreyImages, batch: number): number {
  return Math.floor(g.n / batch);
}
