import {
  applyOptimizer,
  assert2D,
  assertInt,
  assertLoopOptimizer,
  assertPositive,
  type LoopOptimizer,
} from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import type { NeuralSampler } from './sampler';
import { dotList, jvp, vjp } from './vjp';

/** One batch of sampler inputs: ξ `[m, noiseDim]` and, for conditional samplers, labels `[m]`. */
export interface SamplerBatch {
  noise: tf.Tensor2D;
  labels?: tf.Tensor;
}

function checkDx(sampler: NeuralSampler, batch: SamplerBatch, dx: tf.Tensor, name = 'dx') {
  assert2D(dx, name, batch.noise.shape[0], sampler.dim);
}

/**
 * Update (10): η ← η + ε Σ_i ∂_η f(η; ξ_i) Δx_i — the Stein variational
 * gradient back-propagated through f as a VJP. Implemented as one step of
 * `optimizer` on the surrogate −Σ_i ⟨Δx_i, f(η; ξ_i)⟩ with Δx held constant,
 * so with `tf.train.sgd(ε)` (or `identityOptimizer()` and ε = 1) it is exactly (10);
 * Adam etc. rescale it. `dx`: `[m, dim]`. `optimizer` is a core `SteinOptimizer`
 * (with `optimizerStates` of the previous call, one per sampler variable; created
 * when omitted) or a `tf.Optimizer` (applied as it is). Returns the
 * SteinOptimizer's new states (undefined for a tf.Optimizer); syncs nothing.
 */
export function vjpUpdate(
  sampler: NeuralSampler,
  batch: SamplerBatch,
  dx: tf.Tensor2D,
  optimizer: LoopOptimizer,
  optimizerStates?: unknown[],
): unknown[] | undefined {
  assertLoopOptimizer(optimizer, 'optimizer');
  checkDx(sampler, batch, dx);
  const vars = sampler.trainableVariables;
  const { value, grads } = tf.variableGrads(
    () => tf.neg(tf.sum(tf.mul(dx, sampler.apply(batch.noise, batch.labels)))) as tf.Scalar,
    vars,
  );
  try {
    return applyOptimizer(optimizer, vars, grads, optimizerStates);
  } finally {
    tf.dispose([value, ...Object.values(grads)]);
  }
}

export interface FitUpdateOptions {
  /** ε in x'_i = x_i + εΔx_i. */
  stepSize: number;
  /** Inner gradient steps on the fit. Default 5. */
  innerSteps?: number;
  /** A SteinOptimizer's states from the previous update (one per sampler variable). */
  optimizerStates?: unknown[];
}

/**
 * Update (8): η ← argmin_η Σ_i ‖f(η; ξ_i) − x'_i‖², x'_i = x_i + εΔx_i,
 * approximately, by `innerSteps` steps of `optimizer` on ½ Σ_i ‖f(η; ξ_i) − x'_i‖²
 * (the targets x' are fixed before the first step). `optimizer`: a SteinOptimizer
 * or a tf.Optimizer, as in {@link vjpUpdate}. Returns the loss before each inner
 * step (syncs once per step) and a SteinOptimizer's new states.
 */
export function fitUpdate(
  sampler: NeuralSampler,
  batch: SamplerBatch,
  dx: tf.Tensor2D,
  optimizer: LoopOptimizer,
  opts: FitUpdateOptions,
): { losses: number[]; optimizerStates?: unknown[] } {
  assertLoopOptimizer(optimizer, 'optimizer');
  checkDx(sampler, batch, dx);
  assertPositive(opts.stepSize, 'stepSize');
  const innerSteps = opts.innerSteps ?? 5;
  assertInt(innerSteps, 'innerSteps', 1);
  const target = tf.tidy(() =>
    tf.add(sampler.apply(batch.noise, batch.labels), tf.mul(opts.stepSize, dx)),
  );
  const losses: number[] = [];
  const vars = sampler.trainableVariables;
  let states = opts.optimizerStates;
  try {
    for (let s = 0; s < innerSteps; s++) {
      const { value, grads } = tf.variableGrads(
        () =>
          tf.mul(
            0.5,
            tf.sum(tf.square(tf.sub(sampler.apply(batch.noise, batch.labels), target))),
          ) as tf.Scalar,
        vars,
      );
      try {
        states = applyOptimizer(optimizer, vars, grads, states);
        losses.push(value.dataSync()[0]);
      } finally {
        tf.dispose([value, ...Object.values(grads)]);
      }
    }
  } finally {
    target.dispose();
  }
  return states ? { losses, optimizerStates: states } : { losses };
}

export interface LeastSquaresUpdateOptions {
  /** ε in η ← η + εΔη. */
  stepSize: number;
  /** Conjugate-gradient iterations. Default 10. */
  cgIterations?: number;
  /** Tikhonov damping λ: solves (JᵀJ + λI)δ = JᵀΔx. Default 1e-4 (JᵀJ is singular when #η > m·dim). */
  damping?: number;
  /** Stop when ‖r‖ ≤ tolerance·‖JᵀΔx‖. Default 1e-6. */
  tolerance?: number;
  /** Apply −δ as the gradient of this optimizer (a SteinOptimizer or a tf.Optimizer) instead of η ← η + εδ. */
  optimizer?: LoopOptimizer;
  /** With a SteinOptimizer: its states from the previous update (one per sampler variable). */
  optimizerStates?: unknown[];
}

export interface LeastSquaresInfo {
  /** CG iterations run. */
  iterations: number;
  /** ‖r‖/‖JᵀΔx‖ at the end. */
  relativeResidual: number;
}

/** {@link leastSquaresUpdate}'s diagnostics and, with a SteinOptimizer, its new states. */
export interface LeastSquaresUpdateResult extends LeastSquaresInfo {
  optimizerStates?: unknown[];
}

/**
 * Solves (JᵀJ + λI)δ = JᵀΔx by conjugate gradient, matrix-free: J v by the
 * double-VJP trick, Jᵀu by a VJP. J = ∂_η f(η; ξ) stacked over the batch.
 * Returns δ (one tensor per variable; the caller owns them).
 */
export function solveLeastSquares(
  sampler: NeuralSampler,
  batch: SamplerBatch,
  dx: tf.Tensor2D,
  opts: { cgIterations?: number; damping?: number; tolerance?: number } = {},
): { delta: tf.Tensor[] } & LeastSquaresInfo {
  checkDx(sampler, batch, dx);
  const iters = opts.cgIterations ?? 10;
  const damping = opts.damping ?? 1e-4;
  const tol = opts.tolerance ?? 1e-6;
  assertInt(iters, 'cgIterations', 1);
  assertPositive(damping, 'damping', true);
  assertPositive(tol, 'tolerance', true);
  const vars = sampler.trainableVariables;
  const f = () => sampler.apply(batch.noise, batch.labels);
  const outShape = [batch.noise.shape[0], sampler.dim];
  const normalOp = (v: tf.Tensor[]): tf.Tensor[] =>
    tf.tidy(() => {
      const jv = jvp(f, vars, v, outShape);
      const jtjv = vjp(f, vars, jv);
      return jtjv.map((t, i) => (damping > 0 ? tf.add(t, tf.mul(damping, v[i])) : t));
    });
  const b = vjp(f, vars, dx);
  let x: tf.Tensor[] = vars.map((v) => tf.zerosLike(v));
  let r = b.map((t) => tf.clone(t));
  let p = b.map((t) => tf.clone(t));
  let rr = dotList(r, r);
  const bnorm = Math.sqrt(rr);
  let it = 0;
  const swap = (old: tf.Tensor[], next: tf.Tensor[]) => {
    tf.dispose(old);
    return next;
  };
  if (bnorm > 0) {
    for (; it < iters; it++) {
      if (Math.sqrt(rr) <= tol * bnorm) break;
      const ap = normalOp(p);
      const pap = dotList(p, ap);
      if (!(pap > 0)) {
        tf.dispose(ap);
        break;
      }
      const alpha = rr / pap;
      x = swap(
        x,
        tf.tidy(() => x.map((xi, i) => tf.add(xi, tf.mul(alpha, p[i])))),
      );
      r = swap(
        r,
        tf.tidy(() => r.map((ri, i) => tf.sub(ri, tf.mul(alpha, ap[i])))),
      );
      tf.dispose(ap);
      const rrNew = dotList(r, r);
      const beta = rrNew / rr;
      rr = rrNew;
      p = swap(
        p,
        tf.tidy(() => p.map((pi, i) => tf.add(r[i], tf.mul(beta, pi)))),
      );
    }
  }
  tf.dispose([...b, ...r, ...p]);
  return { delta: x, iterations: it, relativeResidual: bnorm > 0 ? Math.sqrt(rr) / bnorm : 0 };
}

/**
 * Update (9): η ← η + εΔη, Δη = argmin_δ Σ_i ‖∂_η f(η; ξ_i) δ − Δx_i‖²
 * (damped, solved matrix-free by {@link solveLeastSquares}).
 */
export function leastSquaresUpdate(
  sampler: NeuralSampler,
  batch: SamplerBatch,
  dx: tf.Tensor2D,
  opts: LeastSquaresUpdateOptions,
): LeastSquaresUpdateResult {
  assertPositive(opts.stepSize, 'stepSize');
  if (opts.optimizer !== undefined) assertLoopOptimizer(opts.optimizer, 'optimizer');
  const { delta, iterations, relativeResidual } = solveLeastSquares(sampler, batch, dx, opts);
  const vars = sampler.trainableVariables;
  let optimizerStates: unknown[] | undefined;
  if (opts.optimizer) {
    const grads: tf.NamedTensorMap = {};
    vars.forEach((v, i) => {
      grads[v.name] = tf.neg(delta[i]);
    });
    try {
      optimizerStates = applyOptimizer(opts.optimizer, vars, grads, opts.optimizerStates);
    } finally {
      tf.dispose(Object.values(grads));
    }
  } else {
    vars.forEach((v, i) => {
      tf.tidy(() => v.assign(tf.add(v, tf.mul(opts.stepSize, delta[i]))));
    });
  }
  tf.dispose(delta);
  return optimizerStates
    ? { iterations, relativeResidual, optimizerStates }
    : { iterations, relativeResidual };
}
