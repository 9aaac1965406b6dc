import type { Scalar, Tensor, Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs-core';

/** A set of n particles (or samples) in R^d: float32 `[n, d]`. */
export type Particles = Tensor2D;

/** ∇ₓ log p(x), batched: `[n, d]` → `[n, d]`. */
export type ScoreFn = (x: Tensor2D) => Tensor2D;

/** log p(x) up to a constant, batched: `[n, d]` → `[n]`. */
export type LogProbFn = (x: Tensor2D) => Tensor1D;

/**
 * A positive-definite kernel k(x, y) on R^d. `gram` is required; the closed-form
 * pieces Stein methods need are optional and fall back to autodiff elsewhere.
 */
export interface Kernel {
  /** A short description, e.g. `rbf(h=0.8)`. */
  readonly name: string;
  /** K[i, j] = k(x_i, y_j), `[n, m]`; y defaults to x. */
  gram(x: Tensor2D, y?: Tensor2D): Tensor2D;
  /**
   * The Gram matrix and, in one pass, the SVGD repulsion
   * R_i = Σ_j ∇_{x_j} k(x_j, x_i) (`[n, d]`).
   */
  steinTerms?(x: Tensor2D): { gram: Tensor2D; repulsion: Tensor2D };
  /** Resolves a bandwidth heuristic on x; returns a kernel with a fixed bandwidth. */
  withBandwidthFrom?(x: Tensor2D): Kernel;
}

/** Anything that draws samples: a distribution, a neural sampler. */
export interface Sampler {
  /** n fresh samples `[n, d]`; a seed makes the draw reproducible. */
  sample(n: number, seed?: number): Tensor2D;
  /** Dimension of one sample. */
  readonly dim: number;
}

/** A discrepancy between the empirical measure of x and the target with score `score`. */
export type Discrepancy = (x: Particles, score: ScoreFn) => Scalar;

/** An unnormalized density p(x | θ) ∝ exp(−E(x; θ)) with trainable θ. */
export interface EnergyModel {
  /** E(x; θ) per row: `[n, ...]` → `[n]`. */
  energy(x: Tensor, y?: Tensor): Tensor1D;
  /** ∇ₓ log p(x | θ) = −∇ₓ E(x; θ), same shape as x. */
  score(x: Tensor, y?: Tensor): Tensor;
  /** θ. */
  readonly trainableVariables: Variable[];
}
