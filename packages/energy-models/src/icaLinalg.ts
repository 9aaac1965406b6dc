import { assertInt, assertShape, type Rng } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Small dense linear algebra in float64 JS for the ICA model: tfjs has no LU,
 * determinant or SVD. Everything here is O(D³) on a D×D matrix (D ≤ a few
 * hundred), run once per evaluation, never per particle.
 */

/** LU factorization with partial pivoting of a row-major D×D matrix: P·A = L·U. */
export interface LuFactorization {
  /** L (unit lower, below the diagonal) and U (on and above) packed, row-major. */
  lu: Float64Array;
  /** Row permutation: row i of P·A is row perm[i] of A. */
  perm: Int32Array;
  /** Sign of the permutation (±1). */
  parity: number;
  /** True when a pivot is exactly 0 (singular matrix). */
  singular: boolean;
  dim: number;
}

/** Doolittle LU with partial pivoting (Golub & Van Loan, Alg. 3.4.1). */
export function luFactor(a: ArrayLike<number>, dim: number): LuFactorization {
  assertInt(dim, 'dim', 1);
  if (a.length !== dim * dim) {
    throw new RangeError(
      `a: expected ${dim * dim} entries (a ${dim}×${dim} matrix), got ${a.length}`,
    );
  }
  const lu = Float64Array.from(a);
  const perm = new Int32Array(dim);
  for (let i = 0; i < dim; i++) perm[i] = i;
  let parity = 1;
  let singular = false;
  for (let k = 0; k < dim; k++) {
    let p = k;
    let best = Math.abs(lu[k * dim + k]);
    for (let i = k + 1; i < dim; i++) {
      const v = Math.abs(lu[i * dim + k]);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    if (p !== k) {
      for (let j = 0; j < dim; j++) {
        const t = lu[k * dim + j];
        lu[k * dim + j] = lu[p * dim + j];
        lu[p * dim + j] = t;
      }
      const t = perm[k];
      perm[k] = perm[p];
      perm[p] = t;
      parity = -parity;
    }
    const pivot = lu[k * dim + k];
    if (pivot === 0) {
      singular = true;
      continue;
    }
    for (let i = k + 1; i < dim; i++) {
      const f = lu[i * dim + k] / pivot;
      lu[i * dim + k] = f;
      if (f === 0) continue;
      const ri = i * dim;
      const rk = k * dim;
      for (let j = k + 1; j < dim; j++) lu[ri + j] -= f * lu[rk + j];
    }
  }
  return { lu, perm, parity, singular, dim };
}

/** log|det A| and sign(det A) from an LU factorization: a sum of logs, so no overflow at any D. */
export function luLogAbsDet(f: LuFactorization): { logAbsDet: number; sign: number } {
  if (f.singular) return { logAbsDet: Number.NEGATIVE_INFINITY, sign: 0 };
  let s = f.parity;
  let acc = 0;
  for (let i = 0; i < f.dim; i++) {
    const u = f.lu[i * f.dim + i];
    if (u < 0) s = -s;
    acc += Math.log(Math.abs(u));
  }
  return { logAbsDet: acc, sign: s };
}

/** A⁻¹ (row-major) from an LU factorization, by solving A·X = I column by column. */
export function luInverse(f: LuFactorization): Float64Array {
  if (f.singular) throw new RangeError('a: matrix is singular; it has no inverse');
  const n = f.dim;
  const { lu, perm } = f;
  const inv = new Float64Array(n * n);
  const col = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    // P·A·x = P·e_c → L·U·x = (P e_c)
    for (let i = 0; i < n; i++) col[i] = perm[i] === c ? 1 : 0;
    for (let i = 0; i < n; i++) {
      let s = col[i];
      for (let k = 0; k < i; k++) s -= lu[i * n + k] * col[k];
      col[i] = s;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = col[i];
      for (let k = i + 1; k < n; k++) s -= lu[i * n + k] * col[k];
      col[i] = s / lu[i * n + i];
    }
    for (let i = 0; i < n; i++) inv[i * n + c] = col[i];
  }
  return inv;
}

/**
 * log|det W| of a square tensor, differentiable: d log|det W| / dW = W⁻ᵀ
 * (Jacobi's formula). Forward and backward run in float64 JS on the LU
 * factorization, so the value is exact to float64 before rounding and never
 * overflows (D = 200 with entries of size 1 has |det| ≈ 10^180).
 * A singular W gives a RangeError, not −Infinity.
 */
export function logAbsDet(w: tf.Tensor2D): tf.Scalar {
  assertShape(w, 'w', [null, w.shape[0]]);
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const x = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    const d = x.shape[0];
    const f = luFactor(x.dataSync(), d);
    if (f.singular) throw new RangeError('w: matrix is singular; log|det w| = −∞');
    const { logAbsDet: v } = luLogAbsDet(f);
    const inv = luInverse(f);
    const invT = new Float32Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) invT[i * d + j] = inv[j * d + i];
    save([tf.tensor2d(invT, [d, d])]);
    return {
      value: tf.scalar(v),
      gradFunc: (dy: tf.Scalar, saved: tf.Tensor[]) => tf.mul(dy, saved[0]),
    };
  });
  return op(w) as tf.Scalar;
}

/**
 * Singular values of a row-major m×n matrix (m ≥ n or not), descending, by
 * one-sided Jacobi rotations (Hestenes); accurate to float64 for the small
 * matrices of the ICA experiment.
 */
export function singularValues(a: ArrayLike<number>, rows: number, cols: number): Float64Array {
  assertInt(rows, 'rows', 1);
  assertInt(cols, 'cols', 1);
  if (a.length !== rows * cols) {
    throw new RangeError(`a: expected ${rows * cols} entries, got ${a.length}`);
  }
  // Work on columns of A (transpose first if wide so columns ≤ rows).
  const wide = cols > rows;
  const m = wide ? cols : rows;
  const n = wide ? rows : cols;
  // u[j] = column j, length m
  const u: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    const c = new Float64Array(m);
    for (let i = 0; i < m; i++) c[i] = wide ? a[j * cols + i] : a[i * cols + j];
    u.push(c);
  }
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n - 1; p++) {
      const up = u[p];
      for (let q = p + 1; q < n; q++) {
        const uq = u[q];
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < m; i++) {
          alpha += up[i] * up[i];
          beta += uq[i] * uq[i];
          gamma += up[i] * uq[i];
        }
        if (gamma === 0) continue;
        const rel = Math.abs(gamma) / Math.sqrt(alpha * beta);
        if (rel > off) off = rel;
        if (rel < 1e-15) continue;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < m; i++) {
          const x = up[i];
          const y = uq[i];
          up[i] = c * x - s * y;
          uq[i] = s * x + c * y;
        }
      }
    }
    if (off < 1e-14) break;
  }
  const sv = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < m; i++) s += u[j][i] * u[j][i];
    sv[j] = Math.sqrt(s);
  }
  return sv.sort().reverse();
}

/** 2-norm condition number σ_max/σ_min of a square row-major matrix (Infinity if singular). */
export function conditionNumber(a: ArrayLike<number>, dim: number): number {
  const sv = singularValues(a, dim, dim);
  const lo = sv[dim - 1];
  return lo === 0 ? Number.POSITIVE_INFINITY : sv[0] / lo;
}

export interface WellConditionedOptions {
  /** Entries are N(0, scale²); default 1. */
  scale?: number;
  /** Redraw until cond(A) < maxCond; default max(D, 2) (the ICA protocol uses D). */
  maxCond?: number;
  /** Give up after this many draws; default 1000. */
  maxTries?: number;
}

/**
 * A = scale·randn(D, D), redrawn until cond₂(A) < maxCond (default D) — the
 * ICA protocol of Gong et al. (2021) for the true mixing and the model
 * initialization. Returns the float32 tensor and the condition number reached.
 */
export function randomWellConditioned(
  dim: number,
  rng: Rng,
  opts: WellConditionedOptions = {},
): { matrix: tf.Tensor2D; cond: number; tries: number } {
  assertInt(dim, 'dim', 1);
  const { scale = 1, maxCond = Math.max(dim, 2), maxTries = 1000 } = opts;
  if (!(maxCond > 1)) throw new RangeError(`maxCond: expected a number > 1, got ${maxCond}`);
  for (let tries = 1; tries <= maxTries; tries++) {
    const m = rng.normal([dim, dim], 0, scale) as tf.Tensor2D;
    const cond = conditionNumber(m.dataSync(), dim);
    if (cond < maxCond) return { matrix: m, cond, tries };
    m.dispose();
  }
  throw new RangeError(
    `maxCond: no ${dim}×${dim} Gaussian matrix with cond < ${maxCond} in ${maxTries} draws`,
  );
}
