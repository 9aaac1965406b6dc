// Register-blocked GEMM micro-kernel (wasm simd128), shared by core's heap
// GEMM (assembly/heap.ts) and the fused pairwise engine of @steinkit/kernels
// (packages/kernels/assembly/pairwise.ts). @inline: each module gets its own copy.

/** w ≤ 4 floats at p as lanes 0..w−1 (one v128 load for w = 4; lane by lane, zeros after, else). */
// @ts-ignore: decorator
@inline export function loadLanes(p: usize, w: i32): v128 {
  if (w == 4) return v128.load(p);
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (w > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (w > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

/** Lanes 0..w−1 of v to w ≤ 4 floats at p. */
// @ts-ignore: decorator
@inline export function storeLanes(p: usize, w: i32, v: v128): void {
  if (w == 4) {
    v128.store(p, v);
    return;
  }
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (w > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (w > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

/**
 * C[4×8] (+)= A[4×k]·B[k×8]: eight 4-lane accumulators summed from zero over
 * k in order, then written to C (`add`: added to what C holds). `a` points at
 * A's first element (rows `lda` bytes apart, consecutive k 4 bytes apart), `b`
 * at B's (rows `ldb` bytes apart, 8 contiguous columns, read in place — no
 * packing), `c` at C's (rows `ldc` bytes apart).
 */
// @ts-ignore: decorator
@inline export function block4x8(
  a: usize, lda: usize, b: usize, ldb: usize, k: i32, c: usize, ldc: usize, add: bool,
): void {
  const a0 = a;
  const a1 = a0 + lda;
  const a2 = a1 + lda;
  const a3 = a2 + lda;
  let bp = b;
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const end = <usize>k << 2;
  for (let o: usize = 0; o < end; o += 4) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    bp += ldb;
    let s = v128.load32_splat(a0 + o);
    c00 = f32x4.add(c00, f32x4.mul(s, b0));
    c01 = f32x4.add(c01, f32x4.mul(s, b1));
    s = v128.load32_splat(a1 + o);
    c10 = f32x4.add(c10, f32x4.mul(s, b0));
    c11 = f32x4.add(c11, f32x4.mul(s, b1));
    s = v128.load32_splat(a2 + o);
    c20 = f32x4.add(c20, f32x4.mul(s, b0));
    c21 = f32x4.add(c21, f32x4.mul(s, b1));
    s = v128.load32_splat(a3 + o);
    c30 = f32x4.add(c30, f32x4.mul(s, b0));
    c31 = f32x4.add(c31, f32x4.mul(s, b1));
  }
  let o = c;
  if (add) {
    v128.store(o, f32x4.add(v128.load(o), c00));
    v128.store(o, f32x4.add(v128.load(o, 16), c01), 16);
    o += ldc;
    v128.store(o, f32x4.add(v128.load(o), c10));
    v128.store(o, f32x4.add(v128.load(o, 16), c11), 16);
    o += ldc;
    v128.store(o, f32x4.add(v128.load(o), c20));
    v128.store(o, f32x4.add(v128.load(o, 16), c21), 16);
    o += ldc;
    v128.store(o, f32x4.add(v128.load(o), c30));
    v128.store(o, f32x4.add(v128.load(o, 16), c31), 16);
  } else {
    v128.store(o, c00);
    v128.store(o, c01, 16);
    o += ldc;
    v128.store(o, c10);
    v128.store(o, c11, 16);
    o += ldc;
    v128.store(o, c20);
    v128.store(o, c21, 16);
    o += ldc;
    v128.store(o, c30);
    v128.store(o, c31, 16);
  }
}

/** C[4×w] (+)= A[4×k]·B[k×w] for w ≤ 4 columns: {@link block4x8}'s conventions, one accumulator per row. */
// @ts-ignore: decorator
@inline export function block4xW(
  a: usize, lda: usize, b: usize, ldb: usize, k: i32, c: usize, ldc: usize, add: bool, w: i32,
): void {
  const a0 = a;
  const a1 = a0 + lda;
  const a2 = a1 + lda;
  const a3 = a2 + lda;
  let bp = b;
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  const end = <usize>k << 2;
  for (let o: usize = 0; o < end; o += 4) {
    const bv = loadLanes(bp, w);
    bp += ldb;
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(a0 + o), bv));
    c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(a1 + o), bv));
    c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(a2 + o), bv));
    c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(a3 + o), bv));
  }
  if (add) {
    c0 = f32x4.add(loadLanes(c, w), c0);
    c1 = f32x4.add(loadLanes(c + ldc, w), c1);
    c2 = f32x4.add(loadLanes(c + 2 * ldc, w), c2);
    c3 = f32x4.add(loadLanes(c + 3 * ldc, w), c3);
  }
  storeLanes(c, w, c0);
  storeLanes(c + ldc, w, c1);
  storeLanes(c + 2 * ldc, w, c2);
  storeLanes(c + 3 * ldc, w, c3);
}
