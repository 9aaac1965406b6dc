import {
  type AmortizedRule,
  type AmortizedRuleInfo,
  applyAmortizedRule,
  type NeuralSampler,
} from '@steinkit/amortizers';
import { assert2D, assertInt, foldIn, type ScoreFn } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { type EntropyEstimator, entropyScores } from './stein';

/** State of entropy-gradient KL training of an implicit sampler: plain data (resumable). */
export interface SamplerKlState {
  iteration: number;
  seed: number;
}

export interface SamplerKlOptions {
  /** The implicit sampler x = f(η; ξ) (density unknown). */
  sampler: NeuralSampler;
  /** ∇ log p of the (unnormalized) target, `[m, dim]` → `[m, dim]`. */
  score: ScoreFn;
  /** The score estimator of ∇ log q and its kernel. */
  entropy: EntropyEstimator;
  /** How Δx moves η (usually `{ rule: 'vjp', optimizer }`, i.e. back-propagation). */
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
  const noise = sampler.noise(batchSize, foldIn(state.seed, state.iteration));
  const dx = tf.tidy(() => {
    const x = sampler.apply(noise);
    const s = assert2D(opts.score(x), 'score(x)', batchSize, sampler.dim);
    const g = entropyScores(tf.expandDims(x, 0) as tf.Tensor3D, opts.entropy);
    return tf.sub(s, tf.squeeze(g, [0])) as tf.Tensor2D;
  });
  try {
    const info = applyAmortizedRule(sampler, { noise }, dx, opts.update);
    return {
      state: { iteration: state.iteration + 1, seed: state.seed },
      info: { ...info, iteration: state.iteration + 1 },
    };
  } finally {
    tf.dispose([noise, dx]);
  }
}

/** The loop over {@link samplerKlStep}. */
export function samplerKl(
  opts: SamplerKlOptions & {
    iterations: number;
    seed?: number;
    onStep?: (info: SamplerKlInfo) => void;
  },
): SamplerKlState {
  assertInt(opts.iterations, 'iterations', 0);
  let state = samplerKlInit({ seed: opts.seed });
  for (let t = 0; t < opts.iterations; t++) {
    const r = samplerKlStep(state, opts);
    state = r.state;
    opts.onStep?.(r.info);
  }
  return state;
}
