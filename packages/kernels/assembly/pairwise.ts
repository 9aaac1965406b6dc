// Fused pairwise Stein kernels: AssemblyScript compiled to wasm32 + simd128
// (`pnpm --filter @steinkit/kernels build:wasm`, see scripts/build-wasm.mjs at the
// repo root); vexp/vlog come from core's shared vector math (core/assembly/vmath.ts).
//
// Nothing here allocates: the host (src/fused/engine.ts) lays out the linear
// memory and passes byte offsets. Matrices are row-major float32; row counts
// are padded to a multiple of 8 with zero rows, widths of the value matrices
// to a multiple of 4. Squared distances come from dot products,
// r² = ‖x_i‖² + ‖y_j‖² − 2 x_i·y_j (on centered points), one tile of rows ×
// one tile of columns at a time; nothing n×m is ever stored.

// ---------------------------------------------------------------- vector math

import { block4x8, block4xW } from '../../core/assembly/microkernels';
import { splat, vexp, vlog } from '../../core/assembly/vmath';

/** Applies vexp (op 0), vlog (op 1) or t^beta = exp(beta·log t) (op 2) to n floats in place (tests). */
export function mathTest(op: i32, p: usize, n: i32, beta: f32): void {
  for (let i = 0; i < n; i += 4) {
    const q = p + (<usize>i << 2);
    const v = v128.load(q);
    if (op == 0) v128.store(q, vexp(v));
    else if (op == 1) v128.store(q, vlog(v));
    else v128.store(q, vexp(f32x4.mul(splat(beta), vlog(v))));
  }
}

// ---------------------------------------------------------------- preparation

/**
 * Centers x [np, d] in place by `mean` [d] (may be 0), writes the squared
 * row norms to nrm [np] and the 8-row panels xt (panel q = rows 8q..8q+7
 * stored [d][8]). Rows ≥ n must be zero on entry and stay zero.
 */
export function prep(x: usize, n: i32, np: i32, d: i32, mean: usize, xt: usize, nrm: usize): void {
  for (let i = 0; i < n; i++) {
    const r = x + ((<usize>i * <usize>d) << 2);
    let s: f32 = 0;
    for (let k = 0; k < d; k++) {
      const v = load<f32>(r + (<usize>k << 2)) - load<f32>(mean + (<usize>k << 2));
      store<f32>(r + (<usize>k << 2), v);
      s += v * v;
    }
    store<f32>(nrm + (<usize>i << 2), s);
  }
  for (let i = n; i < np; i++) store<f32>(nrm + (<usize>i << 2), 0);
  for (let q = 0; q < np; q += 8) {
    const panel = xt + ((<usize>q * <usize>d) << 2);
    for (let r = 0; r < 8; r++) {
      const row = x + ((<usize>(q + r) * <usize>d) << 2);
      for (let k = 0; k < d; k++) {
        store<f32>(panel + ((<usize>(k * 8 + r)) << 2), load<f32>(row + (<usize>k << 2)));
      }
    }
  }
}

// ---------------------------------------------------------------- tiles

/**
 * w[bi][bj] = max(‖x_i‖² + ‖y_j‖² − 2 x_i·y_j, 0) for rows i0.. and columns
 * j0.. (bi a multiple of 4, bj of 8): a 4×8 register-blocked dot-product kernel
 * over the row-major x and the 8-column panels yt.
 */
function distTile(
  x: usize,
  nx: usize,
  yt: usize,
  ny: usize,
  d: i32,
  i0: i32,
  bi: i32,
  j0: i32,
  bj: i32,
  w: usize,
): void {
  const rowB = <usize>d << 2;
  const wRow = <usize>bj << 2;
  const zero = f32x4.splat(0);
  const m2 = splat(-2);
  for (let jp = 0; jp < bj; jp += 8) {
    const panel = yt + <usize>(j0 + jp) * rowB;
    const nyp = ny + (<usize>(j0 + jp) << 2);
    const ny0 = v128.load(nyp);
    const ny1 = v128.load(nyp, 16);
    for (let ib = 0; ib < bi; ib += 4) {
      const r0 = x + <usize>(i0 + ib) * rowB;
      const r1 = r0 + rowB;
      const r2 = r1 + rowB;
      const r3 = r2 + rowB;
      let a00 = zero;
      let a01 = zero;
      let a10 = zero;
      let a11 = zero;
      let a20 = zero;
      let a21 = zero;
      let a30 = zero;
      let a31 = zero;
      let p = panel;
      for (let k: usize = 0; k < rowB; k += 4) {
        const c0 = v128.load(p);
        const c1 = v128.load(p, 16);
        p += 32;
        let s = v128.load32_splat(r0 + k);
        a00 = f32x4.add(a00, f32x4.mul(s, c0));
        a01 = f32x4.add(a01, f32x4.mul(s, c1));
        s = v128.load32_splat(r1 + k);
        a10 = f32x4.add(a10, f32x4.mul(s, c0));
        a11 = f32x4.add(a11, f32x4.mul(s, c1));
        s = v128.load32_splat(r2 + k);
        a20 = f32x4.add(a20, f32x4.mul(s, c0));
        a21 = f32x4.add(a21, f32x4.mul(s, c1));
        s = v128.load32_splat(r3 + k);
        a30 = f32x4.add(a30, f32x4.mul(s, c0));
        a31 = f32x4.add(a31, f32x4.mul(s, c1));
      }
      const nxp = nx + (<usize>(i0 + ib) << 2);
      let o = w + <usize>ib * wRow + (<usize>jp << 2);
      let nxi = v128.load32_splat(nxp);
      v128.store(o, f32x4.max(f32x4.add(f32x4.add(nxi, ny0), f32x4.mul(m2, a00)), zero));
      v128.store(o, f32x4.max(f32x4.add(f32x4.add(nxi, ny1), f32x4.mul(m2, a01)), zero), 16);
      o += wRow;
      nxi = v128.load32_splat(nxp, 4);
      v128.store(o, f32x4.max(f32x4.add(f32x4.add(nxi, ny0), f32x4.mul(m2, a10)), zero));
      v128.store(o, f32x4.max(f32x4.add(f32x4.add(nxi, ny1), f32x4.mul(m2, a11)), zero), 16);
      o += wRow;
      nxi = v128.load32_splat(nxp, 8);
      v128.store(o, f32x4.max(f32x4.add(f32x4.add(nxi, ny0), f32x4.mul(m2, a20)), zero));
      v128.store(o, f32x4.max(f32x4.add(f32x4.add(nxi, ny1), f32x4.mul(m2, a21)), zero), 16);
      o += wRow;
      nxi = v128.load32_splat(nxp, 12);
      v128.store(o, f32x4.max(f32x4.add(f32x4.add(nxi, ny0), f32x4.mul(m2, a30)), zero));
      v128.store(o, f32x4.max(f32x4.add(f32x4.add(nxi, ny1), f32x4.mul(m2, a31)), zero), 16);
    }
  }
}

/**
 * acc[i][c] += Σ_j w[i][j] · v[j][c] for i < bi (multiple of 4), j < bj,
 * c ∈ [c0, c1) (multiples of 4); w has row stride ldw, v ldv, acc ldacc (floats).
 */
function accum(
  w: usize,
  ldw: i32,
  bi: i32,
  bj: i32,
  v: usize,
  ldv: i32,
  c0: i32,
  c1: i32,
  acc: usize,
  ldacc: i32,
): void {
  const wRow = <usize>ldw << 2;
  const vRow = <usize>ldv << 2;
  const aRow = <usize>ldacc << 2;
  let c = c0;
  for (; c + 8 <= c1; c += 8) {
    for (let ib = 0; ib < bi; ib += 4) {
      const o = acc + <usize>ib * aRow + (<usize>c << 2);
      block4x8(w + <usize>ib * wRow, wRow, v + (<usize>c << 2), vRow, bj, o, aRow, true);
    }
  }
  if (c < c1) {
    for (let ib = 0; ib < bi; ib += 4) {
      const o = acc + <usize>ib * aRow + (<usize>c << 2);
      block4xW(w + <usize>ib * wRow, wRow, v + (<usize>c << 2), vRow, bj, o, aRow, true, 4);
    }
  }
}

/** t[j][i] = w[i][j] for a bi × bj tile (both multiples of 4), 4×4 blocks in registers. */
function transpose(w: usize, bi: i32, bj: i32, t: usize): void {
  const wRow = <usize>bj << 2;
  const tRow = <usize>bi << 2;
  for (let i = 0; i < bi; i += 4) {
    for (let j = 0; j < bj; j += 4) {
      const s = w + <usize>i * wRow + (<usize>j << 2);
      const r0 = v128.load(s);
      const r1 = v128.load(s + wRow);
      const r2 = v128.load(s + 2 * wRow);
      const r3 = v128.load(s + 3 * wRow);
      // interleave: t0 = [r0_0 r1_0 r0_1 r1_1], t1 = [r0_2 r1_2 r0_3 r1_3], …
      const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
      const t1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
      const t2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
      const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
      const o = t + <usize>j * tRow + (<usize>i << 2);
      v128.store(o, i64x2.shuffle(t0, t2, 0, 2));
      v128.store(o + tRow, i64x2.shuffle(t0, t2, 1, 3));
      v128.store(o + 2 * tRow, i64x2.shuffle(t1, t3, 0, 2));
      v128.store(o + 3 * tRow, i64x2.shuffle(t1, t3, 1, 3));
    }
  }
}

// ---------------------------------------------------------------- kernel values

// Kernel kinds: 0 = RBF f = exp(−a r²); 1 = IMQ f = (c² + r²)^β;
// 2 = distance f = √r² (energy distance; H only).
// H (the scalar per pair that is summed): 0 none, 1 f, 2 f·r², 3 the trace
// term tr ∇ₓ∇_y k = −4 f''(r²) r² − 2 dim f'(r²).

let kKind: i32 = 0;
let kA: f32 = 1; // RBF 1/h²
let kC2: f32 = 1; // IMQ c²
let kBeta: f32 = -0.5; // IMQ β
let kDim: f32 = 1; // d, for the trace term
let wantG: bool = false; // G = 2 f'(r²)
let hKind: i32 = 0;
let hTotal: f64 = 0;

/** Sets the kernel and what each tile produces (see the kinds above). */
export function setKernel(kind: i32, a: f32, c2: f32, beta: f32, dim: f32, g: bool, h: i32): void {
  kKind = kind;
  kA = a;
  kC2 = c2;
  kBeta = beta;
  kDim = dim;
  wantG = g;
  hKind = h;
}

export function resetTotal(): void {
  hTotal = 0;
}

export function getTotal(): f64 {
  return hTotal;
}

/**
 * Turns the r² tile w (cnt floats) into F = f(r²) in place, G = 2f'(r²) into g
 * (when wanted) and H into h (when hKind > 0).
 */
function values(w: usize, g: usize, h: usize, cnt: i32): void {
  const end = <usize>cnt << 2;
  if (kKind == 0) {
    const na = splat(-kA);
    const m2a = splat(-2 * kA);
    const dterm = splat(2 * kA * kDim);
    const a2 = splat(4 * kA * kA);
    for (let o: usize = 0; o < end; o += 16) {
      const r2 = v128.load(w + o);
      const f = vexp(f32x4.mul(na, r2));
      v128.store(w + o, f);
      if (wantG) v128.store(g + o, f32x4.mul(m2a, f));
      if (hKind == 1) v128.store(h + o, f);
      else if (hKind == 2) v128.store(h + o, f32x4.mul(f, r2));
      else if (hKind == 3) v128.store(h + o, f32x4.mul(f, f32x4.sub(dterm, f32x4.mul(a2, r2))));
    }
  } else if (kKind == 1) {
    const c2 = splat(kC2);
    const beta = splat(kBeta);
    const one = splat(1);
    const b2 = splat(2 * kBeta);
    const tr1 = splat(-4 * kBeta * (kBeta - 1));
    const tr2 = splat(-2 * kDim * kBeta);
    const half = kBeta == -0.5;
    for (let o: usize = 0; o < end; o += 16) {
      const r2 = v128.load(w + o);
      const t = f32x4.add(c2, r2);
      const inv = f32x4.div(one, t);
      const f = half ? f32x4.sqrt(inv) : vexp(f32x4.mul(beta, vlog(t)));
      v128.store(w + o, f);
      if (wantG) v128.store(g + o, f32x4.mul(b2, f32x4.mul(f, inv)));
      if (hKind == 1) v128.store(h + o, f);
      else if (hKind == 2) v128.store(h + o, f32x4.mul(f, r2));
      else if (hKind == 3) {
        // −4 β(β−1) f r²/t² − 2 d β f/t
        const fi = f32x4.mul(f, inv);
        v128.store(h + o, f32x4.add(f32x4.mul(tr1, f32x4.mul(fi, f32x4.mul(r2, inv))), f32x4.mul(tr2, fi)));
      }
    }
  } else {
    for (let o: usize = 0; o < end; o += 16) {
      const s = f32x4.sqrt(v128.load(w + o));
      v128.store(w + o, s);
      if (hKind > 0) v128.store(h + o, s);
    }
  }
}

/** Σ of the valid part of the H tile (rows < ni, cols < nj; the diagonal dropped when `skipDiag`). */
function sumH(h: usize, bi: i32, bj: i32, ni: i32, nj: i32, skipDiag: bool): f64 {
  const hRow = <usize>bj << 2;
  let total: f64 = 0;
  const full = nj & ~3;
  for (let i = 0; i < ni; i++) {
    const r = h + <usize>i * hRow;
    if (skipDiag) store<f32>(r + (<usize>i << 2), 0);
    let s = f32x4.splat(0);
    for (let j = 0; j < full; j += 4) s = f32x4.add(s, v128.load(r + (<usize>j << 2)));
    let t: f64 =
      <f64>f32x4.extract_lane(s, 0) +
      <f64>f32x4.extract_lane(s, 1) +
      <f64>f32x4.extract_lane(s, 2) +
      <f64>f32x4.extract_lane(s, 3);
    for (let j = full; j < nj; j++) t += <f64>load<f32>(r + (<usize>j << 2));
    total += t;
  }
  return total;
}

// ---------------------------------------------------------------- drivers

/**
 * Symmetric pass (y = x) for the row block [i0, i0 + bi): for every column
 * block j0 ≥ i0 (width ≤ bs), the r² tile, F (and G, H), then
 *   acc[I] += F·v[J][0, p0) and G·v[J][p0, pv);
 * and for j0 > i0 also acc[J] += Fᵀ·v[I] (and Gᵀ). The diagonal entries are
 * zeroed in F and G when `offDiag` (sums over i ≠ j). H is summed over the
 * ordered pairs (i ≠ j, both < n) into the running total.
 * Scratch: s (5·bs² floats).
 */
export function symRow(
  x: usize,
  xt: usize,
  nrm: usize,
  n: i32,
  np: i32,
  d: i32,
  v: usize,
  p0: i32,
  pv: i32,
  acc: usize,
  i0: i32,
  bi: i32,
  bs: i32,
  offDiag: bool,
  s: usize,
): void {
  const tile = <usize>(bs * bs) << 2;
  const w = s;
  const g = s + tile;
  const h = s + 2 * tile;
  const t = s + 3 * tile;
  const rowV = <usize>pv << 2;
  for (let j0 = i0; j0 < np; j0 += bs) {
    const bj = min(bs, np - j0);
    distTile(x, nrm, xt, nrm, d, i0, bi, j0, bj, w);
    const diag = j0 == i0;
    if (diag) for (let i = 0; i < bi; i++) store<f32>(w + (<usize>(i * bj + i) << 2), 0);
    values(w, g, h, bi * bj);
    if (diag && offDiag) {
      for (let i = 0; i < bi; i++) {
        store<f32>(w + (<usize>(i * bj + i) << 2), 0);
        if (wantG) store<f32>(g + (<usize>(i * bj + i) << 2), 0);
      }
    }
    if (hKind > 0) {
      const part = sumH(h, bi, bj, min(bi, n - i0), min(bj, n - j0), diag);
      hTotal += diag ? part : 2 * part;
    }
    if (p0 > 0) {
      accum(w, bj, bi, bj, v + <usize>j0 * rowV, pv, 0, p0, acc + <usize>i0 * rowV, pv);
    }
    if (wantG && pv > p0) {
      accum(g, bj, bi, bj, v + <usize>j0 * rowV, pv, p0, pv, acc + <usize>i0 * rowV, pv);
    }
    if (!diag) {
      if (p0 > 0) {
        transpose(w, bi, bj, t);
        accum(t, bi, bj, bi, v + <usize>i0 * rowV, pv, 0, p0, acc + <usize>j0 * rowV, pv);
      }
      if (wantG && pv > p0) {
        transpose(g, bi, bj, t);
        accum(t, bi, bj, bi, v + <usize>i0 * rowV, pv, p0, pv, acc + <usize>j0 * rowV, pv);
      }
    }
  }
}

/**
 * Rectangular pass (x against y) for the row block [i0, i0 + bi) over all
 * column blocks of y (mp rows, m valid): acc[I] += F·v[J][0, p0) + G·v[J][p0, pv),
 * H summed over i < n, j < m.
 */
export function rectRow(
  x: usize,
  nx: usize,
  n: i32,
  yt: usize,
  ny: usize,
  m: i32,
  mp: i32,
  d: i32,
  v: usize,
  p0: i32,
  pv: i32,
  acc: usize,
  i0: i32,
  bi: i32,
  bs: i32,
  s: usize,
): void {
  const tile = <usize>(bs * bs) << 2;
  const w = s;
  const g = s + tile;
  const h = s + 2 * tile;
  const rowV = <usize>pv << 2;
  for (let j0 = 0; j0 < mp; j0 += bs) {
    const bj = min(bs, mp - j0);
    distTile(x, nx, yt, ny, d, i0, bi, j0, bj, w);
    values(w, g, h, bi * bj);
    if (hKind > 0) hTotal += sumH(h, bi, bj, min(bi, n - i0), min(bj, m - j0), false);
    if (p0 > 0) {
      accum(w, bj, bi, bj, v + <usize>j0 * rowV, pv, 0, p0, acc + <usize>i0 * rowV, pv);
    }
    if (wantG && pv > p0) {
      accum(g, bj, bi, bj, v + <usize>j0 * rowV, pv, p0, pv, acc + <usize>i0 * rowV, pv);
    }
  }
}

/**
 * Writes the Gram tile rows [i0, i0 + bi) × all columns into out (row-major
 * [n][m], only valid entries): F of x against y.
 */
export function gramRow(
  x: usize,
  nx: usize,
  n: i32,
  yt: usize,
  ny: usize,
  m: i32,
  mp: i32,
  d: i32,
  out: usize,
  i0: i32,
  bi: i32,
  bs: i32,
  self: bool,
  s: usize,
): void {
  const tile = <usize>(bs * bs) << 2;
  const w = s;
  const g = s + tile;
  const h = s + 2 * tile;
  const ni = min(bi, n - i0);
  for (let j0 = 0; j0 < mp; j0 += bs) {
    const bj = min(bs, mp - j0);
    distTile(x, nx, yt, ny, d, i0, bi, j0, bj, w);
    if (self && j0 == i0) {
      for (let i = 0; i < bi; i++) store<f32>(w + (<usize>(i * bj + i) << 2), 0);
    }
    values(w, g, h, bi * bj);
    const nj = min(bj, m - j0);
    for (let i = 0; i < ni; i++) {
      memory.copy(
        out + ((<usize>(i0 + i) * <usize>m + <usize>j0) << 2),
        w + (<usize>(i * bj) << 2),
        <usize>nj << 2,
      );
    }
  }
}

// ---------------------------------------------------------------- median

/**
 * Histogram pass over the pairs i < j of the row block [i0, i0 + bi) for the
 * exact median: r² below `tol` counts as 0; with `level` 0 counts the top 16
 * bits of the float32 bit pattern into hist[65536] (u32), with `level` 1 the
 * low 16 bits of the values whose top bits equal `topA` (into hist) or `topB`
 * (into hist + 256 KiB).
 */
export function histRow(
  x: usize,
  xt: usize,
  nrm: usize,
  n: i32,
  np: i32,
  d: i32,
  i0: i32,
  bi: i32,
  bs: i32,
  tol: f32,
  level: i32,
  topA: u32,
  topB: u32,
  hist: usize,
  s: usize,
): void {
  const w = s;
  const histB = hist + (65536 << 2);
  const ni = min(bi, n - i0);
  for (let j0 = i0; j0 < np; j0 += bs) {
    const bj = min(bs, np - j0);
    distTile(x, nrm, xt, nrm, d, i0, bi, j0, bj, w);
    const nj = min(bj, n - j0);
    for (let i = 0; i < ni; i++) {
      const r = w + (<usize>(i * bj) << 2);
      const jStart = j0 == i0 ? i + 1 : 0;
      for (let j = jStart; j < nj; j++) {
        let v = load<f32>(r + (<usize>j << 2));
        if (v < tol) v = 0;
        const bits = reinterpret<u32>(v);
        const top = bits >>> 16;
        if (level == 0) {
          const q = hist + (<usize>top << 2);
          store<u32>(q, load<u32>(q) + 1);
        } else {
          const low = <usize>(bits & 0xffff) << 2;
          if (top == topA) store<u32>(hist + low, load<u32>(hist + low) + 1);
          if (top == topB) store<u32>(histB + low, load<u32>(histB + low) + 1);
        }
      }
    }
  }
}

/** Largest r² over the pairs (for a guard on tol); returns max ‖x_i‖² after centering. */
export function maxNorm(nrm: usize, n: i32): f32 {
  let m: f32 = 0;
  for (let i = 0; i < n; i++) m = max(m, load<f32>(nrm + (<usize>i << 2)));
  return m;
}

/** Where the host may start laying out memory. */
export function heapBase(): usize {
  return (__heap_base + 63) & ~63;
}
