import { assert2D, assertInt, assertPositive } from '@steinkit/core';
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

function checkOptimizer(o: unknown, name: string): void {
  if (o == null || typeof (o as tf.Optimizer).applyGradients !== 'function') {
    throw new TypeError(
      `${name}: expected a tf.Optimizer (e.g. tf.train.sgd(1e-3)), got ${String(o)}`,
    );
  }
}

/**
 * Update (10): η ← η + ε Σ_i ∂_η f(η; ξ_i) Δx_i — the Stein variational
 * gradient back-propagated through f as a VJP. Implemented as one step of
 * `optimizer` on the surrogate −Σ_i ⟨Δx_i, f(η; ξ_i)⟩ with Δx held constant,
 * so with `tf.train.sgd(ε)` it is exactly (10); Adam etc. rescale it.
 * `dx`: `[m, dim]`. Returns the surrogate's value (syncs nothing).
 */
export function vjpUpdate(
  sampler: NeuralSampler,
  batch: SamplerBatch,
  dx: tf.Tensor2D,
  optimizer: tf.Optimizer,
): void {
  checkOptimizer(optimizer, 'optimizer');
  checkDx(sampler, batch, dx);
  tf.tidy(() => {
    const { value, grads } = tf.variableGrads(
      () => tf.neg(tf.sum(tf.mul(dx, sampler.apply(batch.noise, batch.labels)))) as tf.Scalar,
      sampler.trainableVariables,
    );
    optimizer.applyGradients(grads);
    value.dispose();
  });
}

export interface FitUpdateOptions {
  /** ε in x'_i = x_i + εΔx_i. */
  stepSize: number;
  /** Inner gradient steps on the fit. Default 5. */
  innerSteps?: number;
}

/**
 * Update (8): η ← argmin_η Σ_i ‖f(η; ξ_i) − x'_i‖², x'_i = x_i + εΔx_i,
 * approximately, by `innerSteps` steps of `optimizer` on ½ Σ_i ‖f(η; ξ_i) − x'_i‖²
 * (the targets x' are fixed before the first step). Returns the loss before
 * each inner step (syncs once per step).
 */
export function fitUpdate(
  sampler: NeuralSampler,
  batch: SamplerBatch,
  dx: tf.Tensor2D,
  optimizer: tf.Optimizer,
  opts: FitUpdateOptions,
): { losses: number[] } {
  checkOptimizer(optimizer, 'optimizer');
  checkDx(sampler, batch, dx);
  assertPositive(opts.stepSize, 'stepSize');
  const innerSteps = opts.innerSteps ?? 5;
  assertInt(innerSteps, 'innerSteps', 1);
  const target = tf.tidy(() =>
    tf.add(sampler.apply(batch.noise, batch.labels), tf.mul(opts.stepSize, dx)),
  );
  const losses: number[] = [];
  try {
    for (let s = 0; s < innerSteps; s++) {
      const loss = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(
          () =>
            tf.mul(
              0.5,
              tf.sum(tf.square(tf.sub(sampler.apply(batch.noise, batch.labels), target))),
            ) as tf.Scalar,
          sampler.trainableVariables,
        );
        optimizer.applyGradients(grads);
        return value;
      });
      losses.push(loss.dataSync()[0]);
      loss.dispose();
    }
  } finally {
    target.dispose();
  }
  return { losses };
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
  /** Apply −δ as the gradient of this optimizer instead of η ← η + εδ. */
  optimizer?: tf.Optimizer;
}

export interface LeastSquaresInfo {
  /** CG iterations run. */
  iterations: number;
  /** ‖r‖/‖JᵀΔx‖ at the end. */
  relativeResidual: number;
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
): LeastSquaresInfo {
  assertPositive(opts.stepSize, 'stepSize');
  const { delta, iterations, relativeResidual } = solveLeastSquares(sampler, batch, dx, opts);
  const vars = sampler.trainableVariables;
  if (opts.optimizer) {
    const grads: tf.NamedTensorMap = {};
    vars.forEach((v, i) => {
      grads[v.name] = tf.neg(delta[i]);
    });
    opts.optimizer.applyGradients(grads);
    tf.dispose(Object.values(grads));
  } else {
    vars.forEach((v, i) => {
      tf.tidy(() => v.assign(tf.add(v, tf.mul(opts.stepSize, delta[i]))));
    });
  }
  tf.dispose(delta);
  return { iterations, relativeResidual };
}
