import {
  adagradMomentum,
  assert2D,
  assertInt,
  assertPositive,
  fromTfOptimizer,
  identityOptimizer,
  type Kernel,
  type ScoreFn,
  type SteinOptimizer,
} from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { type SvgdDirectionOptions, svgdDirection } from './svgd-direction';

/** The explicit state of an SVGD run (BlackJAX `vi/svgd.py` style). */
export interface SvgdState<S = unknown> {
  /** Current particles `[n, d]`; owned by the state. */
  particles: tf.Tensor2D;
  /** The optimizer driving the updates. */
  optimizer: SteinOptimizer<S>;
  /** The optimizer's state. */
  optState: S;
  /** Steps taken so far. */
  step: number;
}

export interface SvgdStepOptions extends SvgdDirectionOptions {
  /** ∇log p. */
  score: ScoreFn;
  /** The kernel; a heuristic bandwidth is re-estimated on the current particles each step. */
  kernel: Kernel;
  /**
   * ε in x ← x + ε · optimizer(Δx) (default 1). With the default optimizer
   * (AdaGrad with momentum, learning rate 1) this is the learning rate.
   */
  stepSize?: number;
}

/**
 * Plain SVGD, x ← x + ε·Δx: an optimizer that returns the direction unchanged.
 * @deprecated Use `identityOptimizer` from `@steinkit/core` (the same optimizer; removed in 1.0).
 */
export const sgdOptimizer: () => SteinOptimizer<null> = identityOptimizer;

function toSteinOptimizer(opt: SteinOptimizer | tf.Optimizer | undefined): SteinOptimizer {
  if (opt === undefined) return adagradMomentum({ learningRate: 1 }) as SteinOptimizer;
  if (opt instanceof tf.Optimizer) return fromTfOptimizer(opt) as SteinOptimizer;
  if (typeof (opt as SteinOptimizer).update === 'function') return opt as SteinOptimizer;
  throw new TypeError('optimizer: expected a SteinOptimizer or a tf.Optimizer');
}

/**
 * Starts SVGD from `particles` (cloned: the caller keeps its tensor). The
 * optimizer defaults to the SVGD code's AdaGrad with momentum (learning rate 1,
 * scaled by `stepSize` in {@link svgdStep}); any tf.Optimizer is wrapped.
 */
export function svgdInit(
  particles: tf.Tensor2D,
  optimizer?: SteinOptimizer | tf.Optimizer,
): SvgdState {
  assert2D(particles, 'particles');
  const opt = toSteinOptimizer(optimizer);
  const p = tf.clone(particles);
  return { particles: p, optimizer: opt, optState: opt.init(p), step: 0 };
}

/** What one SVGD step reports (no device sync). */
export interface SvgdStepInfo {
  /** Steps taken, this one included. */
  step: number;
}

/**
 * One update x ← x + ε · optimizer(Δx) with Δx from eq. (7). Returns the new
 * state and its info; the old state's particles and optimizer tensors are
 * disposed. (0.1 returned the state alone: write `svgdStep(s, o).state`.)
 */
export function svgdStep(
  state: SvgdState,
  opts: SvgdStepOptions,
): { state: SvgdState; info: SvgdStepInfo } {
  const { score, kernel, stepSize = 1, normalize } = opts;
  assertPositive(stepSize, 'stepSize');
  if (typeof score !== 'function')
    throw new TypeError('score: expected a function [n, d] → [n, d]');
  const x = state.particles;
  const dir = svgdDirection(x, score, kernel, { normalize });
  const { step, state: optState } = state.optimizer.update(dir, state.optState);
  dir.dispose();
  const next = tf.tidy(
    () => tf.add(x, stepSize === 1 ? step : tf.mul(stepSize, step)) as tf.Tensor2D,
  );
  step.dispose();
  x.dispose();
  const s = { particles: next, optimizer: state.optimizer, optState, step: state.step + 1 };
  return { state: s, info: { step: s.step } };
}

/** Frees a state's particles and optimizer tensors. */
export function svgdDispose(state: SvgdState): void {
  state.particles.dispose();
  state.optimizer.dispose(state.optState);
}

export interface SvgdOptions extends SvgdStepOptions {
  /** Initial particles `[n, d]` (not disposed). */
  init: tf.Tensor2D;
  /** Number of steps. */
  steps: number;
  /**
   * Default AdaGrad with momentum (the SVGD code), whose learning rate is
   * `stepSize` (default 0.1 then). With your own optimizer (a SteinOptimizer or
   * any tf.Optimizer) `stepSize` defaults to 1 and scales its steps.
   */
  optimizer?: SteinOptimizer | tf.Optimizer;
  /**
   * Called after each step with the step number (1-based) and the current
   * particles (owned by the loop: clone to keep). Return false to stop early.
   * A synchronous `onStep` (or none) keeps the loop synchronous; one that
   * returns a Promise makes `svgd` return a Promise (awaited each step).
   */
  onStep?: SvgdOnStep;
}

/** The loop's per-step callback; return false (or a Promise of false) to stop. */
export type SvgdOnStep = (
  step: number,
  particles: tf.Tensor2D,
) => boolean | undefined | Promise<boolean | undefined>;

/**
 * Runs SVGD (Liu & Wang 2016; eq. 7 of the SteinGAN paper) for `steps` steps
 * and returns the final particles (owned by the caller). Synchronous unless
 * `onStep` returns a Promise (then the result is a Promise); `await svgd(…)`
 * works either way.
 */
export function svgd(
  opts: SvgdOptions & {
    onStep: (step: number, particles: tf.Tensor2D) => Promise<boolean | undefined>;
  },
): Promise<tf.Tensor2D>;
export function svgd(
  opts: SvgdOptions & {
    onStep?: (step: number, particles: tf.Tensor2D) => boolean | undefined;
  },
): tf.Tensor2D;
export function svgd(opts: SvgdOptions): tf.Tensor2D | Promise<tf.Tensor2D>;
export function svgd(opts: SvgdOptions): tf.Tensor2D | Promise<tf.Tensor2D> {
  const { init, steps, optimizer, onStep } = opts;
  assertInt(steps, 'steps', 0);
  const stepSize = opts.stepSize ?? (optimizer === undefined ? 0.1 : 1);
  let state = svgdInit(init, optimizer);
  const advance = () => {
    state = svgdStep(state, { ...opts, stepSize }).state;
  };
  const finish = () => {
    state.optimizer.dispose(state.optState);
    return state.particles;
  };
  const continueAsync = async (pending: Promise<boolean | undefined>) => {
    try {
      if ((await pending) !== false) {
        while (state.step < steps) {
          advance();
          if ((await onStep?.(state.step, state.particles)) === false) break;
        }
      }
      return finish();
    } catch (e) {
      svgdDispose(state);
      throw e;
    }
  };
  try {
    while (state.step < steps) {
      advance();
      const r = onStep?.(state.step, state.particles);
      if (r != null && typeof (r as Promise<unknown>).then === 'function')
        return continueAsync(r as Promise<boolean | undefined>);
      if (r === false) break;
    }
    return finish();
  } catch (e) {
    svgdDispose(state);
    throw e;
  }
}
