import {
  assertInt,
  assertModerate,
  assertPoints,
  assertPositive,
  createRng,
  fusedAdam,
  type Rng,
  type ScoreFn,
} from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { SKSD_MEDIAN, type SlicedBandwidth, sksdPairMatrix } from './sliced';
import { maxSksd, maxSksdDispose, maxSksdInit } from './sliced-max';

export interface SlicedGofOptions {
  /** Fraction of the rows used to fit the slices; default 0.5. The rest gives the statistic. */
  fitFraction?: number;
  /** Ascent steps on the fitting split; default 100. */
  steps?: number;
  /** 'g' (default) or 'rg'. */
  variant?: 'g' | 'rg';
  /** Ascent learning rate (Adam); default 0.01. */
  learningRate?: number;
  /** Wild-bootstrap replicates; default 1000. */
  bootstrap?: number;
  /** Default the per-slice median heuristic h² = 2·median. */
  bandwidth?: SlicedBandwidth;
  /** Seeded split and bootstrap; default seed 0. */
  rng?: Rng;
}

export interface SlicedGofResult {
  /** U-statistic of the sliced KSD on the held-out split at the fitted slices. */
  statistic: number;
  /** Wild-bootstrap p-value, (1 + #{B* ≥ U}) / (1 + B). */
  pValue: number;
  /** Rows used for fitting / testing. */
  nFit: number;
  nTest: number;
  /** The fitted slices (unit rows). */
  r: number[][];
  g: number[][];
}

/**
 * Sliced KSD goodness-of-fit test (Gong et al., ICLR 2021, Sec. 4): the
 * slices are fitted by maxSKSD ascent on one split of the sample, then the
 * U-statistic on the other split is compared with its wild-bootstrap null
 * (Rademacher weights, Chwialkowski et al. 2016; Liu et al. 2016):
 * B* = Σ_{j≠k} w_j w_k H_jk / (n(n−1)).
 */
export function slicedGofTest(
  x: tf.Tensor2D,
  score: ScoreFn,
  opts: SlicedGofOptions = {},
): SlicedGofResult {
  const xs = assertPoints(x, 'x');
  const [n, d] = xs.shape;
  const {
    fitFraction = 0.5,
    steps = 100,
    variant = 'g',
    learningRate = 0.01,
    bootstrap = 1000,
    bandwidth = SKSD_MEDIAN,
  } = opts;
  if (!(fitFraction > 0 && fitFraction < 1)) {
    throw new RangeError(`fitFraction: expected a number in (0, 1), got ${fitFraction}`);
  }
  assertInt(steps, 'steps', 0);
  assertInt(bootstrap, 'bootstrap', 1);
  const nFit = Math.round(n * fitFraction);
  const nTest = n - nFit;
  if (nFit < 2 || nTest < 2) {
    throw new RangeError(
      `x: expected enough rows for two splits of ≥ 2, got ${n} (fitFraction ${fitFraction})`,
    );
  }
  if (typeof score !== 'function') {
    throw new TypeError(`score: expected a function [n, d] → [n, d], got ${String(score)}`);
  }
  if (variant !== 'g' && variant !== 'rg') {
    throw new TypeError(`variant: expected 'g' or 'rg', got ${String(variant)}`);
  }
  assertPositive(learningRate, 'learningRate');
  assertModerate(xs, 'x'); // nothing is allocated before the checks
  const rng = opts.rng ?? createRng(0);
  const perm = rng.permutation(n);
  const idxFit = tf.tensor1d(perm.slice(0, nFit), 'int32');
  const idxTest = tf.tensor1d(perm.slice(nFit), 'int32');
  const xFit = tf.gather(xs, idxFit) as tf.Tensor2D;
  const xTest = tf.gather(xs, idxTest) as tf.Tensor2D;
  tf.dispose([idxFit, idxTest]);
  let state: ReturnType<typeof maxSksdInit> | undefined;
  try {
    state = maxSksdInit(d, {
      variant,
      optimizer: fusedAdam(learningRate),
      statistic: 'u',
      bandwidth,
    });
    if (steps > 0) state = maxSksd(state, { x: xFit, score }, { steps }).state;
    const st = state;
    const { statistic, boot } = tf.tidy(() => {
      const H = sksdPairMatrix(xTest, score, { r: st.r, g: st.g, bandwidth });
      const tr = tf.sum(tf.mul(H, tf.eye(nTest)));
      const denom = nTest * (nTest - 1);
      const u = tf.div(tf.sub(tf.sum(H), tr), denom);
      const w = tf.sign(tf.sub(rng.uniform([bootstrap, nTest]), 0.5)) as tf.Tensor2D;
      const quad = tf.sum(tf.mul(tf.matMul(w, H), w), 1);
      const b = tf.div(tf.sub(quad, tr), denom);
      return { statistic: u.dataSync()[0], boot: b.dataSync() };
    });
    if (!Number.isFinite(statistic)) {
      throw new RangeError(
        `x: the sliced KSD statistic is ${statistic}: x or score(x) is too large for float32 (rescale the data)`,
      );
    }
    let exceed = 0;
    for (let i = 0; i < boot.length; i++) if (boot[i] >= statistic) exceed++;
    return {
      statistic,
      pValue: (1 + exceed) / (1 + bootstrap),
      nFit,
      nTest,
      r: st.r.arraySync(),
      g: st.g.arraySync(),
    };
  } finally {
    if (state) maxSksdDispose(state);
    tf.dispose([xFit, xTest]);
  }
}
