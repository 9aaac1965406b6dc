import {
  type AmortizedRule,
  type AmortizedRuleInfo,
  applyAmortizedRule,
  type NeuralSampler,
  validateAmortizedRule,
} from '@steinkit/amortizers';
import {
  assert2D,
  assertInt,
  disposeOptimizerStates,
  foldIn,
  runLoop,
  type ScoreFn,
} from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { type EntropyEstimator, entropyScores } from './stein';

/**
 * State of entropy-gradient KL training of an implicit sampler: the iteration
 * and the seed of the noise stream (resumable) and, with a SteinOptimizer in
 * `update`, its states per sampler variable (free them with {@link samplerKlDispose}).
 */
export interface SamplerKlState {
  iteration: number;
  seed: number;
  /** With a SteinOptimizer in `update`: its state per sampler variable (created on the first step). */
  optimizerStates?: unknown[];
}

export interface SamplerKlOptions {
  /** The implicit sampler x = f(η; ξ) (density unknown). */
  sampler: NeuralSampler;
  /** ∇ log p of the (unnormalized) target, `[m, dim]` → `[m, dim]`. */
  score: ScoreFn;
  /** The score estimator of ∇ log q and its kernel. */
  entropy: EntropyEstimator;
  /**
   * How Δx moves η (usually `{ rule: 'vjp', optimizer }`, i.e. back-propagation).
   * The optimizer is a core `SteinOptimizer` (its states travel in the stepper
   * state) or a `tf.Optimizer` (applied as it is; its slots hold its state).
   */
  update: AmortizedRule;
  /** m, samples per step (the estimator is fitted on them). */
  batchSize: number;
}

export interface SamplerKlInfo extends AmortizedRuleInfo {
  iteration: number;
}

export function samplerKlInit(opts: { seed?: number } = {}): SamplerKlState {
  const seed = opts.seed ?? 0;
  assertInt(seed, 'seed', 0, 2 ** 32 - 1);
  return { iteration: 0, seed };
}

/**
 * One step of minimizing KL(q‖p) for an implicit sampler (the talk, seed 002):
 * ∇_η KL = −E[(∂x/∂η)ᵀ(∇log p(x) − ∇log q(x))], with ∇log q estimated from
 * the m samples by the SGE or SSGE; Δx = ∇log p(x) − ĝ(x) is pushed through
 * f like amortized SVGD's update (10).
 */
export function samplerKlStep(
  state: SamplerKlState,
  opts: SamplerKlOptions,
): { state: SamplerKlState; info: SamplerKlInfo } {
  const { sampler, batchSize } = opts;
  assertInt(batchSize, 'batchSize', 2);
  validateAmortizedRule(opts.update);
  const noise = sampler.noise(batchSize, foldIn(state.seed, state.iteration));
  let dx: tf.Tensor2D | undefined;
  try {
    dx = tf.tidy(() => {
      const x = sampler.apply(noise);
      const s = assert2D(opts.score(x), 'score(x)', batchSize, sampler.dim);
      const g = entropyScores(tf.expandDims(x, 0) as tf.Tensor3D, opts.entropy);
      return tf.sub(s, tf.squeeze(g, [0])) as tf.Tensor2D;
    });
    const { optimizerStates, ...info } = applyAmortizedRule(
      sampler,
      { noise },
      dx,
      opts.update,
      state.optimizerStates,
    );
    const next: SamplerKlState = { iteration: state.iteration + 1, seed: state.seed };
    if (optimizerStates) next.optimizerStates = optimizerStates;
    return { state: next, info: { ...info, iteration: next.iteration } };
  } finally {
    tf.dispose([noise, ...(dx ? [dx] : [])]);
  }
}

/**
 * Frees the states a SteinOptimizer in `update` keeps in the state (the
 * sampler's weights are the caller's); nothing to free with a tf.Optimizer.
 */
export function samplerKlDispose(
  state: SamplerKlState,
  opts?: Pick<SamplerKlOptions, 'update'>,
): void {
  disposeOptimizerStates(opts?.update?.optimizer, state.optimizerStates);
}

/** The loop's options: the step's, the number of iterations and the seed. */
export interface SamplerKlLoopOptions extends SamplerKlOptions {
  iterations: number;
  seed?: number;
}

/**
 * The loop over {@link samplerKlStep} (core's `runLoop`): `onStep` sees each
 * step's info, `false` stops; an async `onStep` makes the loop return a Promise.
 * The final state is returned; free it with {@link samplerKlDispose} when the
 * rule's optimizer is a SteinOptimizer.
 */
export function samplerKl(
  opts: SamplerKlLoopOptions & { onStep: (info: SamplerKlInfo) => Promise<unknown> },
): Promise<SamplerKlState>;
export function samplerKl(
  opts: SamplerKlLoopOptions & { onStep?: (info: SamplerKlInfo) => void },
): SamplerKlState;
export function samplerKl(
  opts: SamplerKlLoopOptions & { onStep?: (info: SamplerKlInfo) => unknown },
): SamplerKlState | Promise<SamplerKlState> {
  assertInt(opts.iterations, 'iterations', 0);
  return runLoop({
    state: samplerKlInit({ seed: opts.seed }),
    steps: opts.iterations,
    step: (s) => samplerKlStep(s, opts),
    onStep: opts.onStep,
  });
}
