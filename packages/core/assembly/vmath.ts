// Vector math on 4 float32 lanes (wasm simd128), shared by the AssemblyScript
// modules of steinkit: core's heap kernels (assembly/heap.ts: Exp, Tanh,
// Softplus, the fused Adam update on tfjs-backend-wasm's memory) and the fused
// pairwise engine of @steinkit/kernels (packages/kernels/assembly/pairwise.ts).
// Everything is @inline: each module gets its own copy at compile time.

// @ts-ignore: decorator
@inline export function splat(v: f32): v128 {
  return f32x4.splat(v);
}

/** exp(x − n·ln2) for n = fx (Cody–Waite, two constants), degree-7 polynomial on |r| ≤ ln2/2 (Cephes expf). */
// @ts-ignore: decorator
@inline function expReduced(x0: v128, fx: v128): v128 {
  let x = f32x4.sub(x0, f32x4.mul(fx, splat(0.693359375)));
  x = f32x4.add(x, f32x4.mul(fx, splat(2.12194440e-4)));
  let p = splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, x), splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, x), splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, x), splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, x), splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, x), splat(5.0000001201e-1));
  return f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(x, x)), x), splat(1.0));
}

/**
 * 1.5·2²³: y + SHIFTER rounds y to an integer (ties to even) for |y| < 2²²,
 * and that integer is the low mantissa bits of the sum — bits(y + S) − bits(S).
 * Cheaper on x64 than f32x4.nearest + i32x4.trunc_sat (≈ 1.7× faster exp).
 */
const SHIFTER: f32 = 12582912.0;

/**
 * exp on 4 lanes (Cephes expf): x = n·ln2 + r with n = round(x·log₂e) and a
 * two-constant Cody–Waite reduction, exp(r) by a degree-7 polynomial on
 * |r| ≤ ln2/2, 2ⁿ built in the exponent bits. Inputs below −87.3365 (where
 * exp leaves the normal float32 range) give 0, above 88.376 are clamped.
 * The clamps are pmin/pmax (one instruction each), which keep NaN as NaN.
 */
// @ts-ignore: decorator
@inline export function vexp(x0: v128): v128 {
  const lo = splat(-87.33654475);
  const x = f32x4.pmin(f32x4.pmax(x0, lo), splat(88.37626));
  const shifted = f32x4.add(f32x4.mul(x, splat(1.44269504088896341)), splat(SHIFTER));
  const fx = f32x4.sub(shifted, splat(SHIFTER));
  const y = expReduced(x, fx);
  const e = i32x4.shl(i32x4.add(i32x4.sub(shifted, splat(SHIFTER)), i32x4.splat(127)), 23);
  return v128.andnot(f32x4.mul(y, e), f32x4.lt(x0, lo));
}

/**
 * exp over the whole float32 range: {@link vexp}'s reduction up to
 * x = 88.7228 (the largest x with a finite expf; there n = 128, so 2ⁿ is
 * applied as 2ⁿ⁻¹·2), +∞ above, 0 below −87.3365 (where results would be
 * subnormal). NaN stays NaN.
 */
// @ts-ignore: decorator
@inline export function vexpFull(x0: v128): v128 {
  const lo = splat(-87.33654475);
  const hi = splat(88.72283935546875);
  const x = f32x4.pmin(f32x4.pmax(x0, lo), hi);
  const shifted = f32x4.add(f32x4.mul(x, splat(1.44269504088896341)), splat(SHIFTER));
  const fx = f32x4.sub(shifted, splat(SHIFTER));
  const y = expReduced(x, fx);
  const n = i32x4.sub(shifted, splat(SHIFTER));
  const h = i32x4.shr_u(i32x4.gt_s(n, i32x4.splat(0)), 31); // 1 where n > 0
  const e = i32x4.shl(i32x4.add(i32x4.sub(n, h), i32x4.splat(127)), 23);
  const r = f32x4.mul(f32x4.mul(y, e), f32x4.convert_i32x4_s(i32x4.add(h, i32x4.splat(1))));
  return v128.bitselect(splat(Infinity), v128.andnot(r, f32x4.lt(x0, lo)), f32x4.gt(x0, hi));
}

/** Natural log on 4 lanes for normal x > 0 (Cephes logf). */
// @ts-ignore: decorator
@inline export function vlog(x: v128): v128 {
  let e = i32x4.sub(i32x4.shr_u(x, 23), i32x4.splat(126));
  let m = v128.or(v128.and(x, i32x4.splat(0x007fffff)), i32x4.splat(0x3f000000)); // [0.5, 1)
  const small = f32x4.lt(m, splat(0.707106781186547524));
  e = i32x4.add(e, small); // small lanes are −1
  m = f32x4.sub(f32x4.add(m, v128.and(m, small)), splat(1.0));
  const fe = f32x4.convert_i32x4_s(e);
  const z = f32x4.mul(m, m);
  let y = splat(7.0376836292e-2);
  y = f32x4.add(f32x4.mul(y, m), splat(-1.1514610310e-1));
  y = f32x4.add(f32x4.mul(y, m), splat(1.1676998740e-1));
  y = f32x4.add(f32x4.mul(y, m), splat(-1.2420140846e-1));
  y = f32x4.add(f32x4.mul(y, m), splat(1.4249322787e-1));
  y = f32x4.add(f32x4.mul(y, m), splat(-1.6668057665e-1));
  y = f32x4.add(f32x4.mul(y, m), splat(2.0000714765e-1));
  y = f32x4.add(f32x4.mul(y, m), splat(-2.4999993993e-1));
  y = f32x4.add(f32x4.mul(y, m), splat(3.3333331174e-1));
  y = f32x4.mul(f32x4.mul(y, m), z);
  y = f32x4.add(y, f32x4.mul(fe, splat(-2.12194440e-4)));
  y = f32x4.sub(y, f32x4.mul(z, splat(0.5)));
  return f32x4.add(f32x4.add(m, y), f32x4.mul(fe, splat(0.693359375)));
}

/** log(1 + t) for t ≥ 0 without cancellation: log(u)·t/(u − 1) with u = 1 + t (Goldberg); t where u rounds to 1. */
// @ts-ignore: decorator
@inline export function vlog1p(t: v128): v128 {
  const u = f32x4.add(t, splat(1.0));
  const r = f32x4.div(f32x4.mul(vlog(u), t), f32x4.sub(u, splat(1.0)));
  return v128.bitselect(t, r, f32x4.eq(u, splat(1.0)));
}

/**
 * tanh on 4 lanes (after Cephes tanhf): x + x³·P(x²) for |x| < 0.625, where
 * the exp form would cancel; 1 − 2/(e^{2|x|} + 1) with the sign of x above
 * (e^{2|x|} saturates near |x| = 44, where tanh is ±1 in float32).
 */
// @ts-ignore: decorator
@inline export function vtanh(x: v128): v128 {
  const ax = f32x4.abs(x);
  const z = f32x4.mul(x, x);
  let p = splat(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, z), splat(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z), splat(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), splat(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z), splat(-3.33332819422e-1));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z), x), x);
  const s = vexp(f32x4.mul(splat(2.0), f32x4.min(ax, splat(44.0))));
  const big = f32x4.sub(splat(1.0), f32x4.div(splat(2.0), f32x4.add(s, splat(1.0))));
  // tanh is odd: the sign of x on both branches (keeps tanh(−0) = −0)
  const y = v128.bitselect(small, big, f32x4.lt(ax, splat(0.625)));
  return v128.or(y, v128.and(x, i32x4.splat(0x80000000)));
}

/** softplus(x) = log(1 + eˣ) = max(x, 0) + log1p(e^{−|x|}): no overflow, no cancellation. */
// @ts-ignore: decorator
@inline export function vsoftplus(x: v128): v128 {
  const t = vexp(f32x4.neg(f32x4.abs(x)));
  return f32x4.add(f32x4.max(x, splat(0.0)), vlog1p(t));
}
