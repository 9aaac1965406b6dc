import { createRng, fusedAdam, type ScoreFn } from '@steinkit/core';
import { type MedianHeuristic, rbf, resolveBandwidth } from '@steinkit/kernels';
import {
  activeSlices,
  ksdTest,
  maxSksdDispose,
  maxSksdInit,
  maxSksdStep,
  sksdPairMatrix,
  wildBootstrapTest,
} from '@steinkit/stein-estimators';
import * as tf from '@tensorflow/tfjs-core';
import { deepSteinMatrix, disposeFeatures, trainDeepKernel } from './deep-kernel';

/**
 * The reference script's RBF bandwidth for KSD and MMD: `median_heruistic` (median m of
 * the pairwise squared distances, self-pairs excluded) and h = 2·√(m/2), i.e. h² = 2m in
 * exp(−‖x − y‖²/h²). (It takes the median on the first 500 rows; we use all of them.)
 */
export const REFERENCE_RBF_MEDIAN: MedianHeuristic = { kind: 'median', squared: true, scale: 2 };

export const METHODS = [
  'ksd',
  'maxsksd-g',
  'maxsksd-rg',
  'maxsksd-g-active',
  'maxsksd-rg-active',
  'deep-ksd',
  'mmd',
] as const;
export type Method = (typeof METHODS)[number];

export interface MethodConfig {
  /** Wild-bootstrap draws (1000 in the protocol). */
  bootstraps: number;
  alpha: number;
  /** Adam ascent steps on the slices (the reference: 100 epochs of 20 batches = 2000 at lr 1e-3). */
  sliceSteps: number;
  sliceLearningRate: number;
  sliceBatch: number;
  /** Deep-kernel training steps, batch and learning rate. */
  deepSteps: number;
  deepBatch: number;
  deepLearningRate: number;
  /** Rows per block of the n×n matrices of the sliced and deep statistics. */
  block: number;
  /** Burn-in samples used by the active-slice initialization. */
  activeRows: number;
}

export const DEFAULT_CONFIG: MethodConfig = {
  bootstraps: 1000,
  alpha: 0.05,
  sliceSteps: 50,
  sliceLearningRate: 1e-2,
  sliceBatch: 100,
  deepSteps: 50,
  deepBatch: 100,
  deepLearningRate: 1e-2,
  block: 100,
  activeRows: 500,
};

export interface TrialData {
  /** The test sample `[n, D]` (never used for fitting). */
  x: tf.Tensor2D;
  /** Burn-in pseudo-samples: slices and deep kernels are fitted on these. */
  burn: tf.Tensor2D;
  /** A sample of the null model (MMD's second sample), `[n, D]`. */
  nullX: tf.Tensor2D;
  /** Score of the null model. */
  score: ScoreFn;
  seed: number;
}

export interface MethodResult {
  statistic: number;
  pValue: number;
  reject: boolean;
  /** Wall-clock and process CPU milliseconds. */
  ms: number;
  cpuMs: number;
}

/** Sum of the sliced pair matrices over blocks of slices (memory: block·n² floats). */
function slicedMatrix(
  x: tf.Tensor2D,
  s: tf.Tensor2D,
  r: tf.Tensor2D,
  g: tf.Tensor2D,
  block: number,
) {
  return tf.tidy(() => {
    const S = r.shape[0];
    const D = r.shape[1];
    let acc: tf.Tensor2D | null = null;
    for (let lo = 0; lo < S; lo += block) {
      const b = Math.min(block, S - lo);
      const part = sksdPairMatrix(x, s, {
        r: tf.slice(r, [lo, 0], [b, D]),
        g: tf.slice(g, [lo, 0], [b, D]),
      });
      acc = acc ? (tf.add(acc, part) as tf.Tensor2D) : part;
    }
    return acc as tf.Tensor2D;
  });
}

/**
 * The slices of maxSKSD, fitted on the burn-in pseudo-samples only (the test
 * sample never enters): identity (or active-slice) initialization, then
 * `cfg.sliceSteps` Adam ascent steps on minibatches of `burn` (the reference
 * script's "Setting 1"). Returns unit-row r, g `[D, D]` (caller disposes).
 */
export function fitSlices(
  burn: tf.Tensor2D,
  score: ScoreFn,
  variant: 'g' | 'rg',
  active: boolean,
  cfg: MethodConfig,
  seed: number,
): { r: tf.Tensor2D; g: tf.Tensor2D } {
  const D = burn.shape[1];
  // the kernel-smoothed active slices differentiate an n×n kernel sum ([n, n, D] pieces):
  // fitted on the last `activeRows` burn-in samples to stay inside wasm memory
  const init = active
    ? tf.tidy(() => {
        const rows = Math.min(cfg.activeRows, burn.shape[0]);
        const sub = tf.slice(burn, [burn.shape[0] - rows, 0], [rows, D]) as tf.Tensor2D; // the latest sweeps
        const a = activeSlices(sub, score, 'kernel', { numSlices: D });
        return { r: a.r, g: a.g };
      })
    : null;
  const state = maxSksdInit(D, {
    variant,
    r: init?.r,
    g: init?.g,
    optimizer: fusedAdam(cfg.sliceLearningRate, 0.9, 0.99),
    statistic: 'v',
  });
  if (init) tf.dispose([init.r, init.g]);
  const rng = createRng(seed + 17);
  const sBurn = tf.tidy(() => score(burn));
  const nb = burn.shape[0];
  try {
    for (let t = 0; t < cfg.sliceSteps; t++) {
      const idx = rng.permutation(nb).slice(0, Math.min(cfg.sliceBatch, nb));
      const ix = tf.tensor1d(idx, 'int32');
      const xb = tf.gather(burn, ix) as tf.Tensor2D;
      const sb = tf.gather(sBurn, ix) as tf.Tensor2D;
      maxSksdStep(state, xb, sb);
      tf.dispose([ix, xb, sb]);
    }
    return { r: tf.clone(state.r) as tf.Tensor2D, g: tf.clone(state.g) as tf.Tensor2D };
  } finally {
    sBurn.dispose();
    maxSksdDispose(state);
  }
}

/** maxSKSD: slices fitted on the burn-in samples ({@link fitSlices}), then the wild-bootstrap test on x. */
function maxSksdTest(data: TrialData, variant: 'g' | 'rg', active: boolean, cfg: MethodConfig) {
  const { r, g } = fitSlices(data.burn, data.score, variant, active, cfg, data.seed);
  try {
    const H = tf.tidy(() => slicedMatrix(data.x, data.score(data.x), r, g, 10));
    try {
      return wildBootstrapTest(H, {
        bootstraps: cfg.bootstraps,
        alpha: cfg.alpha,
        seed: data.seed,
      });
    } finally {
      H.dispose();
    }
  } finally {
    tf.dispose([r, g]);
  }
}

function deepKsdTest(data: TrialData, cfg: MethodConfig) {
  const f = trainDeepKernel(data.burn, data.score, {
    steps: cfg.deepSteps,
    batch: cfg.deepBatch,
    learningRate: cfg.deepLearningRate,
    seed: data.seed,
  });
  try {
    const H = tf.tidy(() => deepSteinMatrix(f, data.x, data.score(data.x), { block: cfg.block }));
    try {
      return wildBootstrapTest(H, {
        bootstraps: cfg.bootstraps,
        alpha: cfg.alpha,
        seed: data.seed,
      });
    } finally {
      H.dispose();
    }
  } finally {
    disposeFeatures(f);
  }
}

/**
 * MMD between x and a null sample y (RBF, median of the pooled sample) with
 * the wild bootstrap of the paired U-statistic
 * h_ij = k(x_i, x_j) + k(y_i, y_j) − k(x_i, y_j) − k(x_j, y_i).
 */
function mmdTest(data: TrialData, cfg: MethodConfig) {
  const H = tf.tidy(() => {
    const h = resolveBandwidth(
      REFERENCE_RBF_MEDIAN,
      tf.concat([data.x, data.nullX], 0) as tf.Tensor2D,
    );
    const k = rbf({ bandwidth: h });
    const kxy = k.gram(data.x, data.nullX);
    return tf.sub(
      tf.add(k.gram(data.x), k.gram(data.nullX)),
      tf.add(kxy, tf.transpose(kxy)),
    ) as tf.Tensor2D;
  });
  try {
    return wildBootstrapTest(H, { bootstraps: cfg.bootstraps, alpha: cfg.alpha, seed: data.seed });
  } finally {
    H.dispose();
  }
}

/** Runs one method on one trial; tidy-safe. */
export function runMethod(method: Method, data: TrialData, cfg: MethodConfig): MethodResult {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let res: { statistic: number; pValue: number };
  switch (method) {
    case 'ksd':
      res = ksdTest(data.x, data.score, rbf({ bandwidth: REFERENCE_RBF_MEDIAN }), {
        bootstraps: cfg.bootstraps,
        alpha: cfg.alpha,
        seed: data.seed,
      });
      break;
    case 'maxsksd-g':
      res = maxSksdTest(data, 'g', false, cfg);
      break;
    case 'maxsksd-rg':
      res = maxSksdTest(data, 'rg', false, cfg);
      break;
    case 'maxsksd-g-active':
      res = maxSksdTest(data, 'g', true, cfg);
      break;
    case 'maxsksd-rg-active':
      res = maxSksdTest(data, 'rg', true, cfg);
      break;
    case 'deep-ksd':
      res = deepKsdTest(data, cfg);
      break;
    case 'mmd':
      res = mmdTest(data, cfg);
      break;
    default:
      throw new TypeError(`method: expected one of ${METHODS.join(', ')}, got '${String(method)}'`);
  }
  return {
    statistic: res.statistic,
    pValue: res.pValue,
    reject: res.pValue <= cfg.alpha,
    ms: performance.now() - t0,
    cpuMs: cpuSince(c0),
  };
}

/** User + system CPU milliseconds of this process since `c0`. */
export function cpuSince(c0: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}
