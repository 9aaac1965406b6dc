import { assertFiniteUpdate, assertInt, createRng, fusedAdam } from '@steinkit/core';
import type { IcaModel } from '@steinkit/energy-models';
import { MEDIAN_SQ_LOGN, rbf } from '@steinkit/kernels';
import {
  activeSlices,
  createMlpCritic,
  ksd,
  lsd,
  lsdCriticDispose,
  lsdCriticInit,
  lsdCriticStep,
  type MaxSksdState,
  type MlpCritic,
  maxSksdDispose,
  maxSksdInit,
  maxSksdStep,
  maxSksdValue,
  type SlicedBandwidth,
} from '@steinkit/stein-estimators';
import * as tf from '@tensorflow/tfjs-core';

export const METHODS = ['maxsksd', 'ksd', 'lsd'] as const;
export type Method = (typeof METHODS)[number];

/** One training iteration on a batch; `dispose` frees the method's own state (not the model). */
export interface Trainer {
  readonly method: Method;
  step(x: tf.Tensor2D): void;
  dispose(): void;
  /** maxsksd: the current slices (the state's own variables; null before an `'active'` first step). */
  slices?(): { r: tf.Tensor2D; g: tf.Tensor2D } | null;
}

/**
 * One model step `opt.minimize(loss)`, applied only when the loss and its
 * gradient are finite; otherwise a RangeError naming the method and the
 * iteration, with the model as after the previous iteration.
 */
function finiteMinimize(
  opt: tf.Optimizer,
  loss: () => tf.Scalar,
  vars: tf.Variable[],
  method: Method,
  iteration: number,
): void {
  tf.tidy(() => {
    const { value, grads } = tf.variableGrads(loss, vars);
    assertFiniteUpdate(
      [value, ...Object.values(grads)],
      method,
      iteration,
      'the loss or its gradient',
    );
    opt.applyGradients(grads);
  });
}

/** Adam(lr 1e-3, β = (0.9, 0.99)): the model optimizer of the reference ICA script. */
export function modelOptimizer(lr = 1e-3): tf.Optimizer {
  return fusedAdam(lr, 0.9, 0.99);
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
export interface MaxSksdTrainerOptions {
  lr?: number;
  variant?: 'g' | 'rg';
  renormalize?: boolean;
  /** Default 'v' (the reference script's default). */
  statistic?: 'u' | 'v';
  /** Default the per-slice median h² = 2·median over pairs j < k. */
  bandwidth?: SlicedBandwidth;
  /** Ascent steps on the slices per model step (the reference's --n_g_updates); default 1. */
  gSteps?: number;
  /** Learning rate of the slice ascent; default `lr` (1e-3). */
  gLr?: number;
  /**
   * Initial slices: `'identity'` (r = g = I, the reference script; default) or
   * `'active'`: the active slices of Gong et al. (2021) (`activeSlices` of
   * @steinkit/stein-estimators, kernel-smoothed score difference) computed on
   * the first batch under the initial model; the ascent on g then continues from them.
   */
  init?: 'identity' | 'active';
}

export function maxSksdTrainer(model: IcaModel, opts: MaxSksdTrainerOptions = {}): Trainer {
  const renormalize = opts.renormalize ?? false;
  const gSteps = opts.gSteps ?? 1;
  assertInt(gSteps, 'gSteps', 1);
  const init = opts.init ?? 'identity';
  if (init !== 'identity' && init !== 'active')
    throw new TypeError(`init: expected 'identity' or 'active', got ${String(init)}`);
  const score = (z: tf.Tensor2D) => model.score(z);
  const initState = (x?: tf.Tensor2D): MaxSksdState => {
    const active = x ? activeSlices(x, score, 'kernel') : undefined;
    try {
      return maxSksdInit(model.dim, {
        variant: opts.variant ?? 'g',
        optimizer: fusedAdam(opts.gLr ?? opts.lr ?? 1e-3, 0.9, 0.99),
        statistic: opts.statistic ?? 'v',
        ...(opts.bandwidth ? { bandwidth: opts.bandwidth } : {}),
        ...(active ? { r: active.r, g: active.g } : {}),
      });
    } finally {
      if (active) tf.dispose([active.r, active.g]);
    }
  };
  // 'active' needs samples: the state is built on the first batch
  let state: MaxSksdState | null = init === 'active' ? null : initState();
  const opt = modelOptimizer(opts.lr);
  let t = 0;
  return {
    method: 'maxsksd',
    slices: () => (state ? { r: state.r, g: state.g } : null),
    step(x) {
      t++;
      if (!state) state = initState(x);
      const sc = model.score(x);
      try {
        for (let k = 0; k < gSteps; k++)
          state = maxSksdStep(state, { x, score: sc }, { renormalize }).state;
      } finally {
        sc.dispose();
      }
      const st = state;
      finiteMinimize(opt, () => maxSksdValue(st, x, score), [model.unmixing], 'maxsksd', t);
    },
    dispose() {
      if (state) maxSksdDispose(state);
      opt.dispose();
    },
  };
}

/** KSD baseline: U-statistic, RBF k = exp(−‖x−y‖²/h²) with h² = median of squared distances / log n. */
export function ksdTrainer(model: IcaModel, opts: { lr?: number } = {}): Trainer {
  const opt = modelOptimizer(opts.lr);
  const kernel = rbf({ bandwidth: MEDIAN_SQ_LOGN });
  let t = 0;
  return {
    method: 'ksd',
    step(x) {
      t++;
      finiteMinimize(
        opt,
        () => ksd(x, (z: tf.Tensor2D) => model.score(z), kernel, { statistic: 'u' }),
        [model.unmixing],
        'ksd',
        t,
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
  const criticOpt = fusedAdam(opts.lr ?? 1e-3, 0.5, 0.9);
  const opt = modelOptimizer(opts.lr);
  const lambda = opts.lambda ?? 1;
  const score = (z: tf.Tensor2D) => model.score(z);
  let t = 0;
  let criticState = lsdCriticInit();
  const criticOpts = { critic, optimizer: criticOpt, lambda };
  return {
    method: 'lsd',
    step(x) {
      t++;
      const sc = model.score(x);
      try {
        criticState = lsdCriticStep(criticState, { x, score: sc }, criticOpts).state;
      } finally {
        sc.dispose();
      }
      finiteMinimize(opt, () => lsd(x, score, critic, { lambda }), [model.unmixing], 'lsd', t);
    },
    dispose() {
      lsdCriticDispose(criticState, criticOpts);
      critic.dispose();
      criticOpt.dispose();
      opt.dispose();
    },
  };
}

/**
 * Named protocol variants of maxSKSD-g for ablations (`--variant`): each
 * changes one setting against the default protocol. Their runs are cached
 * under their own names and reported in their own results directory.
 */
export const MAXSKSD_VARIANTS: Record<string, { about: string; options: MaxSksdTrainerOptions }> = {
  'median-with-self': {
    about:
      "median over pairs j ≤ k incl. the n zero self-distances, lower middle value (the reference code's median_heruistic_proj)",
    options: { bandwidth: { kind: 'median', scale: 2, includeSelf: true } },
  },
  'u-statistic': {
    about: "U-statistic instead of V (the reference script's --flag_U)",
    options: { statistic: 'u' },
  },
  'g-steps-5': {
    about: "five ascent steps on g per model step (the reference script's --n_g_updates 5)",
    options: { gSteps: 5 },
  },
  'g-steps-10': {
    about: 'ten ascent steps on g per model step',
    options: { gSteps: 10 },
  },
  'g-lr-1e-2': {
    about: 'slice ascent with Adam lr 1e-2 instead of 1e-3',
    options: { gLr: 1e-2 },
  },
  'renormalize-g': {
    about: 'g projected back to unit rows after every Adam step',
    options: { renormalize: true },
  },
  active: {
    about:
      'active slices (Gong et al. 2021, kernel-smoothed score difference) on the first batch instead of r = g = I, then the ascent on g',
    options: { init: 'active' },
  },
};

export function createTrainer(
  method: Method,
  model: IcaModel,
  seed: number,
  variant?: string,
): Trainer {
  if (variant !== undefined && method !== 'maxsksd')
    throw new TypeError(`variant: only maxsksd has variants, got method ${method}`);
  if (variant !== undefined && !(variant in MAXSKSD_VARIANTS))
    throw new TypeError(
      `variant: expected one of ${Object.keys(MAXSKSD_VARIANTS).join(', ')}, got ${variant}`,
    );
  if (method === 'maxsksd')
    return maxSksdTrainer(model, variant ? MAXSKSD_VARIANTS[variant].options : {});
  if (method === 'ksd') return ksdTrainer(model);
  if (method === 'lsd') return lsdTrainer(model, { seed });
  throw new TypeError(`method: expected one of ${METHODS.join(', ')}, got ${String(method)}`);
}
