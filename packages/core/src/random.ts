import * as tf from '@tensorflow/tfjs-core';
import { assertInt } from './shapes';

/**
 * Seeded randomness. A small JS generator (SplitMix32) yields the seeds handed
 * to tfjs's seeded ops, so one seed gives the same draws — tfjs draws seeded
 * random tensors in JS, so they agree across backends too.
 */
export interface Rng {
  readonly seed: number;
  /** A fresh 32-bit seed; advances the stream. */
  nextSeed(): number;
  /** A float in [0, 1). */
  float(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** A random permutation of 0..n−1 (Fisher–Yates). */
  permutation(n: number): Int32Array;
  /** N(mean, std²) float32 tensor. */
  normal(shape: number[], mean?: number, std?: number): tf.Tensor;
  /** U[lo, hi) float32 tensor. */
  uniform(shape: number[], lo?: number, hi?: number): tf.Tensor;
  /** Laplace(0, scale) float32 tensor (inverse CDF of a uniform draw). */
  laplace(shape: number[], scale?: number): tf.Tensor;
  /** An independent stream derived from this one. */
  fork(): Rng;
}

/** SplitMix32's output mix: a bijection on 32-bit integers that spreads every input bit. */
function mix32(x: number): number {
  let z = x | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) | 0;
    return mix32(s);
  };
}

/**
 * The seed of step `t` of a run seeded `seed` (JAX's `fold_in`): a pure
 * function of (seed, t), so a resumed run redraws iteration t's randomness
 * exactly, and different (seed, t) pairs give unrelated streams. Every
 * per-iteration seed in steinkit comes from here; fold in twice for a second
 * stream within a step (`foldIn(foldIn(seed, t), 1)`).
 */
export function foldIn(seed: number, t: number): number {
  assertInt(seed, 'seed', 0, 2 ** 32 - 1);
  assertInt(t, 't', 0, 2 ** 32 - 1);
  return mix32((mix32((seed + 0x9e3779b9) | 0) ^ mix32((t + 0x7f4a7c15) | 0)) + 0x9e3779b9);
}

/** Creates a seeded generator. */
export function createRng(seed: number): Rng {
  assertInt(seed, 'seed', 0, 2 ** 32 - 1);
  const next = splitmix32(seed);
  const rng: Rng = {
    seed,
    nextSeed: () => next(),
    float: () => next() / 2 ** 32,
    int(n) {
      assertInt(n, 'n', 1);
      return Math.floor(rng.float() * n);
    },
    permutation(n) {
      assertInt(n, 'n', 0);
      const p = new Int32Array(n);
      for (let i = 0; i < n; i++) p[i] = i;
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rng.float() * (i + 1));
        const t = p[i];
        p[i] = p[j];
        p[j] = t;
      }
      return p;
    },
    normal: (shape, mean = 0, std = 1) => tf.randomNormal(shape, mean, std, 'float32', next()),
    uniform: (shape, lo = 0, hi = 1) => tf.randomUniform(shape, lo, hi, 'float32', next()),
    laplace(shape, scale = 1) {
      return tf.tidy(() => {
        // u ∈ (−½, ½): x = −b·sign(u)·log(1 − 2|u|)
        const u = tf.randomUniform(shape, -0.5 + 1e-7, 0.5 - 1e-7, 'float32', next());
        return tf.mul(-scale, tf.mul(tf.sign(u), tf.log1p(tf.mul(-2, tf.abs(u)))));
      });
    },
    fork: () => createRng(next()),
  };
  return rng;
}
