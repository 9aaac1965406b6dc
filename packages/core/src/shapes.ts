import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';

/** Expected shape: a number fixes a dimension, `null` accepts any size. */
export type ShapeSpec = ReadonlyArray<number | null>;

function fmt(shape: ReadonlyArray<number | null | string>): string {
  return `[${shape.map((s) => (s === null ? '?' : String(s))).join(', ')}]`;
}

/**
 * Throws a RangeError naming `name`, the expected and the actual shape unless
 * `x` has `expected.length` dimensions matching `expected` (null = any).
 */
export function assertShape(x: Tensor, name: string, expected: ShapeSpec): void {
  if (x == null || !Array.isArray((x as Tensor).shape)) {
    throw new TypeError(`${name}: expected a tensor of shape ${fmt(expected)}, got ${String(x)}`);
  }
  if ((x as Tensor).isDisposed) {
    throw new TypeError(`${name}: the tensor has been disposed (it was freed before this call)`);
  }
  const ok =
    x.shape.length === expected.length && expected.every((e, i) => e === null || e === x.shape[i]);
  if (!ok) {
    throw new RangeError(`${name}: expected shape ${fmt(expected)}, got ${fmt(x.shape)}`);
  }
}

/** Asserts a rank-2 tensor `[n, d]` (optionally fixing n or d); returns it typed. */
export function assert2D(
  x: Tensor,
  name: string,
  n: number | null = null,
  d: number | null = null,
): Tensor2D {
  assertShape(x, name, [n, d]);
  return x as Tensor2D;
}

/** Asserts `a` and `b` are both `[?, d]` with the same d. */
export function assertSameDim(a: Tensor, aName: string, b: Tensor, bName: string): void {
  assert2D(a, aName);
  assert2D(b, bName, null, a.shape[1]);
}

/** Asserts a finite number > 0 (or ≥ 0 with `allowZero`). */
export function assertPositive(value: number, name: string, allowZero = false): void {
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < 0 ||
    (!allowZero && value === 0)
  ) {
    throw new RangeError(
      `${name}: expected a finite number ${allowZero ? '≥' : '>'} 0, got ${String(value)}`,
    );
  }
}

/** Asserts an integer in [min, max]. */
export function assertInt(
  value: number,
  name: string,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name}: expected an integer in [${min}, ${max}], got ${String(value)}`);
  }
}

/** Throws a RangeError naming `name` unless every entry of `x` is finite. Syncs. */
export function assertFinite(x: Tensor, name: string): void {
  const v = x.dataSync();
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) {
      throw new RangeError(`${name}: expected finite values, found ${v[i]} at flat index ${i}`);
    }
  }
}

/** Throws a TypeError naming `name` unless `x` is a live (not disposed) tensor. */
export function assertTensor(x: Tensor, name: string): void {
  if (x == null || typeof x !== 'object' || !Array.isArray((x as Tensor).shape)) {
    throw new TypeError(`${name}: expected a tensor, got ${x === null ? 'null' : typeof x}`);
  }
  if ((x as Tensor).isDisposed) {
    throw new TypeError(`${name}: the tensor has been disposed (it was freed before this call)`);
  }
}

/**
 * Throws a TypeError naming `name` unless `x` is float32. Particles, samples
 * and scores are float32 by convention; int32/bool tensors are refused rather
 * than silently cast (cast them yourself with `tf.cast(x, 'float32')`).
 */
export function assertFloat(x: Tensor, name: string): void {
  assertTensor(x, name);
  if (x.dtype !== 'float32') {
    throw new TypeError(
      `${name}: expected a float32 tensor, got ${x.dtype} (cast it with tf.cast(${name}, 'float32'))`,
    );
  }
}

/**
 * Asserts a float32 `[n, d]` tensor of points (optionally fixing n or d) with
 * at least `minN` rows and `minD` columns (default d ≥ 1: a statistic of
 * zero-dimensional points is refused, not made up); returns it typed.
 */
export function assertPoints(
  x: Tensor,
  name: string,
  opts: { n?: number | null; d?: number | null; minN?: number; minD?: number; what?: string } = {},
): Tensor2D {
  const { n = null, d = null, minN = 0, minD = 1, what } = opts;
  assertShape(x, name, [n, d]);
  assertFloat(x, name);
  if ((x.shape[1] as number) < minD) {
    throw new RangeError(
      `${name}: expected d ≥ ${minD} column${minD === 1 ? '' : 's'}, got shape ${fmt(x.shape)}`,
    );
  }
  if (x.shape[0] < minN) {
    throw new RangeError(
      `${name}: ${what ?? 'expected'} n ≥ ${minN} point${minN === 1 ? '' : 's'}, got ${x.shape[0]}`,
    );
  }
  return x as Tensor2D;
}

/** Throws a RangeError naming `name` unless every entry of the JS array is finite. */
export function assertFiniteArray(v: ArrayLike<number>, name: string): void {
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) {
      throw new RangeError(`${name}: expected finite values, found ${v[i]} at flat index ${i}`);
    }
  }
}

// ---------------------------------------------------------------------------
// Memory pre-checks: refuse an op that would overflow the backend's memory
// (on wasm a raw "memory access out of bounds" trap that kills the backend)
// with a RangeError naming the sizes, before anything is allocated.

let budgetOverride: number | undefined;

/**
 * Sets the number of bytes a single op may allocate for its intermediates on
 * top of what is already in use (`undefined` restores the per-backend default:
 * wasm 2 GiB in total, cpu 8 GiB, webgpu the device's largest storage buffer
 * per tensor, tensorflow unlimited). Also read from `STEINKIT_MEMORY_BUDGET`
 * (bytes).
 */
export function setMemoryBudget(bytes: number | undefined): void {
  if (bytes !== undefined) assertPositive(bytes, 'bytes');
  budgetOverride = bytes;
}

/** What the current backend can take: total live bytes, and the largest single tensor. */
export function memoryBudget(): { total: number; perTensor: number; backend: string } {
  const backend = tf.getBackend() ?? 'unknown';
  const envVal = typeof process !== 'undefined' ? process.env?.STEINKIT_MEMORY_BUDGET : undefined;
  const env = envVal ? Number(envVal) : Number.NaN;
  if (budgetOverride !== undefined || (Number.isFinite(env) && env > 0)) {
    const total = budgetOverride ?? env;
    return { total, perTensor: total, backend };
  }
  const GiB = 2 ** 30;
  switch (backend) {
    case 'wasm':
      // wasm32 memory grows to 4 GiB, but allocations past ~2.5 GiB abort the module
      return { total: 2 * GiB, perTensor: 2 * GiB, backend };
    case 'cpu':
      return { total: 8 * GiB, perTensor: 2 * GiB, backend };
    case 'webgpu': {
      const dev = (
        tf.backend() as { device?: { limits?: { maxStorageBufferBindingSize?: number } } }
      ).device;
      const per = dev?.limits?.maxStorageBufferBindingSize ?? 128 * 2 ** 20;
      return { total: Number.POSITIVE_INFINITY, perTensor: per, backend };
    }
    default:
      return {
        total: Number.POSITIVE_INFINITY,
        perTensor: Number.POSITIVE_INFINITY,
        backend,
      };
  }
}

export interface MemoryRequest {
  /** The public function, e.g. `'ksd'`. */
  op: string;
  /** Rows of the first argument. */
  n: number;
  /** Rows of the second argument (default n). */
  m?: number;
  /** Columns. */
  d: number;
  /** Bytes the op keeps alive at its peak. */
  bytes: number;
  /** Bytes of its largest single tensor (default: bytes). */
  largest?: number;
  /** The argument whose size drives it (default `'x'`). */
  name?: string;
}

function gb(bytes: number): string {
  return `${(bytes / 1e9).toFixed(bytes < 1e8 ? 3 : 2)} GB`;
}

/**
 * Throws a RangeError naming n, m, d and the bytes needed when an op would
 * not fit the current backend's memory (see `memoryBudget`); the backend is
 * left untouched. The composite (n×m-matrix) and the fused paths both call it.
 */
export function assertMemory(req: MemoryRequest): void {
  const { op, n, d, bytes, name = 'x' } = req;
  const m = req.m ?? n;
  const largest = req.largest ?? bytes;
  const budget = memoryBudget();
  const inUse = budget.total === Number.POSITIVE_INFINITY ? 0 : tf.memory().numBytes;
  const sizes = `n = ${n}${req.m !== undefined ? `, m = ${m}` : ''}, d = ${d}`;
  const hint =
    'use fewer points (or a subsample), or raise the limit with setMemoryBudget() / STEINKIT_MEMORY_BUDGET';
  if (bytes + inUse > budget.total) {
    throw new RangeError(
      `${op}: ${name} with ${sizes} needs about ${gb(bytes)} of tensors (${bytes} bytes), over the ${budget.backend} backend's budget of ${gb(budget.total)}${inUse > 0 ? ` with ${gb(inUse)} already in use` : ''}; ${hint}`,
    );
  }
  if (largest > budget.perTensor) {
    throw new RangeError(
      `${op}: ${name} with ${sizes} needs a single ${gb(largest)} tensor (${largest} bytes), over the ${budget.backend} backend's limit of ${gb(budget.perTensor)} per tensor; ${hint}`,
    );
  }
}

/**
 * Bytes of `copies` float32 matrices n×m plus `vecCopies` n×d ones: the peak
 * of a composite pairwise op (inside one tf.tidy, every intermediate stays
 * alive until it returns).
 */
export function pairwiseBytes(
  n: number,
  m: number,
  d: number,
  copies: number,
  vecCopies = 4,
): number {
  return 4 * (copies * n * m + vecCopies * (n + m) * d);
}
