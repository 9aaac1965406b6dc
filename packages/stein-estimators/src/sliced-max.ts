import {
  applyOptimizer,
  assert2D,
  assertInt,
  assertLoopOptimizer,
  assertPositive,
  disposeOptimizerStates,
  fusedAdam,
  isSteinOptimizer,
  type LoopOptimizer,
  runLoop,
  type ScoreFn,
} from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { SKSD_MEDIAN, type SlicedBandwidth, sksd } from './sliced';

/**
 * maxSKSD (Gong et al., ICLR 2021, eq. 9–10): the sliced KSD maximized over
 * the slices by gradient ascent. Variant 'g' keeps r an orthogonal basis
 * (identity by default) and optimizes every g_i; variant 'rg' optimizes both.
 * Explicit state + one pure-ish step (the ascent moves the slice
 * tf.Variables through a SteinOptimizer or a tf.Optimizer), plus `maxSksd` as
 * the convenience loop.
 */
export interface MaxSksdState {
  /** Score directions `[S, D]`; trainable only for variant 'rg'. */
  readonly r: tf.Variable<tf.Rank.R2>;
  /** Projection directions `[S, D]`, unit rows. */
  readonly g: tf.Variable<tf.Rank.R2>;
  readonly variant: 'g' | 'rg';
  /** A core SteinOptimizer (its states in `optimizerStates`) or a tf.Optimizer (its own slots). */
  readonly optimizer: LoopOptimizer;
  /** With a SteinOptimizer: its state per slice variable (g, then r for 'rg'), created on the first step. */
  optimizerStates?: unknown[];
  readonly statistic: 'u' | 'v';
  readonly bandwidth: SlicedBandwidth;
  /** Ascent steps taken. */
  step: number;
}

export interface MaxSksdInitOptions {
  /** 'g' (default) or 'rg'. */
  variant?: 'g' | 'rg';
  /** Initial r `[S, D]`; default the identity (S = D). */
  r?: tf.Tensor2D;
  /** Initial g `[S, D]`; default the identity (the reference initialization r = g = I). */
  g?: tf.Tensor2D;
  /**
   * The ascent optimizer: a SteinOptimizer (e.g. `fromTfOptimizer(…)`, `adagradMomentum(…)`)
   * or a tf.Optimizer; default tf Adam(lr 1e-3, β = (0.9, 0.99)) as in the reference ICA code.
   */
  optimizer?: LoopOptimizer;
  /** Default 'v'. */
  statistic?: 'u' | 'v';
  /** Default the per-slice median heuristic h_i² = 2·median. */
  bandwidth?: SlicedBandwidth;
}

/** Creates the slice variables (rows normalized) and the optimizer. */
export function maxSksdInit(dim: number, opts: MaxSksdInitOptions = {}): MaxSksdState {
  assertInt(dim, 'dim', 1);
  if (opts.optimizer !== undefined) assertLoopOptimizer(opts.optimizer, 'optimizer');
  const variant = opts.variant ?? 'g';
  if (variant !== 'g' && variant !== 'rg')
    throw new TypeError(`variant: expected 'g' or 'rg', got ${String(variant)}`);
  if (opts.r) assert2D(opts.r, 'r', null, dim);
  if (opts.g) assert2D(opts.g, 'g', opts.r ? opts.r.shape[0] : null, dim);
  const S = opts.r?.shape[0] ?? opts.g?.shape[0] ?? dim;
  const r0 = tf.tidy(() =>
    unitRows(
      opts.r ??
        ((S === dim
          ? tf.eye(dim)
          : tf.slice(tf.eye(Math.max(S, dim)), [0, 0], [S, dim])) as tf.Tensor2D),
    ),
  );
  const g0 = tf.tidy(() => unitRows(opts.g ?? tf.clone(r0)));
  if (g0.shape[0] !== S) throw new RangeError(`g: expected ${S} rows (as r), got ${g0.shape[0]}`);
  const r = tf.variable(r0, variant === 'rg') as tf.Variable<tf.Rank.R2>;
  const g = tf.variable(g0, true) as tf.Variable<tf.Rank.R2>;
  tf.dispose([r0, g0]);
  return {
    r,
    g,
    variant,
    optimizer: opts.optimizer ?? fusedAdam(1e-3, 0.9, 0.99),
    statistic: opts.statistic ?? 'v',
    bandwidth: opts.bandwidth ?? SKSD_MEDIAN,
    step: 0,
  };
}

function unitRows(m: tf.Tensor2D): tf.Tensor2D {
  return tf.div(m, tf.add(tf.norm(m, 'euclidean', 1, true), 1e-10)) as tf.Tensor2D;
}

export interface MaxSksdStepOptions {
  /** Renormalize the slice rows to unit length after the step; default true. */
  renormalize?: boolean;
}

/** The sample a step ascends on: x `[n, D]` and its scores (a function, or the values at x). */
export interface MaxSksdInputs {
  x: tf.Tensor2D;
  score: ScoreFn | tf.Tensor2D;
}

/** What one ascent step reports. */
export interface MaxSksdStepInfo {
  /** Ascent steps taken, this one included. */
  step: number;
  /** The statistic at (r, g) before the step (a number: one sync). */
  value: number;
}

/**
 * One ascent step on the slices (Gong et al. 2021, eq. 10): maximizes
 * sksd(x, score; r, g) over g (and r for 'rg') with the state's optimizer,
 * then renormalizes the rows. `score` may be precomputed values at x (they do
 * not depend on the slices). Returns the next state and `{ step, value }`;
 * the slice variables and optimizer move into the new state (updated in place:
 * the old state object must not be used again).
 *
 * The 0.1 form `maxSksdStep(state, x, score, opts)` → number is deprecated.
 */
export function maxSksdStep(
  state: MaxSksdState,
  inputs: MaxSksdInputs,
  opts?: MaxSksdStepOptions,
): { state: MaxSksdState; info: MaxSksdStepInfo };
/** @deprecated Use `maxSksdStep(state, { x, score }, opts)`, which returns `{ state, info }`. */
export function maxSksdStep(
  state: MaxSksdState,
  x: tf.Tensor2D,
  score: ScoreFn | tf.Tensor2D,
  opts?: MaxSksdStepOptions,
): number;
export function maxSksdStep(
  state: MaxSksdState,
  a: MaxSksdInputs | tf.Tensor2D,
  b?: ScoreFn | tf.Tensor2D | MaxSksdStepOptions,
  c?: MaxSksdStepOptions,
): { state: MaxSksdState; info: MaxSksdStepInfo } | number {
  if (a instanceof tf.Tensor) {
    const r = ascend(state, a, b as ScoreFn | tf.Tensor2D, c ?? {});
    state.step = r.state.step;
    if (r.state.optimizerStates) state.optimizerStates = r.state.optimizerStates;
    return r.info.value;
  }
  if (a == null || typeof a !== 'object' || !(a.x instanceof tf.Tensor)) {
    throw new TypeError('inputs: expected { x: Tensor2D [n, D], score: ScoreFn | Tensor2D }');
  }
  return ascend(state, a.x, a.score, (b as MaxSksdStepOptions | undefined) ?? {});
}

function ascend(
  state: MaxSksdState,
  x: tf.Tensor2D,
  score: ScoreFn | tf.Tensor2D,
  opts: MaxSksdStepOptions,
): { state: MaxSksdState; info: MaxSksdStepInfo } {
  const vars = state.variant === 'rg' ? [state.g, state.r] : [state.g];
  const objective = () =>
    tf.neg(
      sksd(x, score, {
        r: state.r,
        g: state.g,
        statistic: state.statistic,
        bandwidth: state.bandwidth,
      }),
    ) as tf.Scalar;
  let negValue: tf.Scalar | null;
  let optimizerStates = state.optimizerStates;
  if (isSteinOptimizer(state.optimizer)) {
    const { value, grads } = tf.variableGrads(objective, vars);
    try {
      optimizerStates = applyOptimizer(state.optimizer, vars, grads, optimizerStates);
    } finally {
      tf.dispose(Object.values(grads));
    }
    negValue = value;
  } else {
    negValue = state.optimizer.minimize(objective, true, vars);
  }
  if (opts.renormalize ?? true) {
    for (const v of vars) {
      tf.tidy(() => v.assign(unitRows(v)));
    }
  }
  const value = negValue ? -negValue.dataSync()[0] : Number.NaN;
  negValue?.dispose();
  const next: MaxSksdState = { ...state, step: state.step + 1 };
  if (optimizerStates) next.optimizerStates = optimizerStates;
  return { state: next, info: { step: next.step, value } };
}

/** The current statistic at (r, g) of the state: a differentiable scalar (e.g. the model's loss). */
export function maxSksdValue(
  state: MaxSksdState,
  x: tf.Tensor2D,
  score: ScoreFn | tf.Tensor2D,
): tf.Scalar {
  return sksd(x, score, {
    r: state.r,
    g: state.g,
    statistic: state.statistic,
    bandwidth: state.bandwidth,
  });
}

/**
 * The loop (core's `runLoop`): `steps` ascent steps on the same sample (scores
 * evaluated once). Returns the final state and the statistic before each
 * step. `onStep` sees each step's info; returning false stops early; an async
 * `onStep` makes the loop return a Promise.
 */
export function maxSksd(
  state: MaxSksdState,
  inputs: MaxSksdInputs,
  opts: MaxSksdStepOptions & {
    steps: number;
    onStep: (info: MaxSksdStepInfo) => Promise<unknown>;
  },
): Promise<{ state: MaxSksdState; trace: number[] }>;
export function maxSksd(
  state: MaxSksdState,
  inputs: MaxSksdInputs,
  opts: MaxSksdStepOptions & {
    steps: number;
    onStep?: (info: MaxSksdStepInfo) => void;
  },
): { state: MaxSksdState; trace: number[] };
export function maxSksd(
  state: MaxSksdState,
  inputs: MaxSksdInputs,
  opts: MaxSksdStepOptions & {
    steps: number;
    onStep?: (info: MaxSksdStepInfo) => unknown;
  },
): { state: MaxSksdState; trace: number[] } | Promise<{ state: MaxSksdState; trace: number[] }> {
  assertInt(opts.steps, 'steps', 1);
  const { x, score } = inputs;
  const sc = typeof score === 'function' ? tf.tidy(() => score(x)) : score;
  const trace: number[] = [];
  const release = () => {
    if (sc !== score) sc.dispose();
  };
  let out: MaxSksdState | Promise<MaxSksdState>;
  try {
    out = runLoop({
      state,
      steps: opts.steps,
      step: (s) => maxSksdStep(s, { x, score: sc }, opts),
      onStep: (info) => {
        trace.push(info.value);
        return opts.onStep?.(info);
      },
    });
  } catch (e) {
    release();
    throw e;
  }
  if (out instanceof Promise) {
    return out.then(
      (s) => {
        release();
        return { state: s, trace };
      },
      (e) => {
        release();
        throw e;
      },
    );
  }
  release();
  return { state: out, trace };
}

/**
 * Runs `steps` ascent steps on the same sample; returns the statistic before
 * each step and advances `state.step` in place.
 * @deprecated Use {@link maxSksd}, which returns `{ state, trace }`.
 */
export function maxSksdFit(
  state: MaxSksdState,
  x: tf.Tensor2D,
  score: ScoreFn | tf.Tensor2D,
  steps: number,
  opts: MaxSksdStepOptions = {},
): number[] {
  const r = maxSksd(state, { x, score }, { ...opts, steps, onStep: undefined });
  state.step = r.state.step;
  if (r.state.optimizerStates) state.optimizerStates = r.state.optimizerStates;
  return r.trace;
}

/** Frees the slice variables and the optimizer's slots (a tf.Optimizer) or states (a SteinOptimizer). */
export function maxSksdDispose(state: MaxSksdState): void {
  state.r.dispose();
  state.g.dispose();
  if (isSteinOptimizer(state.optimizer)) {
    disposeOptimizerStates(state.optimizer, state.optimizerStates);
  } else state.optimizer.dispose();
}

/** Learning-rate check helper for user-built optimizers. */
export function maxSksdAdam(learningRate = 1e-3, beta1 = 0.9, beta2 = 0.99): tf.Optimizer {
  assertPositive(learningRate, 'learningRate');
  return fusedAdam(learningRate, beta1, beta2);
}
