import { assert2D, type Kernel } from '@steinkit/core';
import { asSteinKernel, featureKernel } from '@steinkit/kernels';
import type { SvgdDirectionOptions } from '@steinkit/stein-estimators';
import * as tf from '@tensorflow/tfjs-core';

/**
 * How the repulsive term of a kernel on features k(x, x') = κ(E(x), E(x')) is computed:
 * - `'exact'`: R_i = Σ_j ∇_{x_j} k(x_j, x_i) = Σ_j J_E(x_j)ᵀ ∇₁κ(E(x_j), E(x_i)), the
 *   encoder's Jacobian at each x_j. Costs one backward pass over n² encoder rows
 *   (n ≤ c + 1, c the code size) or c + 1 passes over n rows.
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
  /** κ on the features (a heuristic bandwidth is resolved on E(x) of this batch); radial (rbf, imq) when `features` is given. */
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
 *
 * One SVGD-direction path: the kernel on features is `@steinkit/kernels`'
 * `featureKernel(κ, E)` (κ's bandwidth resolved on E(x) of this batch), and every
 * repulsion mode is one of its methods —
 * - `'exact'`: `steinTerms(x).repulsion`, the repulsion `svgdDirection` uses, so
 *   with `excludeSelf` off this is `svgdDirection(x, s, featureKernel(κ, E), { normalize })`
 *   term for term (tested). `featureKernel` picks the cheaper exact route: one
 *   backward pass over n² encoder rows when n ≤ c + 1 (SteinGAN's paper preset:
 *   n = 64, c = 512), else c + 1 passes over n rows;
 * - `'approximate'` / `'flipped'`: ∓`gradX(x)` = ∓Σ_j ∇_{x_i} κ(E(x_i), E(x_j)) with
 *   E(x_j) held fixed — the Jacobian at x_i instead of x_j. That is not the SVGD
 *   direction of any kernel (it equals it only for identity features), so it has no
 *   `svgdDirection` counterpart; it is kept because it costs one backward pass over
 *   n rows, against n² rows (or c + 1 passes) for the exact term, and it is
 *   SteinGAN's lean default.
 * What this function adds on top is only what `svgdDirection` does not offer: the
 * drive and repulsion returned separately, and `excludeSelf`. With identity
 * features both modes use the kernel's closed form (`steinTerms`).
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
  const base = asSteinKernel(opts.kernel);
  const E = opts.features;
  const n = x.shape[0];
  let kernelName = base.name;
  const out = tf.tidy(() => {
    const codes = E ? assert2D(E(x), 'features(x)', n) : x;
    const kr = base.withBandwidthFrom(codes); // κ with its bandwidth resolved on E(x)
    kernelName = kr.name;
    if (E && !kr.radial) {
      throw new TypeError(
        `kernel: with features, expected a radial kernel (rbf, imq), got ${kr.name}`,
      );
    }
    const k = E ? featureKernel(kr, E) : kr; // k(x, x') = κ(E(x), E(x'))
    const offDiag = opts.excludeSelf ? (tf.sub(1, tf.eye(n)) as tf.Tensor2D) : null;
    let K: tf.Tensor2D; // K[j, i] = k(x_j, x_i), symmetric
    let rep: tf.Tensor2D; // R_i
    if (mode === 'exact' || (!E && mode === 'approximate')) {
      const st = k.steinTerms(x);
      K = st.gram;
      rep = st.repulsion;
    } else {
      K = kr.gram(codes);
      // Σ_j ∇_{x_i} κ(E(x_i), E(x_j)), E(x_j) fixed. The j = i term is zero; with
      // excludeSelf it is masked out, so the closed form's x_i Σ_j k − Σ_j k x_j does not
      // leave a rounding residue that a small Σ_{j≠i} k (kernelSum) would amplify.
      const g = k.gradX(x, undefined, offDiag ?? undefined);
      rep = mode === 'approximate' ? tf.neg(g) : g;
    }
    // Dropping the j = i terms: mask them out of K (K ⊙ (1 − I)) rather than subtract
    // K_ii s_i and K_ii from the sums — with kernelSum and an isolated particle,
    // Σ_{j≠i} k ≈ 1e-5 would otherwise be the float32 difference of ≈ 1 and 1.
    const Kd = offDiag ? tf.mul(K, offDiag) : K;
    const drive = tf.matMul(Kd, score, true, false); // Σ_j K[j, i] s_j
    const denom =
      normalize === 'n'
        ? tf.scalar(opts.excludeSelf ? n - 1 : n)
        : tf.reshape(tf.sum(Kd, 0), [n, 1]);
    const driveN = tf.div(drive, denom) as tf.Tensor2D;
    const repN = tf.div(rep, denom) as tf.Tensor2D;
    return { direction: tf.add(driveN, repN) as tf.Tensor2D, drive: driveN, repulsion: repN };
  });
  return { ...out, kernelName };
}
