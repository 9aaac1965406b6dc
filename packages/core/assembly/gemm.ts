// The packing-free GEMM (row-major float32, byte offsets into the imported
// memory), shared by the heap module (assembly/heap.ts, tfjs-backend-wasm's
// memory) and the worker-thread GEMM (assembly/gemm-shared.ts, a shared memory
// that steinkit owns). Built by scripts/build-wasm.mjs (repo root).
import { block4x8, block4xW, loadLanes, storeLanes } from './microkernels';

/** One row: c[i, j..j+w−1] (+)= a[i, k0:k1]·b[k0:k1, j..j+w−1], w ≤ 4 columns; strides in bytes. */
// @ts-ignore: decorator
@inline function row1xW(
  a: usize, lda: usize, b: usize, ldb: usize, c: usize, ldc: usize,
  i: i32, j: i32, k0: i32, k1: i32, add: bool, w: i32,
): void {
  const ap = a + <usize>i * lda;
  let bp = b + <usize>k0 * ldb + (<usize>j << 2);
  const cp = c + <usize>i * ldc + (<usize>j << 2);
  let acc = add ? loadLanes(cp, w) : f32x4.splat(0);
  for (let kk = k0; kk < k1; kk++) {
    acc = f32x4.add(acc, f32x4.mul(v128.load32_splat(ap + (<usize>kk << 2)), loadLanes(bp, w)));
    bp += ldb;
  }
  storeLanes(cp, w, acc);
}

/** Columns j..j+w−1 (w ≤ 4) of every row: 4-row blocks, then single rows; strides in bytes. */
// @ts-ignore: decorator
@inline function strip(
  a: usize, lda: usize, b: usize, ldb: usize, c: usize, ldc: usize,
  m: i32, m4: i32, j: i32, k0: i32, k1: i32, add: bool, w: i32,
): void {
  for (let i = 0; i < m4; i += 4) {
    const ap = a + <usize>i * lda + (<usize>k0 << 2);
    const bp = b + <usize>k0 * ldb + (<usize>j << 2);
    const cp = c + <usize>i * ldc + (<usize>j << 2);
    block4xW(ap, lda, bp, ldb, k1 - k0, cp, ldc, add, w);
  }
  for (let i = m4; i < m; i++) row1xW(a, lda, b, ldb, c, ldc, i, j, k0, k1, add, w);
}

/** Rows of k per block: a k×8 panel of b (8 KiB) stays in L1 while all row blocks sweep it. */
const KC: i32 = 256;

/**
 * c[m×n] = a[m×k]·b[k×n], float32 with row strides lda, ldb, ldc (elements),
 * nothing packed: the right operand is read in place (XNNPACK packs it first,
 * which dominates for a freshly updated weight and few rows). For each block
 * of 256 rows of b, panels of 8 columns are swept by blocks of 4 rows of a;
 * ragged rows by 1×4 strips, ragged columns (n mod 8) by 4-, then 1–3-lane
 * strips. Per output, the sum runs over k in order within a block, blocks added
 * in order — so a block of rows (from a multiple of 4) or of columns (from a
 * multiple of 8) computed alone gives the same bits.
 */
export function gemmStrided(
  a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, m: i32, k: i32, n: i32,
): void {
  const la = <usize>lda << 2;
  const lb = <usize>ldb << 2;
  const lc = <usize>ldc << 2;
  const m4 = m & ~3;
  const n8 = n & ~7;
  const n4 = n & ~3;
  for (let k0 = 0; k0 < k || k0 == 0; k0 += KC) {
    const k1 = min(k, k0 + KC);
    const add = k0 > 0;
    for (let j = 0; j < n8; j += 8) {
      for (let i = 0; i < m4; i += 4) {
        const ap = a + <usize>i * la + (<usize>k0 << 2);
        const bp = b + <usize>k0 * lb + (<usize>j << 2);
        const cp = c + <usize>i * lc + (<usize>j << 2);
        block4x8(ap, la, bp, lb, k1 - k0, cp, lc, add);
      }
      for (let i = m4; i < m; i++) {
        row1xW(a, la, b, lb, c, lc, i, j, k0, k1, add, 4);
        row1xW(a, la, b, lb, c, lc, i, j + 4, k0, k1, add, 4);
      }
    }
    if (n4 > n8) strip(a, la, b, lb, c, lc, m, m4, n8, k0, k1, add, 4);
    const w = n - n4;
    if (w == 3) strip(a, la, b, lb, c, lc, m, m4, n4, k0, k1, add, 3);
    else if (w == 2) strip(a, la, b, lb, c, lc, m, m4, n4, k0, k1, add, 2);
    else if (w == 1) strip(a, la, b, lb, c, lc, m, m4, n4, k0, k1, add, 1);
  }
}

/** c[m×n] = a[m×k]·b[k×n], contiguous row-major (see {@link gemmStrided}). */
export function gemm(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32): void {
  gemmStrided(a, k, b, n, c, n, m, k, n);
}
