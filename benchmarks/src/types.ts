import type * as tf from '@tensorflow/tfjs-core';

/** The process configurations a suite runs on; each runs in its own child process. */
export const TARGETS = [
  'tensorflow-gpu',
  'tensorflow-cpu',
  'webgpu',
  'wasm',
  'wasm-stock',
  'wasm-untuned',
  'wasm-1thread',
  'cpu',
] as const;
export type Target = (typeof TARGETS)[number];

/** What a workload's `run` may return; every tensor is downloaded (synchronizing the device) and disposed. */
export type RunOutput = tf.Tensor | tf.Tensor[] | number | undefined;

export interface Prepared {
  /** One timed iteration. Must not leak tensors beyond what it returns. */
  run(): RunOutput | Promise<RunOutput>;
  /** Frees the inputs/state made by `prepare`. */
  dispose?(): void;
  /** Extra facts to print with the result (e.g. the bandwidth used). */
  note?: string;
}

export interface WorkloadContext {
  target: Target;
  /** tfjs-core, as loaded in this process (so workloads share the engine). */
  tf: typeof tf;
}

export interface Workload {
  /** Stable id, e.g. `svgd.direction n=512 d=64`; used for --filter and table rows. */
  id: string;
  /** Table section, e.g. `SVGD direction`. */
  group: string;
  /** Part of the `--quick` subset. */
  quick?: boolean;
  /** Only in `--quick` (a small stand-in for a full-size workload). */
  quickOnly?: boolean;
  /** Only selected when named by --filter (test/smoke workloads). */
  hidden?: boolean;
  /** A wasm kernel-fix workload: also runs on `wasm-stock` (stock tfjs-backend-wasm, no steinkit fixes). */
  wasmFix?: boolean;
  /** Also runs on `wasm-untuned` (steinkit's kernel fixes with `setWasmKernelTuning(false)`); wasmFix workloads always do. */
  tuning?: boolean;
  /** Rough work estimate (any unit, consistent within `group`) used to skip runs predicted to blow the time budget. */
  cost?: number;
  /** Workloads sharing a cost class share the time-per-cost estimate (default: the group). */
  costClass?: string;
  /** The same computation in benchmarks/numpy/bench.py. */
  numpy?: { kind: 'svgd' | 'ksd' | 'svgd_fixed' | 'ksd_fixed'; n: number; d: number };
  /** Builds inputs; returns `{ skip }` when the package or export it needs is not there yet. */
  prepare(ctx: WorkloadContext): Promise<Prepared | { skip: string }>;
}

export interface Stats {
  /** Milliseconds. */
  median: number;
  /**
   * Median CPU milliseconds of this process per run (user + system): on a
   * shared, oversubscribed machine this tracks the work done where wall time
   * does not (a process waiting for a core accrues none).
   */
  cpuMedian?: number;
  min: number;
  max: number;
  runs: number;
  warmup: number;
  /** Peak bytes held by tfjs tensors during one profiled run (tf.profile().peakBytes); absent when one run exceeded the budget. */
  peakTensorBytes?: number;
  /** Largest resident set size seen after a run (bytes). */
  rssBytes: number;
  /** Tensors left behind per run (should be 0). */
  leakedTensors: number;
}

export interface WorkloadResult {
  id: string;
  group: string;
  status: 'ok' | 'skipped' | 'error';
  stats?: Stats;
  /** Why it was skipped or failed; or a note about the run. */
  note?: string;
  /** With --interleave: the peak RSS (getrusage) of the process that ran this workload (alone, or with the others of its NumPy size). */
  peakRssBytes?: number;
}

export interface BackendFacts {
  /** tfjs backend name actually running. */
  backend: string;
  gpu: boolean;
  simd: boolean;
  threads: number;
  module?: string;
  gpuName?: string;
  /** webgpu: the adapter that ran (vendor, architecture, driver). */
  adapter?: { vendor: string; architecture: string; device: string; description: string };
  /** A software adapter (SwiftShader & co.): a CPU emulation of a GPU, so its times say nothing about GPUs. */
  emulation?: boolean;
  versions: Record<string, string>;
  /** Extra words, e.g. "stock tfjs-backend-wasm, no steinkit kernel fixes". */
  description: string;
}

export interface TargetResult {
  target: Target;
  status: 'ok' | 'unavailable' | 'crashed';
  /** Why the backend could not load (core's initBackend message) or why the process died. */
  reason?: string;
  facts?: BackendFacts;
  results: WorkloadResult[];
  /** Process peak RSS (getrusage maxrss), bytes. */
  peakRssBytes?: number;
  wallSeconds: number;
}

export interface NumpyResult {
  status: 'ok' | 'unavailable';
  reason?: string;
  python?: string;
  numpy?: string;
  results: WorkloadResult[];
}

export interface Machine {
  hostname: string;
  cpuModel: string;
  cpus: number;
  memoryBytes: number;
  platform: string;
  node: string;
  loadAverage: number[];
}

export interface BenchReport {
  schema: 'steinkit-bench/1';
  date: string;
  quick: boolean;
  contended: boolean;
  machine: Machine;
  options: {
    runs: number;
    warmup: number;
    maxSeconds: number;
    filter?: string;
    interleave?: boolean;
    /** OPENBLAS_NUM_THREADS of the NumPy process. */
    numpyThreads?: number;
  };
  targets: TargetResult[];
  numpy: NumpyResult;
  /** With --interleave: the 1/5/15-minute load average when each workload started. */
  loadAverages?: Record<string, number[]>;
}
