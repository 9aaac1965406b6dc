/**
 * Small dense float64 linear algebra in plain JS for the d×d matrices that
 * metrics and synthetic sets need (d up to a few hundred): a cyclic Jacobi
 * symmetric eigendecomposition, singular values, condition numbers, inverses.
 * Matrices are row-major `Float64Array`s (or number[][] where noted).
 */

export interface SymmetricEigen {
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /** Eigenvectors as columns, row-major `[n, n]`: `vectors[i * n + k]` is entry i of vector k. */
  vectors: Float64Array;
}

/**
 * Eigendecomposition A = V diag(λ) Vᵀ of a symmetric n×n matrix by cyclic
 * Jacobi rotations (each rotation zeroes one off-diagonal pair; converges
 * quadratically and is accurate to float64 for well- and ill-conditioned
 * matrices alike). `a` is read only; symmetry is enforced by averaging.
 */
export function symmetricEigen(a: ArrayLike<number>, n: number, maxSweeps = 60): SymmetricEigen {
  if (!Number.isInteger(n) || n < 1 || a.length !== n * n) {
    throw new RangeError(`a: expected ${n}×${n} = ${n * n} entries, got ${a.length}`);
  }
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
        // M ← Jᵀ M J with J the rotation in the (p, q) plane.
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

/** C = A B for row-major A [n, k], B [k, m]. */
export function matmul(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  n: number,
  k: number,
  m: number,
): Float64Array {
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

/** Singular values of a row-major [r, c] matrix, descending: √λ(AᵀA) via Jacobi. */
export function singularValues(a: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const ata = new Float64Array(cols * cols);
  for (let i = 0; i < cols; i++) {
    for (let j = i; j < cols; j++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += a[r * cols + i] * a[r * cols + j];
      ata[i * cols + j] = s;
      ata[j * cols + i] = s;
    }
  }
  const { values } = symmetricEigen(ata, cols);
  return Float64Array.from(values, (l) => Math.sqrt(Math.max(l, 0))).reverse();
}

/** 2-norm condition number σ_max / σ_min of a square matrix (∞ when singular). */
export function conditionNumber(a: ArrayLike<number>, n: number): number {
  const s = singularValues(a, n, n);
  return s[n - 1] > 0 ? s[0] / s[n - 1] : Number.POSITIVE_INFINITY;
}

/** Inverse of a square matrix by Gauss–Jordan with partial pivoting; throws when singular. */
export function invert(a: ArrayLike<number>, n: number): Float64Array {
  const m = Float64Array.from(a as ArrayLike<number>);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++)
      if (Math.abs(m[r * n + col]) > Math.abs(m[piv * n + col])) piv = r;
    const p = m[piv * n + col];
    if (p === 0 || !Number.isFinite(p)) throw new RangeError('a: matrix is singular');
    if (piv !== col) {
      for (let k = 0; k < n; k++) {
        [m[col * n + k], m[piv * n + k]] = [m[piv * n + k], m[col * n + k]];
        [inv[col * n + k], inv[piv * n + k]] = [inv[piv * n + k], inv[col * n + k]];
      }
    }
    for (let k = 0; k < n; k++) {
      m[col * n + k] /= p;
      inv[col * n + k] /= p;
    }
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r * n + col];
      if (f === 0) continue;
      for (let k = 0; k < n; k++) {
        m[r * n + k] -= f * m[col * n + k];
        inv[r * n + k] -= f * inv[col * n + k];
      }
    }
  }
  return inv;
}
