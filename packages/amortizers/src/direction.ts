import { assert2D, type Kernel } from '@steinkit/core';
import type { SvgdDirectionOptions } from '@steinkit/stein-estimators';
import * as tf from '@tensorflow/tfjs-core';

/**
 * How the repulsive term of a kernel on features k(x, x') = κ(E(x), E(x')) is computed:
 * - `'exact'`: R_i = Σ_j ∇_{x_j} k(x_j, x_i) = Σ_j J_E(x_j)ᵀ ∇₁κ(E(x_j), E(x_i)), the
 *   encoder's Jacobian at each x_j. Costs one backward pass over n² encoder rows.
 * - `'approximate'`: R_i ≈ −∇_{x_i} Σ_j κ(E(x_i), E(x_j)) (E(x_j) held fixed),
 *   the Jacobian at x_i — exact for features = identity and a stationary κ. One
 *   backward pass over n rows.
 * - `'flipped'`: +∇_{x_i} Σ_j κ(E(x_i), E(x_j)) — the wrong sign (attraction:
 *   particles collapse); kept only to demonstrate the failure.
 */
export type RepulsionMode = 'exact' | 'approximate' | 'flipped';

/**
 * `normalize` is stein-estimators' option of `svgdDirection` (`'n'`, default,
 * eq. 7's 1/n, or `'kernelSum'`): with identity features and no `excludeSelf`
 * this direction equals `svgdDirection(x, score, kernel, { normalize })`.
 */
export interface FeatureSteinDirectionOptions extends SvgdDirectionOptions {
  /** E: `[n, D]` → `[n, c]`; identity when omitted. Must be differentiable in x. */
  features?: (x: tf.Tensor2D) => tf.Tensor2D;
  /** κ on the features (a heuristic bandwidth is resolved on E(x) of this batch). */
  kernel: Kernel;
  /** Default `'approximate'`. */
  repulsion?: RepulsionMode;
  /**
   * Drop the j = i terms (a U-statistic, 1/(n − 1)). For i.i.d. x ~ p the
   * remaining sum has mean zero by Stein's identity, whereas eq. (7)'s self
   * term k(x_i, x_i)∇log p(x_i)/n pulls every sample toward the mode — with
   * fresh batches (amortized SVGD) that biases the sampler's variance low.
   * Caution: with a narrow bandwidth (e.g. h = 0.5·median, where k ≈ e⁻⁴ at
   * the median distance) the self term is most of the driving force, and
   * dropping it stalls training (seen in SteinGAN on MNIST).
   * Default false (the paper's eq. 7).
   */
  excludeSelf?: boolean;
}

export interface FeatureSteinDirection {
  /** Δx `[n, D]`. */
  direction: tf.Tensor2D;
  /** The driving term Σ_j k(x_j, x_i) s(x_j), normalized like `direction`. */
  drive: tf.Tensor2D;
  /** The repulsive term, normalized like `direction`. */
  repulsion: tf.Tensor2D;
  /** The kernel that was used (bandwidth resolved on this batch's features). */
  kernelName: string;
}

/**
 * The Stein variational gradient (7) with a kernel on features, Δx_i =
 * (1/n) Σ_j [k(x_j, x_i) s(x_j) + ∇_{x_j} k(x_j, x_i)], for x `[n, D]` and
 * scores s(x) `[n, D]` (already evaluated). The returned tensors are the caller's.
 */
export function featureSteinDirection(
  x: tf.Tensor2D,
  score: tf.Tensor2D,
  opts: FeatureSteinDirectionOptions,
): FeatureSteinDirection {
  assert2D(x, 'x');
  assert2D(score, 'score', x.shape[0], x.shape[1]);
  const mode = opts.repulsion ?? 'approximate';
  if (mode !== 'exact' && mode !== 'approximate' && mode !== 'flipped') {
    throw new TypeError(
      `repulsion: expected 'exact', 'approximate' or 'flipped', got ${String(mode)}`,
    );
  }
  const normalize = opts.normalize ?? 'n';
  if (normalize !== 'n' && normalize !== 'kernelSum') {
    throw new TypeError(`normalize: expected 'n' or 'kernelSum', got ${String(normalize)}`);
  }
  const E = opts.features ?? ((z: tf.Tensor2D) => z);
  const n = x.shape[0];
  const D = x.shape[1];
  let kernelName = opts.kernel.name;
  const out = tf.tidy(() => {
    const codes = E(x);
    assert2D(codes, 'features(x)', n);
    const kr = opts.kernel.withBandwidthFrom ? opts.kernel.withBandwidthFrom(codes) : opts.kernel;
    kernelName = kr.name;
    const K = kr.gram(codes); // K[j, i] = κ(E_j, E_i), symmetric
    // K_ii (1 for RBF); only used when the j = i terms are dropped.
    const self = opts.excludeSelf ? tf.reshape(tf.sum(tf.mul(K, tf.eye(n)), 1), [n, 1]) : null;
    let drive: tf.Tensor2D = tf.matMul(K, score, true, false); // Σ_j K[j, i] s_j
    if (self) drive = tf.sub(drive, tf.mul(self, score)) as tf.Tensor2D;
    let rep: tf.Tensor2D;
    if (!opts.features && mode !== 'flipped' && kr.steinTerms) {
      // Identity features: the kernel's own closed form R_i = Σ_j ∇_{x_j} k(x_j, x_i).
      const st = kr.steinTerms(x);
      st.gram.dispose();
      rep = st.repulsion;
    } else if (mode === 'exact') {
      // Z[(j, i)] = x_j; F(Z) = Σ_{(j,i)} κ(E(Z_(j,i)), E_i) with E_i fixed;
      // ∂F/∂Z_(j,i) = J_E(x_j)ᵀ ∇₁κ(E_j, E_i); summing over j gives R_i.
      const idx = tf.reshape(tf.tile(tf.expandDims(tf.range(0, n, 1, 'int32'), 1), [1, n]), [
        n * n,
      ]);
      const Z = tf.gather(x, idx) as tf.Tensor2D; // row j·n + i = x_j
      const fixed = tf.clone(codes);
      const mask = tf.tile(tf.eye(n), [n, 1]); // [(j,i), i'] = [i = i']
      const g = tf.grad((z: tf.Tensor) => {
        const Kz = kr.gram(E(z as tf.Tensor2D), fixed); // [n², n]
        return tf.sum(tf.mul(Kz, mask));
      })(Z);
      rep = tf.sum(tf.reshape(g, [n, n, D]), 0) as tf.Tensor2D;
    } else {
      const fixed = tf.clone(codes);
      const g = tf.grad((z: tf.Tensor) => tf.sum(kr.gram(E(z as tf.Tensor2D), fixed)))(x);
      rep = (mode === 'approximate' ? tf.neg(g) : g) as tf.Tensor2D;
    }
    const denom =
      normalize === 'n'
        ? tf.scalar(opts.excludeSelf ? n - 1 : n)
        : tf.reshape(self ? tf.sub(tf.sum(K, 0), tf.reshape(self, [n])) : tf.sum(K, 0), [n, 1]);
    const driveN = tf.div(drive, denom) as tf.Tensor2D;
    const repN = tf.div(rep, denom) as tf.Tensor2D;
    return { direction: tf.add(driveN, repN) as tf.Tensor2D, drive: driveN, repulsion: repN };
  });
  return { ...out, kernelName };
}
