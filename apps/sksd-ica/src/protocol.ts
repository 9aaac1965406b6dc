import { createRng, luFactor, luInverse } from '@steinkit/core';
import { randomMixingMatrix, sampleIca } from '@steinkit/datasets';
import { createIcaModel, type IcaModel } from '@steinkit/energy-models';
import * as tf from '@tensorflow/tfjs-core';

/** The seeds and dimensions of the reference experiment (Gong et al. 2021, ICA table). */
export const PAPER_SEEDS = [60, 70, 80, 90, 100];
export const PAPER_DIMS = [10, 20, 40, 60, 80, 100, 200];
export const PAPER_ITERATIONS = 15000;

/** Published mean test log-likelihoods (seed 002, the ICA table). */
export const PUBLISHED: Record<'ksd' | 'lsd' | 'maxsksd', Record<number, number>> = {
  ksd: { 10: -10.23, 20: -15.98, 40: -34.5, 60: -56.87, 80: -86.09, 100: -116.51, 200: -329.49 },
  lsd: { 10: -10.42, 20: -14.54, 40: -17.16, 60: -15.05, 80: -12.39, 100: -5.49, 200: 46.63 },
  maxsksd: { 10: -10.45, 20: -14.5, 40: -17.28, 60: -15.7, 80: -11.91, 100: -4.21, 200: 47.72 },
};

export interface IcaProblem {
  dim: number;
  seed: number;
  /** `[nTrain, D]` and `[nTest, D]` samples of x = W_true z, z ~ Laplace(0, 1)^D. */
  xTrain: tf.Tensor2D;
  xTest: tf.Tensor2D;
  /** True unmixing matrix A (randn, cond(A) < D); the mixing is W_true = A⁻¹. */
  trueUnmixing: tf.Tensor2D;
  /** Model initialization randn(D, D)/√D with cond < D. */
  init: tf.Tensor2D;
  /** Mean test log-likelihood of the true model. */
  oracle: number;
  dispose(): void;
}

/**
 * The data and initialization of one (D, seed) run, as in the reference
 * script: A = randn(D, D) redrawn until cond(A) < D, W_true = A⁻¹,
 * x = W_true z with Laplace sources, 20 000 train / 5 000 test points, and
 * the model's unmixing matrix initialized to randn(D, D)/√D with cond < D.
 * Everything is drawn from one seeded stream (our RNG, not PyTorch's: the
 * matrices differ from the reference run for the same seed).
 */
export function setupIcaProblem(
  dim: number,
  seed: number,
  opts: { nTrain?: number; nTest?: number } = {},
): IcaProblem {
  const { nTrain = 20000, nTest = 5000 } = opts;
  const rng = createRng(seed);
  const trueUnmixing = randomMixingMatrix(dim, rng);
  const mixing = tf.tensor2d(Float32Array.from(luInverse(luFactor(trueUnmixing.dataSync(), dim))), [
    dim,
    dim,
  ]);
  const xTrain = sampleIca(mixing, nTrain, rng);
  const xTest = sampleIca(mixing, nTest, rng);
  mixing.dispose();
  const raw = randomMixingMatrix(dim, rng);
  const init = tf.div(raw, Math.sqrt(dim)) as tf.Tensor2D;
  raw.dispose();
  const oracleModel = createIcaModel({ dim, unmixing: trueUnmixing, trainable: false });
  const oracle = oracleModel.meanLogLikelihood(xTest);
  oracleModel.dispose();
  return {
    dim,
    seed,
    xTrain,
    xTest,
    trueUnmixing,
    init,
    oracle,
    dispose() {
      tf.dispose([xTrain, xTest, trueUnmixing, init]);
    },
  };
}

/** The seed of a run's minibatch order (data and init use `seed` itself). */
export function batchSeed(seed: number): number {
  return seed + 1;
}

/**
 * Row indices of successive minibatches of `n` rows: a fresh seeded
 * permutation per epoch, the tail that does not fill a batch dropped (a
 * DataLoader with shuffle=True, drop_last — 20 000 / 100 divides evenly).
 */
export function batchIndices(n: number, batch: number, seed: number): () => Int32Array {
  if (!Number.isInteger(batch) || batch < 1 || batch > n)
    throw new RangeError(`batch: expected an integer in [1, ${n}], got ${batch}`);
  const rng = createRng(seed);
  let perm = rng.permutation(n);
  let pos = 0;
  return () => {
    if (pos + batch > n) {
      perm = rng.permutation(n);
      pos = 0;
    }
    const idx = perm.subarray(pos, pos + batch);
    pos += batch;
    return idx;
  };
}

/** Shuffled minibatches of a `[N, D]` tensor, reshuffled every epoch (the rows of `batchIndices`). */
export function batchStream(x: tf.Tensor2D, batch: number, seed: number): () => tf.Tensor2D {
  const nextIdx = batchIndices(x.shape[0], batch, seed);
  return () => {
    const idx = tf.tensor1d(nextIdx(), 'int32');
    const b = tf.gather(x, idx) as tf.Tensor2D;
    idx.dispose();
    return b;
  };
}

export function createModel(problem: IcaProblem): IcaModel {
  return createIcaModel({ dim: problem.dim, unmixing: problem.init });
}
