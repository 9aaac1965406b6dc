/**
 * A second core for large GEMMs on the wasm backend, in Node.
 *
 * tfjs-backend-wasm runs on one thread in Node (its threaded build needs a
 * cross-origin-isolated browser page). Here a worker thread runs the heap
 * module's packing-free GEMM (`assembly/gemm.ts`, compiled against a *shared*
 * memory: `assembly/gemm-shared.ts`) on a `WebAssembly.Memory` that steinkit
 * owns: the main thread copies the worker's share of the operands into it,
 * wakes the worker (`Atomics.notify`), computes its own share in place on the
 * backend's memory, waits (`Atomics.wait`) and copies the worker's block of C
 * back. The split is by rows of C, or by columns when that copies less (a
 * short, wide-k product: a weight gradient); split points are multiples of the
 * micro-kernel's 4 rows / 8 columns, so every element is summed by the same
 * code in the same order as on one thread — results are **bit-identical** to
 * the one-thread GEMM (tested).
 *
 * The worker is a {@link startHelper} thread (Node only; on by default with
 * ≥ 2 cores, off with `setWasmThreads(1)` or `STEINKIT_WASM_THREADS=1`).
 */
import { GEMM_SHARED_WASM_BASE64 } from './gemm-shared-binary';
import { HELPER_DATA, type Helper, startHelper } from './helper';
import { decodeBase64 } from './simd';

/** The heap module's `gemmStrided(a, lda, b, ldb, c, ldc, m, k, n)` (byte offsets, strides in elements). */
export type StridedGemm = (
  a: number,
  lda: number,
  b: number,
  ldb: number,
  c: number,
  ldc: number,
  m: number,
  k: number,
  n: number,
) => void;

/** The worker's job: the shared-memory GEMM module's `gemm` on the shared memory. */
const GEMM_HANDLER = `
const gemm = new WebAssembly.Instance(data.module, { env: { memory } }).exports.gemm;
return (j) => gemm(j.a, j.b, j.c, j.m, j.k, j.n);
`;

let module: WebAssembly.Module | null | undefined;

/** The GEMM helper thread, or null (threads off or unavailable). */
function gemmHelper(): Helper | null {
  if (module === undefined) {
    try {
      module = new WebAssembly.Module(decodeBase64(GEMM_SHARED_WASM_BASE64) as BufferSource);
    } catch {
      module = null;
    }
  }
  return module ? startHelper('gemm', GEMM_HANDLER, { module }) : null;
}

/** Threads the wasm GEMM actually uses here: 2 when on and a worker runs, else 1. */
export function wasmGemmThreads(): number {
  return gemmHelper() ? 2 : 1;
}

/** Products the worker has shared so far in this process (tests, profiles). */
export function threadJobs(): number {
  return jobs;
}
let jobs = 0;

/** Below this many multiply-adds a product stays on one thread (waking the worker costs ≈ 10 µs). */
export const THREAD_MIN_MACS = 1 << 21;

/** ns per multiply-add of the heap GEMM and per float copied (development VM), for the split. */
const MAC_NS = 0.087;
const COPY_NS = 0.35;

export interface Split {
  /** Split by rows (true) or columns (false). */
  rows: boolean;
  /** The main thread computes rows/columns [0, at); the worker the rest. */
  at: number;
  /** Floats copied in and out. */
  copied: number;
}

/**
 * Where to split `[r, k] × [k, n]`: by rows or columns, whichever copies fewer
 * floats, at a multiple of 4 rows / 8 columns that gives the worker half of
 * the work plus half of the main thread's copying. Null when too small.
 */
export function splitFor(r: number, k: number, n: number): Split | null {
  const macs = r * k * n;
  if (macs < THREAD_MIN_MACS || r < 8 || k < 1) return null;
  const plan = (rows: boolean): Split => {
    const total = rows ? r : n;
    const unit = rows ? 4 : 8;
    // Worker's share w of `total`: copies are (w·k + k·n + w·n) for rows, (r·k + k·w + r·w) for columns.
    const fixed = rows ? k * n : r * k;
    const per = rows ? k + n : k + r;
    const macPer = macs / total;
    // main: fixed·C + w·per·C + (total − w)·macPer·M = worker: w·macPer·M  →  w
    const w = (fixed * COPY_NS + total * macPer * MAC_NS) / (2 * macPer * MAC_NS - per * COPY_NS);
    const share = Math.min(total, Math.max(0, w));
    let at = total - Math.round(share / unit) * unit;
    at = Math.max(0, Math.min(total, Math.round(at / unit) * unit));
    return { rows, at, copied: fixed + (total - at) * per };
  };
  const byRows = plan(true);
  const byCols = n >= 16 ? plan(false) : null;
  const best = byCols && byCols.copied < byRows.copied ? byCols : byRows;
  const total = best.rows ? r : n;
  if (best.at <= 0 || best.at >= total) return null;
  // Not worth it when the copies cost a third of the work saved.
  if (best.copied * COPY_NS * 3 > (total - best.at) * (macs / total) * MAC_NS) return null;
  return best;
}

/** How to share `[r, k] × [k, n]` with the worker, or null: one thread (off, unavailable, too small). */
export function threadSplit(r: number, k: number, n: number): Split | null {
  const split = splitFor(r, k, n);
  return split && gemmHelper() ? split : null;
}

/**
 * c[r×n] = a[r×k]·b[k×n] on two threads: `heap` is the backend's memory as
 * float32, the offsets are in bytes, and `local` (the heap module's strided
 * GEMM) computes the calling thread's share in place.
 * `split` comes from {@link threadSplit}. Returns false (having written
 * nothing) when the shared memory cannot hold the worker's share; then the
 * caller computes the product alone.
 */
export function threadedGemm(
  split: Split,
  heap: Float32Array,
  aOff: number,
  bOff: number,
  cOff: number,
  r: number,
  k: number,
  n: number,
  local: StridedGemm,
): boolean {
  const p = gemmHelper();
  if (!p) return false;
  const { rows, at } = split;
  const wr = rows ? r - at : r; // worker's rows
  const wn = rows ? n : n - at; // worker's columns
  const aFloats = wr * k;
  const bFloats = k * wn;
  const cFloats = wr * wn;
  if (!p.reserve(4 * (aFloats + bFloats + cFloats))) return false;
  const sa = HELPER_DATA;
  const sb = sa + 4 * aFloats;
  const sc = sb + 4 * bFloats;
  const shared = new Float32Array(p.memory.buffer);
  const a0 = aOff >> 2;
  const b0 = bOff >> 2;
  if (rows) {
    shared.set(heap.subarray(a0 + at * k, a0 + r * k), sa >> 2);
    shared.set(heap.subarray(b0, b0 + k * n), sb >> 2);
  } else {
    shared.set(heap.subarray(a0, a0 + r * k), sa >> 2);
    for (let i = 0, o = sb >> 2; i < k; i++, o += wn) {
      shared.set(heap.subarray(b0 + i * n + at, b0 + (i + 1) * n), o);
    }
  }
  p.start({ a: sa, b: sb, c: sc, m: wr, k, n: wn });
  // The main thread's share, in place: the first `at` rows, or the first `at` columns.
  if (rows) local(aOff, k, bOff, n, cOff, n, at, k, n);
  else local(aOff, k, bOff, n, cOff, n, r, k, at);
  p.finish();
  jobs++;
  const out = new Float32Array(p.memory.buffer, sc, cFloats);
  const c0 = cOff >> 2;
  if (rows) heap.set(out, c0 + at * n);
  else for (let i = 0; i < r; i++) heap.set(out.subarray(i * wn, (i + 1) * wn), c0 + i * n + at);
  return true;
}
