/**
 * The fused pairwise engine: a small wasm32 + simd128 module (AssemblyScript,
 * `assembly/pairwise.ts`) with its own linear memory. Everything here works on
 * plain Float32Arrays; `dispatch.ts` decides when tensors go through it.
 *
 * Memory is O((n + m)·(d + p)): the points, their 8-row panels, the value
 * matrix and the accumulators, plus 4 tiles of bs² floats — nothing n×m
 * (except `gram`, whose output is n×m by definition). A request that would
 * not fit in the module's memory (4 GiB address space, less where the host
 * refuses to grow it) throws a RangeError naming n, d and the bytes.
 */
import { decodeBase64, HELPER_DATA, type Helper, startHelper } from '@steinkit/core';
import { PAIRWISE_WASM_BASE64 } from './wasm-binary';

/** A radial kernel the engine evaluates: RBF exp(−a r²) or IMQ (c² + r²)^β. */
export type FusedSpec = { kind: 'rbf'; a: number } | { kind: 'imq'; c2: number; beta: number };

interface Exports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  mathTest(op: number, p: number, n: number, beta: number): void;
  prep(x: number, n: number, np: number, d: number, mean: number, xt: number, nrm: number): void;
  setKernel(
    kind: number,
    a: number,
    c2: number,
    beta: number,
    dim: number,
    g: number,
    h: number,
  ): void;
  resetTotal(): void;
  getTotal(): number;
  symRow(...args: number[]): void;
  rectRow(...args: number[]): void;
  gramRow(...args: number[]): void;
  histRow(...args: number[]): void;
}

let instance: Exports | null = null;
let compiled: WebAssembly.Module | null = null;

/** Whether this JS engine can run the module (WebAssembly with SIMD). */
export function fusedSupported(): boolean {
  try {
    return engine() !== null;
  } catch {
    return false;
  }
}

let failed: unknown = null;

/** The instantiated module (synchronous compile: the module is ≈ 8 KB). */
export function engine(): Exports {
  if (instance) return instance;
  if (failed) throw failed;
  try {
    compiled = new WebAssembly.Module(decodeBase64(PAIRWISE_WASM_BASE64) as BufferSource);
    instance = new WebAssembly.Instance(compiled, {}).exports as unknown as Exports;
    return instance;
  } catch (e) {
    failed = e;
    throw e;
  }
}

/** Default tile edge (rows and columns per tile; a multiple of 8). */
export const DEFAULT_TILE = 64;
let tile = DEFAULT_TILE;

/** Sets the tile edge (a multiple of 8, ≥ 8); tests use small tiles to exercise ragged edges. */
export function setTileSize(bs: number): number {
  if (!Number.isInteger(bs) || bs < 8 || bs % 8 !== 0) {
    throw new RangeError(`tile size: expected a multiple of 8 ≥ 8, got ${bs}`);
  }
  const old = tile;
  tile = bs;
  return old;
}

const WASM_MAX_BYTES = 2 ** 32;
const PAGE = 65536;

/** A bump layout of byte regions (64-byte aligned) starting at the heap base. */
class Layout {
  private top: number;
  constructor(base: number) {
    this.top = base;
  }
  take(bytes: number): number {
    const at = this.top;
    this.top += Math.ceil(bytes / 64) * 64;
    return at;
  }
  get end(): number {
    return this.top;
  }
}

/** Grows the module memory to hold `end` bytes or throws a RangeError naming the request. */
function ensure(e: Exports, end: number, what: string, n: number, d: number): void {
  const have = e.memory.buffer.byteLength;
  if (end <= have) return;
  const fail = (why: string) =>
    new RangeError(
      `${what}: n = ${n}, d = ${d} needs ${end} bytes of wasm memory for the fused pairwise engine (${why}); use fewer points or a subsample`,
    );
  if (end > WASM_MAX_BYTES) throw fail(`more than the 4 GiB a wasm32 memory can address`);
  try {
    e.memory.grow(Math.ceil((end - have) / PAGE));
  } catch (err) {
    throw fail(`growing the memory failed: ${(err as Error).message}`);
  }
}

const pad8 = (n: number) => Math.ceil(n / 8) * 8;
const pad4 = (n: number) => Math.ceil(n / 4) * 4;

/** Column means (float64) of row-major [n, d] data (of two sets pooled when y is given). */
function means(x: Float32Array, n: number, d: number, y?: Float32Array, m = 0): Float64Array {
  const mu = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) mu[k] += x[i * d + k];
  if (y) for (let j = 0; j < m; j++) for (let k = 0; k < d; k++) mu[k] += y[j * d + k];
  const c = n + (y ? m : 0);
  if (c > 0) for (let k = 0; k < d; k++) mu[k] /= c;
  return mu;
}

interface Points {
  x: number;
  xt: number;
  nrm: number;
  np: number;
}

/** Copies points into memory, centers them by mu, computes norms and panels. */
function loadPoints(
  e: Exports,
  lay: { x: number; xt: number; nrm: number; mean: number },
  data: Float32Array,
  n: number,
  d: number,
  mu: Float64Array,
): Points {
  const np = pad8(n);
  const f32 = new Float32Array(e.memory.buffer);
  f32.set(data.subarray(0, n * d), lay.x >> 2);
  f32.fill(0, (lay.x >> 2) + n * d, (lay.x >> 2) + np * d);
  f32.set(Float32Array.from(mu), lay.mean >> 2);
  e.prep(lay.x, n, np, d, lay.mean, lay.xt, lay.nrm);
  return { x: lay.x, xt: lay.xt, nrm: lay.nrm, np };
}

function pointRegions(l: Layout, n: number, d: number) {
  const np = pad8(n);
  return {
    x: l.take(np * d * 4),
    xt: l.take(np * d * 4),
    nrm: l.take(np * 4),
    mean: l.take(Math.max(d, 1) * 4),
  };
}

/** The arguments of the last `setKernel` call (the helper thread repeats it). */
let kernelArgs: number[] = [];

function setKernel(e: Exports, k: FusedSpec | 'dist', d: number, g: boolean, h: number): void {
  if (k === 'dist') kernelArgs = [2, 0, 0, 0, d, 0, h];
  else if (k.kind === 'rbf') kernelArgs = [0, k.a, 0, 0, d, g ? 1 : 0, h];
  else kernelArgs = [1, 0, k.c2, k.beta, d, g ? 1 : 0, h];
  e.setKernel(...(kernelArgs as Parameters<Exports['setKernel']>));
}

// ---------------------------------------------------------------- two threads

/**
 * The helper thread's job (`@steinkit/core`'s `startHelper`): its own instance
 * of the module, fed the main instance's whole working region [base, end)
 * (points, panels, values, zeroed accumulators) through the shared memory; it
 * runs its row blocks and answers its accumulators (copied back into the
 * shared memory) and its H total.
 */
const PAIRWISE_HANDLER = `
const e = new WebAssembly.Instance(data.module, {}).exports;
return (j) => {
  const short = j.end - e.memory.buffer.byteLength;
  if (short > 0) e.memory.grow(Math.ceil(short / 65536));
  new Uint8Array(e.memory.buffer, j.base, j.end - j.base).set(
    new Uint8Array(memory.buffer, ${HELPER_DATA}, j.end - j.base));
  if (j.kernel.length) e.setKernel(...j.kernel);
  e.resetTotal();
  const f = e[j.fn];
  for (const args of j.calls) f(...args);
  new Uint8Array(memory.buffer, ${HELPER_DATA}, j.outBytes).set(
    new Uint8Array(e.memory.buffer, j.out, j.outBytes));
  return e.getTotal();
};
`;

/** Below this much pairwise work (pairs × (d + values)) a pass stays on one thread. */
const THREAD_MIN_WORK = 1 << 22;

function pairwiseHelper(): Helper | null {
  engine();
  return compiled ? startHelper('pairwise', PAIRWISE_HANDLER, { module: compiled }) : null;
}

type RowFn = 'symRow' | 'rectRow' | 'histRow';

let threadJobs = 0;
/** Passes shared with the helper thread so far in this process (tests). */
export function fusedThreadJobs(): number {
  return threadJobs;
}

/**
 * Runs `fn` over the row blocks [i0, i0 + bi) of `np` rows, each call's
 * arguments from `args(i0, bi)`. With a helper thread and enough `work`, the
 * blocks are split between the threads by their cost (longest first, each to
 * the less loaded thread: `cost(i0, bi)`), the helper's accumulators
 * (`out`: f32, or u32 histogram bins) are added to this instance's, and its H
 * total is returned (this thread's own stays in `e.getTotal()`). Sums are
 * regrouped, not reordered within a pair: results agree with one thread to
 * float32 rounding (histograms exactly).
 */
function rowBlocks(
  e: Exports,
  l: Layout,
  np: number,
  bs: number,
  fn: RowFn,
  args: (i0: number, bi: number) => number[],
  cost: (i0: number, bi: number) => number,
  out: { off: number; bytes: number; u32?: boolean },
  work: number,
): number {
  const blocks: [number, number][] = [];
  for (let i0 = 0; i0 < np; i0 += bs) blocks.push([i0, Math.min(bs, np - i0)]);
  const call = e[fn] as (...a: number[]) => void;
  const base = e.heapBase();
  const helper = blocks.length >= 2 && work >= THREAD_MIN_WORK ? pairwiseHelper() : null;
  if (!helper || !helper.reserve(l.end - base)) {
    for (const [i0, bi] of blocks) call(...args(i0, bi));
    return 0;
  }
  const mine: [number, number][] = [];
  const theirs: [number, number][] = [];
  let load = 0; // mine − theirs
  for (const b of [...blocks].sort((p, q) => cost(q[0], q[1]) - cost(p[0], p[1]))) {
    const c = cost(b[0], b[1]);
    if (load <= 0) {
      mine.push(b);
      load += c;
    } else {
      theirs.push(b);
      load -= c;
    }
  }
  new Uint8Array(helper.memory.buffer, HELPER_DATA, l.end - base).set(
    new Uint8Array(e.memory.buffer, base, l.end - base),
  );
  helper.start({
    base,
    end: l.end,
    kernel: kernelArgs,
    fn,
    calls: theirs.map(([i0, bi]) => args(i0, bi)),
    out: out.off,
    outBytes: out.bytes,
  });
  for (const [i0, bi] of mine) call(...args(i0, bi));
  helper.finish();
  threadJobs++;
  if (out.bytes > 0) {
    const T = out.u32 ? Uint32Array : Float32Array;
    const acc = new T(e.memory.buffer, out.off, out.bytes / 4);
    const theirAcc = new T(helper.memory.buffer, HELPER_DATA, out.bytes / 4);
    for (let i = 0; i < acc.length; i++) acc[i] += theirAcc[i];
  }
  return helper.result();
}

/**
 * One symmetric pass (y = x): returns the accumulators acc[i] = Σ_j F_ij v_j[0, p0)
 * + G_ij v_j[p0, pv) (a copy, [n, pv]) and the H total over ordered pairs i ≠ j.
 * `fillV(v, xc, pv)` writes the value matrix given the centered points.
 */
function symmetricPass(
  what: string,
  x: Float32Array,
  n: number,
  d: number,
  k: FusedSpec | 'dist',
  p0: number,
  pv: number,
  g: boolean,
  h: number,
  offDiag: boolean,
  fillV: (v: Float32Array, xc: Float32Array) => void,
): { acc: Float32Array; total: number; xc: Float32Array } {
  const e = engine();
  const bs = tile;
  const np = pad8(n);
  const l = new Layout(e.heapBase());
  const pr = pointRegions(l, n, d);
  const v = l.take(np * pv * 4);
  const acc = l.take(np * pv * 4);
  const scratch = l.take(4 * bs * bs * 4);
  ensure(e, l.end, what, n, d);
  const mu = means(x, n, d);
  const pts = loadPoints(e, pr, x, n, d, mu);
  const f32 = new Float32Array(e.memory.buffer);
  const xc = f32.slice(pts.x >> 2, (pts.x >> 2) + n * d);
  const vv = new Float32Array(np * pv);
  if (pv > 0) fillV(vv, xc);
  f32.set(vv, v >> 2);
  f32.fill(0, acc >> 2, (acc >> 2) + np * pv);
  setKernel(e, k, d, g, h);
  e.resetTotal();
  const theirTotal = rowBlocks(
    e,
    l,
    np,
    bs,
    'symRow',
    (i0, bi) => [
      pts.x,
      pts.xt,
      pts.nrm,
      n,
      np,
      d,
      v,
      p0,
      pv,
      acc,
      i0,
      bi,
      bs,
      offDiag ? 1 : 0,
      scratch,
    ],
    (i0, bi) => (np - i0) * bi,
    { off: acc, bytes: np * pv * 4 },
    ((np * np) / 2) * (d + pv + 1),
  );
  const out = new Float32Array(e.memory.buffer).slice(acc >> 2, (acc >> 2) + n * pv);
  return { acc: out, total: e.getTotal() + theirTotal, xc };
}

/**
 * One rectangular pass of x [n, d] against y [m, d]: acc [n, pv] and the H
 * total over all n·m pairs.
 */
function rectPass(
  what: string,
  x: Float32Array,
  n: number,
  y: Float32Array,
  m: number,
  d: number,
  k: FusedSpec | 'dist',
  p0: number,
  pv: number,
  g: boolean,
  h: number,
  fillV: (v: Float32Array, yc: Float32Array, xc: Float32Array) => void,
): { acc: Float32Array; total: number; xc: Float32Array } {
  const e = engine();
  const bs = tile;
  const np = pad8(n);
  const mp = pad8(m);
  const l = new Layout(e.heapBase());
  const px = pointRegions(l, n, d);
  const py = pointRegions(l, m, d);
  const v = l.take(mp * pv * 4);
  const acc = l.take(np * pv * 4);
  const scratch = l.take(4 * bs * bs * 4);
  ensure(e, l.end, what, Math.max(n, m), d);
  const mu = means(x, n, d, y, m);
  const X = loadPoints(e, px, x, n, d, mu);
  const Y = loadPoints(e, py, y, m, d, mu);
  let f32 = new Float32Array(e.memory.buffer);
  const xc = f32.slice(X.x >> 2, (X.x >> 2) + n * d);
  const yc = f32.slice(Y.x >> 2, (Y.x >> 2) + m * d);
  const vv = new Float32Array(mp * pv);
  if (pv > 0) fillV(vv, yc, xc);
  f32.set(vv, v >> 2);
  f32.fill(0, acc >> 2, (acc >> 2) + np * pv);
  setKernel(e, k, d, g, h);
  e.resetTotal();
  const theirTotal = rowBlocks(
    e,
    l,
    np,
    bs,
    'rectRow',
    (i0, bi) => [X.x, X.nrm, n, Y.xt, Y.nrm, m, Y.np, d, v, p0, pv, acc, i0, bi, bs, scratch],
    (_, bi) => bi,
    { off: acc, bytes: np * pv * 4 },
    np * mp * (d + pv + 1),
  );
  f32 = new Float32Array(e.memory.buffer);
  return { acc: f32.slice(acc >> 2, (acc >> 2) + n * pv), total: e.getTotal() + theirTotal, xc };
}

/** f(0) and f'(0) of a spec (the diagonal of self-sums). */
function atZero(k: FusedSpec): { f0: number; d0: number } {
  if (k.kind === 'rbf') return { f0: 1, d0: -k.a };
  const f0 = k.c2 ** k.beta;
  return { f0, d0: (k.beta * f0) / k.c2 };
}

/**
 * The SVGD sums of eq. (7): S_i = Σ_j [k(x_j, x_i) s_j + ∇_{x_j} k(x_j, x_i)]
 * and kernel row sums Σ_j k(x_j, x_i). RBF: one accumulation of
 * K·[s − 2a x, 1] (then + 2a x_i Σ_j K_ij); IMQ: K·[s, 1] and 2F'·[x, 1].
 */
export function fusedSvgd(
  x: Float32Array,
  s: Float32Array,
  n: number,
  d: number,
  k: FusedSpec,
): { direction: Float32Array; kernelSum: Float32Array } {
  const w = pad4(d + 1);
  const rbf = k.kind === 'rbf';
  const a = rbf ? k.a : 0;
  const pv = rbf ? w : 2 * w;
  const { acc, xc } = symmetricPass('svgdDirection', x, n, d, k, w, pv, !rbf, 0, false, (v, xc) => {
    for (let i = 0; i < n; i++) {
      const o = i * pv;
      for (let c = 0; c < d; c++) {
        v[o + c] = rbf ? s[i * d + c] - 2 * a * xc[i * d + c] : s[i * d + c];
        if (!rbf) v[o + w + c] = xc[i * d + c];
      }
      v[o + d] = 1;
      if (!rbf) v[o + w + d] = 1;
    }
  });
  const direction = new Float32Array(n * d);
  const kernelSum = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * pv;
    const ks = acc[o + d];
    kernelSum[i] = ks;
    if (rbf) {
      for (let c = 0; c < d; c++) direction[i * d + c] = acc[o + c] + 2 * a * xc[i * d + c] * ks;
    } else {
      const gs = acc[o + w + d];
      for (let c = 0; c < d; c++)
        direction[i * d + c] = acc[o + c] + acc[o + w + c] - xc[i * d + c] * gs;
    }
  }
  return { direction, kernelSum };
}

/** The SVGD repulsion R_i = Σ_j ∇_{x_j} k(x_j, x_i) = Σ_j 2f'(r²_ij)(x_j − x_i), [n, d]. */
export function fusedRepulsion(x: Float32Array, n: number, d: number, k: FusedSpec): Float32Array {
  const w = pad4(d + 1);
  const { acc, xc } = symmetricPass('steinTerms', x, n, d, k, 0, w, true, 0, false, (v, xc) => {
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < d; c++) v[i * w + c] = xc[i * d + c];
      v[i * w + d] = 1;
    }
  });
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const gs = acc[i * w + d];
    for (let c = 0; c < d; c++) out[i * d + c] = acc[i * w + c] - xc[i * d + c] * gs;
  }
  return out;
}

/**
 * Σ_{i ≠ j} u_p(x_i, x_j) (and the diagonal Σ_i u_p(x_i, x_i)) for the Stein
 * kernel u_p(x, y) = s(x)ᵀs(y)k + s(x)ᵀ∇_y k + s(y)ᵀ∇ₓk + tr ∇ₓ∇_y k, by row
 * accumulations over the ordered pairs (the cross terms are symmetric in i, j):
 * RBF: Σ_i s_i·Σ_j k_ij(s_j − 4a x_j) + (4a s_i·x_i + 2ad) Σ_j k_ij − 4a² Σ_ij k_ij r²_ij;
 * IMQ: Σ_i s_i·(K s)_i + 2 s_i·(G x)_i − 2 (s_i·x_i)(G 1)_i + Σ_ij tr_ij, G = 2f'.
 */
export function fusedKsdSums(
  x: Float32Array,
  s: Float32Array,
  n: number,
  d: number,
  k: FusedSpec,
): { offDiagonal: number; diagonal: number } {
  const rbf = k.kind === 'rbf';
  const w = pad4(d + 1);
  const a = rbf ? k.a : 0;
  const p0 = rbf ? w : pad4(d);
  const pv = rbf ? w : p0 + w;
  const { acc, total, xc } = symmetricPass(
    'ksd',
    x,
    n,
    d,
    k,
    p0,
    pv,
    !rbf,
    rbf ? 2 : 3,
    true,
    (v, xc) => {
      for (let i = 0; i < n; i++) {
        const o = i * pv;
        if (rbf) {
          for (let c = 0; c < d; c++) v[o + c] = s[i * d + c] - 4 * a * xc[i * d + c];
          v[o + d] = 1;
        } else {
          for (let c = 0; c < d; c++) {
            v[o + c] = s[i * d + c];
            v[o + p0 + c] = xc[i * d + c];
          }
          v[o + p0 + d] = 1;
        }
      }
    },
  );
  let off = 0;
  let diag = 0;
  const { f0, d0 } = atZero(k);
  for (let i = 0; i < n; i++) {
    const o = i * pv;
    let sAcc = 0;
    let sx = 0;
    let ss = 0;
    let sG = 0;
    for (let c = 0; c < d; c++) {
      const si = s[i * d + c];
      sAcc += si * acc[o + c];
      sx += si * xc[i * d + c];
      ss += si * si;
      if (!rbf) sG += si * acc[o + p0 + c];
    }
    if (rbf) off += sAcc + (4 * a * sx + 2 * a * d) * acc[o + d];
    else off += sAcc + 2 * sG - 2 * sx * acc[o + p0 + d];
    diag += f0 * ss - 2 * d * d0;
  }
  off += rbf ? -4 * a * a * total : total;
  return { offDiagonal: off, diagonal: diag };
}

/**
 * Σ_j k(x_i, y_j) V_j, [n, p] (the Gram-vector product, nothing n×m stored).
 */
export function fusedGramMatMul(
  x: Float32Array,
  n: number,
  y: Float32Array,
  m: number,
  d: number,
  vals: Float32Array,
  p: number,
  k: FusedSpec,
): Float32Array {
  const pv = pad4(Math.max(p, 1));
  const { acc } = rectPass('gramMatMul', x, n, y, m, d, k, pv, pv, false, 0, (v) => {
    for (let j = 0; j < m; j++) for (let c = 0; c < p; c++) v[j * pv + c] = vals[j * p + c];
  });
  const out = new Float32Array(n * p);
  for (let i = 0; i < n; i++) for (let c = 0; c < p; c++) out[i * p + c] = acc[i * pv + c];
  return out;
}

/** G_i = Σ_j ∇ₓ k(x_i, y_j) = Σ_j 2f'(r²_ij)(x_i − y_j), [n, d]. */
export function fusedGradX(
  x: Float32Array,
  n: number,
  y: Float32Array,
  m: number,
  d: number,
  k: FusedSpec,
): Float32Array {
  const w = pad4(d + 1);
  const { acc, xc } = rectPass('gradX', x, n, y, m, d, k, 0, w, true, 0, (v, yc) => {
    for (let j = 0; j < m; j++) {
      for (let c = 0; c < d; c++) v[j * w + c] = yc[j * d + c];
      v[j * w + d] = 1;
    }
  });
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const gs = acc[i * w + d];
    for (let c = 0; c < d; c++) out[i * d + c] = xc[i * d + c] * gs - acc[i * w + c];
  }
  return out;
}

/**
 * Σ over pairs of k(x_i, y_j) (or of ‖x_i − y_j‖ with `'dist'`): with y
 * omitted, the sum over ordered pairs i ≠ j of x and the diagonal sum
 * separately; with y, the sum over all n·m pairs (as `offDiagonal`, diagonal 0).
 */
export function fusedPairSum(
  x: Float32Array,
  n: number,
  d: number,
  k: FusedSpec | 'dist',
  y?: Float32Array,
  m = 0,
): { offDiagonal: number; diagonal: number } {
  const what = k === 'dist' ? 'energyDistance' : 'mmd2';
  if (y) {
    const { total } = rectPass(what, x, n, y, m, d, k, 0, 0, false, 1, () => {});
    return { offDiagonal: total, diagonal: 0 };
  }
  const { total } = symmetricPass(what, x, n, d, k, 0, 0, false, 1, true, () => {});
  return { offDiagonal: total, diagonal: k === 'dist' ? 0 : n * atZero(k).f0 };
}

/** The Gram matrix k(x_i, y_j), [n, m] (y = x when omitted: exact 1s… f(0) on the diagonal). */
export function fusedGram(
  x: Float32Array,
  n: number,
  d: number,
  k: FusedSpec,
  y?: Float32Array,
  m = n,
): Float32Array {
  const e = engine();
  const bs = tile;
  const np = pad8(n);
  const l = new Layout(e.heapBase());
  const px = pointRegions(l, n, d);
  const py = y ? pointRegions(l, m, d) : px;
  const out = l.take(n * m * 4);
  const scratch = l.take(4 * bs * bs * 4);
  ensure(e, l.end, 'gram', Math.max(n, m), d);
  const mu = means(x, n, d, y, m);
  const X = loadPoints(e, px, x, n, d, mu);
  const Y = y ? loadPoints(e, py, y, m, d, mu) : X;
  setKernel(e, k, d, false, 0);
  for (let i0 = 0; i0 < np; i0 += bs) {
    const bi = Math.min(bs, np - i0);
    e.gramRow(X.x, X.nrm, n, Y.xt, Y.nrm, m, Y.np, d, out, i0, bi, bs, y ? 0 : 1, scratch);
  }
  return new Float32Array(e.memory.buffer).slice(out >> 2, (out >> 2) + n * m);
}

/**
 * The order statistics of the pairwise squared distances r²_ij, i < j (with
 * values below `tol` counted as 0) needed for the median, exactly, in two
 * histogram passes over the tiles (the top 16 bits of the float32 bit pattern,
 * then the low 16 bits inside the selected bins): O(n·d + 2¹⁷) memory.
 * With `includeSelf` the multiset is the full n×n matrix (n zeros, each pair
 * twice). Returns the lower and upper middle values (equal for an odd count).
 */
export function fusedMedianSq(
  x: Float32Array,
  n: number,
  d: number,
  opts: { includeSelf: boolean; tol: number },
): { lo: number; hi: number; count: number } {
  const pairs = (n * (n - 1)) / 2;
  const count = opts.includeSelf ? n * n : pairs;
  if (count === 0) return { lo: Number.NaN, hi: Number.NaN, count };
  // ranks in the full multiset → ranks among the pair values (or 'zero')
  const hiRank = Math.floor(count / 2);
  const loRank = count % 2 === 1 ? hiRank : hiRank - 1;
  const toPair = (r: number): number => {
    if (!opts.includeSelf) return r;
    if (r < n) return -1; // a self zero
    return Math.floor((r - n) / 2);
  };
  const tLo = toPair(loRank);
  const tHi = toPair(hiRank);
  const e = engine();
  const bs = tile;
  const np = pad8(n);
  const l = new Layout(e.heapBase());
  const pr = pointRegions(l, n, d);
  const hist = l.take(2 * 65536 * 4);
  const scratch = l.take(4 * bs * bs * 4);
  ensure(e, l.end, 'median bandwidth', n, d);
  const pts = loadPoints(e, pr, x, n, d, means(x, n, d));
  const flushEach = pairs >= 2 ** 31; // u32 bins cannot overflow below that
  const run = (level: number, topA: number, topB: number): ArrayLike<number> => {
    const bins = level === 0 ? 32768 : 2 * 65536; // level 0: r² ≥ 0, so the sign bit is 0
    const u32 = () => new Uint32Array(e.memory.buffer, hist, bins);
    u32().fill(0);
    const counts = flushEach ? new Float64Array(2 * 65536) : null;
    const histArgs = (i0: number, bi: number) => [
      pts.x,
      pts.xt,
      pts.nrm,
      n,
      np,
      d,
      i0,
      bi,
      bs,
      opts.tol,
      level,
      topA,
      topB,
      hist,
      scratch,
    ];
    if (counts) {
      // u32 bins could overflow over all pairs: flush them after every row block (one thread)
      for (let i0 = 0; i0 < np; i0 += bs) {
        e.histRow(...(histArgs(i0, Math.min(bs, np - i0)) as Parameters<Exports['histRow']>));
        const h = u32();
        for (let b = 0; b < bins; b++) counts[b] += h[b];
        h.fill(0);
      }
    } else {
      rowBlocks(
        e,
        l,
        np,
        bs,
        'histRow',
        histArgs,
        (i0, bi) => (np - i0) * bi,
        { off: hist, bytes: bins * 4, u32: true },
        ((np * np) / 2) * (d + 1),
      );
    }
    return counts ?? u32();
  };
  const ranks = [tLo, tHi].filter((t) => t >= 0);
  const values = new Map<number, number>();
  if (ranks.length > 0) {
    const pick = (h: ArrayLike<number>, off: number, t: number): { bin: number; rest: number } => {
      let c = 0;
      const end = Math.min(65536, h.length - off);
      for (let b = 0; b < end; b++) {
        const hb = h[off + b];
        if (t < c + hb) return { bin: b, rest: t - c };
        c += hb;
      }
      throw new Error(`fused median: rank ${t} beyond the ${c} values counted`);
    };
    const top = run(0, 0, 0);
    const sel = ranks.map((t) => pick(top, 0, t));
    const topA = sel[0].bin;
    const topB = sel[sel.length - 1].bin;
    const low = run(1, topA, topB);
    const bits = new Uint32Array(1);
    const f = new Float32Array(bits.buffer);
    ranks.forEach((t, i) => {
      const s = sel[i];
      const off = s.bin === topA ? 0 : 65536;
      const lo16 = pick(low, off, s.rest).bin;
      bits[0] = ((s.bin << 16) | lo16) >>> 0;
      values.set(t, f[0]);
    });
  }
  const val = (t: number) => (t < 0 ? 0 : (values.get(t) as number));
  return { lo: val(tLo), hi: val(tHi), count };
}

/** Applies the module's vector exp (op 0), log (1) or t^beta (2) to a copy of `v` (tests). */
export function fusedMath(op: 0 | 1 | 2, v: Float32Array, beta = 0): Float32Array {
  const e = engine();
  const n4 = pad4(v.length);
  const l = new Layout(e.heapBase());
  const p = l.take(n4 * 4);
  ensure(e, l.end, 'fusedMath', v.length, 1);
  const f32 = new Float32Array(e.memory.buffer);
  f32.fill(1, p >> 2, (p >> 2) + n4);
  f32.set(v, p >> 2);
  e.mathTest(op, p, n4, beta);
  return new Float32Array(e.memory.buffer).slice(p >> 2, (p >> 2) + v.length);
}

/** Bytes the engine's memory holds now (it grows on demand and never shrinks). */
export function fusedMemoryBytes(): number {
  return instance ? instance.memory.buffer.byteLength : 0;
}
