import { assert2D, assertPositive, type ScoreFn } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Sliced kernelized Stein discrepancy (Gong et al., ICLR 2021, eq. 6/8):
 * for slice pairs (r_i, g_i) on the unit sphere, with projections a = xᵀg_i,
 * projected scores s = r_iᵀ∇log p(x), c_i = r_iᵀg_i and the 1-D RBF
 * k(a, b) = exp(−(a − b)²/h_i²),
 *
 *   SKSD = Σ_i E_{x,x'}[ s s' k + c s ∂_b k + c s' ∂_a k + c² ∂_a∂_b k ],
 *
 * as a U- or V-statistic over the rows of x.
 *
 * Slice-blocked closed form: nothing of size n×n×D is built. Per slice the
 * pair sum is a handful of quadratic forms in the Gram matrix K_i (`[S, n, n]`
 * in all), and the gradient with respect to the projections, projected scores
 * and c_i has a closed form too (a custom gradient), so autodiff only has to
 * go through the cheap maps x·gᵀ, score·rᵀ and r·g.
 */

/**
 * Per-slice bandwidth: a fixed h (number, same for every slice), per-slice
 * h values, or the median heuristic on the projections
 * h_i² = scale · median_{j<k} (a_j − a_k)² (pairs j < k, no self-pairs),
 * default scale 2 — the choice of the reference code of Gong et al.
 * (bandwidth 2·√(½·median of squared distances)). A zero median (all
 * projections equal) falls back to h_i² = 1. Heuristic bandwidths are
 * constants for autodiff (no gradient flows through the median).
 */
export type SlicedBandwidth = number | number[] | { kind: 'median'; scale?: number };

export interface SksdOptions {
  /** Score directions r_i `[S, D]` (rows normalized inside). */
  r: tf.Tensor2D;
  /** Projection directions g_i `[S, D]` (rows normalized inside). */
  g: tf.Tensor2D;
  /** 'u' (drops i = j pairs, unbiased) or 'v' (all pairs); default 'v'. */
  statistic?: 'u' | 'v';
  /** Default `{ kind: 'median', scale: 2 }`. */
  bandwidth?: SlicedBandwidth;
}

export const SKSD_MEDIAN: { kind: 'median'; scale: number } = { kind: 'median', scale: 2 };

/** Median of the n(n−1)/2 squared pairwise differences of each row of a `[S, n]` array. */
export function medianSqPairDiffs(
  a: Float32Array | Float64Array,
  slices: number,
  n: number,
): Float64Array {
  const m = (n * (n - 1)) / 2;
  const buf = new Float64Array(Math.max(m, 1));
  const out = new Float64Array(slices);
  for (let s = 0; s < slices; s++) {
    if (m === 0) {
      out[s] = 0;
      continue;
    }
    const o = s * n;
    let p = 0;
    for (let j = 0; j < n; j++) {
      const aj = a[o + j];
      for (let k = j + 1; k < n; k++) {
        const d = aj - a[o + k];
        buf[p++] = d * d;
      }
    }
    out[s] =
      m % 2 === 1
        ? select(buf, m, (m - 1) / 2)
        : 0.5 * (select(buf, m, m / 2 - 1) + select(buf, m, m / 2));
  }
  return out;
}

/** k-th smallest of buf[0..len) (Hoare quickselect; reorders buf). */
function select(buf: Float64Array, len: number, k: number): number {
  let lo = 0;
  let hi = len - 1;
  while (lo < hi) {
    const pivot = buf[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (buf[i] < pivot) i++;
      while (buf[j] > pivot) j--;
      if (i <= j) {
        const t = buf[i];
        buf[i] = buf[j];
        buf[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return buf[k];
  }
  return buf[lo];
}

/** Resolves per-slice squared bandwidths h_i² from the projections `[S, n]` (syncs for the median). */
export function slicedBandwidthSq(
  proj: tf.Tensor2D,
  bandwidth: SlicedBandwidth = SKSD_MEDIAN,
): Float32Array {
  const [S, n] = proj.shape;
  const out = new Float32Array(S);
  if (typeof bandwidth === 'number') {
    assertPositive(bandwidth, 'bandwidth');
    out.fill(bandwidth * bandwidth);
    return out;
  }
  if (Array.isArray(bandwidth)) {
    if (bandwidth.length !== S) {
      throw new RangeError(`bandwidth: expected ${S} per-slice values, got ${bandwidth.length}`);
    }
    bandwidth.forEach((h, i) => {
      assertPositive(h, `bandwidth[${i}]`);
      out[i] = h * h;
    });
    return out;
  }
  if (bandwidth?.kind !== 'median') {
    throw new TypeError(
      `bandwidth: expected a number, an array or { kind: 'median' }, got ${JSON.stringify(bandwidth)}`,
    );
  }
  const scale = bandwidth.scale ?? 2;
  assertPositive(scale, 'bandwidth.scale');
  const med = medianSqPairDiffs(proj.dataSync() as Float32Array, S, n);
  for (let i = 0; i < S; i++) {
    const h2 = scale * med[i];
    out[i] = h2 > 0 && Number.isFinite(h2) ? h2 : 1;
  }
  return out;
}

/**
 * The closed-form core on scaled inputs: t = a/h `[S, n]`, s `[S, n]`,
 * β = c/h `[S]`; returns Σ_i T_i / N with N = n² (V) or n(n−1) (U), where
 * in scaled coordinates (d = t_j − t_k, K = exp(−d²))
 *   T_i = Σ_jk K [s_j s_k + 2β d (s_j − s_k) + β² (2 − 4 d²)].
 * Gradients with respect to t, s and β are closed form (see the derivation
 * in the package README).
 */
export function slicedSteinCore(
  t: tf.Tensor2D,
  s: tf.Tensor2D,
  beta: tf.Tensor1D,
  ustat: boolean,
): tf.Scalar {
  const [S, n] = t.shape;
  const norm = ustat ? n * (n - 1) : n * n;
  if (ustat && n < 2) throw new RangeError(`x: a U-statistic needs at least 2 rows, got ${n}`);
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [tIn, sIn, bIn] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const parts = tf.tidy(() => {
      // Translation invariance: center each slice (keeps the cubic expansions well conditioned).
      const tc = tf.sub(tIn, tf.mean(tIn, 1, true)) as tf.Tensor2D;
      const b = tf.reshape(bIn, [S, 1]);
      const t3 = tf.reshape(tc, [S, n, 1]);
      const s3 = tf.reshape(sIn, [S, n, 1]);
      const tt = tf.square(t3);
      const ones = tf.onesLike(t3);
      // −d² = 2 t_j t_k − t_j² − t_k² as one batched product.
      const left = tf.concat([tf.mul(2, t3), tf.neg(tt), tf.neg(ones)], 2);
      const right = tf.concat([t3, ones, tt], 2);
      const K = tf.exp(tf.minimum(tf.matMul(left, right, false, true), 0));
      const ts = tf.mul(t3, s3);
      const V = tf.concat([ones, t3, s3, ts, tt, tf.mul(tt, s3), tf.mul(tt, t3)], 2);
      const KV = tf.matMul(K, V); // [S, n, 7]
      const [k1, kt, ks, kts, kt2, kt2s, kt3] = tf.unstack(KV, 2) as tf.Tensor2D[];
      return { tc, b, k1, kt, ks, kts, kt2, kt2s, kt3 };
    });
    const { tc, b, k1, kt, ks, kts, kt2, kt2s, kt3 } = parts;
    const value = tf.tidy(() => {
      const sum = (u: tf.Tensor) => tf.sum(u, 1);
      const SS = sum(tf.mul(sIn, ks));
      const A = tf.mul(2, sum(tf.sub(tf.mul(tf.mul(tc, sIn), k1), tf.mul(tc, ks))));
      const B = tf.mul(2, sum(tf.sub(tf.mul(tf.square(tc), k1), tf.mul(tc, kt))));
      const K0 = sum(k1);
      const bb = tf.reshape(b, [S]);
      let T = tf.add(
        tf.add(SS, tf.mul(tf.mul(2, bb), A)),
        tf.mul(tf.square(bb), tf.sub(tf.mul(2, K0), tf.mul(4, B))),
      );
      if (ustat) T = tf.sub(T, tf.add(sum(tf.square(sIn)), tf.mul(2 * n, tf.square(bb))));
      save([tc, sIn, b, k1, kt, ks, kts, kt2, kt2s, kt3, A, B, K0]);
      return tf.div(tf.sum(T), norm) as tf.Scalar;
    });
    return {
      value,
      gradFunc: (dy: tf.Scalar, saved: tf.Tensor[]) => {
        const [tc, sv, b, k1, kt, ks, kts, kt2, kt2s, kt3, A, B, K0] = saved;
        return tf.tidy(() => {
          const w = tf.div(dy, norm);
          const tt = tf.square(tc);
          const b2 = tf.square(b);
          // ∂T/∂t_j = 2 Σ_k K [−2 d s_j s_k − 4β d²(s_j − s_k) + 2β(s_j − s_k) − 12β² d + 8β² d³]
          const dS = tf.sub(tf.mul(tc, ks), kts); // Σ K d s_k
          const d2s = tf.sub(
            tf.mul(sv, tf.add(tf.sub(tf.mul(tt, k1), tf.mul(tf.mul(2, tc), kt)), kt2)),
            tf.add(tf.sub(tf.mul(tt, ks), tf.mul(tf.mul(2, tc), kts)), kt2s),
          ); // Σ K d² (s_j − s_k)
          const ds = tf.sub(tf.mul(sv, k1), ks); // Σ K (s_j − s_k)
          const d1 = tf.sub(tf.mul(tc, k1), kt); // Σ K d
          const d3 = tf.sub(
            tf.add(
              tf.sub(tf.mul(tf.mul(tt, tc), k1), tf.mul(tf.mul(3, tt), kt)),
              tf.mul(tf.mul(3, tc), kt2),
            ),
            kt3,
          ); // Σ K d³
          const gt = tf.mul(
            2,
            tf.addN([
              tf.mul(-2, tf.mul(sv, dS)),
              tf.mul(tf.mul(-4, b), d2s),
              tf.mul(tf.mul(2, b), ds),
              tf.mul(tf.mul(-12, b2), d1),
              tf.mul(tf.mul(8, b2), d3),
            ]),
          );
          let gs = tf.mul(2, tf.add(ks, tf.mul(tf.mul(2, b), d1)));
          if (ustat) gs = tf.sub(gs, tf.mul(2, sv));
          const bf = tf.reshape(b, [S]);
          let gb = tf.add(tf.mul(2, A), tf.mul(tf.mul(2, bf), tf.sub(tf.mul(2, K0), tf.mul(4, B))));
          if (ustat) gb = tf.sub(gb, tf.mul(4 * n, bf));
          return [tf.mul(w, gt), tf.mul(w, gs), tf.mul(w, gb)];
        });
      },
    };
  });
  return op(t, s, beta) as tf.Scalar;
}

function normalizeRows(m: tf.Tensor2D): tf.Tensor2D {
  return tf.div(m, tf.add(tf.norm(m, 'euclidean', 1, true), 1e-10)) as tf.Tensor2D;
}

/**
 * The sliced KSD of the sample x `[n, D]` against the target with score
 * `score` (a function, or its values at x `[n, D]`), summed over the slice
 * pairs (rows of r and g). Differentiable in x-independent inputs: r, g and
 * whatever the score depends on (model parameters). Tidy.
 */
export function sksd(x: tf.Tensor2D, score: ScoreFn | tf.Tensor2D, opts: SksdOptions): tf.Scalar {
  const xs = assert2D(x, 'x');
  const [n, d] = xs.shape;
  const { statistic = 'v', bandwidth = SKSD_MEDIAN } = opts;
  if (statistic !== 'u' && statistic !== 'v') {
    throw new TypeError(`statistic: expected 'u' or 'v', got ${String(statistic)}`);
  }
  assert2D(opts.g, 'g', null, d);
  assert2D(opts.r, 'r', opts.g.shape[0], d);
  return tf.tidy(() => {
    const sc = typeof score === 'function' ? score(xs) : score;
    assert2D(sc, 'score', n, d);
    const gn = normalizeRows(opts.g);
    const rn = normalizeRows(opts.r);
    const proj = tf.matMul(gn, xs, false, true) as tf.Tensor2D; // [S, n]
    const sproj = tf.matMul(rn, sc, false, true) as tf.Tensor2D; // [S, n]
    const c = tf.sum(tf.mul(rn, gn), 1) as tf.Tensor1D; // [S]
    const h2 = slicedBandwidthSq(proj, bandwidth);
    const invH = tf.tensor1d(h2.map((v) => 1 / Math.sqrt(v)));
    const t = tf.mul(proj, tf.reshape(invH, [-1, 1])) as tf.Tensor2D;
    const beta = tf.mul(c, invH) as tf.Tensor1D;
    return slicedSteinCore(t, sproj, beta, statistic === 'u');
  });
}

/**
 * The pair matrix H_jk = Σ_i h_i(x_j, x_k) `[n, n]` of the sliced KSD (mean
 * of H over all pairs = V-statistic, over j ≠ k = U-statistic); for
 * bootstrap tests. Builds `[S, n, n]` tensors; not differentiable by design.
 */
export function sksdPairMatrix(
  x: tf.Tensor2D,
  score: ScoreFn | tf.Tensor2D,
  opts: Omit<SksdOptions, 'statistic'>,
): tf.Tensor2D {
  const xs = assert2D(x, 'x');
  const [n, d] = xs.shape;
  assert2D(opts.g, 'g', null, d);
  assert2D(opts.r, 'r', opts.g.shape[0], d);
  return tf.tidy(() => {
    const sc = typeof score === 'function' ? score(xs) : score;
    assert2D(sc, 'score', n, d);
    const gn = normalizeRows(opts.g);
    const rn = normalizeRows(opts.r);
    const S = gn.shape[0];
    const proj = tf.matMul(gn, xs, false, true) as tf.Tensor2D;
    const sp = tf.reshape(tf.matMul(rn, sc, false, true), [S, n, 1]);
    const c = tf.reshape(tf.sum(tf.mul(rn, gn), 1), [S, 1, 1]);
    const h2 = slicedBandwidthSq(proj, opts.bandwidth ?? SKSD_MEDIAN);
    const q = tf.reshape(tf.tensor1d(h2.map((v) => 1 / v)), [S, 1, 1]);
    const a = tf.reshape(proj, [S, n, 1]);
    const dd = tf.sub(a, tf.transpose(a, [0, 2, 1])); // a_j − a_k
    const K = tf.exp(tf.neg(tf.mul(q, tf.square(dd))));
    const spT = tf.transpose(sp, [0, 2, 1]);
    const twoCqD = tf.mul(tf.mul(2, tf.mul(c, q)), dd);
    const H = tf.mul(
      K,
      tf.addN([
        tf.mul(sp, spT),
        tf.mul(twoCqD, tf.sub(sp, spT)),
        tf.mul(tf.square(c), tf.sub(tf.mul(2, q), tf.mul(tf.mul(4, tf.square(q)), tf.square(dd)))),
      ]),
    );
    return tf.sum(H, 0) as tf.Tensor2D;
  });
}
