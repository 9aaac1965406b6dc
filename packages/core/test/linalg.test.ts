import { describe, expect, it } from 'vitest';
import {
  choleskyFactor,
  choleskySolveFactored,
  conditionNumber,
  invert,
  luFactor,
  luInverse,
  luLogAbsDet,
  matmul,
  psdSqrt,
  singularValues,
  symmetricEigen,
} from '../src/index';

/** Deterministic pseudo-random entries in [-1, 1) (no tfjs needed). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  };
}
function randMat(r: number, c: number, seed: number): Float64Array {
  const next = lcg(seed);
  return Float64Array.from({ length: r * c }, next);
}
function transpose(a: ArrayLike<number>, r: number, c: number): Float64Array {
  const t = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) t[j * r + i] = a[i * c + j];
  return t;
}
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
const eye = (n: number) =>
  Float64Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));

/** A rotation by θ in the plane. */
const rot = (t: number) => [Math.cos(t), -Math.sin(t), Math.sin(t), Math.cos(t)];

describe('core float64 linear algebra', () => {
  it('symmetricEigen: closed form of a 2×2 and reconstruction V Λ Vᵀ of a random 8×8', () => {
    // [[2, 1], [1, 2]] has eigenvalues 1, 3 with vectors (1, −1)/√2, (1, 1)/√2
    const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2);
    expect(values[0]).toBeCloseTo(1, 14);
    expect(values[1]).toBeCloseTo(3, 14);
    expect(Math.abs(vectors[0 * 2 + 1])).toBeCloseTo(Math.SQRT1_2, 14);
    expect(vectors[0 * 2 + 1] * vectors[1 * 2 + 1]).toBeGreaterThan(0); // (1, 1) direction
    expect(vectors[0 * 2 + 0] * vectors[1 * 2 + 0]).toBeLessThan(0); // (1, −1) direction

    const n = 8;
    const b = randMat(n, n, 1);
    const a = matmul(b, transpose(b, n, n), n, n, n);
    const e = symmetricEigen(a, n);
    for (let k = 1; k < n; k++) expect(e.values[k]).toBeGreaterThanOrEqual(e.values[k - 1]);
    const vl = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let k = 0; k < n; k++) vl[i * n + k] = e.vectors[i * n + k] * e.values[k];
    expect(maxAbsDiff(matmul(vl, transpose(e.vectors, n, n), n, n, n), a)).toBeLessThan(1e-12);
    expect(maxAbsDiff(matmul(transpose(e.vectors, n, n), e.vectors, n, n, n), eye(n))).toBeLessThan(
      1e-13,
    );
    let trace = 0;
    for (let i = 0; i < n; i++) trace += a[i * n + i];
    expect(e.values.reduce((s, v) => s + v, 0)).toBeCloseTo(trace, 12);
  });

  it('psdSqrt squares back to A', () => {
    const n = 6;
    const b = randMat(n, n, 2);
    const a = matmul(b, transpose(b, n, n), n, n, n);
    const s = psdSqrt(a, n);
    expect(maxAbsDiff(matmul(s, s, n, n, n), a)).toBeLessThan(1e-12);
    expect(maxAbsDiff(s, transpose(s, n, n))).toBeLessThan(1e-13);
  });

  it('singularValues / conditionNumber: a known U diag(3, 1, 0.5) Vᵀ, wide and tall, singular', () => {
    // R₁ ⊕ 1 and 1 ⊕ R₂ are orthogonal: A = Q₁ diag(3, 1, 0.5) Q₂
    const r1 = rot(0.7);
    const r2 = rot(-1.3);
    const q1 = [r1[0], r1[1], 0, r1[2], r1[3], 0, 0, 0, 1];
    const q2 = [1, 0, 0, 0, r2[0], r2[1], 0, r2[2], r2[3]];
    const a = matmul(matmul(q1, [3, 0, 0, 0, 1, 0, 0, 0, 0.5], 3, 3, 3), q2, 3, 3, 3);
    const sv = singularValues(a, 3, 3);
    expect(Array.from(sv)).toEqual([
      expect.closeTo(3, 13),
      expect.closeTo(1, 13),
      expect.closeTo(0.5, 13),
    ]);
    expect(conditionNumber(a, 3)).toBeCloseTo(6, 12);
    // a 2×3 wide matrix and its transpose share singular values
    const w = randMat(2, 3, 3);
    const sw = singularValues(w, 2, 3);
    const st = singularValues(transpose(w, 2, 3), 3, 2);
    expect(sw.length).toBe(2);
    expect(maxAbsDiff(sw, st)).toBeLessThan(1e-14);
    // σ² are the eigenvalues of W Wᵀ
    const ev = symmetricEigen(matmul(w, transpose(w, 2, 3), 2, 3, 2), 2).values;
    expect(sw[0] ** 2).toBeCloseTo(ev[1], 13);
    expect(sw[1] ** 2).toBeCloseTo(ev[0], 13);
    expect(conditionNumber([1, 2, 2, 4], 2)).toBeGreaterThan(1e12);
    // full relative accuracy for a tiny singular value (AᵀA would lose it)
    expect(singularValues([1, 0, 0, 1e-9], 2, 2)[1]).toBeCloseTo(1e-9, 22);
  });

  it('LU: log|det| and sign against closed forms, inverse times A is I', () => {
    const f = luFactor([0, 2, 3, 1], 2); // det = −6, needs a pivot swap
    expect(luLogAbsDet(f).logAbsDet).toBeCloseTo(Math.log(6), 14);
    expect(luLogAbsDet(f).sign).toBe(-1);
    // det of a diagonal times orthogonal matrix: ∏ d_i, no overflow at n = 200
    const n = 200;
    const big = new Float64Array(n * n);
    for (let i = 0; i < n; i++) big[i * n + ((i + 1) % n)] = 10; // a cyclic permutation × 10
    const lb = luLogAbsDet(luFactor(big, n));
    expect(lb.logAbsDet).toBeCloseTo(n * Math.log(10), 9);
    expect(lb.sign).toBe(-1); // a 200-cycle is an odd permutation
    const m = 7;
    const a = randMat(m, m, 4);
    const inv = invert(a, m);
    expect(maxAbsDiff(matmul(inv, a, m, m, m), eye(m))).toBeLessThan(1e-12);
    expect(maxAbsDiff(luInverse(luFactor(a, m)), inv)).toBe(0);
    expect(luLogAbsDet(luFactor([1, 2, 2, 4], 2)).sign).toBe(0);
    expect(() => invert([1, 2, 2, 4], 2)).toThrow(/singular/);
    expect(() => invert([1, 2, 3], 2)).toThrow(RangeError);
    expect(() => invert([1, Number.NaN, 0, 1], 2)).toThrow(/finite/);
  });

  it('Cholesky: L Lᵀ = A, solve matches the inverse, jitter rescues a PSD-singular matrix', () => {
    const n = 5;
    const b = randMat(n, n, 5);
    const a = matmul(b, transpose(b, n, n), n, n, n);
    for (let i = 0; i < n; i++) a[i * n + i] += 0.1;
    const L = choleskyFactor(a, n);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(L[i * n + j]).toBe(0);
    expect(maxAbsDiff(matmul(L, transpose(L, n, n), n, n, n), a)).toBeLessThan(1e-13);
    const rhs = randMat(n, 2, 6);
    const x = choleskySolveFactored(L, n, rhs, 2);
    expect(maxAbsDiff(x, matmul(invert(a, n), rhs, n, n, 2))).toBeLessThan(1e-10);
    // rank-1 [[1, 1], [1, 1]] fails without jitter at 0 but is rescued by escalation
    const l1 = choleskyFactor([1, 1, 1, 1], 2);
    expect(l1[3]).toBeGreaterThan(0);
    expect(() => choleskyFactor([-1, 0, 0, -1], 2)).toThrow(/not positive definite/);
    expect(() => choleskyFactor([1, 0, 0, 1], 2, -1)).toThrow(/jitter/);
  });
});
