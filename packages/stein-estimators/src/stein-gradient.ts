import {
  assert2D,
  assertModerate,
  assertPoints,
  assertPositive,
  type Kernel,
} from '@steinkit/core';
import { asSteinKernel, choleskySolve, type SteinKernel } from '@steinkit/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { assertSolvable } from './fit-checks';

export interface SteinGradientOptions {
  /** Ridge η > 0 in (K + ηI)⁻¹ (default 0.1; Li & Turner use η ≈ 0.01–1). */
  eta?: number;
}

/** A Stein gradient estimator fitted on samples x; owns its tensors until `dispose()`. */
export interface FittedSteinGradient {
  /** The samples it was fitted on `[n, d]` (owned). */
  readonly x: tf.Tensor2D;
  /** The kernel with its bandwidth resolved on x. */
  readonly kernel: SteinKernel;
  /** Ĝ ≈ ∇log q at the fitted samples, `[n, d]` (a new tensor). */
  estimate(): tf.Tensor2D;
  /**
   * Out of sample: kernel ridge regression of the in-sample estimates,
   * ĝ(x*) = k(x*, X)(K + ηI)⁻¹Ĝ, `[m, d]`. (Li & Turner's alternative — refit
   * with x* added to the sample — costs an O(n³) solve per point.)
   */
  at(xNew: tf.Tensor2D): tf.Tensor2D;
  /** Frees the fitted tensors. */
  dispose(): void;
}

/**
 * The Stein gradient estimator of Li & Turner (2018), an estimate of the score
 * ∇log q from samples of q alone: by Stein's identity,
 * Ĝ = −(K + ηI)⁻¹⟨∇, K⟩ with ⟨∇, K⟩_i = Σ_k ∇_{x^k} k(x^i, x^k) (closed form
 * for RBF/IMQ: the SVGD repulsion). A heuristic bandwidth is resolved on the
 * fitted samples (Li & Turner use the median heuristic).
 *
 * `fit(x)` reads x back (its solve runs in float64 JS): x must be float32
 * `[n ≥ 1, d ≥ 1]` with finite values, else a RangeError/TypeError naming
 * `x`; a failed fit frees everything it allocated.
 */
export function steinGradientEstimator(
  kernel: Kernel,
  opts: SteinGradientOptions = {},
): { fit(x: tf.Tensor2D): FittedSteinGradient } {
  const { eta = 0.1 } = opts;
  assertPositive(eta, 'eta');
  const base = asSteinKernel(kernel);
  return {
    fit(x) {
      assertPoints(x, 'x', { minN: 1, what: 'the Stein gradient estimator needs' });
      assertModerate(x, 'x');
      const n = x.shape[0];
      const k = base.withBandwidthFrom(x);
      const [kReg, grad] = tf.tidy(() => {
        const { gram, repulsion } = k.steinTerms(x);
        // ⟨∇, K⟩_i = Σ_k ∇_{x^k} k(x^i, x^k) = R_i for a symmetric kernel
        return [tf.add(gram, tf.mul(eta, tf.eye(n))) as tf.Tensor2D, repulsion];
      });
      let g: tf.Tensor2D;
      try {
        const solved = tf.tidy(() => {
          assertSolvable(kReg, grad);
          return choleskySolve(kReg, grad);
        });
        if (!solved.dataSync().every(Number.isFinite)) {
          solved.dispose();
          throw new RangeError(
            'x: the Stein gradient estimate overflowed float32 (x is too large for this bandwidth; rescale it)',
          );
        }
        g = tf.neg(solved) as tf.Tensor2D;
        solved.dispose();
      } catch (e) {
        kReg.dispose();
        throw e;
      } finally {
        grad.dispose();
      }
      const xs = tf.clone(x);
      let alpha: tf.Tensor2D | null = null; // (K + ηI)⁻¹Ĝ, for out-of-sample use
      let disposed = false;
      const live = () => {
        if (disposed) throw new Error('steinGradientEstimator: used after dispose()');
      };
      return {
        x: xs,
        kernel: k,
        estimate: () => {
          live();
          return tf.clone(g);
        },
        at(xNew) {
          live();
          assertPoints(xNew, 'xNew', { d: x.shape[1] });
          if (!alpha) alpha = choleskySolve(kReg, g) as tf.Tensor2D;
          const a = alpha;
          return tf.tidy(() =>
            k.gramMatMul
              ? k.gramMatMul(xNew, xs, a)
              : (tf.matMul(k.gram(xNew, xs), a) as tf.Tensor2D),
          );
        },
        dispose() {
          if (disposed) return;
          disposed = true;
          tf.dispose([xs, kReg, g]);
          alpha?.dispose();
        },
      };
    },
  };
}

/**
 * The kernel-density baseline: the score of q̂(x) = (1/n) Σ_j k(x, x_j),
 * ∇log q̂(x*) = Σ_j ∇ₓk(x*, x_j) / Σ_j k(x*, x_j), `[m, d]`.
 */
export function kdeScore(kernel: Kernel, x: tf.Tensor2D, at?: tf.Tensor2D): tf.Tensor2D {
  assertPoints(x, 'x', { minN: 1, what: 'the kernel density needs' });
  const base = asSteinKernel(kernel);
  const k = base.withBandwidthFrom(x);
  const pts = at ?? x;
  assert2D(pts, 'at', null, x.shape[1]);
  return tf.tidy(() => {
    const sums = k.gramMatMul
      ? k.gramMatMul(pts, x, tf.ones([x.shape[0], 1]) as tf.Tensor2D)
      : tf.sum(k.gram(pts, x), 1, true);
    return tf.div(k.gradX(pts, x), sums) as tf.Tensor2D;
  });
}
