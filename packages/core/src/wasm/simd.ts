/**
 * simd128 kernels that run on tfjs-backend-wasm's own memory
 * (`assembly/heap.ts`, inlined in `simd-binary.ts`): the module imports the
 * backend's `WebAssembly.Memory` and reads/writes tensor buffers at their heap
 * offsets, so nothing is copied. tfjs-backend-wasm 4.22 runs `Exp`, `Tanh` and
 * `Softplus` as scalar libm loops (≈ 10–25 ns per element on the development
 * VM); these take ≈ 1 ns. Where the module cannot be instantiated on the
 * backend's memory (a threaded build's shared memory, no SIMD), the shipped
 * kernels run.
 *
 * Accuracy (float64 references in `test/wasm-simd.test.ts`): exp ≤ 2e-7
 * relative for results in the normal float32 range (0 below x = −87.34, +∞
 * above 88.72); tanh ≤ 2.5e-7 relative; softplus ≤ 2.5e-7 relative (no
 * overflow for large x, no cancellation for very negative x). NaN stays NaN.
 */
import * as tf from '@tensorflow/tfjs-core';
import { HEAP_SIMD_WASM_BASE64 } from './simd-binary';
import type { StridedGemm } from './threads';
import { type KernelCall, sizeOf, swapsLastTwo, type WasmBackend } from './util';

export interface HeapKernels {
  /** dst[i] = f(src[i]), f = exp (0), tanh (1), softplus (2); byte offsets. */
  unary(op: number, src: number, dst: number, n: number): void;
  /** One Adam step (see `assembly/heap.ts`): p, g, m, v → p₁, m₁, v₁; byte offsets. */
  adam(
    p: number,
    g: number,
    m: number,
    v: number,
    out: number,
    mOut: number,
    vOut: number,
    n: number,
    b1: number,
    omb1: number,
    b2: number,
    omb2: number,
    c1: number,
    c2: number,
    eps: number,
    negLr: number,
  ): void;
  /** c[m×n] = a[m×k]·b[k×n], row-major, no packing; byte offsets. */
  gemm(a: number, b: number, c: number, m: number, k: number, n: number): void;
  /** The same with row strides lda, ldb, ldc (elements): c[m×n] = a[m×k]·b[k×n]. */
  gemmStrided: StridedGemm;
  /** [batch, rows, cols] → [batch, cols, rows] for 4-byte elements; byte offsets. */
  transpose(src: number, dst: number, batch: number, rows: number, cols: number): void;
  /** out[c] = Σ_r x[r, c] for x [R, C], R ≥ 1; byte offsets. */
  sumLeading(x: number, out: number, R: number, C: number): void;
  /** out[r] = Σ_c x[r, c] for x [R, C]; byte offsets. */
  sumTrailing(x: number, out: number, R: number, C: number): void;
  /** out[b, s] = Σ_j x[b, j]·l[b, s, j] − softplus(l[b, s, j]); byte offsets. */
  bernoulliLogLik(x: number, l: number, out: number, B: number, S: number, D: number): void;
  /** dl[b, s, j] = (x[b, j] − σ(l[b, s, j]))·dy[b, s]; byte offsets. */
  bernoulliLogLikGrad(
    x: number,
    l: number,
    dy: number,
    dl: number,
    B: number,
    S: number,
    D: number,
  ): void;
}

/** Base64 → bytes (the inlined wasm modules). */
export function decodeBase64(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

let compiled: WebAssembly.Module | null | undefined;
const instances = new WeakMap<object, HeapKernels | null>();

/** The backend's linear memory (emscripten exports it as `asm.memory`; threaded builds keep `wasmMemory`). */
function backendMemory(backend: WasmBackend): WebAssembly.Memory | undefined {
  const wasm = (
    backend as unknown as { wasm?: { asm?: { memory?: unknown }; wasmMemory?: unknown } }
  ).wasm;
  const mem = wasm?.asm?.memory ?? wasm?.wasmMemory;
  return mem instanceof WebAssembly.Memory ? mem : undefined;
}

/**
 * The heap kernels instantiated on `backend`'s memory (once per memory), or
 * null where that is not possible (then callers use the shipped kernels).
 */
export function heapKernels(backend: WasmBackend): HeapKernels | null {
  const memory = backendMemory(backend);
  if (!memory) return null;
  const have = instances.get(memory);
  if (have !== undefined) return have;
  let k: HeapKernels | null = null;
  try {
    if (compiled === undefined) {
      compiled = new WebAssembly.Module(decodeBase64(HEAP_SIMD_WASM_BASE64) as BufferSource);
    }
    if (compiled) {
      k = new WebAssembly.Instance(compiled, { env: { memory } }).exports as unknown as HeapKernels;
    }
  } catch {
    compiled ??= null; // no SIMD: never retry
    k = null; // e.g. a shared memory: the import is declared unshared
  }
  instances.set(memory, k);
  return k;
}

/** The backend's whole heap as float32 (a fresh view: the memory may have grown). */
export function heapF32(backend: WasmBackend): Float32Array {
  const memory = backendMemory(backend);
  if (!memory) throw new Error('steinkit: the wasm backend exposes no memory');
  return new Float32Array(memory.buffer);
}

/** Byte offset of a tensor's buffer in the backend's heap. */
export function heapOffset(backend: WasmBackend, t: tf.TensorInfo): number {
  return backend.typedArrayFromHeap(t).byteOffset;
}

export const UNARY_OPS = { Exp: 0, Tanh: 1, Softplus: 2 } as const;

/** A float32 unary kernel on the heap module, falling back to `shipped` for other dtypes or without the module. */
export function makeUnary(name: keyof typeof UNARY_OPS, shipped: KernelCall): KernelCall {
  const op = UNARY_OPS[name];
  return (args) => {
    const x = Object.values(args.inputs)[0];
    const k = x && x.dtype === 'float32' ? heapKernels(args.backend) : null;
    if (!x || !k) return shipped(args);
    const out = args.backend.makeOutput(x.shape, 'float32');
    const n = sizeOf(x.shape);
    if (n > 0) k.unary(op, heapOffset(args.backend, x), heapOffset(args.backend, out), n);
    return out;
  };
}

/**
 * `Sum` of float32 over leading axes (x viewed as [R, C], summed over R: bias
 * gradients) or trailing axes ([R, C] summed over C) on the heap module, 4
 * lanes wide; the shipped kernel (which transposes for leading axes, then runs
 * a scalar loop) for other axes, dtypes, or without the module.
 */
export function makeSum(shipped: KernelCall): KernelCall {
  return (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    const rank = x.shape.length;
    const heap = x.dtype === 'float32' && rank > 0 ? heapKernels(args.backend) : null;
    if (!heap) return shipped(args);
    const axes = [
      ...new Set(tf.util.parseAxisParam(args.attrs.axis as number | number[], x.shape)),
    ].sort((a, b) => a - b);
    const p = axes.length;
    const leading = p < rank && axes.every((a, i) => a === i);
    const trailing = p > 0 && axes.every((a, i) => a === rank - p + i);
    if (!leading && !trailing) return shipped(args);
    const kept = leading ? x.shape.slice(p) : x.shape.slice(0, rank - p);
    const outShape = args.attrs.keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : kept;
    const R = leading ? sizeOf(x.shape.slice(0, p)) : sizeOf(kept);
    const C = leading ? sizeOf(kept) : sizeOf(x.shape.slice(rank - p));
    const out = args.backend.makeOutput(outShape, 'float32');
    const xo = heapOffset(args.backend, x);
    const oo = heapOffset(args.backend, out);
    if (leading) {
      if (R === 0) args.backend.typedArrayFromHeap(out).fill(0);
      else if (C > 0) heap.sumLeading(xo, oo, R, C);
    } else if (R > 0) heap.sumTrailing(xo, oo, R, C);
    return out;
  };
}

/**
 * `x` [..., R, C] → a new [..., C, R] buffer by the heap module's 4×4-shuffle
 * transpose (4-byte dtypes), or null (bool, empty, or no module).
 */
export function heapTranspose(backend: WasmBackend, x: tf.TensorInfo): tf.TensorInfo | null {
  const r = x.shape.length;
  const n = sizeOf(x.shape);
  const heap = r >= 2 && n > 0 && x.dtype !== 'bool' ? heapKernels(backend) : null;
  if (!heap) return null;
  const R = x.shape[r - 2];
  const C = x.shape[r - 1];
  const out = backend.makeOutput([...x.shape.slice(0, -2), C, R], x.dtype);
  heap.transpose(heapOffset(backend, x), heapOffset(backend, out), n / (R * C), R, C);
  return out;
}

/** `Transpose`: swaps of the last two axes by {@link heapTranspose}, every other permutation shipped. */
export function makeTranspose(shipped: KernelCall): KernelCall {
  return (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    const perm = args.attrs.perm as number[];
    return (swapsLastTwo(perm) && heapTranspose(args.backend, x)) || shipped(args);
  };
}

/** Name of the fused Adam kernel (wasm only; see `fusedAdam` in optimizers.ts). */
export const ADAM_KERNEL = 'SteinkitAdam';

/**
 * The fused Adam kernel: inputs {p, g, m, v} (float32, same shape), attrs
 * {beta1, beta2, epsilon, learningRate, c1, c2} (c_k = 1 − β_k^t as float32);
 * outputs [p₁, m₁, v₁]. Throws when the heap module is unavailable (the
 * optimizer checks {@link heapKernels} first).
 */
export const adamKernel: KernelCall = ({ inputs, backend, attrs }) => {
  const { p, g, m, v } = inputs as Record<'p' | 'g' | 'm' | 'v', tf.TensorInfo>;
  const k = heapKernels(backend);
  if (!k) throw new Error(`${ADAM_KERNEL}: the simd module is not available on this wasm backend`);
  const f = Math.fround;
  const a = attrs as Record<'beta1' | 'beta2' | 'epsilon' | 'learningRate' | 'c1' | 'c2', number>;
  const outs = [p, m, v].map((t) => backend.makeOutput(t.shape, 'float32'));
  const o = (t: tf.TensorInfo) => heapOffset(backend, t);
  k.adam(
    o(p),
    o(g),
    o(m),
    o(v),
    o(outs[0]),
    o(outs[1]),
    o(outs[2]),
    sizeOf(p.shape),
    f(a.beta1),
    f(1 - a.beta1),
    f(a.beta2),
    f(1 - a.beta2),
    f(a.c1),
    f(a.c2),
    f(a.epsilon),
    f(-a.learningRate),
  );
  return outs;
};

/** Names of the fused Bernoulli log-likelihood kernels (wasm only; see `bernoulliLogProb`). */
export const BERNOULLI_KERNEL = 'SteinkitBernoulliLogLik';
export const BERNOULLI_GRAD_KERNEL = 'SteinkitBernoulliLogLikGrad';

/** Fused Bernoulli log-likelihood: inputs {x [B, D], l [B, S, D]} → [B, S]. */
export const bernoulliKernel: KernelCall = ({ inputs, backend }) => {
  const { x, l } = inputs as Record<'x' | 'l', tf.TensorInfo>;
  const k = heapKernels(backend);
  if (!k)
    throw new Error(`${BERNOULLI_KERNEL}: the simd module is not available on this wasm backend`);
  const [B, S, D] = l.shape;
  const out = backend.makeOutput([B, S], 'float32');
  if (B * S > 0) {
    if (D === 0) backend.typedArrayFromHeap(out).fill(0);
    else
      k.bernoulliLogLik(
        heapOffset(backend, x),
        heapOffset(backend, l),
        heapOffset(backend, out),
        B,
        S,
        D,
      );
  }
  return out;
};

/** Its gradient in l: inputs {x [B, D], l [B, S, D], dy [B, S]} → [B, S, D]. */
export const bernoulliGradKernel: KernelCall = ({ inputs, backend }) => {
  const { x, l, dy } = inputs as Record<'x' | 'l' | 'dy', tf.TensorInfo>;
  const k = heapKernels(backend);
  if (!k)
    throw new Error(
      `${BERNOULLI_GRAD_KERNEL}: the simd module is not available on this wasm backend`,
    );
  const [B, S, D] = l.shape;
  const out = backend.makeOutput([B, S, D], 'float32');
  if (B * S * D > 0) {
    const o = (t: tf.TensorInfo) => heapOffset(backend, t);
    k.bernoulliLogLikGrad(o(x), o(l), o(dy), o(out), B, S, D);
  }
  return out;
};
