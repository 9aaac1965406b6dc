/**
 * Plumbing shared by the wasm kernel fixes: a structural view of
 * tfjs-backend-wasm's backend (so `@tensorflow/tfjs-backend-wasm` stays an
 * optional peer), calls into other registered kernels, and heap copies.
 *
 * Ownership rule used throughout: every TensorInfo a helper returns is a new
 * buffer the caller must free with `free()` (or return from the kernel);
 * `view()` is the only exception — it aliases its source and is never freed.
 */
import * as tf from '@tensorflow/tfjs-core';
import { heapTranspose } from './simd';
import { kernelTuning } from './tuning';

type DataId = object;
type Heap = Float32Array | Int32Array | Uint8Array;

/** The parts of tfjs-backend-wasm's `BackendWasm` the fixes use. */
export interface WasmBackend {
  dataIdMap: {
    get(dataId: DataId): { id: number; shape: number[]; dtype: tf.DataType } | undefined;
  };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: DataId, force?: boolean): boolean;
  incRef(dataId: DataId): void;
  typedArrayFromHeap(t: tf.TensorInfo): Heap;
}

export type Inputs = Record<string, tf.TensorInfo | undefined>;
export type Attrs = Record<string, unknown>;
export type KernelCall = (args: {
  inputs: Inputs;
  backend: WasmBackend;
  attrs: Attrs;
}) => tf.TensorInfo | tf.TensorInfo[];

/** Runs the kernel now registered for `name` on wasm (a fix if one is active). */
export function runKernel(
  name: string,
  backend: WasmBackend,
  inputs: Inputs,
  attrs: Attrs = {},
): tf.TensorInfo {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`wasm kernel fixes: the wasm backend has no '${name}' kernel`);
  return callKernel(k.kernelFunc as unknown as KernelCall, backend, inputs, attrs);
}

/** Calls a kernel function directly (e.g. a shipped kernel kept by reference). */
export function callKernel(
  fn: KernelCall,
  backend: WasmBackend,
  inputs: Inputs,
  attrs: Attrs = {},
): tf.TensorInfo {
  const out = fn({ inputs, backend, attrs });
  return Array.isArray(out) ? out[0] : out;
}

/** Frees kernel intermediates (each owns one reference to its buffer). */
export function free(backend: WasmBackend, ...infos: (tf.TensorInfo | undefined | null)[]): void {
  for (const t of infos) if (t) backend.disposeData(t.dataId);
}

/** A reshaped alias of `x` (same buffer, no copy, no reference taken). */
export function view(x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return { dataId: x.dataId, shape, dtype: x.dtype };
}

/** At or above this many elements a swap of the last two axes is a blocked JS copy. */
const BLOCKED_TRANSPOSE_MIN = 1 << 16;

/**
 * A new buffer holding `x` transposed by `perm`: wasm's C++ Transpose, except
 * (with the kernel tuning on) a swap of the last two axes, which that kernel
 * walks element by element without blocking (≈ 11 ns per element at
 * 1024 × 6272): for 4-byte dtypes the heap module's 4×4-shuffle transpose in
 * 32 × 32 tiles (`assembly/heap.ts`, ≈ 0.5 ns per element), else — and where
 * the module is unavailable — a 32 × 32-blocked JS copy when large (≈ 4 ns).
 */
export function transpose(backend: WasmBackend, x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
  if (swapsLastTwo(perm) && kernelTuning()) {
    const heap = heapTranspose(backend, x);
    if (heap) return heap;
    if (sizeOf(x.shape) >= BLOCKED_TRANSPOSE_MIN) return transposeLast2(backend, x);
  }
  return runKernel('Transpose', backend, { x }, { perm });
}

/** Whether `perm` swaps the last two axes and keeps the others in place. */
export function swapsLastTwo(perm: readonly number[]): boolean {
  const r = perm.length;
  return (
    r >= 2 &&
    perm[r - 2] === r - 1 &&
    perm[r - 1] === r - 2 &&
    perm.slice(0, -2).every((p, i) => p === i)
  );
}

/** [..., R, C] → [..., C, R] by 32 × 32 tiles. */
function transposeLast2(backend: WasmBackend, x: tf.TensorInfo): tf.TensorInfo {
  const shape = x.shape;
  const R = shape[shape.length - 2];
  const C = shape[shape.length - 1];
  const batch = sizeOf(shape) / (R * C);
  const out = backend.makeOutput([...shape.slice(0, -2), C, R], x.dtype);
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const B = 32;
  for (let b = 0; b < batch; b++) {
    const base = b * R * C;
    for (let r0 = 0; r0 < R; r0 += B) {
      const r1 = Math.min(R, r0 + B);
      for (let c0 = 0; c0 < C; c0 += B) {
        const c1 = Math.min(C, c0 + B);
        for (let c = c0; c < c1; c++) {
          let o = base + c * R + r0;
          let i = base + r0 * C + c;
          for (let q = r0; q < r1; q++) {
            dst[o++] = src[i];
            i += C;
          }
        }
      }
    }
  }
  return out;
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** Zero-filled float32 output of `shape`. */
export function zeros(backend: WasmBackend, shape: number[], dtype: tf.DataType = 'float32') {
  const out = backend.makeOutput(shape, dtype);
  backend.typedArrayFromHeap(out).fill(0);
  return out;
}

/**
 * Copies the box `[begin, begin + size)` of a rank-4 tensor into a new buffer
 * (contiguous innermost runs copied with `TypedArray.set`).
 */
export function crop4d(
  backend: WasmBackend,
  x: tf.TensorInfo,
  begin: [number, number, number, number],
  size: [number, number, number, number],
): tf.TensorInfo {
  const [, s1, s2, s3] = x.shape;
  const out = backend.makeOutput([...size], x.dtype);
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  let o = 0;
  for (let i = 0; i < size[0]; i++)
    for (let j = 0; j < size[1]; j++)
      for (let k = 0; k < size[2]; k++) {
        const off = (((begin[0] + i) * s1 + begin[1] + j) * s2 + begin[2] + k) * s3 + begin[3];
        copyRun(dst, o, src, off, size[3]);
        o += size[3];
      }
  return out;
}

/** dst[dOff … dOff + len) = src[sOff … sOff + len): element loop for short runs, `set` otherwise. */
export function copyRun(
  dst: Float32Array | Int32Array | Uint8Array,
  dOff: number,
  src: Float32Array | Int32Array | Uint8Array,
  sOff: number,
  len: number,
): void {
  if (len < 16) for (let i = 0; i < len; i++) dst[dOff + i] = src[sOff + i];
  else dst.set(src.subarray(sOff, sOff + len), dOff);
}

/** A float32 copy of `x` whose stored shape is `shape` (some C++ kernels read the stored shape). */
export function copyAs(backend: WasmBackend, x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  const out = backend.makeOutput(shape, x.dtype);
  backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(view(x, shape)));
  return out;
}

/**
 * dy scattered into a zero [n, hp, wp, c] buffer at (offH + i·sh, offW + j·sw);
 * positions outside the buffer are dropped (they meet no filter tap).
 */
export function dilateAndPad(
  backend: WasmBackend,
  dy: tf.TensorInfo,
  sh: number,
  sw: number,
  offH: number,
  offW: number,
  hp: number,
  wp: number,
): tf.TensorInfo {
  const [n, oh, ow, c] = dy.shape;
  const out = zeros(backend, [n, hp, wp, c]);
  const src = backend.typedArrayFromHeap(dy);
  const dst = backend.typedArrayFromHeap(out);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++) {
      const r = offH + i * sh;
      if (r < 0 || r >= hp) continue;
      for (let j = 0; j < ow; j++) {
        const q = offW + j * sw;
        if (q < 0 || q >= wp) continue;
        const from = ((b * oh + i) * ow + j) * c;
        copyRun(dst, ((b * hp + r) * wp + q) * c, src, from, c);
      }
    }
  return out;
}
