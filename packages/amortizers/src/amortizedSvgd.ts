import { assert2D, assertInt, foldIn, type Kernel } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import {
  type FeatureSteinDirectionOptions,
  featureSteinDirection,
  type RepulsionMode,
} from './direction';
import type { NeuralSampler } from './sampler';
import {
  fitUpdate,
  type LeastSquaresInfo,
  leastSquaresUpdate,
  type SamplerBatch,
  vjpUpdate,
} from './updates';

/** Which of the paper's η-updates Algorithm 1 uses, with its optimizer. */
export type AmortizedRule =
  /** (10): back-propagate Δx through f into `optimizer` (sgd(ε) gives exactly (10)). */
  | { rule: 'vjp'; optimizer: tf.Optimizer }
  /** (8): `innerSteps` steps of `optimizer` fitting f(η; ξ_i) to x_i + εΔx_i. */
  | { rule: 'fit'; optimizer: tf.Optimizer; stepSize: number; innerSteps?: number }
  /** (9): matrix-free least squares by CG, η ← η + εΔη (or −Δη fed to `optimizer`). */
  | {
      rule: 'leastSquares';
      stepSize: number;
      cgIterations?: number;
      damping?: number;
      optimizer?: tf.Optimizer;
    };

export interface AmortizedRuleInfo {
  rule: AmortizedRule['rule'];
  /** (8): the fit loss before each inner step. */
  fitLosses?: number[];
  /** (9): CG diagnostics. */
  leastSquares?: LeastSquaresInfo;
}

/** Applies one η-update (8), (9) or (10) for a given Stein direction Δx `[m, dim]`. */
export function applyAmortizedRule(
  sampler: NeuralSampler,
  batch: SamplerBatch,
  dx: tf.Tensor2D,
  update: AmortizedRule,
): AmortizedRuleInfo {
  switch (update?.rule) {
    case 'vjp':
      vjpUpdate(sampler, batch, dx, update.optimizer);
      return { rule: 'vjp' };
    case 'fit': {
      const { losses } = fitUpdate(sampler, batch, dx, update.optimizer, update);
      return { rule: 'fit', fitLosses: losses };
    }
    case 'leastSquares':
      return { rule: 'leastSquares', leastSquares: leastSquaresUpdate(sampler, batch, dx, update) };
    default:
      throw new TypeError(
        `update.rule: expected 'vjp', 'fit' or 'leastSquares', got ${String((update as { rule?: unknown })?.rule)}`,
      );
  }
}

/** Target score for amortized SVGD: `[m, dim]` → `[m, dim]`, given the batch's labels when conditional. */
export type ConditionalScoreFn = (x: tf.Tensor2D, labels?: tf.Tensor) => tf.Tensor2D;

export interface AmortizedSvgdOptions {
  sampler: NeuralSampler;
  score: ConditionalScoreFn;
  /** k on x, or κ on `features(x)`; a heuristic bandwidth is resolved on each batch. */
  kernel: Kernel;
  update: AmortizedRule;
  /** m, the batch of ξ per iteration. */
  batchSize: number;
  /** Optional feature map E for the kernel (see `featureSteinDirection`). */
  features?: (x: tf.Tensor2D) => tf.Tensor2D;
  /** Repulsion with features; default `'approximate'`. */
  repulsion?: RepulsionMode;
  normalize?: 'n' | 'kernelSum';
  /** Drop the j = i terms of (7) (see `featureSteinDirection`); default false. */
  excludeSelf?: boolean;
}

/** Algorithm 1's state: the iteration and the base seed of the ξ stream (resumable). */
export interface AmortizedSvgdState {
  iteration: number;
  seed: number;
}

export interface AmortizedSvgdStepInfo extends AmortizedRuleInfo {
  iteration: number;
  /** The kernel with its resolved bandwidth. */
  kernel: string;
}

/**
 * x = f_η(ξ) and the feature Stein direction (7) at x with scores `score(x)`
 * `[n, D]`; intermediates are freed, the direction is the caller's.
 */
export function samplerSteinDirection(
  sampler: NeuralSampler,
  noise: tf.Tensor2D,
  labels: tf.Tensor | undefined,
  score: (x: tf.Tensor2D) => tf.Tensor2D,
  opts: FeatureSteinDirectionOptions,
): { direction: tf.Tensor2D; kernelName: string } {
  let kernelName = opts.kernel.name;
  const direction = tf.tidy(() => {
    const x = sampler.apply(noise, labels);
    const d = featureSteinDirection(x, score(x), {
      kernel: opts.kernel,
      features: opts.features,
      repulsion: opts.repulsion,
      normalize: opts.normalize,
      excludeSelf: opts.excludeSelf,
    });
    kernelName = d.kernelName;
    return d.direction;
  });
  return { direction, kernelName };
}

export function amortizedSvgdInit(opts: { seed?: number } = {}): AmortizedSvgdState {
  const seed = opts.seed ?? 0;
  assertInt(seed, 'seed', 0, 2 ** 32 - 1);
  return { iteration: 0, seed };
}

/**
 * One iteration of Algorithm 1: draw ξ_i (and labels), x_i = f(η; ξ_i), the
 * Stein variational gradient Δx_i (7), then update η by (8), (9) or (10).
 * The state is plain data; η lives in the sampler's variables.
 */
export function amortizedSvgdStep(
  state: AmortizedSvgdState,
  opts: AmortizedSvgdOptions,
): { state: AmortizedSvgdState; info: AmortizedSvgdStepInfo } {
  const { sampler, batchSize } = opts;
  assertInt(batchSize, 'batchSize', 2);
  // Iteration t's draws are a pure function of (seed, t): a resumed run redraws the same ξ.
  const seed = foldIn(state.seed, state.iteration);
  const noise = sampler.noise(batchSize, seed);
  const labels =
    sampler.numClasses !== undefined ? sampler.labels(batchSize, foldIn(seed, 1)) : undefined;
  const batch: SamplerBatch = { noise, labels };
  const { direction: dx, kernelName } = samplerSteinDirection(
    sampler,
    noise,
    labels,
    (x) => assert2D(opts.score(x, labels), 'score(x)', batchSize, sampler.dim),
    opts,
  );
  try {
    const info = applyAmortizedRule(sampler, batch, dx, opts.update);
    return {
      state: { iteration: state.iteration + 1, seed: state.seed },
      info: { ...info, iteration: state.iteration + 1, kernel: kernelName },
    };
  } finally {
    tf.dispose([noise, dx, ...(labels ? [labels] : [])]);
  }
}

/** The loop over {@link amortizedSvgdStep}; `onStep` sees each step's info. */
export function amortizedSvgd(
  opts: AmortizedSvgdOptions & {
    iterations: number;
    seed?: number;
    onStep?: (info: AmortizedSvgdStepInfo) => void;
  },
): AmortizedSvgdState {
  assertInt(opts.iterations, 'iterations', 0);
  let state = amortizedSvgdInit({ seed: opts.seed });
  for (let t = 0; t < opts.iterations; t++) {
    const r = amortizedSvgdStep(state, opts);
    state = r.state;
    opts.onStep?.(r.info);
  }
  return state;
}
