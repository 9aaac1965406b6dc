import { assertInt } from './shapes';

/**
 * Small dense float64 linear algebra in plain JS, shared by every package: tfjs
 * has no eigendecomposition, SVD, LU or determinant, and float32 is too coarse
 * for the d×d matrices (d ≤ a few hundred) that score estimators, metrics,
 * synthetic sets and the ICA model need. Everything is O(n³) on one small
 * matrix, never a per-particle loop. Matrices are row-major `ArrayLike<number>`
 * in and `Float64Array` out.
 */

function checkSquare(a: ArrayLike<number>, n: number, name = 'a'): void {
  assertInt(n, 'n', 1);
  if (a.length !== n * n) {
    throw new RangeError(`${name}: expected ${n}×${n} = ${n * n} entries, got ${a.length}`);
  }
}

export interface SymmetricEigen {
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /** Eigenvectors as columns, row-major `[n, n]`: `vectors[i * n + k]` is entry i of vector k. */
  vectors: Float64Array;
}

/**
 * Eigendecomposition A = V diag(λ) Vᵀ of a symmetric n×n matrix by cyclic
 * Jacobi rotations (Golub & Van Loan §8.5; each rotation zeroes one
 * off-diagonal pair, convergence is quadratic and accurate to float64 for well-
 * and ill-conditioned matrices alike). `a` is read only; symmetry is enforced
 * by averaging A and Aᵀ. Eigenvalues ascending, unit eigenvectors as columns.
 */
export function symmetricEigen(a: ArrayLike<number>, n: number, maxSweeps = 60): SymmetricEigen {
  checkSquare(a, n);
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = 0.5 * (a[i * n + j] + a[j * n + i]);
      if (!Number.isFinite(v)) throw new RangeError(`a: non-finite entry at (${i}, ${j})`);
      m[i * n + j] = v;
    }
  }
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale += m[i] * m[i];
  const tol = 1e-30 * scale;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q] ** 2;
    if (off <= tol) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (apq === 0) continue;
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // M ← Jᵀ M J with J the rotation in the (p, q) plane; V ← V J.
        for (let k = 0; k < n; k++) {
          const mkp = m[k * n + p];
          const mkq = m[k * n + q];
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p * n + k];
          const mqk = m[q * n + k];
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[i * n + i] - m[j * n + j]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = m[src * n + src];
    for (let i = 0; i < n; i++) vectors[i * n + dst] = v[i * n + src];
  });
  return { values, vectors };
}

/**
 * The symmetric PSD square root A^{½} = V diag(√max(λ, 0)) Vᵀ (eigenvalues
 * clamped at 0 against round-off), from {@link symmetricEigen}.
 */
export function psdSqrt(a: ArrayLike<number>, n: number): Float64Array {
  const { values, vectors } = symmetricEigen(a, n);
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const s = Math.sqrt(Math.max(values[k], 0));
    if (s === 0) continue;
    for (let i = 0; i < n; i++) {
      const vik = vectors[i * n + k] * s;
      if (vik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += vik * vectors[j * n + k];
    }
  }
  return out;
}

/** C = A B for row-major A `[n, k]`, B `[k, m]`. */
export function matmul(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  n: number,
  k: number,
  m: number,
): Float64Array {
  if (a.length !== n * k) throw new RangeError(`a: expected ${n}×${k} entries, got ${a.length}`);
  if (b.length !== k * m) throw new RangeError(`b: expected ${k}×${m} entries, got ${b.length}`);
  const c = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let l = 0; l < k; l++) {
      const ail = a[i * k + l];
      if (ail === 0) continue;
      for (let j = 0; j < m; j++) c[i * m + j] += ail * b[l * m + j];
    }
  }
  return c;
}

/**
 * Singular values of a row-major rows×cols matrix, descending, by one-sided
 * Jacobi rotations (Hestenes 1958): columns are orthogonalized pairwise until
 * every pair's cosine is below 1e-14, σ_j = ‖column j‖. Works on AᵀA only
 * implicitly, so small singular values keep full float64 relative accuracy.
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

/** 2-norm condition number σ_max / σ_min of a square row-major matrix (∞ when singular). */
export function conditionNumber(a: ArrayLike<number>, n: number): number {
  const sv = singularValues(a, n, n);
  const lo = sv[n - 1];
  return lo === 0 ? Number.POSITIVE_INFINITY : sv[0] / lo;
}

/** LU factorization with partial pivoting of a row-major n×n matrix: P·A = L·U. */
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

/** log|det A| and sign(det A) from an LU factorization: a sum of logs, so no overflow at any n. */
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

/** Inverse of a square row-major matrix via {@link luFactor}; RangeError when singular or non-finite. */
export function invert(a: ArrayLike<number>, n: number): Float64Array {
  checkSquare(a, n);
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) throw new RangeError(`a: expected finite values, found ${a[i]}`);
  }
  return luInverse(luFactor(a, n));
}

/**
 * Lower Cholesky factor L (A = L Lᵀ) of a row-major symmetric positive-definite
 * n×n matrix (its symmetric part is used). `jitter` is added to the diagonal;
 * when a pivot is not positive the jitter is raised (from 1e-10·max|A_ii| when
 * 0, else ×10) up to 6 times before a RangeError.
 */
export function choleskyFactor(A: ArrayLike<number>, n: number, jitter = 0): Float64Array {
  checkSquare(A, n);
  if (!(Number.isFinite(jitter) && jitter >= 0)) {
    throw new RangeError(`jitter: expected a finite number ≥ 0, got ${jitter}`);
  }
  let jit = jitter;
  let maxDiag = 1e-30;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, Math.abs(A[i * n + i]));
  for (let attempt = 0; attempt <= 6; attempt++) {
    const L = new Float64Array(n * n);
    let ok = true;
    for (let j = 0; j < n && ok; j++) {
      let s = A[j * n + j] + jit;
      for (let p = 0; p < j; p++) s -= L[j * n + p] * L[j * n + p];
      if (!(s > 0)) {
        ok = false;
        break;
      }
      const ljj = Math.sqrt(s);
      L[j * n + j] = ljj;
      for (let i = j + 1; i < n; i++) {
        let t = 0.5 * (A[i * n + j] + A[j * n + i]);
        for (let p = 0; p < j; p++) t -= L[i * n + p] * L[j * n + p];
        L[i * n + j] = t / ljj;
      }
    }
    if (ok) return L;
    jit = jit > 0 ? jit * 10 : 1e-10 * maxDiag;
  }
  throw new RangeError('a: matrix is not positive definite (Cholesky failed even with jitter)');
}

/** Solves L·Lᵀ·X = B given the factor L (row-major, float64); B is `[n, k]` row-major. */
export function choleskySolveFactored(
  L: ArrayLike<number>,
  n: number,
  B: ArrayLike<number>,
  k: number,
): Float64Array {
  if (B.length !== n * k) throw new RangeError(`b: expected ${n}×${k} entries, got ${B.length}`);
  const X = Float64Array.from(B);
  for (let c = 0; c < k; c++) {
    // forward: L y = b
    for (let i = 0; i < n; i++) {
      let s = X[i * k + c];
      for (let p = 0; p < i; p++) s -= L[i * n + p] * X[p * k + c];
      X[i * k + c] = s / L[i * n + i];
    }
    // backward: Lᵀ x = y
    for (let i = n - 1; i >= 0; i--) {
      let s = X[i * k + c];
      for (let p = i + 1; p < n; p++) s -= L[p * n + i] * X[p * k + c];
      X[i * k + c] = s / L[i * n + i];
    }
  }
  return X;
}
