/**
 * A helper thread for steinkit's wasm kernels, in Node: one worker per kind of
 * job, a growable shared `WebAssembly.Memory` between it and the main thread
 * (a 64-byte control block, then data from {@link HELPER_DATA}), jobs posted
 * on a `MessagePort` that the worker reads synchronously
 * (`receiveMessageOnPort`) when woken by `Atomics.notify`, and a blocking
 * `Atomics.wait` for the answer. The main thread works on its own share in
 * between. Used by the two-thread GEMM (`threads.ts`) and the fused pairwise
 * engine of `@steinkit/kernels`.
 *
 * Only where the calling thread may block and workers exist: Node ≥ 20.16
 * (`process.getBuiltinModule`). Browsers' main threads may not block: there
 * {@link startHelper} returns null and callers run on one thread. The number
 * of threads is {@link wasmThreads}: 2 by default on a machine with ≥ 2 cores,
 * 1 with `setWasmThreads(1)` or `STEINKIT_WASM_THREADS=1`.
 */

/** Int32 slots of the control block. */
const SEQ = 0; // job number, main → worker
const DONE = 1; // last finished job, worker → main
const FAILED = 2; // the last job threw
const READY = 3; // 1: the worker's handler is set up; −1: it failed
const QUIT = 4;
/** Float64 slot (byte 48) a job may answer a number in. */
const RESULT_BYTE = 48;
/** First data byte of the shared memory (16-byte aligned). */
export const HELPER_DATA = 64;
const PAGE = 65536;
/** The shared memory never grows past this (1 GiB); larger jobs stay on one thread. */
const MAX_PAGES = 16384;
/** A job that takes longer than this is treated as a dead worker (ms). */
const JOB_TIMEOUT_MS = 300_000;

/**
 * The worker: `handler` is the body of `function (memory, data)` that returns
 * the job function; the job function may return a number (→ {@link Helper.result}).
 */
const workerSource = (handler: string) => `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { memory, port, data } = workerData;
const ctl = new Int32Array(memory.buffer, 0, 16);
const result = new Float64Array(memory.buffer, ${RESULT_BYTE}, 1);
let handle;
try {
  handle = (function (memory, data) { ${handler} })(memory, data);
  Atomics.store(ctl, ${READY}, 1);
} catch (e) {
  Atomics.store(ctl, ${READY}, -1);
}
Atomics.notify(ctl, ${READY});
let seen = 0;
while (handle) {
  Atomics.wait(ctl, ${SEQ}, seen);
  const seq = Atomics.load(ctl, ${SEQ});
  if (seq === seen) continue;
  seen = seq;
  if (Atomics.load(ctl, ${QUIT}) === 1) break;
  const msg = receiveMessageOnPort(port);
  try {
    const r = handle(msg && msg.message);
    result[0] = typeof r === 'number' ? r : 0;
    Atomics.store(ctl, ${FAILED}, 0);
  } catch (e) {
    Atomics.store(ctl, ${FAILED}, 1);
  }
  Atomics.store(ctl, ${DONE}, seen);
  Atomics.notify(ctl, ${DONE});
}
`;

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

/** `STEINKIT_WASM_THREADS` → 1 or 2; unset or empty → undefined; anything else throws. */
export function parseThreadsEnv(value: string | undefined): 1 | 2 | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (n === 1 || n === 2) return n;
  throw new Error(`STEINKIT_WASM_THREADS must be 1 or 2 (got '${value}')`);
}

let threads: number | undefined;

/** Threads steinkit's wasm kernels may use (1 or 2). */
export function wasmThreads(): number {
  threads ??= parseThreadsEnv(nodeProcess()?.env?.STEINKIT_WASM_THREADS) ?? (cores() >= 2 ? 2 : 1);
  return threads;
}

/**
 * Lets steinkit's large wasm kernels (GEMMs, the fused pairwise engine) use a
 * second core (2, the default on a multi-core Node machine) or keeps them on
 * the calling thread (1). Where no thread may block-wait (browsers), 2 behaves
 * as 1.
 */
export function setWasmThreads(count: 1 | 2): void {
  if (count !== 1 && count !== 2) {
    throw new Error(`setWasmThreads: count must be 1 or 2 (got ${String(count)})`);
  }
  threads = count;
}

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
}
interface NodePort {
  postMessage(m: unknown): void;
  unref?(): void;
}

/** A started helper thread (see the module comment). */
export interface Helper {
  /** The shared memory; data from {@link HELPER_DATA}. Take fresh views after {@link Helper.reserve}. */
  readonly memory: WebAssembly.Memory;
  /** Grows the shared memory to hold `bytes` after the control block; false if it cannot. */
  reserve(bytes: number): boolean;
  /** Posts a job and wakes the worker; returns at once. */
  start(job: unknown): void;
  /** Blocks until the job started last is done; throws (and retires the helper) if it failed. */
  finish(): void;
  /** The number the last job's function returned. */
  result(): number;
  /** Jobs finished so far. */
  readonly jobs: number;
  /** Stops the worker. */
  stop(): void;
}

const helpers = new Map<string, Helper | null>();

/**
 * The helper thread `name` (started once per process with `handler` and
 * `data`, which must be structured-cloneable: a `WebAssembly.Module` is), or
 * null where threads are off or unavailable.
 */
export function startHelper(name: string, handler: string, data: object): Helper | null {
  if (wasmThreads() < 2) return null;
  const have = helpers.get(name);
  if (have !== undefined) return have;
  helpers.set(name, null);
  const wt = nodeProcess()?.getBuiltinModule?.('node:worker_threads') as
    | {
        Worker: new (src: string, opts: object) => NodeWorker;
        MessageChannel: new () => { port1: NodePort; port2: NodePort };
      }
    | undefined;
  if (!wt) return null;
  try {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    const ctl = new Int32Array(memory.buffer, 0, 16);
    const { port1, port2 } = new wt.MessageChannel();
    const worker = new wt.Worker(workerSource(handler), {
      eval: true,
      workerData: { memory, port: port2, data },
      transferList: [port2],
    });
    worker.unref();
    port1.unref?.();
    Atomics.wait(ctl, READY, 0, 10_000);
    if (Atomics.load(ctl, READY) !== 1) {
      void worker.terminate();
      return null;
    }
    let seq = 0;
    let jobs = 0;
    const retire = () => {
      helpers.set(name, null);
      void worker.terminate();
    };
    const helper: Helper = {
      memory,
      reserve(bytes) {
        const need = Math.ceil((HELPER_DATA + bytes) / PAGE);
        const pages = memory.buffer.byteLength / PAGE;
        if (need <= pages) return true;
        if (need > MAX_PAGES) return false;
        try {
          memory.grow(need - pages);
          return true;
        } catch {
          return false;
        }
      },
      start(job) {
        port1.postMessage(job);
        Atomics.store(ctl, SEQ, ++seq);
        Atomics.notify(ctl, SEQ);
      },
      finish() {
        const deadline = Date.now() + JOB_TIMEOUT_MS;
        while (Atomics.load(ctl, DONE) !== seq) {
          Atomics.wait(ctl, DONE, seq - 1, 1000);
          if (Date.now() > deadline) {
            retire();
            throw new Error(
              `steinkit: the wasm helper thread '${name}' did not answer within 300 s`,
            );
          }
        }
        if (Atomics.load(ctl, FAILED) === 1) {
          retire();
          throw new Error(`steinkit: the wasm helper thread '${name}' failed`);
        }
        jobs++;
      },
      result: () => new Float64Array(memory.buffer, RESULT_BYTE, 1)[0],
      get jobs() {
        return jobs;
      },
      stop() {
        Atomics.store(ctl, QUIT, 1);
        Atomics.store(ctl, SEQ, ++seq);
        Atomics.notify(ctl, SEQ);
        retire();
        helpers.delete(name);
      },
    };
    helpers.set(name, helper);
    return helper;
  } catch {
    return null; // no shared memory / workers
  }
}
