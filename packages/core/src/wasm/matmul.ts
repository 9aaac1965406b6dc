/**
 * `BatchMatMul` and `_FusedMatMul` for wasm that always reach XNNPACK.
 *
 * tfjs-backend-wasm 4.22 runs a matmul through XNNPACK's fully-connected
 * operator only for one `[M, K] × [K, N]` product without transposes; any
 * `transposeA`/`transposeB` or batch > 1 falls to a scalar triple loop (10–50×
 * slower). Here transposes are done explicitly with wasm's `Transpose`, batches
 * that share `b` are folded into rows (`[B·M, K] × [K, N]`), a shared `a` is
 * folded into columns (`[M, K] × [K, B·N]`), and true batches loop over the
 * fast path; the shipped kernel function then runs the plain product.
 */
import * as tf from '@tensorflow/tfjs-core';
import { heapF32, heapKernels, heapOffset } from './simd';
import { threadedGemm, threadSplit } from './threads';
import { kernelTuning } from './tuning';
import {
  type Attrs,
  callKernel,
  free,
  type KernelCall,
  runKernel,
  sizeOf,
  transpose,
  view,
  type WasmBackend,
} from './util';

export interface Geometry {
  batchA: number;
  batchB: number;
  m: number;
  k: number;
  n: number;
  outShape: number[];
}

function geometry(a: tf.TensorInfo, b: tf.TensorInfo, tA: boolean, tB: boolean): Geometry | null {
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2) return null;
  const m = tA ? a.shape[ra - 1] : a.shape[ra - 2];
  const kA = tA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kB = tB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = tB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (kA !== kB) return null; // let the shipped kernel raise its error
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  let outer: number[];
  try {
    outer = tf.backend_util.assertAndGetBroadcastShape(outerA, outerB);
  } catch {
    return null;
  }
  return {
    batchA: sizeOf(outerA),
    batchB: sizeOf(outerB),
    m,
    k: kA,
    n,
    outShape: [...outer, m, n],
  };
}

/** A plain `[1, R, K] × [1, K, N] → [1, R, N]` product (the XNNPACK path). */
type PlainMatMul = (a: tf.TensorInfo, b: tf.TensorInfo) => tf.TensorInfo;

/** `x` as `[batch, rows, cols]` with the last two axes swapped when `t`; new buffer or alias. */
function untransposed(
  backend: WasmBackend,
  x: tf.TensorInfo,
  t: boolean,
  batch: number,
  rows: number,
  cols: number,
): { x: tf.TensorInfo; owned: boolean } {
  if (!t) return { x: view(x, [batch, rows, cols]), owned: false };
  // Stored as [batch, cols, rows].
  const xt =
    batch === 1
      ? transpose(backend, view(x, [cols, rows]), [1, 0])
      : transpose(backend, view(x, [batch, cols, rows]), [0, 2, 1]);
  return { x: view(xt, [batch, rows, cols]), owned: true };
}

/** Copies batch `i` of a `[batch, r, c]` tensor into a new `[1, r, c]` buffer. */
function batchItem(backend: WasmBackend, x: tf.TensorInfo, i: number): tf.TensorInfo {
  const [, r, c] = x.shape;
  const out = backend.makeOutput([1, r, c], x.dtype);
  const src = backend.typedArrayFromHeap(x);
  backend.typedArrayFromHeap(out).set(src.subarray(i * r * c, (i + 1) * r * c));
  return out;
}

/**
 * Any matmul geometry through `plain` (which only ever sees untransposed
 * `[1, R, K] × [1, K, N]`); `perRows` tells whether `plain` may be used on
 * folded batches of `a` (true unless it adds a per-column term that a column
 * fold would break). Returns null when batch broadcasting is partial.
 */
function viaPlain(
  backend: WasmBackend,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  tA: boolean,
  tB: boolean,
  g: Geometry,
  plain: PlainMatMul,
  allowColumnFold: boolean,
): tf.TensorInfo | null {
  const { batchA, batchB, m, k, n, outShape } = g;
  if (
    batchA === 1 &&
    batchB === 1 &&
    allowColumnFold &&
    kernelTuning() &&
    flipIsCheaper(g, tA, tB)
  ) {
    // C = (op(B)ᵀ · op(A)ᵀ)ᵀ: b stored [n, k] (tB) is already the row-major left operand, and
    // the operand XNNPACK packs is op(A)ᵀ [k, m] — no transpose or packing of a large b.
    const left = tB ? view(b, [1, n, k]) : transpose(backend, view(b, [k, n]), [1, 0]);
    const right = tA ? view(a, [1, k, m]) : transpose(backend, view(a, [m, k]), [1, 0]);
    const ct = plain(view(left, [1, n, k]), view(right, [1, k, m]));
    if (!tB) free(backend, left);
    if (!tA) free(backend, right);
    const out = transpose(backend, view(ct, [n, m]), [1, 0]);
    free(backend, ct);
    return { dataId: out.dataId, shape: outShape, dtype: out.dtype };
  }
  if (batchB === 1) {
    const A = untransposed(backend, a, tA, batchA, m, k);
    const B = untransposed(backend, b, tB, 1, k, n);
    const out = plain(view(A.x, [1, batchA * m, k]), B.x);
    if (A.owned) free(backend, A.x);
    if (B.owned) free(backend, B.x);
    return { dataId: out.dataId, shape: outShape, dtype: out.dtype };
  }
  if (batchA === 1 && allowColumnFold) {
    const A = untransposed(backend, a, tA, 1, m, k);
    // b → [K, batch, N] so that a · b is one [M, K] × [K, batch·N] product.
    const bT = tB
      ? transpose(backend, view(b, [batchB, n, k]), [2, 0, 1])
      : transpose(backend, view(b, [batchB, k, n]), [1, 0, 2]);
    const wide = plain(A.x, view(bT, [1, k, batchB * n]));
    if (A.owned) free(backend, A.x);
    free(backend, bT);
    const out = transpose(backend, view(wide, [m, batchB, n]), [1, 0, 2]);
    free(backend, wide);
    return { dataId: out.dataId, shape: outShape, dtype: out.dtype };
  }
  if (batchA !== batchB) return null;
  const A = untransposed(backend, a, tA, batchA, m, k);
  const B = untransposed(backend, b, tB, batchB, k, n);
  const out = backend.makeOutput(outShape, 'float32');
  for (let i = 0; i < batchA; i++) {
    const ai = batchItem(backend, A.x, i);
    const bi = batchItem(backend, B.x, i);
    const oi = plain(ai, bi);
    // Views of the heap are taken after the call: wasm memory may have grown.
    backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(oi), i * m * n);
    free(backend, ai, bi, oi);
  }
  if (A.owned) free(backend, A.x);
  if (B.owned) free(backend, B.x);
  return out;
}

/**
 * Relative cost (≈ ns on one core) of what differs between computing `op(A)·op(B)`
 * directly and as `(op(B)ᵀ·op(A)ᵀ)ᵀ`: a transpose moves ≈ 4–11 ns per element,
 * XNNPACK packs the right operand (its "weights") at ≈ 7.5 ns per element, and the
 * GEMM wastes the lanes of a right operand narrower than its 8-column tile.
 */
const TRANSPOSE_NS = 11;
const PACK_NS = 7.5;
const MAC_NS = 0.08;
function gemmNs(rows: number, k: number, cols: number): number {
  return rows * k * Math.ceil(cols / 8) * 8 * MAC_NS + k * cols * PACK_NS;
}

/** Whether the flipped product (see `viaPlain`) moves fewer bytes than the direct one. */
export function flipIsCheaper(g: Geometry, tA: boolean, tB: boolean): boolean {
  const { m, k, n } = g;
  const direct = ((tA ? m * k : 0) + (tB ? k * n : 0)) * TRANSPOSE_NS + gemmNs(m, k, n);
  const flipped = ((tA ? 0 : m * k) + (tB ? 0 : k * n) + m * n) * TRANSPOSE_NS + gemmNs(n, k, m);
  return flipped < 0.8 * direct;
}

/** Below this many multiply-adds per batch item the shipped loop beats per-item XNNPACK setup. */
const LOOP_MIN_WORK = 8192;

/** Whether the shipped kernel is already on its fast path (or is as fast). */
function shippedIsFine(g: Geometry, tA: boolean, tB: boolean): boolean {
  if (!tA && !tB && g.batchA === 1 && g.batchB === 1) return true;
  // True batches whose items are tiny: per-item setup would dominate.
  return g.batchA > 1 && g.batchB > 1 && g.m * g.k * g.n < LOOP_MIN_WORK;
}

/** Rows each right operand has been multiplied with so far (by the heap GEMM). */
const rowsSeen = new WeakMap<object, number>();

/** Above this many rows, XNNPACK's packing is amortized and its packed GEMM wins. */
const HEAP_GEMM_MAX_ROWS = 8192;

/**
 * Rows after which a right operand goes to XNNPACK: its packing (≈ 5–7.5 ns
 * per element of b) costs what ≈ 750 rows of its ≈ 10 % faster packed GEMM
 * save over the heap GEMM (measured on the development VM).
 */
const PACK_PAYS_OFF_ROWS = 768;

/**
 * A plain `[1, R, K] × [1, K, N]` product: the heap module's packing-free GEMM
 * (`assembly/heap.ts`) until the right operand `y` has met
 * {@link PACK_PAYS_OFF_ROWS} rows — a weight updated since its last use, an
 * activation gradient, a transposed copy: ≈ 1.4× faster than XNNPACK packing
 * it at 100 rows — then XNNPACK, which packs it once and caches the packed
 * copy with the tensor. A product large enough to share goes to both cores
 * (`threads.ts`) instead, whatever its history.
 */
function plainProduct(backend: WasmBackend, shipped: KernelCall): PlainMatMul {
  const plainAttrs = { transposeA: false, transposeB: false };
  return (x, y) => {
    const [, r, k] = x.shape;
    const n = y.shape[2];
    const tuned = kernelTuning();
    const heap = tuned && r > 0 && n > 0 ? heapKernels(backend) : null;
    // Two threads whenever the product is large enough (beats XNNPACK's cached packing too).
    const split = heap && k > 0 ? threadSplit(r, k, n) : null;
    if (heap && split) {
      const out = backend.makeOutput([1, r, n], 'float32');
      const [xo, yo, oo] = [
        heapOffset(backend, x),
        heapOffset(backend, y),
        heapOffset(backend, out),
      ];
      if (threadedGemm(split, heapF32(backend), xo, yo, oo, r, k, n, heap.gemmStrided)) return out;
      heap.gemm(xo, yo, oo, r, k, n);
      return out;
    }
    const seen = rowsSeen.get(y.dataId) ?? 0;
    if (!tuned || r > HEAP_GEMM_MAX_ROWS || seen >= PACK_PAYS_OFF_ROWS || !heapKernels(backend)) {
      return callKernel(shipped, backend, { a: x, b: y }, plainAttrs);
    }
    rowsSeen.set(y.dataId, seen + r);
    const out = backend.makeOutput([1, r, n], 'float32');
    if (r > 0 && n > 0 && k === 0) backend.typedArrayFromHeap(out).fill(0);
    else if (r > 0 && n > 0) {
      heapKernels(backend)?.gemm(
        heapOffset(backend, x),
        heapOffset(backend, y),
        heapOffset(backend, out),
        r,
        k,
        n,
      );
    }
    return out;
  };
}

/** The fixed `BatchMatMul` wrapping the shipped kernel function. */
export function makeBatchMatMul(shipped: KernelCall): KernelCall {
  return ({ inputs, backend, attrs }) => {
    const a = inputs.a as tf.TensorInfo;
    const b = inputs.b as tf.TensorInfo;
    const tA = Boolean(attrs.transposeA);
    const tB = Boolean(attrs.transposeB);
    const g = a.dtype === 'float32' && b.dtype === 'float32' ? geometry(a, b, tA, tB) : null;
    if (!g) return shipped({ inputs, backend, attrs });
    const plain = plainProduct(backend, shipped);
    if (shippedIsFine(g, tA, tB)) {
      if (g.batchA !== 1 || g.batchB !== 1) return shipped({ inputs, backend, attrs });
      const out = plain(view(a, [1, g.m, g.k]), view(b, [1, g.k, g.n]));
      return { dataId: out.dataId, shape: g.outShape, dtype: out.dtype };
    }
    return viaPlain(backend, a, b, tA, tB, g, plain, true) ?? shipped({ inputs, backend, attrs });
  };
}

const ACTIVATION_KERNEL: Record<string, string> = {
  relu: 'Relu',
  relu6: 'Relu6',
  elu: 'Elu',
  leakyrelu: 'LeakyRelu',
  prelu: 'Prelu',
  sigmoid: 'Sigmoid',
};

/** Applies a fused activation with wasm's kernels; frees `x` when it returns a new buffer. */
function activate(
  backend: WasmBackend,
  x: tf.TensorInfo,
  activation: string,
  prelu: tf.TensorInfo | undefined,
  alpha: number | undefined,
): tf.TensorInfo {
  if (!activation || activation === 'linear') return x;
  const name = ACTIVATION_KERNEL[activation];
  if (!name) throw new Error(`_FusedMatMul: activation '${activation}' is not supported`);
  const y =
    name === 'Prelu'
      ? runKernel(name, backend, { x, alpha: prelu })
      : runKernel(name, backend, { x }, name === 'LeakyRelu' ? { alpha: alpha ?? 0.2 } : {});
  free(backend, x);
  return y;
}

/** A rank-1 `[n]` buffer for a bias that holds exactly `n` values along its last axis, else null. */
function rowBias(backend: WasmBackend, bias: tf.TensorInfo, n: number) {
  if (sizeOf(bias.shape) !== n || bias.shape[bias.shape.length - 1] !== n) return null;
  const stored = backend.dataIdMap.get(bias.dataId);
  if (stored && stored.shape.length === 1) return { bias: view(bias, [n]), owned: false };
  const copy = backend.makeOutput([n], bias.dtype);
  backend.typedArrayFromHeap(copy).set(backend.typedArrayFromHeap(view(bias, [n])));
  return { bias: copy, owned: true };
}

/**
 * The fixed `_FusedMatMul`: `activation(a·b + bias)` with tfjs's semantics
 * (bias broadcast against the product; `prelu` uses `preluActivationWeights`,
 * `leakyrelu` uses `leakyreluAlpha`). Shared-`b` products with a per-column bias
 * go through the shipped fused kernel on folded rows; everything else is the
 * fixed matmul followed by wasm's `Add` and activation kernels.
 */
export function makeFusedMatMul(shipped: KernelCall, batchMatMul: () => KernelCall): KernelCall {
  return ({ inputs, backend, attrs }) => {
    const { a, b, bias, preluActivationWeights: prelu } = inputs as Record<string, tf.TensorInfo>;
    const tA = Boolean(attrs.transposeA);
    const tB = Boolean(attrs.transposeB);
    const activation = String(attrs.activation ?? 'linear');
    const alpha = attrs.leakyreluAlpha as number | undefined;
    const g = a.dtype === 'float32' && b.dtype === 'float32' ? geometry(a, b, tA, tB) : null;
    if (!g) return shipped({ inputs, backend, attrs });
    const fusable = activation !== 'prelu' && activation in { ...ACTIVATION_KERNEL, linear: 1 };
    if (fusable && g.batchB === 1) {
      const rb = bias ? rowBias(backend, bias, g.n) : { bias: undefined, owned: false };
      if (rb) {
        const fusedAttrs: Attrs = { ...attrs, transposeA: false, transposeB: false };
        const plain: PlainMatMul = (x, y) =>
          callKernel(shipped, backend, { a: x, b: y, bias: rb.bias }, fusedAttrs);
        const out = viaPlain(backend, a, b, tA, tB, g, plain, false);
        if (rb.owned) free(backend, rb.bias);
        if (out) return out;
      }
    }
    // General route: matmul, then bias, then activation, each a wasm kernel.
    const mm = callKernel(batchMatMul(), backend, { a, b }, { transposeA: tA, transposeB: tB });
    let y = mm;
    if (bias) {
      y = runKernel('Add', backend, { a: mm, b: bias });
      free(backend, mm);
    }
    return activate(backend, y, activation, prelu, alpha);
  };
}
