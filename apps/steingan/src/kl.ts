/**
 * Training an implicit generator by minimizing KL[p_θ ‖ p_data] with both
 * scores estimated from samples (the Stein-methods talk, seed 002: "gradient
 * approximation"):
 *
 *   ∇_θ KL = E_ξ[(∇log p_θ(x) − ∇log p_data(x))ᵀ ∂x/∂θ],  x = f_θ(ξ),
 *
 * with ∇log p_θ from the Stein gradient estimator (Li & Turner 2018) or the
 * spectral SSGE (Shi et al. 2018) fitted on the generator's batch, and
 * ∇log p_data from the same estimator fitted on a data minibatch and
 * evaluated out of sample at the generator's samples. No discriminator, no
 * energy. (The term E[∂_θ log p_θ(x)|ₓ] vanishes in expectation.)
 */
import type { NeuralSampler } from '@steinkit/amortizers';
import {
  applyOptimizer,
  assertLoopOptimizer,
  disposeOptimizerStates,
  isSteinOptimizer,
  type LoopOptimizer,
} from '@steinkit/core';
import { rbf, resolveBandwidth } from '@steinkit/kernels';
import { ssge, steinGradientEstimator } from '@steinkit/stein-estimators';
import * as tf from '@tensorflow/tfjs-core';

export type ScoreEstimatorName = 'sge' | 'ssge';

export interface KlScoreOptions {
  /** `sge` (Stein gradient estimator) or `ssge` (spectral). */
  estimator: ScoreEstimatorName;
  /**
   * RBF bandwidth h = bandwidthScale · median pairwise distance (default 1) of
   * the pooled sample [x; data], one h for both estimators (`'pooled'`,
   * default), or of each fitted batch on its own (`'separate'`). Pooled: while
   * the generator is far from the data, a data-only median makes the
   * out-of-sample data score vanish at the samples (k ≈ 0 there) and nothing
   * pulls them in.
   */
  bandwidthScale?: number;
  bandwidthFrom?: 'pooled' | 'separate';
  /** sge: ridge η (default 0.1). */
  eta?: number;
  /** ssge: share of the eigenvalue sum kept (default 0.99). */
  energy?: number;
  /** The exact ∇log p_data instead of the data-side estimate (references / tests). */
  dataScore?: (x: tf.Tensor2D) => tf.Tensor2D;
}

function estimatorFor(o: KlScoreOptions, pooled: tf.Tensor2D | null) {
  const scale = o.bandwidthScale ?? 1;
  if (!(scale > 0 && Number.isFinite(scale)))
    throw new RangeError(`bandwidthScale: expected a finite number > 0, got ${scale}`);
  const heuristic = { kind: 'median' as const, scale };
  const kernel = pooled
    ? rbf({ bandwidth: resolveBandwidth(heuristic, pooled) })
    : rbf({ bandwidth: heuristic });
  if (o.estimator === 'sge') return steinGradientEstimator(kernel, { eta: o.eta ?? 0.1 });
  if (o.estimator === 'ssge') return ssge(kernel, { energy: o.energy ?? 0.99 });
  throw new TypeError(`estimator: expected 'sge' or 'ssge', got '${String(o.estimator)}'`);
}

/**
 * δ(x_i) = ŝ_θ(x_i) − ŝ_data(x_i) `[n, d]` at the generator samples x `[n, d]`:
 * ŝ_θ fitted on x itself (in sample), ŝ_data fitted on `data` `[m, d]` and
 * evaluated at x (out of sample), or `opts.dataScore(x)`. The caller owns the result.
 */
export function klScoreGap(x: tf.Tensor2D, data: tf.Tensor2D, opts: KlScoreOptions): tf.Tensor2D {
  if (x?.rank !== 2 || data?.rank !== 2 || x.shape[1] !== data.shape[1])
    throw new RangeError(
      `x, data: expected [n, d] and [m, d] with the same d, got [${x?.shape}] and [${data?.shape}]`,
    );
  const mode = opts.bandwidthFrom ?? 'pooled';
  if (mode !== 'pooled' && mode !== 'separate')
    throw new TypeError(`bandwidthFrom: expected 'pooled' or 'separate', got '${String(mode)}'`);
  const pooled = mode === 'pooled' ? tf.concat([x, data], 0) : null;
  let est: ReturnType<typeof estimatorFor>;
  try {
    est = estimatorFor(opts, pooled);
  } finally {
    pooled?.dispose();
  }
  const q = est.fit(x);
  const p = opts.dataScore ? null : est.fit(data);
  try {
    return tf.tidy(() => {
      const sp = p ? p.at(x) : (opts.dataScore as (x: tf.Tensor2D) => tf.Tensor2D)(x);
      return tf.sub(q.estimate(), sp) as tf.Tensor2D;
    });
  } finally {
    q.dispose();
    p?.dispose();
  }
}

/**
 * The surrogate whose gradient in θ is the KL gradient above:
 * (1/n) Σ_i ⟨δ_i, f_θ(ξ_i)⟩ with δ held fixed.
 */
export function klSurrogate(x: tf.Tensor2D, delta: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.div(tf.sum(tf.mul(x, delta)), x.shape[0]) as tf.Scalar);
}

/** The generator step's batch: ξ, labels (conditional samplers) and a data minibatch. */
export interface KlGeneratorInputs {
  /** ξ `[n, noiseDim]`. */
  noise: tf.Tensor2D;
  /** Labels `[n]` for a conditional sampler. */
  labels?: tf.Tensor1D;
  /** A data minibatch `[m, d]` (the same class as `labels` when conditional). */
  data: tf.Tensor2D;
}

/** What stays fixed from step to step: the sampler, its optimizer and the score estimators. */
export interface KlGeneratorOptions extends Partial<KlScoreOptions> {
  sampler: NeuralSampler;
  /** A core `SteinOptimizer` (its states travel in the stepper state) or a `tf.Optimizer` (applied as it is). */
  optimizer: LoopOptimizer;
  /** δ(x, data) instead of the estimators (tests: exact scores). Returns a tensor the step disposes. */
  scoreGap?: (x: tf.Tensor2D, data: tf.Tensor2D) => tf.Tensor2D;
}

/** The KL generator's state: the steps taken and, with a SteinOptimizer, its state per sampler variable. */
export interface KlGeneratorState {
  iteration: number;
  optimizerStates?: unknown[];
}

export interface KlGeneratorInfo {
  /** Steps taken, this one included. */
  iteration: number;
  /** Mean ‖ŝ_θ(x_i) − ŝ_data(x_i)‖ at the samples. */
  scoreGap: number;
}

/** @deprecated The one-object form of {@link klGeneratorStep}; use (state, inputs, options). */
export interface KlStepOptions extends KlGeneratorInputs, Partial<KlScoreOptions> {
  sampler: NeuralSampler;
  optimizer: tf.Optimizer;
  scoreGap?: (x: tf.Tensor2D, data: tf.Tensor2D) => tf.Tensor2D;
}

export function klGeneratorInit(): KlGeneratorState {
  return { iteration: 0 };
}

/** Frees a SteinOptimizer's states (the sampler's weights are the caller's); nothing with a tf.Optimizer. */
export function klGeneratorDispose(
  state: KlGeneratorState,
  opts?: Pick<KlGeneratorOptions, 'optimizer'>,
): void {
  disposeOptimizerStates(opts?.optimizer, state.optimizerStates);
}

/**
 * One generator step along the estimated ∇_θ KL[p_θ ‖ p_data]: returns the next
 * state and `{ iteration, scoreGap }` (mean ‖δ_i‖; one sync). A non-finite δ is a
 * RangeError before θ moves.
 */
export function klGeneratorStep(
  state: KlGeneratorState,
  inputs: KlGeneratorInputs,
  opts: KlGeneratorOptions,
): { state: KlGeneratorState; info: KlGeneratorInfo };
/**
 * @deprecated The one-object form (a tf.Optimizer; returns `{ scoreGap }`); use
 * `klGeneratorStep(state, { noise, labels, data }, { sampler, optimizer, … })`,
 * which also takes a SteinOptimizer.
 */
export function klGeneratorStep(o: KlStepOptions): { scoreGap: number };
export function klGeneratorStep(
  a: KlGeneratorState | KlStepOptions,
  b?: KlGeneratorInputs,
  c?: KlGeneratorOptions,
): { state: KlGeneratorState; info: KlGeneratorInfo } | { scoreGap: number } {
  if (b === undefined && a != null && 'sampler' in a) {
    if (isSteinOptimizer(a.optimizer))
      throw new TypeError(
        'optimizer: a SteinOptimizer keeps its state in the stepper state; use klGeneratorStep(state, inputs, { sampler, optimizer })',
      );
    const { noise, labels, data, ...opts } = a;
    return {
      scoreGap: klGeneratorStep(klGeneratorInit(), { noise, labels, data }, opts).info.scoreGap,
    };
  }
  const state = a as KlGeneratorState;
  const inputs = b as KlGeneratorInputs;
  const o = c as KlGeneratorOptions;
  if (inputs == null || typeof inputs !== 'object')
    throw new TypeError(`inputs: expected { noise, labels?, data }, got ${String(inputs)}`);
  if (o?.sampler == null || typeof o.sampler.apply !== 'function')
    throw new TypeError(`sampler: expected a NeuralSampler, got ${String(o?.sampler)}`);
  assertLoopOptimizer(o.optimizer, 'optimizer');
  const { noise, labels, data } = inputs;
  const x = tf.tidy(() => o.sampler.apply(noise, labels));
  let delta: tf.Tensor2D | null = null;
  let optimizerStates: unknown[] | undefined;
  let gap: number;
  try {
    delta = o.scoreGap
      ? o.scoreGap(x, data)
      : klScoreGap(x, data, { ...o, estimator: o.estimator ?? 'sge' });
    const d = delta;
    const stats = tf.tidy(() => tf.stack([tf.mean(tf.norm(d, 'euclidean', 1)), tf.sum(d)]));
    const [g, total] = Array.from(stats.dataSync());
    stats.dispose();
    if (!Number.isFinite(total) || !Number.isFinite(g))
      throw new RangeError('kl: the estimated score difference is not finite');
    gap = g;
    const vars = o.sampler.trainableVariables;
    const { value, grads } = tf.variableGrads(
      () => klSurrogate(o.sampler.apply(noise, labels), d),
      vars,
    );
    try {
      optimizerStates = applyOptimizer(o.optimizer, vars, grads, state.optimizerStates);
    } finally {
      tf.dispose([value, ...Object.values(grads)]);
    }
  } finally {
    x.dispose();
    delta?.dispose();
  }
  const next: KlGeneratorState = { iteration: state.iteration + 1 };
  if (optimizerStates) next.optimizerStates = optimizerStates;
  return { state: next, info: { iteration: next.iteration, scoreGap: gap } };
}
