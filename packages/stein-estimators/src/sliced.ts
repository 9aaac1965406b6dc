import { assert2D, assertFloat, assertPoints, assertPositive, type ScoreFn } from '@steinkit/core';
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
 * and c_i has a closed form too (a custom gradient, see `slicedSteinCore`),
 * so autodiff only goes through the cheap maps x·gᵀ, score·rᵀ and r·g.
 */

/**
 * Per-slice bandwidth: a fixed h (number, same for every slice), per-slice
 * h values, or the median heuristic on the projections
 * h_i² = scale · median_{j<k} (a_j − a_k)² (pairs j < k, no self-pairs),
 * default scale 2 — the choice of the reference code of Gong et al.
 * (bandwidth 2·√(½·median of squared distances)). `includeSelf: true`
 * takes the median the way that code's `median_heruistic_proj` does: over
 * the n(n+1)/2 pairs j ≤ k, so the n zero self-distances count, and the
 * lower middle value (torch.median) — for n = 100 the 0.49-quantile of
 * the pair distances, h² a few per cent smaller. A zero median (all
 * projections equal) falls back to h_i² = 1. Heuristic bandwidths are
 * constants for autodiff (no gradient flows through the median).
 */
export type SlicedBandwidth = number | number[] | SlicedMedian;

export interface SlicedMedian {
  kind: 'median';
  /** h² = scale · median; default 2. */
  scale?: number;
  /** Count the n zero self-distances and take the lower middle value (see above); default false. */
  includeSelf?: boolean;
}

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

export const SKSD_MEDIAN: SlicedMedian = { kind: 'median', scale: 2 };

/**
 * Median of the n(n−1)/2 squared pairwise differences of each row of a
 * `[S, n]` array (even count: mean of the two middle values). Exact, in
 * O(n log n) per row: sort, then bracket the middle order statistics of the
 * differences b_k − b_j (k > j) by bisection with a two-pointer count, and
 * sort only the few differences left inside the bracket.
 *
 * `includeSelf`: the lower median of the n(n+1)/2 values of the pairs
 * j ≤ k, the n zero self-differences included (the reference code's
 * convention): the order statistic ⌊(n(n+1)/2 − 1)/2⌋ − n of the pair
 * differences, or 0 when that index is negative (n < 4).
 *
 * Non-finite entries (NaN, ±Inf) are a RangeError naming `a` and the row:
 * they have no median to bracket.
 */
export function medianSqPairDiffs(
  a: Float32Array | Float64Array,
  slices: number,
  n: number,
  includeSelf = false,
): Float64Array {
  const out = new Float64Array(slices);
  const m = (n * (n - 1)) / 2;
  if (m === 0) return out;
  const b = new Float64Array(n);
  let kLo = (m - 1) >> 1;
  let kHi = m >> 1;
  if (includeSelf) {
    kLo = Math.floor(((n * (n + 1)) / 2 - 1) / 2) - n;
    if (kLo < 0) return out;
    kHi = kLo;
  }
  if (a.length < slices * n) {
    throw new RangeError(`a: expected ${slices}·${n} = ${slices * n} values, got ${a.length}`);
  }
  for (let s = 0; s < slices; s++) {
    for (let j = 0; j < n; j++) {
      const v = a[s * n + j];
      if (!Number.isFinite(v)) {
        throw new RangeError(`a: expected finite values, found ${v} at row ${s}, column ${j}`);
      }
      b[j] = v;
    }
    b.sort();
    const [lo, hi] = pairDiffOrderStats(b, n, kLo, kHi);
    out[s] = 0.5 * (lo * lo + hi * hi);
  }
  return out;
}

/** #pairs k > j with b_k − b_j ≤ v, for sorted b (two pointers, O(n)). */
function countLE(b: Float64Array, n: number, v: number): number {
  let c = 0;
  let k = 1;
  for (let j = 0; j < n - 1; j++) {
    if (k < j + 1) k = j + 1;
    while (k < n && b[k] - b[j] <= v) k++;
    c += k - j - 1;
  }
  return c;
}

/** The order statistics kLo and kHi (0-based) of the pairwise differences of sorted b. */
function pairDiffOrderStats(
  b: Float64Array,
  n: number,
  kLo: number,
  kHi: number,
): [number, number] {
  let lo = -1; // count(lo) = 0 ≤ kLo
  let hi = b[n - 1] - b[0]; // count(hi) = m ≥ kHi + 1
  let cLo = 0;
  let cHi = (n * (n - 1)) / 2;
  // finite b: the bracket halves until it holds ≤ 64 differences or no float lies inside (≤ ~2100 halvings)
  for (let iter = 0; cHi - cLo > 64 && iter < 4096; iter++) {
    const mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break; // ties: no room left to bisect
    const c = countLE(b, n, mid);
    if (c <= kLo) {
      lo = mid;
      cLo = c;
    } else if (c >= kHi + 1) {
      hi = mid;
      cHi = c;
    } else break; // rank kLo ≤ mid < rank kHi: keep the bracket (lo, hi] that holds both
  }
  // The differences in (lo, hi] (cHi − cLo of them) hold both order statistics: sort just those.
  const inside = new Float64Array(cHi - cLo);
  let p = 0;
  let first = 1; // first k with b_k − b_j > lo: nondecreasing in j
  for (let j = 0; j < n - 1; j++) {
    if (first < j + 1) first = j + 1;
    while (first < n && b[first] - b[j] <= lo) first++;
    for (let k = first; k < n; k++) {
      const d = b[k] - b[j];
      if (d > hi) break;
      inside[p++] = d;
    }
  }
  inside.sort();
  return [inside[kLo - cLo], inside[kHi - cLo]];
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
  const pv = proj.dataSync() as Float32Array;
  checkFiniteRows(pv, n, 'x', 'its projection');
  const med = medianSqPairDiffs(pv, S, n, bandwidth.includeSelf);
  for (let i = 0; i < S; i++) {
    const h2 = Math.fround(scale * med[i]);
    out[i] = h2 > 0 && Number.isFinite(h2) ? h2 : 1;
  }
  return out;
}

/**
 * The closed-form core. Inputs: projections a `[S, n]`, projected scores
 * s `[S, n]`, c `[S]`, squared bandwidths h² (constants). Returns
 * Σ_i T_i / N with N = n² (V) or n(n−1) (U). In scaled coordinates
 * t = (a − ā)/h, β = c/h, d = t_j − t_k, K = exp(−d²):
 *   T_i = Σ_jk K [s_j s_k + 2β d (s_j − s_k) + β² (2 − 4 d²)]
 *       = sᵀKs + 2β·A + β²(2·1ᵀK1 − 4·B),
 *   A = 2(Σ t s (K1) − tᵀKs),  B = 2(Σ t² (K1) − tᵀKt),
 * so only K and K·[1, t, s, ts, t², t²s, t³] (`[S, n, 7]`) are needed; they
 * are the one O(S n²) part and run as tensor ops. The gradients
 *   ∂T/∂t_j = 2 Σ_k K[−2d s_j s_k − 4β d²(s_j − s_k) + 2β(s_j − s_k) − 12β²d + 8β²d³],
 *   ∂T/∂s_j = 2 Σ_k K[s_k + 2β d],   ∂T/∂β = 2A + 2β(2·1ᵀK1 − 4B)
 * (minus the i = j terms for U) expand into the same seven columns, so the
 * O(S n) remainder — values and gradients — is finished in float64 JS from
 * one read of the `[S, n, 7]` product: a handful of tensor ops per call
 * instead of a hundred small ones. The gradient is returned through
 * tf.customGrad; h is treated as a constant.
 */
export function slicedSteinCore(
  a: tf.Tensor2D,
  s: tf.Tensor2D,
  c: tf.Tensor1D,
  h2: Float32Array | number[],
  ustat: boolean,
): tf.Scalar {
  const [S, n] = a.shape;
  if (h2.length !== S) throw new RangeError(`h2: expected ${S} values, got ${h2.length}`);
  if (ustat && n < 2) throw new RangeError(`x: a U-statistic needs at least 2 rows, got ${n}`);
  const norm = ustat ? n * (n - 1) : n * n;
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [aIn, sIn, cIn] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const av = aIn.dataSync();
    const sv = sIn.dataSync();
    const cv = cIn.dataSync();
    checkFiniteRows(av, n, 'x', 'its projection');
    checkFiniteRows(sv, n, 'score(x)', 'its projection');
    // Scaled, centered projections (translation invariance keeps the cubic expansions tame).
    const t = new Float32Array(S * n);
    const invH = new Float64Array(S);
    for (let i = 0; i < S; i++) {
      invH[i] = 1 / Math.sqrt(h2[i]);
      let mean = 0;
      for (let j = 0; j < n; j++) mean += av[i * n + j];
      mean /= n;
      for (let j = 0; j < n; j++) t[i * n + j] = (av[i * n + j] - mean) * invH[i];
    }
    const V = new Float32Array(S * n * 7);
    for (let p = 0; p < S * n; p++) {
      const tp = t[p];
      const sp = sv[p];
      const o = p * 7;
      V[o] = 1;
      V[o + 1] = tp;
      V[o + 2] = sp;
      V[o + 3] = tp * sp;
      V[o + 4] = tp * tp;
      V[o + 5] = tp * tp * sp;
      V[o + 6] = tp * tp * tp;
    }
    const KV = tf.tidy(() => {
      const t3 = tf.tensor3d(t, [S, n, 1]);
      // K = exp(−d²) computed as σ(−d²)/(1 − σ(−d²)): identical in exact arithmetic, accurate
      // in float32 (the denominator lies in [½, 1)), and several times faster than exp on
      // tfjs-backend-wasm, whose sigmoid is XNNPACK-vectorized while exp is scalar.
      const sig = tf.sigmoid(tf.neg(tf.squaredDifference(t3, tf.reshape(t3, [S, 1, n]))));
      const K = tf.div(sig, tf.sub(1, sig));
      return tf.matMul(K, tf.tensor3d(V, [S, n, 7]));
    });
    const kv = KV.dataSync();
    KV.dispose();
    const gA = new Float32Array(S * n);
    const gS = new Float32Array(S * n);
    const gC = new Float32Array(S);
    let total = 0;
    for (let i = 0; i < S; i++) {
      const b = cv[i] * invH[i];
      const b2 = b * b;
      let SS = 0;
      let A = 0;
      let B = 0;
      let K0 = 0;
      let diag = 0;
      let gtMean = 0;
      for (let j = 0; j < n; j++) {
        const p = i * n + j;
        const o = p * 7;
        const k1 = kv[o];
        const kt = kv[o + 1];
        const ks = kv[o + 2];
        const kts = kv[o + 3];
        const kt2 = kv[o + 4];
        const kt2s = kv[o + 5];
        const kt3 = kv[o + 6];
        const tj = t[p];
        const sj = sv[p];
        const tt = tj * tj;
        SS += sj * ks;
        A += tj * sj * k1 - tj * ks;
        B += tt * k1 - tj * kt;
        K0 += k1;
        diag += sj * sj;
        const dS = tj * ks - kts;
        const d2s = sj * (tt * k1 - 2 * tj * kt + kt2) - (tt * ks - 2 * tj * kts + kt2s);
        const ds = sj * k1 - ks;
        const d1 = tj * k1 - kt;
        const d3 = tt * tj * k1 - 3 * tt * kt + 3 * tj * kt2 - kt3;
        const gt = 2 * (-2 * sj * dS - 4 * b * d2s + 2 * b * ds - 12 * b2 * d1 + 8 * b2 * d3);
        gA[p] = gt;
        gtMean += gt;
        gS[p] = (2 * (ks + 2 * b * d1) - (ustat ? 2 * sj : 0)) / norm;
      }
      A *= 2;
      B *= 2;
      let T = SS + 2 * b * A + b2 * (2 * K0 - 4 * B);
      let gb = 2 * A + 2 * b * (2 * K0 - 4 * B);
      if (ustat) {
        T -= diag + 2 * n * b2;
        gb -= 4 * n * b;
      }
      total += T;
      gC[i] = (gb * invH[i]) / norm;
      // chain rule through t = (a − ā)/h: project out the mean, scale by 1/h
      gtMean /= n;
      for (let j = 0; j < n; j++) {
        const p = i * n + j;
        gA[p] = ((gA[p] - gtMean) * invH[i]) / norm;
      }
    }
    save([tf.tensor2d(gA, [S, n]), tf.tensor2d(gS, [S, n]), tf.tensor1d(gC)]);
    return {
      value: tf.scalar(total / norm),
      gradFunc: (dy: tf.Scalar, saved: tf.Tensor[]) => saved.map((g) => tf.mul(dy, g)),
    };
  });
  return op(a, s, c) as tf.Scalar;
}

/** RangeError naming `name` at the first non-finite projection (flat `[S, n]` values). */
function checkFiniteRows(v: ArrayLike<number>, n: number, name: string, what: string): void {
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) {
      throw new RangeError(
        `${name}: expected finite values (${what} on slice ${Math.floor(i / n)} is ${v[i]} at row ${i % n}); it holds NaN/±Inf or values too large for float32`,
      );
    }
  }
}

/** Validates the slice options { r, g } of sksd / sksdPairMatrix. */
function checkSlices(
  opts: Pick<SksdOptions, 'r' | 'g'> | undefined,
  name: string,
  d: number,
): void {
  if (opts == null || typeof opts !== 'object') {
    throw new TypeError(
      `${name}: expected { r, g } (slice directions [S, ${d}] each; see maxSksdInit), got ${String(opts)}`,
    );
  }
  assert2D(opts.g, `${name}.g`, null, d);
  assert2D(opts.r, `${name}.r`, opts.g.shape[0], d);
  assertFloat(opts.g, `${name}.g`);
  assertFloat(opts.r, `${name}.r`);
}

function normalizeRows(m: tf.Tensor2D): tf.Tensor2D {
  return tf.div(m, tf.add(tf.norm(m, 'euclidean', 1, true), 1e-10)) as tf.Tensor2D;
}

/**
 * The slice projections of x `[n, D]` and its score: gᵀx and rᵀs(x) per slice
 * `[S, n]` (rows of r and g normalized), and c = rᵀg `[S]`. Call inside a tidy.
 */
function slicedProjections(
  xs: tf.Tensor2D,
  score: ScoreFn | tf.Tensor2D,
  g: tf.Tensor2D,
  r: tf.Tensor2D,
): { proj: tf.Tensor2D; sproj: tf.Tensor2D; c: tf.Tensor1D } {
  const [n, d] = xs.shape;
  const sc = typeof score === 'function' ? score(xs) : score;
  assert2D(sc, 'score', n, d);
  assertFloat(sc, 'score');
  const gn = normalizeRows(g);
  const rn = normalizeRows(r);
  const proj = tf.matMul(gn, xs, false, true) as tf.Tensor2D; // [S, n]
  const sproj = tf.matMul(rn, sc, false, true) as tf.Tensor2D; // [S, n]
  const c = tf.sum(tf.mul(rn, gn), 1) as tf.Tensor1D; // [S]
  return { proj, sproj, c };
}

/**
 * The sliced KSD of the sample x `[n, D]` against the target with score
 * `score` (a function, or its values at x `[n, D]`), summed over the slice
 * pairs (rows of r and g). Differentiable in x-independent inputs: r, g and
 * whatever the score depends on (model parameters). Tidy.
 */
export function sksd(x: tf.Tensor2D, score: ScoreFn | tf.Tensor2D, opts: SksdOptions): tf.Scalar {
  const xs = assertPoints(x, 'x', { minN: 1, what: 'the sliced KSD needs' });
  const d = xs.shape[1];
  checkSlices(opts, 'opts', d);
  const { statistic = 'v', bandwidth = SKSD_MEDIAN } = opts;
  if (statistic !== 'u' && statistic !== 'v') {
    throw new TypeError(`statistic: expected 'u' or 'v', got ${String(statistic)}`);
  }
  return tf.tidy(() => {
    const { proj, sproj, c } = slicedProjections(xs, score, opts.g, opts.r);
    const h2 = slicedBandwidthSq(proj, bandwidth);
    return slicedSteinCore(proj, sproj, c, h2, statistic === 'u');
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
  const xs = assertPoints(x, 'x', { minN: 1, what: 'the sliced KSD needs' });
  const [n, d] = xs.shape;
  checkSlices(opts, 'opts', d);
  return tf.tidy(() => {
    const { proj, sproj, c: c1 } = slicedProjections(xs, score, opts.g, opts.r);
    const S = proj.shape[0];
    const sp = tf.reshape(sproj, [S, n, 1]);
    const c = tf.reshape(c1, [S, 1, 1]);
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
