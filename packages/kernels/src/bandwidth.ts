import {
  assertInt,
  assertMemory,
  assertPoints,
  assertPositive,
  createRng,
  pairwiseBytes,
} from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { useFused } from './fused/dispatch';
import { fusedMedianSq } from './fused/engine';
import { float32Data } from './fused/guard';
import { pairwiseSqDist } from './linalg';

/**
 * The median heuristic, in the conventions people actually use. The kernel
 * convention is k(x, y) = exp(−‖x − y‖² / h²); the heuristic resolves h.
 *
 * - `squared: false` (default): m = median of pairwise distances ‖x_i − x_j‖,
 *   h = scale · m. With `logN`, h² = (scale · m)² / log(N).
 * - `squared: true`: m = median of pairwise squared distances, h² = scale · m,
 *   with `logN` h² = scale · m / log(N).
 * - `logN`: `true` or `'n+1'` divides h² by log(n + 1) (the SVGD code of Liu &
 *   Wang 2016), `'n'` by log(n) (n ≥ 2); n counts the points used.
 * - `includeSelf` (default false): whether the n zero self-distances x_i − x_i
 *   enter the median (the SVGD code's `np.median` over the full matrix does).
 * - `subsample: { m, seed }`: use a seeded random subset of m points.
 * - A zero (or undefined: fewer than two points) median falls back to
 *   h = `fallback` (default 1), so all-equal particles never give NaN.
 * - A resolved h is clamped to [{@link MIN_BANDWIDTH}, {@link MAX_BANDWIDTH}]
 *   (outside it float32 kernels overflow); x with non-finite values (or
 *   values so large that their squared distances overflow float32) is a
 *   RangeError naming `x`.
 *
 * The median of an even count is the mean of the two middle values (NumPy).
 */
export interface MedianHeuristic {
  kind: 'median';
  scale?: number;
  squared?: boolean;
  logN?: boolean | 'n' | 'n+1';
  includeSelf?: boolean;
  subsample?: { m: number; seed: number };
  fallback?: number;
}

/** A bandwidth: a fixed h > 0 or a heuristic resolved on the data. */
export type Bandwidth = number | MedianHeuristic;

/** SteinGAN (Wang & Liu 2016): h = 0.5 · median distance. */
export const STEINGAN_MEDIAN: MedianHeuristic = { kind: 'median', scale: 0.5 };
/** SVGD reference code (Liu & Wang 2016): h² = median(‖x_i − x_j‖²) / log(n + 1), self-pairs included. */
export const SVGD_MEDIAN: MedianHeuristic = {
  kind: 'median',
  squared: true,
  logN: 'n+1',
  includeSelf: true,
};
/** Median of squared distances divided by log n (used by the ICA KSD baseline), self-pairs excluded. */
export const MEDIAN_SQ_LOGN: MedianHeuristic = { kind: 'median', squared: true, logN: 'n' };

/** k-th smallest (0-based) by quickselect; reorders `a`. */
function select(a: Float32Array | Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

/** Median of a JS array (mean of the two middle values for an even count); NaN when empty or when any value is NaN (NumPy). */
export function median(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  for (let i = 0; i < n; i++) if (Number.isNaN(values[i])) return Number.NaN;
  const a = values instanceof Float32Array ? Float32Array.from(values) : Float64Array.from(values);
  const hi = select(a, n >> 1);
  if (n % 2 === 1) return hi;
  // the lower middle is the max of the part left of n/2 after selection
  let lo = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n >> 1; i++) if (a[i] > lo) lo = a[i];
  return 0.5 * (lo + hi);
}

/** Smallest accepted bandwidth: below it 1/h⁴ (RBF) or c⁻⁵ (IMQ) overflow float32. */
export const MIN_BANDWIDTH = 1e-6;
/** Largest accepted bandwidth: above it h² loses every distance below float32 round-off. */
export const MAX_BANDWIDTH = 1e8;

function assertBandwidthRange(h: number, name: string): void {
  assertPositive(h, name);
  if (h < MIN_BANDWIDTH || h > MAX_BANDWIDTH) {
    throw new RangeError(
      `${name}: expected a number in [${MIN_BANDWIDTH}, ${MAX_BANDWIDTH}] (float32 kernels overflow outside it; rescale the data instead), got ${h}`,
    );
  }
}

function validateHeuristic(b: MedianHeuristic): void {
  if (b.kind !== 'median') {
    throw new TypeError(`bandwidth.kind: expected 'median', got ${String(b.kind)}`);
  }
  if (b.scale !== undefined) assertPositive(b.scale, 'bandwidth.scale');
  if (b.fallback !== undefined) assertBandwidthRange(b.fallback, 'bandwidth.fallback');
  if (b.logN !== undefined && ![true, false, 'n', 'n+1'].includes(b.logN as never)) {
    throw new TypeError(`bandwidth.logN: expected boolean | 'n' | 'n+1', got ${String(b.logN)}`);
  }
  if (b.subsample) {
    assertInt(b.subsample.m, 'bandwidth.subsample.m', 1);
    assertInt(b.subsample.seed, 'bandwidth.subsample.seed', 0, 2 ** 32 - 1);
  }
}

/** Validates a bandwidth (number or heuristic); throws a RangeError/TypeError naming `name`. */
export function validateBandwidth(b: Bandwidth, name = 'bandwidth'): void {
  if (typeof b === 'number') assertBandwidthRange(b, name);
  else if (b && typeof b === 'object') validateHeuristic(b);
  else
    throw new TypeError(
      `${name}: expected a number > 0 or { kind: 'median', … }, got ${String(b)}`,
    );
}

const NOT_FINITE = 'x: the median bandwidth needs finite pairwise distances; x holds NaN/±Inf';

/**
 * Resolves a bandwidth on points x `[n, d]` to h (for exp(−r²/h²)); a number
 * is returned as is. Syncs (reads the distances back to JS); O(n²) after one
 * matmul, or O(m²) with `subsample`. On a GPU backend in a browser (webgpu)
 * use {@link resolveBandwidthAsync}: the same h without a synchronous read.
 */
export function resolveBandwidth(b: Bandwidth, x: tf.Tensor2D): number {
  validateBandwidth(b);
  if (typeof b === 'number') return b;
  assertPoints(x, 'x');
  {
    // NaN/±Inf would vanish in the clamped distances (relu(NaN) = 0 on some backends)
    const ok = tf.tidy(() => tf.all(tf.isFinite(x)));
    const finite = ok.dataSync()[0] === 1;
    ok.dispose();
    if (!finite) throw new RangeError(NOT_FINITE);
  }
  if (useFused(false)) return finishBandwidth(b, fusedMedian(float32Data(x), x.shape, b));
  const dist = compositeDistances(x, b);
  const n = dist.shape[0];
  const D = dist.dataSync() as Float32Array;
  dist.dispose();
  return finishBandwidth(b, medianOfDistances(D, n, b));
}

/**
 * The bandwidth a heuristic gives for precomputed squared distances `sqDist`
 * (n×n, row-major, zeros on the diagonal; round-off below 1e-6·max‖x‖² already
 * set to 0): {@link resolveBandwidth}'s rules (pairs i < j, or all with
 * `includeSelf`; √ unless `squared`; scale, log n, fallback, clamp) for callers
 * that hold many distance matrices (stein-estimators' grouped estimators).
 */
export function bandwidthFromSqDistances(b: Bandwidth, sqDist: Float32Array, n: number): number {
  validateBandwidth(b);
  if (typeof b === 'number') return b;
  if (sqDist.length !== n * n) {
    throw new RangeError(`sqDist: expected ${n}×${n} = ${n * n} values, got ${sqDist.length}`);
  }
  if (b.subsample)
    throw new TypeError('bandwidth.subsample: not supported on precomputed distances');
  return finishBandwidth(b, medianOfDistances(sqDist, n, b));
}

/**
 * {@link resolveBandwidth} without a synchronous read: the same h (same
 * distances, same median), read back with `await data()` in one round trip.
 * For backends whose synchronous reads are slow or unavailable (webgpu in a
 * browser: tfjs-backend-webgpu's `dataSync` goes through a canvas). Keep `x`
 * alive until the promise settles.
 */
export async function resolveBandwidthAsync(b: Bandwidth, x: tf.Tensor2D): Promise<number> {
  validateBandwidth(b);
  if (typeof b === 'number') return b;
  assertPoints(x, 'x');
  const fused = useFused(false);
  const ok = tf.tidy(() => tf.all(tf.isFinite(x)));
  let dist: tf.Tensor2D | undefined;
  let n = x.shape[0];
  let okv: ArrayLike<number>;
  let values: ArrayLike<number>;
  try {
    dist = fused ? undefined : compositeDistances(x, b);
    if (dist) n = dist.shape[0];
    [okv, values] = await Promise.all([ok.data(), (dist ?? x).data()]);
  } finally {
    ok.dispose();
    dist?.dispose();
  }
  if (okv[0] !== 1) throw new RangeError(NOT_FINITE);
  const data = values instanceof Float32Array ? values : Float32Array.from(values);
  return finishBandwidth(b, fused ? fusedMedian(data, x.shape, b) : medianOfDistances(data, n, b));
}

/** h from the median of the (squared) distances: scale, log n, fallback, clamp. */
function finishBandwidth(b: MedianHeuristic, med: { value: number; n: number }): number {
  const { scale = 1, squared = false, logN = false, fallback = 1 } = b;
  const n = med.n;
  if (med.value === Number.POSITIVE_INFINITY) {
    throw new RangeError(
      'x: the median bandwidth needs finite pairwise distances; x holds values too large for float32 (|x| ≳ 1e19)',
    );
  }
  if (!(med.value > 0) || !Number.isFinite(med.value)) return fallback;
  let h2 = squared ? scale * med.value : (scale * med.value) ** 2;
  if (logN) {
    const lg = logN === 'n' ? Math.log(n) : Math.log(n + 1);
    if (!(lg > 0)) return fallback;
    h2 /= lg;
  }
  const h = Math.sqrt(h2);
  const clamp = (v: number) => Math.min(MAX_BANDWIDTH, Math.max(MIN_BANDWIDTH, v));
  return Number.isFinite(h) && h > 0 ? clamp(h) : fallback;
}

/** The seeded subset of rows a `subsample` asks for (all rows without one). */
function subsampleRows(b: MedianHeuristic, n: number): number[] | null {
  if (!b.subsample || b.subsample.m >= n) return null;
  return Array.from(createRng(b.subsample.seed).permutation(n).slice(0, b.subsample.m));
}

/**
 * The median by the fused engine from x's values `[n, d]`: two histogram
 * passes over tiles of pairs, O(n·d) memory, exact (the same order
 * statistics as the composite path, on squared distances computed in float32
 * from centered points).
 */
function fusedMedian(
  all: Float32Array,
  shape: [number, number],
  b: MedianHeuristic,
): { value: number; n: number } {
  const { squared = false, includeSelf = false } = b;
  const d = shape[1];
  let data = all;
  let n = shape[0];
  const rows = subsampleRows(b, n);
  if (rows) {
    const sub = new Float32Array(rows.length * d);
    for (let i = 0; i < rows.length; i++)
      sub.set(data.subarray(rows[i] * d, rows[i] * d + d), i * d);
    data = sub;
    n = rows.length;
  }
  // the composite path's tolerance: 1e-6·max‖x_i‖² (uncentered, float32)
  let maxSq = 0;
  for (let i = 0; i < n; i++) {
    let t = 0;
    for (let k = 0; k < d; k++) t += data[i * d + k] * data[i * d + k];
    if (t > maxSq) maxSq = t;
  }
  const { lo, hi } = fusedMedianSq(data, n, d, { includeSelf, tol: Math.fround(1e-6 * maxSq) });
  const f = (v: number) => (squared ? v : Math.fround(Math.sqrt(v)));
  return { value: 0.5 * (f(lo) + f(hi)), n };
}

/** The composite path's n×n squared distances on the backend (of the subsample, if any). */
function compositeDistances(x: tf.Tensor2D, b: MedianHeuristic): tf.Tensor2D {
  {
    const m = b.subsample ? Math.min(b.subsample.m, x.shape[0]) : x.shape[0];
    // the n×n distances on the backend, then two JS copies
    assertMemory({
      op: 'median bandwidth',
      n: m,
      d: x.shape[1],
      bytes: pairwiseBytes(m, m, x.shape[1], 7),
      largest: 4 * m * m,
    });
  }
  return tf.tidy(() => {
    let pts = x;
    const rows = subsampleRows(b, x.shape[0]);
    if (rows) pts = tf.gather(x, tf.tensor1d(rows, 'int32')) as tf.Tensor2D;
    // squared distances below the float32 round-off of ‖x‖²+‖y‖²−2x·y count as 0
    const tol = tf.mul(1e-6, tf.max(tf.sum(tf.square(pts), 1)));
    const d = pairwiseSqDist(pts);
    return tf.where(tf.less(d, tol), tf.zerosLike(d), d);
  });
}

/** The median of the composite path's distances `D` (n×n, read back to JS; quickselect). */
function medianOfDistances(
  D: Float32Array,
  n: number,
  b: MedianHeuristic,
): { value: number; n: number } {
  const { squared = false, includeSelf = false } = b;
  for (let i = 0; i < D.length; i++) {
    if (!Number.isFinite(D[i])) {
      throw new RangeError(
        `x: the median bandwidth needs finite pairwise distances; x holds NaN/±Inf or values too large for float32 (|x| ≳ 1e19) (distance ${D[i]} between points ${Math.floor(i / n)} and ${i % n})`,
      );
    }
  }
  let vals: Float32Array;
  if (includeSelf) {
    vals = Float32Array.from(D); // the full matrix: zeros on the diagonal, each pair twice
    for (let i = 0; i < n; i++) vals[i * n + i] = 0;
  } else {
    vals = new Float32Array((n * (n - 1)) / 2);
    let p = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) vals[p++] = D[i * n + j];
  }
  if (!squared) for (let i = 0; i < vals.length; i++) vals[i] = Math.sqrt(vals[i]);
  return { value: median(vals), n };
}

/** A short label for names: `h=0.83` or `median(scale=0.5)`. */
export function describeBandwidth(b: Bandwidth): string {
  if (typeof b === 'number') return `h=${Number(b.toPrecision(4))}`;
  const parts: string[] = [];
  if (b.scale !== undefined) parts.push(`scale=${b.scale}`);
  if (b.squared) parts.push('squared');
  if (b.logN) parts.push(`log(${b.logN === 'n' ? 'n' : 'n+1'})`);
  if (b.includeSelf) parts.push('self');
  if (b.subsample) parts.push(`m=${b.subsample.m}`);
  return `median(${parts.join(',')})`;
}
