import { choleskyFactor, choleskySolveFactored, symmetricEigen } from '@steinkit/core';
import {
  type Bandwidth,
  bandwidthFromSqDistances,
  SVGD_MEDIAN,
  validateBandwidth,
} from '@steinkit/kernels';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Stein estimators on many independent particle sets at once: z `[B, S, d]`
 * holds B groups (e.g. one per data point x in amortized inference) of S
 * particles each, with the RBF kernel k(z, z') = exp(−‖z − z'‖²/h_b²) and a
 * bandwidth resolved **per group** by the same rules as `resolveBandwidth`
 * (`@steinkit/kernels`). The per-group results equal `svgdDirection`,
 * `steinGradientEstimator(...).fit(z_b).estimate()` and `ssge(...)` on each
 * group (tested), in one batched pass instead of B small ones.
 */
export interface GroupedOptions {
  /** The RBF bandwidth: a fixed h or a median heuristic (default `SVGD_MEDIAN`). */
  bandwidth?: Bandwidth;
}

function checkGroups(z: tf.Tensor, name = 'z'): [number, number, number] {
  if (!z || z.rank !== 3 || (z.shape[1] as number) < 2) {
    throw new RangeError(
      `${name}: expected groups of particles [B, S ≥ 2, d], got [${z?.shape?.join(', ')}]`,
    );
  }
  return z.shape as [number, number, number];
}

/** Batched pairwise squared distances `[B, S, S]`, clamped at 0. */
function groupSqDist(z: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const n2 = tf.sum(tf.square(z), 2, true); // [B, S, 1]
    const d = tf.sub(
      tf.add(n2, tf.transpose(n2, [0, 2, 1])),
      tf.mul(2, tf.matMul(z, z, false, true)),
    );
    return tf.relu(d) as tf.Tensor3D;
  });
}

/** The per-group bandwidths h_b (resolveBandwidth's rules applied to each group's distances). Syncs once. */
export function groupedBandwidths(z: tf.Tensor3D, bandwidth: Bandwidth = SVGD_MEDIAN): number[] {
  validateBandwidth(bandwidth);
  const [B, S] = checkGroups(z);
  if (typeof bandwidth === 'number') return new Array(B).fill(bandwidth);
  if (bandwidth.subsample) {
    throw new TypeError('bandwidth.subsample: not supported for grouped estimators');
  }
  const [D, tolv] = tf.tidy(() => {
    const tol = tf.mul(1e-6, tf.max(tf.sum(tf.square(z), 2), 1)); // [B]
    return [groupSqDist(z), tol];
  });
  const all = D.dataSync() as Float32Array;
  const tols = tolv.dataSync();
  tf.dispose([D, tolv]);
  const out: number[] = [];
  for (let b = 0; b < B; b++) {
    // squared distances below the float32 round-off count as 0, as in resolveBandwidth
    const d = all.slice(b * S * S, (b + 1) * S * S).map((v) => (v < tols[b] ? 0 : v));
    out.push(bandwidthFromSqDistances(bandwidth, d, S));
  }
  return out;
}

/** Gram K `[B, S, S]` and repulsion R_i = Σ_j ∇_{z_j} k(z_j, z_i) `[B, S, d]` for per-group h. */
function groupSteinTerms(
  z: tf.Tensor3D,
  h: number[],
): { gram: tf.Tensor3D; repulsion: tf.Tensor3D } {
  return tf.tidy(() => {
    const B = z.shape[0];
    const invH2 = tf.tensor3d(
      h.map((v) => 1 / (v * v)),
      [B, 1, 1],
    );
    const gram = tf.exp(tf.neg(tf.mul(groupSqDist(z), invH2))) as tf.Tensor3D;
    // ∇_{z_j} exp(−‖z_j − z_i‖²/h²) = −(2/h²)(z_j − z_i)k_ij  ⇒  R = (2/h²)(z ∘ rowsum K − K z)
    const rowsum = tf.sum(gram, 2, true);
    const repulsion = tf.mul(
      tf.mul(2, invH2),
      tf.sub(tf.mul(z, rowsum), tf.matMul(gram, z)),
    ) as tf.Tensor3D;
    return { gram, repulsion };
  });
}

/**
 * The SVGD direction (eq. 7) in every group: Δz_bi = (1/S) Σ_j [k(z_bj, z_bi)
 * ∇log p_b(z_bj) + ∇_{z_bj} k(z_bj, z_bi)], scores `[B, S, d]` of each
 * group's own target (e.g. p(z|x_b)). Returns `[B, S, d]`.
 */
export function groupedSvgdDirection(
  z: tf.Tensor3D,
  scores: tf.Tensor3D,
  opts: GroupedOptions = {},
): tf.Tensor3D {
  const [B, S, d] = checkGroups(z);
  if (
    scores?.rank !== 3 ||
    scores.shape[0] !== B ||
    scores.shape[1] !== S ||
    scores.shape[2] !== d
  ) {
    throw new RangeError(
      `scores: expected shape [${B}, ${S}, ${d}], got [${scores?.shape?.join(', ')}]`,
    );
  }
  const h = groupedBandwidths(z, opts.bandwidth ?? SVGD_MEDIAN);
  return tf.tidy(() => {
    const { gram, repulsion } = groupSteinTerms(z, h);
    return tf.div(tf.add(tf.matMul(gram, scores), repulsion), S) as tf.Tensor3D;
  });
}

/**
 * The Stein gradient estimator (Li & Turner 2018) in every group:
 * Ĝ_b = −(K_b + ηI)⁻¹ R_b ≈ ∇log q_b at the group's samples, `[B, S, d]`.
 * The B small S×S solves run in float64 (Cholesky), like `steinGradientEstimator`.
 */
export function groupedSteinGradient(
  z: tf.Tensor3D,
  opts: GroupedOptions & { eta?: number } = {},
): tf.Tensor3D {
  const [B, S, d] = checkGroups(z);
  const eta = opts.eta ?? 0.1;
  if (!(eta > 0 && Number.isFinite(eta)))
    throw new RangeError(`eta: expected a number > 0, got ${eta}`);
  const h = groupedBandwidths(z, opts.bandwidth ?? SVGD_MEDIAN);
  const { gram, repulsion } = groupSteinTerms(z, h);
  const K = gram.dataSync();
  const R = repulsion.dataSync();
  tf.dispose([gram, repulsion]);
  const out = new Float32Array(B * S * d);
  for (let b = 0; b < B; b++) {
    const A = new Float64Array(S * S);
    for (let i = 0; i < S * S; i++) A[i] = K[b * S * S + i];
    for (let i = 0; i < S; i++) A[i * S + i] += eta;
    const L = choleskyFactor(A, S);
    const X = choleskySolveFactored(L, S, R.subarray(b * S * d, (b + 1) * S * d), d);
    for (let i = 0; i < S * d; i++) out[b * S * d + i] = -X[i];
  }
  return tf.tensor3d(out, [B, S, d]);
}

/**
 * The spectral Stein gradient estimator (Shi et al. 2018) in every group, at
 * the group's own samples: ĝ(z) = Σ_{j ≤ J} β_j ψ_j(z), J the fewest
 * eigenvalues holding `energy` of the total (or `numEigen`), as `ssge`.
 */
export function groupedSsge(
  z: tf.Tensor3D,
  opts: GroupedOptions & { numEigen?: number; energy?: number } = {},
): tf.Tensor3D {
  const [B, S, d] = checkGroups(z);
  const energy = opts.energy ?? 0.99;
  if (!(energy > 0 && energy <= 1))
    throw new RangeError(`energy: expected a number in (0, 1], got ${energy}`);
  if (opts.numEigen !== undefined && !(Number.isInteger(opts.numEigen) && opts.numEigen >= 1)) {
    throw new RangeError(`numEigen: expected an integer ≥ 1, got ${opts.numEigen}`);
  }
  const h = groupedBandwidths(z, opts.bandwidth ?? SVGD_MEDIAN);
  const { gram, repulsion } = groupSteinTerms(z, h);
  const K = gram.dataSync();
  const R = repulsion.dataSync();
  tf.dispose([gram, repulsion]);
  const out = new Float32Array(B * S * d);
  for (let b = 0; b < B; b++) {
    const Kb = K.subarray(b * S * S, (b + 1) * S * S);
    const Rb = R.subarray(b * S * d, (b + 1) * S * d);
    const eig = symmetricEigen(Kb, S); // ascending
    const order = Array.from({ length: S }, (_, i) => S - 1 - i); // descending
    const lam = order.map((i) => eig.values[i]);
    let J = opts.numEigen ?? 0;
    if (opts.numEigen === undefined) {
      const total = lam.reduce((s, v) => s + Math.max(v, 0), 0);
      let acc = 0;
      while (J < S && acc < energy * total) acc += Math.max(lam[J++], 0);
    }
    J = Math.min(J, S);
    while (J > 1 && !(lam[J - 1] > 1e-8 * lam[0])) J--;
    // ψ_j(z_i) = (√S/λ_j)(K u_j)_i = √S u_ji at the samples; β_j = −(1/√S)(1/λ_j) u_jᵀ R
    for (let jj = 0; jj < J; jj++) {
      const col = order[jj];
      const u = new Float64Array(S);
      for (let i = 0; i < S; i++) u[i] = eig.vectors[i * S + col];
      const beta = new Float64Array(d);
      for (let i = 0; i < S; i++) for (let k = 0; k < d; k++) beta[k] += u[i] * Rb[i * d + k];
      const c = -1 / lam[jj]; // √S · (−1/√S)(1/λ)
      for (let i = 0; i < S; i++) {
        for (let k = 0; k < d; k++) out[b * S * d + i * d + k] += c * u[i] * beta[k];
      }
    }
  }
  return tf.tensor3d(out, [B, S, d]);
}
