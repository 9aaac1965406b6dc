import { assert2D, assertInt, type ScoreFn, symmetricEigen } from '@steinkit/core';
import { rbf, type SteinKernel } from '@steinkit/kernels';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Active slices (Gong, Zhang, Li & Hernández-Lobato, ICML 2021): a closed-form
 * initialization of the sliced KSD's directions from samples x ~ q.
 *
 * With the score difference d(x) = s_p(x) − s_q(x):
 * - r: the top eigenvectors of E_q[d dᵀ] (the r maximizing the sliced Fisher
 *   divergence E_q[(rᵀd)²] under orthogonality);
 * - g_i for each r_i: the top eigenvector of the "sensitivity" matrix
 *   H_i = E_q[∇ₓ(r_iᵀd) ∇ₓ(r_iᵀd)ᵀ] (the Poincaré-inequality bound).
 *
 * `scoreQ` is either a differentiable score of q (the exact one, or a fitted
 * estimator's) or `'kernel'`: the kernel-smoothed difference
 * d̃(y) = (1/n) Σ_i [k(x_i, y) s_p(x_i) + ∇_{x_i} k(x_i, y)] = E_q[k(x, y) d(x)]
 * (Stein's identity; the SVGD direction), which needs no score of q. Then
 * ∇_y(r_iᵀd̃) differentiates through the kernel only (x and s_p(x_i) fixed),
 * as in the reference code's kernel-smoothed variant.
 *
 * Expectations are sample means over x; eigenvectors of E[d dᵀ] by float64
 * Jacobi, the g_i by batched power iteration on H_i (started from r_i); signs
 * are fixed so that each row's largest-magnitude entry is positive.
 */
export interface ActiveSlicesOptions {
  /** Number of slices S ≤ D (the top S eigenvectors); default D. */
  numSlices?: number;
  /**
   * Kernel of the `'kernel'` variant; its bandwidth is resolved once on x.
   * Default RBF exp(−‖x − y‖²/h²) with h² = 2·median of squared distances.
   */
  kernel?: SteinKernel;
  /** Power-iteration steps for each g_i; default 100. */
  powerIterations?: number;
  /** Slices per block of the batched Jacobian (memory: block·n·D floats); default chosen for ≈ 4M floats. */
  blockSize?: number;
}

export interface ActiveSlices {
  /** Score directions `[S, D]`, orthonormal rows, by decreasing eigenvalue. */
  r: tf.Tensor2D;
  /** Projection directions `[S, D]`, unit rows (g_i = r_i where H_i vanishes). */
  g: tf.Tensor2D;
  /** The S largest eigenvalues of E_q[d dᵀ], descending. */
  eigenvalues: Float64Array;
}

/** The default kernel of the `'kernel'` variant: h² = 2·median of squared pairwise distances. */
export const ACTIVE_SLICE_KERNEL: SteinKernel = rbf({
  bandwidth: { kind: 'median', squared: true, scale: 2 },
});

export function activeSlices(
  x: tf.Tensor2D,
  scoreP: ScoreFn,
  scoreQ: ScoreFn | 'kernel',
  opts: ActiveSlicesOptions = {},
): ActiveSlices {
  assert2D(x, 'x');
  const [n, D] = x.shape;
  if (n < 2) throw new RangeError(`x: expected at least 2 samples, got ${n}`);
  if (typeof scoreP !== 'function') throw new TypeError('scoreP: expected a score function');
  if (scoreQ !== 'kernel' && typeof scoreQ !== 'function')
    throw new TypeError(`scoreQ: expected a score function or 'kernel', got ${String(scoreQ)}`);
  const S = opts.numSlices ?? D;
  assertInt(S, 'numSlices', 1);
  if (S > D) throw new RangeError(`numSlices: expected at most D = ${D}, got ${S}`);
  const iters = opts.powerIterations ?? 100;
  assertInt(iters, 'powerIterations', 1);
  const block = opts.blockSize ?? Math.max(1, Math.min(S, Math.floor(4e6 / (n * D))));
  assertInt(block, 'blockSize', 1);

  // d(y) for points y (differentiable in y), closed over x.
  let diff: (y: tf.Tensor2D) => tf.Tensor2D;
  let fixed: tf.Tensor[] = [];
  if (scoreQ === 'kernel') {
    const k = (opts.kernel ?? ACTIVE_SLICE_KERNEL).withBandwidthFrom(x);
    const sx = tf.tidy(() => scoreP(x));
    assert2D(sx, 'scoreP(x)', n, D);
    fixed = [sx];
    // (1/n)[K(x, y)ᵀ s_p(x) − Σ_i ∇_y k(x_i, y)]: for a radial kernel ∇_{x_i} k = −∇_y k.
    diff = (y) =>
      tf.div(tf.sub(tf.matMul(k.gram(x, y), sx, true, false), k.gradY(x, y)), n) as tf.Tensor2D;
  } else {
    diff = (y) => tf.sub(scoreP(y), scoreQ(y)) as tf.Tensor2D;
  }

  try {
    // r: top-S eigenvectors of the sample second moment of d.
    const M = tf.tidy(() => {
      const d = diff(x);
      assert2D(d, 'score difference', n, D);
      if (!Number.isFinite(tf.sum(d).dataSync()[0]))
        throw new RangeError('scoreP/scoreQ: non-finite score at x');
      return tf.div(tf.matMul(d, d, true, false), n);
    });
    const eig = symmetricEigen(M.dataSync(), D);
    M.dispose();
    const rData = new Float32Array(S * D);
    const eigenvalues = new Float64Array(S);
    for (let s = 0; s < S; s++) {
      const k = D - 1 - s; // ascending → descending
      eigenvalues[s] = eig.values[k];
      let lead = 0;
      for (let a = 0; a < D; a++) {
        const v = eig.vectors[a * D + k];
        rData[s * D + a] = v;
        if (Math.abs(v) > Math.abs(lead)) lead = v;
      }
      if (lead < 0) for (let a = 0; a < D; a++) rData[s * D + a] = -rData[s * D + a];
    }
    const r = tf.tensor2d(rData, [S, D]);

    // g_i: top eigenvector of H_i = Gᵢᵀ Gᵢ / n with Gᵢ[j] = ∇_y (r_iᵀ d(y))|_{y = x_j}.
    const gBlocks: tf.Tensor2D[] = [];
    for (let s0 = 0; s0 < S; s0 += block) {
      const b = Math.min(block, S - s0);
      gBlocks.push(
        tf.tidy(() => {
          const rb = tf.slice(r, [s0, 0], [b, D]);
          // Tile x once per slice of the block: one backward pass gives every Gᵢ.
          const yRep = tf.reshape(tf.tile(tf.expandDims(x, 0), [b, 1, 1]), [
            b * n,
            D,
          ]) as tf.Tensor2D;
          const wRep = tf.reshape(tf.tile(tf.expandDims(rb, 1), [1, n, 1]), [b * n, D]);
          const G = tf.grad((y: tf.Tensor) => tf.sum(tf.mul(diff(y as tf.Tensor2D), wRep)))(yRep);
          const G3 = tf.reshape(G, [b, n, D]) as tf.Tensor3D;
          const H = tf.div(tf.matMul(G3, G3, true, false), n) as tf.Tensor3D; // [b, D, D]
          return topEigenvectors(H, rb, iters);
        }),
      );
    }
    const g = tf.concat(gBlocks, 0) as tf.Tensor2D;
    tf.dispose(gBlocks);
    return { r, g, eigenvalues };
  } finally {
    tf.dispose(fixed);
  }
}

/**
 * Batched power iteration: the top eigenvector of each PSD H[i] (`[b, D, D]`),
 * started from v0[i] (plus a small constant tilt, so a start orthogonal to
 * the top eigenvector still converges). Rows where H vanishes keep v0.
 */
function topEigenvectors(H: tf.Tensor3D, v0: tf.Tensor2D, iters: number): tf.Tensor2D {
  return tf.tidy(() => {
    const [b, D] = v0.shape;
    const scale = tf.max(tf.abs(H), [1, 2], true); // [b, 1, 1]
    const zero = tf.lessEqual(tf.reshape(scale, [b, 1]), 1e-30);
    const Hn = tf.div(H, tf.maximum(scale, 1e-30));
    let v = tf.expandDims(unit(tf.add(v0, 1e-3 / Math.sqrt(D))), 2) as tf.Tensor3D; // [b, D, 1]
    for (let t = 0; t < iters; t++) {
      const next = tf.matMul(Hn, v);
      v = tf.div(next, tf.add(tf.norm(next, 'euclidean', 1, true), 1e-30)) as tf.Tensor3D;
    }
    const out = tf.reshape(v, [b, D]);
    // Deterministic sign: the largest-magnitude entry positive.
    const absArg = tf.argMax(tf.abs(out), 1);
    const lead = tf.sum(tf.mul(out, tf.oneHot(absArg, D)), 1, true);
    const signed = tf.mul(out, tf.sign(tf.add(lead, 1e-30)));
    return tf.where(tf.tile(zero, [1, D]), v0, signed) as tf.Tensor2D;
  });
}

function unit(m: tf.Tensor2D): tf.Tensor2D {
  return tf.div(m, tf.add(tf.norm(m, 'euclidean', 1, true), 1e-30)) as tf.Tensor2D;
}
