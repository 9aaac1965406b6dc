// Elementwise kernels that run in place on tfjs-backend-wasm's own linear
// memory (compiled with --importMemory: the host passes the backend's
// WebAssembly.Memory and byte offsets of tensor buffers; nothing here
// allocates or has static data, so the backend's heap is never touched
// outside the given buffers). Built by scripts/build-wasm.mjs (repo root).
//
// tfjs-backend-wasm 4.22 runs Exp, Tanh and Softplus as scalar libm loops
// (≈ 10–25 ns per element); these are 4-lane simd128 (≈ 1 ns). The fused Adam
// update replaces tf.train.adam's 13 kernels per variable with one pass that
// performs the same float32 operations in the same order (bit-identical).
import { loadLanes, storeLanes } from './microkernels';
import { splat, vexpFull, vsoftplus, vtanh } from './vmath';

export { gemm, gemmStrided } from './gemm';

// @ts-ignore: decorator
@inline function apply(op: i32, x: v128): v128 {
  if (op == 0) return vexpFull(x);
  if (op == 1) return vtanh(x);
  return vsoftplus(x);
}

/** dst[i] = f(src[i]) for i < n: f = exp (op 0), tanh (op 1), softplus (op 2). */
export function unary(op: i32, src: usize, dst: usize, n: i32): void {
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, apply(op, v128.load(src + o)));
  }
  const r = n - n4;
  if (r > 0) {
    const o = <usize>n4 << 2;
    storeLanes(dst + o, r, apply(op, loadLanes(src + o, r)));
  }
}

// @ts-ignore: decorator
@inline function adamLanes(
  p: v128, g: v128, m: v128, v: v128,
  b1: v128, omb1: v128, b2: v128, omb2: v128, c1: v128, c2: v128, eps: v128, negLr: v128,
  out: usize, mOut: usize, vOut: usize, o: usize, r: i32,
): void {
  const m1 = f32x4.add(f32x4.mul(m, b1), f32x4.mul(g, omb1));
  const v1 = f32x4.add(f32x4.mul(v, b2), f32x4.mul(f32x4.mul(g, g), omb2));
  const mh = f32x4.div(m1, c1);
  const vh = f32x4.div(v1, c2);
  const step = f32x4.mul(f32x4.div(mh, f32x4.add(f32x4.sqrt(vh), eps)), negLr);
  const p1 = f32x4.add(step, p);
  if (r == 4) {
    v128.store(out + o, p1);
    v128.store(mOut + o, m1);
    v128.store(vOut + o, v1);
  } else {
    storeLanes(out + o, r, p1);
    storeLanes(mOut + o, r, m1);
    storeLanes(vOut + o, r, v1);
  }
}

/**
 * One Adam step (Kingma & Ba 2015, Alg. 1) over n floats, in tf.train.adam's
 * float32 operation order: m₁ = m·β₁ + g·(1−β₁), v₁ = v·β₂ + g²·(1−β₂),
 * p₁ = (m₁/c₁) / (√(v₁/c₂) + ε) · (−lr) + p with c_k = 1 − β_k^t. Writes
 * p₁, m₁, v₁ to their own buffers (which may not alias the inputs' tails).
 */
export function adam(
  p: usize, g: usize, m: usize, v: usize,
  out: usize, mOut: usize, vOut: usize, n: i32,
  b1s: f32, omb1s: f32, b2s: f32, omb2s: f32, c1s: f32, c2s: f32, epss: f32, negLrs: f32,
): void {
  const b1 = splat(b1s);
  const omb1 = splat(omb1s);
  const b2 = splat(b2s);
  const omb2 = splat(omb2s);
  const c1 = splat(c1s);
  const c2 = splat(c2s);
  const eps = splat(epss);
  const negLr = splat(negLrs);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i << 2;
    adamLanes(
      v128.load(p + o), v128.load(g + o), v128.load(m + o), v128.load(v + o),
      b1, omb1, b2, omb2, c1, c2, eps, negLr, out, mOut, vOut, o, 4,
    );
  }
  const r = n - n4;
  if (r > 0) {
    const o = <usize>n4 << 2;
    adamLanes(
      loadLanes(p + o, r), loadLanes(g + o, r), loadLanes(m + o, r), loadLanes(v + o, r),
      b1, omb1, b2, omb2, c1, c2, eps, negLr, out, mOut, vOut, o, r,
    );
  }
}

// ---------------------------------------------------------------- transpose

/** 4×4 block at (r, c) of one [R, C] matrix → (c, r) of its [C, R] transpose (unpck-style shuffles). */
// @ts-ignore: decorator
@inline function block4x4T(src: usize, dst: usize, r: i32, c: i32, rows: i32, cols: i32): void {
  const ls = <usize>cols << 2;
  const ld = <usize>rows << 2;
  const s = src + ((<usize>r * <usize>cols + <usize>c) << 2);
  const r0 = v128.load(s);
  const r1 = v128.load(s + ls);
  const r2 = v128.load(s + 2 * ls);
  const r3 = v128.load(s + 3 * ls);
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  const d = dst + ((<usize>c * <usize>rows + <usize>r) << 2);
  v128.store(d, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(d + ld, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
  v128.store(d + 2 * ld, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
  v128.store(d + 3 * ld, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
}

/** Tile edge of the transpose (a 32×32 tile of 4-byte elements is 4 KiB each side). */
const TT: i32 = 32;

/**
 * [batch, rows, cols] → [batch, cols, rows] for 4-byte elements: 32×32 tiles
 * of 4×4 shuffled blocks; ragged edges element by element.
 */
export function transpose(src: usize, dst: usize, batch: i32, rows: i32, cols: i32): void {
  const r4 = rows & ~3;
  const c4 = cols & ~3;
  const plane = (<usize>rows * <usize>cols) << 2;
  for (let b = 0; b < batch; b++) {
    const s = src + <usize>b * plane;
    const d = dst + <usize>b * plane;
    for (let r0 = 0; r0 < r4; r0 += TT) {
      const r1 = min(r4, r0 + TT);
      for (let c0 = 0; c0 < c4; c0 += TT) {
        const c1 = min(c4, c0 + TT);
        for (let r = r0; r < r1; r += 4) for (let c = c0; c < c1; c += 4) block4x4T(s, d, r, c, rows, cols);
      }
    }
    // ragged columns (all rows) and ragged rows (the first c4 columns)
    for (let r = 0; r < rows; r++) {
      for (let c = c4; c < cols; c++) {
        store<u32>(d + ((<usize>c * <usize>rows + <usize>r) << 2), load<u32>(s + ((<usize>r * <usize>cols + <usize>c) << 2)));
      }
    }
    for (let r = r4; r < rows; r++) {
      for (let c = 0; c < c4; c++) {
        store<u32>(d + ((<usize>c * <usize>rows + <usize>r) << 2), load<u32>(s + ((<usize>r * <usize>cols + <usize>c) << 2)));
      }
    }
  }
}

// ---------------------------------------------------------------- Bernoulli log-likelihood

/** Sum of the first w lanes of v. */
// @ts-ignore: decorator
@inline function lanesSum(v: v128, w: i32): f32 {
  let s = f32x4.extract_lane(v, 0);
  if (w > 1) s += f32x4.extract_lane(v, 1);
  if (w > 2) s += f32x4.extract_lane(v, 2);
  if (w > 3) s += f32x4.extract_lane(v, 3);
  return s;
}

/**
 * out[b, s] = Σ_j x[b, j]·l[b, s, j] − softplus(l[b, s, j]) for x [B, D] and
 * logits l [B, S, D] (the Bernoulli log-likelihood, x broadcast over s), in
 * one pass: 4-lane partial sums over j, then their sum.
 */
export function bernoulliLogLik(x: usize, l: usize, out: usize, B: i32, S: i32, D: i32): void {
  const d4 = D & ~3;
  const w = D - d4;
  const row = <usize>D << 2;
  for (let b = 0; b < B; b++) {
    const xr = x + <usize>b * row;
    for (let s = 0; s < S; s++) {
      const lr = l + (<usize>b * <usize>S + <usize>s) * row;
      let acc = f32x4.splat(0);
      for (let j = 0; j < d4; j += 4) {
        const o = <usize>j << 2;
        const lv = v128.load(lr + o);
        acc = f32x4.add(acc, f32x4.sub(f32x4.mul(v128.load(xr + o), lv), vsoftplus(lv)));
      }
      let total = lanesSum(acc, 4);
      if (w > 0) {
        const o = <usize>d4 << 2;
        const lv = loadLanes(lr + o, w);
        total += lanesSum(f32x4.sub(f32x4.mul(loadLanes(xr + o, w), lv), vsoftplus(lv)), w);
      }
      store<f32>(out + ((<usize>b * <usize>S + <usize>s) << 2), total);
    }
  }
}

/** σ(l) = 1 / (1 + e^{−l}) on 4 lanes. */
// @ts-ignore: decorator
@inline function vsigmoid(l: v128): v128 {
  return f32x4.div(splat(1.0), f32x4.add(splat(1.0), vexpFull(f32x4.neg(l))));
}

/** dl[b, s, j] = (x[b, j] − σ(l[b, s, j]))·dy[b, s]: the gradient of {@link bernoulliLogLik}. */
export function bernoulliLogLikGrad(
  x: usize, l: usize, dy: usize, dl: usize, B: i32, S: i32, D: i32,
): void {
  const d4 = D & ~3;
  const w = D - d4;
  const row = <usize>D << 2;
  for (let b = 0; b < B; b++) {
    const xr = x + <usize>b * row;
    for (let s = 0; s < S; s++) {
      const k = <usize>b * <usize>S + <usize>s;
      const lr = l + k * row;
      const gr = dl + k * row;
      const g = v128.load32_splat(dy + (k << 2));
      for (let j = 0; j < d4; j += 4) {
        const o = <usize>j << 2;
        const v = f32x4.mul(f32x4.sub(v128.load(xr + o), vsigmoid(v128.load(lr + o))), g);
        v128.store(gr + o, v);
      }
      if (w > 0) {
        const o = <usize>d4 << 2;
        const v = f32x4.mul(f32x4.sub(loadLanes(xr + o, w), vsigmoid(loadLanes(lr + o, w))), g);
        storeLanes(gr + o, w, v);
      }
    }
  }
}

// ---------------------------------------------------------------- sums

/**
 * out[c] = Σ_r x[r, c] for x [R, C] (a `Sum` over leading axes: a bias
 * gradient). Rows are added to `out` in order, four at a time, 4 lanes wide;
 * `out` (C floats) stays in cache. R ≥ 1.
 */
export function sumLeading(x: usize, out: usize, R: i32, C: i32): void {
  const ld = <usize>C << 2;
  memory.copy(out, x, ld);
  const c4 = <usize>(C & ~3) << 2;
  let r = 1;
  for (; r + 3 < R; r += 4) {
    const x0 = x + <usize>r * ld;
    const x1 = x0 + ld;
    const x2 = x1 + ld;
    const x3 = x2 + ld;
    for (let o: usize = 0; o < c4; o += 16) {
      let s = f32x4.add(v128.load(out + o), v128.load(x0 + o));
      s = f32x4.add(s, v128.load(x1 + o));
      s = f32x4.add(s, v128.load(x2 + o));
      v128.store(out + o, f32x4.add(s, v128.load(x3 + o)));
    }
    for (let o = c4; o < ld; o += 4) {
      let s = load<f32>(out + o) + load<f32>(x0 + o);
      s += load<f32>(x1 + o);
      s += load<f32>(x2 + o);
      store<f32>(out + o, s + load<f32>(x3 + o));
    }
  }
  for (; r < R; r++) {
    const xr = x + <usize>r * ld;
    for (let o: usize = 0; o < c4; o += 16) {
      v128.store(out + o, f32x4.add(v128.load(out + o), v128.load(xr + o)));
    }
    for (let o = c4; o < ld; o += 4) store<f32>(out + o, load<f32>(out + o) + load<f32>(xr + o));
  }
}

/**
 * out[r] = Σ_c x[r, c] for x [R, C] (a `Sum` over trailing axes): four lane
 * accumulators over the row (column c into lane c mod 4), then the lanes and
 * the 1–3 ragged columns added in order.
 */
export function sumTrailing(x: usize, out: usize, R: i32, C: i32): void {
  const ld = <usize>C << 2;
  const c4 = <usize>(C & ~3) << 2;
  for (let r = 0; r < R; r++) {
    const xr = x + <usize>r * ld;
    let acc = f32x4.splat(0);
    for (let o: usize = 0; o < c4; o += 16) acc = f32x4.add(acc, v128.load(xr + o));
    let s = lanesSum(acc, 4);
    for (let o = c4; o < ld; o += 4) s += load<f32>(xr + o);
    store<f32>(out + (<usize>r << 2), s);
  }
}
