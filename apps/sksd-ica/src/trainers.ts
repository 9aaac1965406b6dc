import { createRng } from '@steinkit/core';
import type { IcaModel } from '@steinkit/energy-models';
import { MEDIAN_SQ_LOGN, rbf } from '@steinkit/kernels';
import {
  createMlpCritic,
  ksd,
  lsd,
  lsdCriticStep,
  type MaxSksdState,
  type MlpCritic,
  maxSksdDispose,
  maxSksdInit,
  maxSksdStep,
  maxSksdValue,
} from '@steinkit/stein-estimators';
import * as tf from '@tensorflow/tfjs-core';

export const METHODS = ['maxsksd', 'ksd', 'lsd'] as const;
export type Method = (typeof METHODS)[number];

/** One training iteration on a batch; `dispose` frees the method's own state (not the model). */
export interface Trainer {
  readonly method: Method;
  step(x: tf.Tensor2D): void;
  dispose(): void;
}

/** Adam(lr 1e-3, β = (0.9, 0.99)): the model optimizer of the reference ICA script. */
export function modelOptimizer(lr = 1e-3): tf.Optimizer {
  return tf.train.adam(lr, 0.9, 0.99);
}

/**
 * maxSKSD-g: r = g = I at the start; per iteration one Adam ascent step on g
 * (V-statistic, per-slice median bandwidth h² = 2·median), then one model
 * step minimizing the statistic at the updated g.
 *
 * As in the reference script, Adam acts on the raw g and the statistic
 * normalizes its rows (`renormalize: false`, the default): the gradient is
 * orthogonal to g, so ‖g‖ grows slowly and the angular step shrinks over
 * training. `renormalize: true` projects g back to unit rows after every step
 * (a constant angular step of ≈ lr·√D).
 */
export function maxSksdTrainer(
  model: IcaModel,
  opts: { lr?: number; variant?: 'g' | 'rg'; renormalize?: boolean } = {},
): Trainer {
  const renormalize = opts.renormalize ?? false;
  const state: MaxSksdState = maxSksdInit(model.dim, {
    variant: opts.variant ?? 'g',
    optimizer: tf.train.adam(opts.lr ?? 1e-3, 0.9, 0.99),
    statistic: 'v',
  });
  const opt = modelOptimizer(opts.lr);
  const score = (z: tf.Tensor2D) => model.score(z);
  return {
    method: 'maxsksd',
    step(x) {
      const sc = model.score(x);
      maxSksdStep(state, x, sc, { renormalize });
      sc.dispose();
      opt.minimize(() => maxSksdValue(state, x, score), false, [model.unmixing]);
    },
    dispose() {
      maxSksdDispose(state);
      opt.dispose();
    },
  };
}

/** KSD baseline: U-statistic, RBF k = exp(−‖x−y‖²/h²) with h² = median of squared distances / log n. */
export function ksdTrainer(model: IcaModel, opts: { lr?: number } = {}): Trainer {
  const opt = modelOptimizer(opts.lr);
  const kernel = rbf({ bandwidth: MEDIAN_SQ_LOGN });
  return {
    method: 'ksd',
    step(x) {
      opt.minimize(
        () => ksd(x, (z: tf.Tensor2D) => model.score(z), kernel, { statistic: 'u' }),
        false,
        [model.unmixing],
      );
    },
    dispose() {
      opt.dispose();
    },
  };
}

/**
 * LSD baseline (Grathwohl et al. 2020): critic MLP D → 300 → 300 → D with
 * Swish, Adam(1e-3, β = (0.5, 0.9)), λ = 1, one critic step per model step;
 * exact trace of the critic Jacobian (closed form for the MLP).
 */
export function lsdTrainer(
  model: IcaModel,
  opts: { lr?: number; hidden?: number; seed?: number; lambda?: number } = {},
): Trainer {
  const rng = createRng(opts.seed ?? 0);
  const critic: MlpCritic = createMlpCritic(model.dim, {
    hidden: [opts.hidden ?? 300, opts.hidden ?? 300],
    activation: 'swish',
    rng,
  });
  const criticOpt = tf.train.adam(opts.lr ?? 1e-3, 0.5, 0.9);
  const opt = modelOptimizer(opts.lr);
  const lambda = opts.lambda ?? 1;
  const score = (z: tf.Tensor2D) => model.score(z);
  return {
    method: 'lsd',
    step(x) {
      const sc = model.score(x);
      lsdCriticStep(critic, criticOpt, x, sc, { lambda });
      sc.dispose();
      opt.minimize(() => lsd(x, score, critic, { lambda }), false, [model.unmixing]);
    },
    dispose() {
      critic.dispose();
      criticOpt.dispose();
      opt.dispose();
    },
  };
}

export function createTrainer(method: Method, model: IcaModel, seed: number): Trainer {
  if (method === 'maxsksd') return maxSksdTrainer(model);
  if (method === 'ksd') return ksdTrainer(model);
  if (method === 'lsd') return lsdTrainer(model, { seed });
  throw new TypeError(`method: expected one of ${METHODS.join(', ')}, got ${String(method)}`);
}
