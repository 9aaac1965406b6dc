import { assertInt } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { frechetDistance } from './frechet';
import type { ImageClassifier } from './image-classifier';

/** The labels as an Int32Array of length `n` (a RangeError otherwise). */
export function labelArray(labels: tf.Tensor1D | ArrayLike<number>, n: number): Int32Array {
  const out = Int32Array.from(labels instanceof tf.Tensor ? labels.dataSync() : labels);
  if (out.length !== n) throw new RangeError(`labels: expected ${n} labels, got ${out.length}`);
  return out;
}

/**
 * Label agreement for conditional samples: the fraction of generated images
 * whose classifier label equals the label they were generated for.
 */
export function labelAgreement(
  clf: ImageClassifier,
  images: tf.Tensor,
  labels: tf.Tensor1D | ArrayLike<number>,
): number {
  if (!(images?.shape?.[0] >= 1)) {
    throw new RangeError(
      `images: labelAgreement needs at least 1 image, got ${images?.shape ? `shape [${images.shape.join(', ')}]` : String(images)}`,
    );
  }
  const want = labelArray(labels, images.shape[0]);
  const pred = clf.predictLabels(images);
  const got = pred.dataSync();
  pred.dispose();
  let same = 0;
  for (let i = 0; i < want.length; i++) if (got[i] === want[i]) same++;
  return same / want.length;
}

export interface InceptionScore {
  /** Mean over splits of exp(E_x KL(p(y|x) ‖ p(y))). */
  mean: number;
  /** Standard deviation over splits (0 for one split). */
  std: number;
}

/**
 * The Inception-score analogue with a domain classifier (Salimans et al. 2016):
 * IS = exp(E_x KL(p(y | x) ‖ p(y))), p(y) the mean prediction over the split;
 * between 1 and the number of classes; the mean ± std over `splits` splits.
 */
export function inceptionScore(
  clf: ImageClassifier,
  images: tf.Tensor,
  opts: { splits?: number } = {},
): InceptionScore {
  const splits = opts.splits ?? 1;
  const n = images.shape[0];
  assertInt(splits, 'splits', 1, n);
  const probs = clf.probabilities(images);
  const scores: number[] = [];
  for (let s = 0; s < splits; s++) {
    const a = Math.floor((s * n) / splits);
    const b = Math.floor(((s + 1) * n) / splits);
    const kl = tf.tidy(() => {
      const p = tf.clipByValue(tf.slice(probs, [a, 0], [b - a, -1]), 1e-12, 1);
      const py = tf.mean(p, 0, true);
      return tf.mean(tf.sum(tf.mul(p, tf.sub(tf.log(p), tf.log(py))), 1));
    });
    scores.push(Math.exp(kl.dataSync()[0]));
    kl.dispose();
  }
  probs.dispose();
  const mean = scores.reduce((x, y) => x + y, 0) / splits;
  const std = Math.sqrt(scores.reduce((x, y) => x + (y - mean) ** 2, 0) / splits);
  return { mean, std };
}

/**
 * The FID analogue: the Fréchet distance between Gaussians fitted to the
 * classifier's penultimate features (128-d) of two image sets.
 */
export function classifierFrechetDistance(
  clf: ImageClassifier,
  a: tf.Tensor,
  b: tf.Tensor,
): number {
  const fa = clf.features(a);
  const fb = clf.features(b);
  try {
    return frechetDistance(fa, fb);
  } finally {
    tf.dispose([fa, fb]);
  }
}
