import {
  assert2D,
  assertFiniteUpdate,
  assertFloat,
  assertInt,
  assertLoopOptimizer,
  assertPositive,
  disposeOptimizerStates,
  foldIn,
  type Kernel,
  type LoopOptimizer,
  runLoop,
} from '@steinkit/core';
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

/**
 * Which of the paper's η-updates Algorithm 1 uses, with its optimizer: a core
 * `SteinOptimizer` (e.g. `identityOptimizer()`, `adagradMomentum(…)`,
 * `fromTfOptimizer(tf.train.adam(…))`; its per-variable states travel in the
 * stepper's state) or a `tf.Optimizer`, applied as it is (its slots hold its state).
 */
export type AmortizedRule =
  /** (10): back-propagate Δx through f into `optimizer` (sgd(ε) gives exactly (10)). */
  | { rule: 'vjp'; optimizer: LoopOptimizer }
  /** (8): `innerSteps` steps of `optimizer` fitting f(η; ξ_i) to x_i + εΔx_i. */
  | { rule: 'fit'; optimizer: LoopOptimizer; stepSize: number; innerSteps?: number }
  /** (9): matrix-free least squares by CG, η ← η + εΔη (or −Δη fed to `optimizer`). */
  | {
      rule: 'leastSquares';
      stepSize: number;
      cgIterations?: number;
      damping?: number;
      optimizer?: LoopOptimizer;
    };

export interface AmortizedRuleInfo {
  rule: AmortizedRule['rule'];
  /** (8): the fit loss before each inner step. */
  fitLosses?: number[];
  /** (9): CG diagnostics. */
  leastSquares?: LeastSquaresInfo;
}

/**
 * Validates an η-update rule before anything is drawn or updated: a known
 * `rule`, a SteinOptimizer or tf.Optimizer where the rule needs one, positive step sizes.
 */
export function validateAmortizedRule(update: AmortizedRule, name = 'update'): void {
  if (update == null || typeof update !== 'object') {
    throw new TypeError(
      `${name}: expected { rule: 'vjp' | 'fit' | 'leastSquares', … }, got ${String(update)}`,
    );
  }
  const rule = (update as { rule?: unknown }).rule;
  if (rule !== 'vjp' && rule !== 'fit' && rule !== 'leastSquares') {
    throw new TypeError(
      `${name}.rule: expected 'vjp', 'fit' or 'leastSquares', got ${String(rule)}`,
    );
  }
  const opt = (update as { optimizer?: unknown }).optimizer;
  if (rule !== 'leastSquares' || opt !== undefined) assertLoopOptimizer(opt, `${name}.optimizer`);
  if (rule !== 'vjp') assertPositive((update as { stepSize: number }).stepSize, `${name}.stepSize`);
  const inner = (update as { innerSteps?: number }).innerSteps;
  if (rule === 'fit' && inner !== undefined) assertInt(inner, `${name}.innerSteps`, 1);
}

/**
 * Applies one η-update (8), (9) or (10) for a given Stein direction Δx `[m, dim]`.
 * With a SteinOptimizer, pass its states from the previous call
 * (`optimizerStates`, one per sampler variable; created when omitted): the new
 * ones come back in the result's `optimizerStates` (tensors — keep them out of logs).
 */
export function applyAmortizedRule(
  sampler: NeuralSampler,
  batch: SamplerBatch,
  dx: tf.Tensor2D,
  update: AmortizedRule,
  optimizerStates?: unknown[],
): AmortizedRuleInfo & { optimizerStates?: unknown[] } {
  validateAmortizedRule(update);
  const withStates = <T extends AmortizedRuleInfo>(info: T, states: unknown[] | undefined) =>
    states ? { ...info, optimizerStates: states } : info;
  switch (update?.rule) {
    case 'vjp':
      return withStates(
        { rule: 'vjp' },
        vjpUpdate(sampler, batch, dx, update.optimizer, optimizerStates),
      );
    case 'fit': {
      const { losses, optimizerStates: states } = fitUpdate(sampler, batch, dx, update.optimizer, {
        ...update,
        optimizerStates,
      });
      return withStates({ rule: 'fit', fitLosses: losses }, states);
    }
    case 'leastSquares': {
      const { optimizerStates: states, ...ls } = leastSquaresUpdate(sampler, batch, dx, {
        ...update,
        optimizerStates,
      });
      return withStates({ rule: 'leastSquares', leastSquares: ls }, states);
    }
    default:
      throw new TypeError(
        `update.rule: expected 'vjp', 'fit' or 'leastSquares', got ${String((update as { rule?: unknown })?.rule)}`,
      );
  }
}

/** Target score for amortized SVGD: `[m, dim]` → `[m, dim]`, given the batch's labels when conditional. */
export type ConditionalScoreFn = (x: tf.Tensor2D, labels?: tf.Tensor) => tf.Tensor2D;

export interface AmortizedSvgdOptions
  extends Pick<FeatureSteinDirectionOptions, 'normalize' | 'excludeSelf'> {
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
  /** Stop with a RangeError naming the iteration when Δx is not finite (one boolean sync per step); default true. */
  checkFinite?: boolean;
}

/**
 * RangeError naming the iteration when Δx is not finite (a NaN/±Inf score or
 * sampler output): checked before η is touched, so the sampler keeps its
 * weights. One boolean read back per call.
 */
export function assertFiniteDirection(dx: tf.Tensor, iteration: number, op: string): void {
  assertFiniteUpdate(
    [dx],
    op,
    iteration,
    "the Stein direction Δx (from score(x) and the sampler's output)",
  );
}

/** Algorithm 1's state: the iteration and the base seed of the ξ stream (resumable). */
export interface AmortizedSvgdState {
  iteration: number;
  seed: number;
  /** With a SteinOptimizer in `update`: its state per sampler variable (created on the first step). */
  optimizerStates?: unknown[];
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
  if (opts == null || typeof opts !== 'object') {
    throw new TypeError(
      `opts: expected { sampler, score, kernel, update, batchSize }, got ${String(opts)}`,
    );
  }
  const { sampler, batchSize } = opts;
  if (sampler == null || typeof sampler.noise !== 'function') {
    throw new TypeError(`sampler: expected a NeuralSampler, got ${String(sampler)}`);
  }
  if (typeof opts.score !== 'function') {
    throw new TypeError(
      `score: expected a function (x, labels?) => [m, dim], got ${String(opts.score)}`,
    );
  }
  assertInt(batchSize, 'batchSize', 2);
  validateAmortizedRule(opts.update);
  // Iteration t's draws are a pure function of (seed, t): a resumed run redraws the same ξ.
  const seed = foldIn(state.seed, state.iteration);
  const noise = sampler.noise(batchSize, seed);
  let labels: tf.Tensor | undefined;
  let dx: tf.Tensor2D | undefined;
  try {
    labels =
      sampler.numClasses !== undefined ? sampler.labels(batchSize, foldIn(seed, 1)) : undefined;
    const batch: SamplerBatch = { noise, labels };
    const r = samplerSteinDirection(
      sampler,
      noise,
      labels,
      (x) => {
        const s = assert2D(opts.score(x, labels), 'score(x)', batchSize, sampler.dim);
        assertFloat(s, 'score(x)');
        return s;
      },
      opts,
    );
    dx = r.direction;
    const kernelName = r.kernelName;
    if (opts.checkFinite ?? true) {
      assertFiniteDirection(dx, state.iteration + 1, 'amortizedSvgd');
    }
    const { optimizerStates, ...info } = applyAmortizedRule(
      sampler,
      batch,
      dx,
      opts.update,
      state.optimizerStates,
    );
    const next: AmortizedSvgdState = { iteration: state.iteration + 1, seed: state.seed };
    if (optimizerStates) next.optimizerStates = optimizerStates;
    return {
      state: next,
      info: { ...info, iteration: state.iteration + 1, kernel: kernelName },
    };
  } finally {
    tf.dispose([noise, ...(dx ? [dx] : []), ...(labels ? [labels] : [])]);
  }
}

/**
 * Frees the optimizer states a SteinOptimizer keeps in the state (the sampler's
 * weights are the caller's); nothing to free with a tf.Optimizer.
 */
export function amortizedSvgdDispose(
  state: AmortizedSvgdState,
  opts?: Pick<AmortizedSvgdOptions, 'update'>,
): void {
  disposeOptimizerStates(opts?.update?.optimizer, state.optimizerStates);
}

/** The loop's options: the step's, the number of iterations and the seed. */
export interface AmortizedSvgdLoopOptions extends AmortizedSvgdOptions {
  iterations: number;
  seed?: number;
}

/**
 * The loop over {@link amortizedSvgdStep} (core's `runLoop`): `onStep` sees each
 * step's info, `false` stops; an async `onStep` makes the loop return a Promise.
 * The final state is returned; free it with {@link amortizedSvgdDispose} when
 * the rule's optimizer is a SteinOptimizer.
 */
export function amortizedSvgd(
  opts: AmortizedSvgdLoopOptions & {
    onStep: (info: AmortizedSvgdStepInfo) => Promise<unknown>;
  },
): Promise<AmortizedSvgdState>;
export function amortizedSvgd(
  opts: AmortizedSvgdLoopOptions & {
    onStep?: (info: AmortizedSvgdStepInfo) => void;
  },
): AmortizedSvgdState;
export function amortizedSvgd(
  opts: AmortizedSvgdLoopOptions & { onStep?: (info: AmortizedSvgdStepInfo) => unknown },
): AmortizedSvgdState | Promise<AmortizedSvgdState> {
  assertInt(opts.iterations, 'iterations', 0);
  return runLoop({
    state: amortizedSvgdInit({ seed: opts.seed }),
    steps: opts.iterations,
    step: (s) => amortizedSvgdStep(s, opts),
    onStep: opts.onStep,
  });
}
