import type { Kernel } from '@steinkit/core';
import type { Scalar, Tensor2D } from '@tensorflow/tfjs-core';
import type { RadialProfile } from './radial';

/**
 * A kernel with the pieces Stein methods need. Closed forms for RBF and IMQ
 * (matmuls and n×m element-wise ops only — never an n×m×d tensor); autodiff
 * for feature and custom kernels. Every method is tidy-safe and returns new
 * tensors the caller owns.
 */
export interface SteinKernel extends Kernel {
  /** The resolved bandwidth (RBF h, IMQ c) when fixed; undefined while a heuristic is unresolved. */
  readonly bandwidth?: number;
  /** K[i, j] = k(x_i, y_j), `[n, m]`; y defaults to x. */
  gram(x: Tensor2D, y?: Tensor2D): Tensor2D;
  /** G[i] = Σ_j W[i, j] ∇ₓ k(x_i, y_j), `[n, d]` (W defaults to all ones, `[n, m]`). */
  gradX(x: Tensor2D, y?: Tensor2D, weights?: Tensor2D): Tensor2D;
  /** G[j] = Σ_i W[i, j] ∇_y k(x_i, y_j), `[m, d]` (W defaults to all ones, `[n, m]`). */
  gradY(x: Tensor2D, y?: Tensor2D, weights?: Tensor2D): Tensor2D;
  /** The Gram matrix of x and the SVGD repulsion R_i = Σ_j ∇_{x_j} k(x_j, x_i), `[n, d]`. */
  steinTerms(x: Tensor2D): { gram: Tensor2D; repulsion: Tensor2D };
  /**
   * The unnormalized SVGD sum of eq. (7), S_i = Σ_j [k(x_j, x_i) s(x_j) + ∇_{x_j} k(x_j, x_i)]
   * (`[n, d]`), and the kernel row sums Σ_j k(x_j, x_i) (`[n, 1]`), fused where possible.
   */
  steinDirection(x: Tensor2D, score: Tensor2D): { direction: Tensor2D; kernelSum: Tensor2D };
  /** T[i, j] = tr(∇ₓ∇_y k(x_i, y_j)) = Σ_a ∂²k/∂x_a∂y_a, `[n, m]`. */
  traceGradGrad(x: Tensor2D, y?: Tensor2D): Tensor2D;
  /**
   * The Stein kernel (Liu et al. 2016; Chwialkowski et al. 2016)
   * u_p(x, y) = s(x)ᵀs(y) k + s(x)ᵀ∇_y k + s(y)ᵀ∇ₓ k + tr(∇ₓ∇_y k), `[n, m]`,
   * with scores sx = s(x) and sy = s(y); y, sy default to x, sx.
   */
  steinMatrix(x: Tensor2D, sx: Tensor2D, y?: Tensor2D, sy?: Tensor2D): Tensor2D;
  /**
   * Optional (RBF, IMQ): the squared KSD straight from the points, without the
   * n×n matrix where the fused engine runs — U-statistic (1/(n(n−1))) Σ_{i≠j}
   * u_p(x_i, x_j) (`'u'`, default) or V-statistic (1/n²) Σ_{i,j} (`'v'`), a scalar.
   */
  ksdStatistic?(x: Tensor2D, sx: Tensor2D, statistic?: 'u' | 'v'): Scalar;
  /**
   * Optional (RBF, IMQ): the mean of the Gram matrix k(x_i, y_j), over all
   * pairs, or with y omitted and `offDiagonal` over i ≠ j (MMD's U-statistic), a scalar.
   */
  gramMean?(x: Tensor2D, y?: Tensor2D, offDiagonal?: boolean): Scalar;
  /** Optional (RBF, IMQ): the Gram-matrix product K(x, y)·v, `[n, p]` for v `[m, p]`. */
  gramMatMul?(x: Tensor2D, y: Tensor2D | undefined, v: Tensor2D): Tensor2D;
  /**
   * For radial kernels k(x, y) = f(‖x − y‖²) with a fixed bandwidth: the
   * profile f, f', f'' as element-wise functions of the squared distance.
   */
  readonly radial?: RadialProfile;
  /** Resolves a bandwidth heuristic on x; a fixed kernel returns itself. */
  withBandwidthFrom(x: Tensor2D): SteinKernel;
}
