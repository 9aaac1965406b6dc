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
 * Only where a blocking wait is allowed on the calling thread and workers
 * exist: Node ≥ 20.16 (`process.getBuiltinModule`). Browsers' main threads may
 * not block, so there the one-thread kernels run. On by default where the
 * machine has ≥ 2 cores; {@link setWasmThreads}`(1)` or the environment
 * variable `STEINKIT_WASM_THREADS=1` turns it off.
 */
import { GEMM_SHARED_WASM_BASE64 } from './gemm-shared-binary';
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

/** Int32 slots of the control block at byte 0 of the shared memory. */
const SEQ = 0; // job number, main → worker
const DONE = 1; // last finished job, worker → main
const ARGS = 2; // a, b, c, m, k, n (byte offsets, sizes)
const FAILED = 8; // the worker's GEMM threw
const READY = 9; // the worker has instantiated its module
const QUIT = 10;
const DATA = 64; // first data byte (16-byte aligned)
const PAGE = 65536;
/** The shared memory never grows past this (1 GiB); larger products stay on one thread. */
const MAX_PAGES = 16384;
/** A job that takes longer than this is treated as a dead worker (ms). */
const JOB_TIMEOUT_MS = 120_000;

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { memory, module } = workerData;
const ctl = new Int32Array(memory.buffer, 0, 16);
let gemm;
try {
  gemm = new WebAssembly.Instance(module, { env: { memory } }).exports.gemm;
  Atomics.store(ctl, ${READY}, 1);
} catch (e) {
  Atomics.store(ctl, ${READY}, -1);
}
Atomics.notify(ctl, ${READY});
let seen = 0;
while (gemm) {
  Atomics.wait(ctl, ${SEQ}, seen);
  const seq = Atomics.load(ctl, ${SEQ});
  if (seq === seen) continue;
  seen = seq;
  if (Atomics.load(ctl, ${QUIT}) === 1) break;
  try {
    gemm(ctl[${ARGS}] >>> 0, ctl[${ARGS + 1}] >>> 0, ctl[${ARGS + 2}] >>> 0,
         ctl[${ARGS + 3}], ctl[${ARGS + 4}], ctl[${ARGS + 5}]);
  } catch (e) {
    Atomics.store(ctl, ${FAILED}, 1);
  }
  Atomics.store(ctl, ${DONE}, seen);
  Atomics.notify(ctl, ${DONE});
}
`;

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
}

interface Pool {
  memory: WebAssembly.Memory;
  ctl: Int32Array;
  worker: NodeWorker;
  seq: number;
}

type NodeProcess = {
  getBuiltinModule?: (id: string) => unknown;
  env?: Record<string, string | undefined>;
};

function nodeProcess(): NodeProcess | undefined {
  return (globalThis as { process?: NodeProcess }).process;
}

/** The machine's cores in Node, else 1. */
function cores(): number {
  const os = nodeProcess()?.getBuiltinModule?.('node:os') as
    | { availableParallelism?: () => number; cpus(): unknown[] }
    | undefined;
  if (!os) return 1;
  return os.availableParallelism?.() ?? os.cpus().length;
}

function defaultThreads(): number {
  const env = nodeProcess()?.env?.STEINKIT_WASM_THREADS;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (n === 1 || n === 2) return n;
    throw new Error(`STEINKIT_WASM_THREADS must be 1 or 2 (got '${env}')`);
  }
  return cores() >= 2 ? 2 : 1;
}

let threads: number | undefined;
let pool: Pool | null | undefined;
let jobs = 0;

/** Threads the wasm GEMM may use (1 or 2). */
export function wasmThreads(): number {
  threads ??= defaultThreads();
  return threads;
}

/**
 * Lets large wasm GEMMs use a second core (2, the default on a multi-core
 * Node machine) or keeps them on the calling thread (1). Results are
 * bit-identical either way. Where no worker can block-wait (browsers), 2
 * behaves as 1.
 */
export function setWasmThreads(count: 1 | 2): void {
  if (count !== 1 && count !== 2) {
    throw new Error(`setWasmThreads: count must be 1 or 2 (got ${String(count)})`);
  }
  threads = count;
}

/** Threads the wasm GEMM actually uses here: 2 when on and a worker runs, else 1. */
export function wasmGemmThreads(): number {
  return wasmThreads() > 1 && getPool() ? 2 : 1;
}

/** Starts the worker (once); null where workers or blocking waits are unavailable. */
function getPool(): Pool | null {
  if (pool !== undefined) return pool;
  pool = null;
  const wt = nodeProcess()?.getBuiltinModule?.('node:worker_threads') as
    | { Worker: new (src: string, opts: object) => NodeWorker; isMainThread: boolean }
    | undefined;
  if (!wt) return null;
  try {
    const module = new WebAssembly.Module(decodeBase64(GEMM_SHARED_WASM_BASE64) as BufferSource);
    const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    const ctl = new Int32Array(memory.buffer, 0, 16);
    const worker = new wt.Worker(WORKER_SOURCE, { eval: true, workerData: { memory, module } });
    worker.unref();
    Atomics.wait(ctl, READY, 0, 10_000);
    if (Atomics.load(ctl, READY) !== 1) {
      void worker.terminate();
      return null;
    }
    pool = { memory, ctl, worker, seq: 0 };
  } catch {
    pool = null; // no shared memory / threads feature / workers
  }
  return pool;
}

/** Products the worker has shared so far in this process (tests, profiles). */
export function threadJobs(): number {
  return jobs;
}

/** Stops the GEMM worker (tests; a process exits without it, the worker is unref'd). */
export function stopWasmThreads(): void {
  if (!pool) return;
  Atomics.store(pool.ctl, QUIT, 1);
  Atomics.add(pool.ctl, SEQ, 1);
  Atomics.notify(pool.ctl, SEQ);
  void pool.worker.terminate();
  pool = undefined;
}

/** A region of the shared memory holding at least `bytes` after the control block. */
function reserve(p: Pool, bytes: number): boolean {
  const need = Math.ceil((DATA + bytes) / PAGE);
  const have = p.memory.buffer.byteLength / PAGE;
  if (need <= have) return true;
  if (need > MAX_PAGES) return false;
  try {
    p.memory.grow(need - have);
    return true;
  } catch {
    return false;
  }
}

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
  if (wasmThreads() < 2) return null;
  const split = splitFor(r, k, n);
  return split && getPool() ? split : null;
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
  const p = getPool();
  if (!p) return false;
  const { rows, at } = split;
  const wr = rows ? r - at : r; // worker's rows
  const wn = rows ? n : n - at; // worker's columns
  const aFloats = wr * k;
  const bFloats = k * wn;
  const cFloats = wr * wn;
  if (!reserve(p, 4 * (aFloats + bFloats + cFloats) + 32)) return false;
  const sa = DATA;
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
  const { ctl } = p;
  ctl[ARGS] = sa;
  ctl[ARGS + 1] = sb;
  ctl[ARGS + 2] = sc;
  ctl[ARGS + 3] = wr;
  ctl[ARGS + 4] = k;
  ctl[ARGS + 5] = wn;
  const seq = ++p.seq;
  Atomics.store(ctl, SEQ, seq);
  Atomics.notify(ctl, SEQ);
  // The main thread's share, in place: the first `at` rows, or the first `at` columns.
  if (rows) local(aOff, k, bOff, n, cOff, n, at, k, n);
  else local(aOff, k, bOff, n, cOff, n, r, k, at);
  const deadline = Date.now() + JOB_TIMEOUT_MS;
  while (Atomics.load(ctl, DONE) !== seq) {
    Atomics.wait(ctl, DONE, seq - 1, 1000);
    if (Date.now() > deadline) {
      pool = null; // give up on the worker for this process
      throw new Error('steinkit: the wasm GEMM worker thread did not answer within 120 s');
    }
  }
  if (Atomics.load(ctl, FAILED) === 1) {
    pool = null;
    throw new Error('steinkit: the wasm GEMM worker thread failed');
  }
  jobs++;
  const out = new Float32Array(p.memory.buffer, sc, cFloats);
  const c0 = cOff >> 2;
  if (rows) heap.set(out, c0 + at * n);
  else for (let i = 0; i < r; i++) heap.set(out.subarray(i * wn, (i + 1) * wn), c0 + i * n + at);
  return true;
}
