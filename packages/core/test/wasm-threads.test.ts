import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setWasmThreads, wasmThreads } from '../src/index';
import { parseThreadsEnv } from '../src/wasm/helper';
import { heapF32, heapKernels, heapOffset } from '../src/wasm/simd';
import {
  type Split,
  splitFor,
  THREAD_MIN_MACS,
  threadedGemm,
  threadJobs,
} from '../src/wasm/threads';
import type { WasmBackend } from '../src/wasm/util';
import { gemmReference, rng, useBackend, wasmBuffers } from './wasm-helpers';

/**
 * The two-thread GEMM (`src/wasm/threads.ts`): the worker's share of a product
 * must give exactly the bits of the one-thread heap GEMM, whichever way the
 * product is split, and large `tf.matMul`s must route through it.
 */
beforeAll(async () => {
  await useBackend('wasm');
});
afterAll(() => setWasmThreads(2));

const backend = () => tf.backend() as unknown as WasmBackend;

function operands(m: number, k: number, n: number, seed: number) {
  const r = rng(seed);
  return {
    a: Float32Array.from({ length: m * k }, () => 2 * r.float() - 1),
    b: Float32Array.from({ length: k * n }, () => 2 * r.float() - 1),
  };
}

/** c = a·b by the heap GEMM on one thread and by `threadedGemm` with `split`: both results. */
function bothWays(a: Float32Array, b: Float32Array, m: number, k: number, n: number, split: Split) {
  const be = backend();
  const heap = heapKernels(be);
  if (!heap) throw new Error('no heap module');
  const at = tf.tensor2d(a, [m, k]);
  const bt = tf.tensor2d(b, [k, n]);
  const one = be.makeOutput([m, n], 'float32');
  const two = be.makeOutput([m, n], 'float32');
  const off = (t: tf.TensorInfo) => heapOffset(be, t);
  heap.gemm(off(at), off(bt), off(one), m, k, n);
  const ran = threadedGemm(
    split,
    heapF32(be),
    off(at),
    off(bt),
    off(two),
    m,
    k,
    n,
    heap.gemmStrided,
  );
  const r1 = Float32Array.from(be.typedArrayFromHeap(one) as Float32Array);
  const r2 = Float32Array.from(be.typedArrayFromHeap(two) as Float32Array);
  be.disposeData(one.dataId);
  be.disposeData(two.dataId);
  at.dispose();
  bt.dispose();
  return { ran, one: r1, two: r2 };
}

describe('splitFor', () => {
  it('splits at multiples of 4 rows / 8 columns, near half the work, and not small products', () => {
    expect(splitFor(10, 10, 10)).toBeNull();
    expect(splitFor(4, 1000, 1000)).toBeNull(); // fewer than 8 rows
    for (const [m, k, n] of [
      [5000, 200, 784],
      [5000, 784, 200],
      [200, 5000, 784],
      [1003, 257, 131],
      [64, 3000, 1001],
    ]) {
      const s = splitFor(m, k, n);
      expect(s, `${m}×${k}×${n}`).not.toBeNull();
      if (!s) continue;
      const total = s.rows ? m : n;
      expect(s.at % (s.rows ? 4 : 8)).toBe(0);
      // the worker gets between 35 % and 65 % of the rows/columns
      expect(s.at / total).toBeGreaterThan(0.35);
      expect(s.at / total).toBeLessThan(0.65);
    }
    // a weight gradient (short, long k, wide): columns copy less than rows
    expect(splitFor(200, 5000, 784)?.rows).toBe(false);
    // a decoder layer on many rows: rows
    expect(splitFor(5000, 200, 784)?.rows).toBe(true);
    expect(splitFor(2048, 2048, 1)).toBeNull(); // too little work per copied float
    expect(THREAD_MIN_MACS).toBeGreaterThan(0);
  });
});

describe('threadedGemm: bit-identical to the one-thread GEMM', () => {
  // k > 256 crosses the GEMM's k blocks (where a misaligned split would change the
  // summation order); ragged rows (m % 4) and columns (n % 8, n % 4).
  const cases: [number, number, number, Split][] = [
    [64, 300, 40, { rows: true, at: 32, copied: 0 }],
    [67, 513, 29, { rows: true, at: 4, copied: 0 }],
    [67, 513, 29, { rows: true, at: 64, copied: 0 }],
    [37, 300, 67, { rows: false, at: 8, copied: 0 }],
    [37, 300, 67, { rows: false, at: 64, copied: 0 }],
    [9, 700, 203, { rows: false, at: 96, copied: 0 }],
    [12, 1, 16, { rows: true, at: 8, copied: 0 }],
  ];
  for (const [m, k, n, split] of cases) {
    it(`[${m}, ${k}] × [${k}, ${n}] split by ${split.rows ? 'rows' : 'columns'} at ${split.at}`, () => {
      const { a, b } = operands(m, k, n, m + k + n + split.at);
      const bufs = wasmBuffers();
      const { ran, one, two } = bothWays(a, b, m, k, n, split);
      expect(wasmBuffers()).toBe(bufs);
      expect(ran).toBe(true);
      let differ = 0;
      for (let i = 0; i < m * n; i++) if (!Object.is(one[i], two[i])) differ++;
      expect(differ).toBe(0);
      const want = gemmReference(a, b, m, k, n);
      const tol = 1e-6 + 1e-7 * k;
      for (let i = 0; i < m * n; i++) expect(Math.abs(two[i] - want[i])).toBeLessThan(tol);
    });
  }
});

describe('tf.matMul on two threads', () => {
  it('routes large products through the worker; same values as one thread, vs float64, no leak', () => {
    expect(wasmThreads()).toBe(2); // the test machine has two cores
    // [B·M, K] × [K, N] (rows), aᵀ·b of a weight gradient (columns), a·bᵀ
    const geoms: [number, number, number, boolean, boolean][] = [
      [520, 300, 72, false, false],
      [40, 600, 260, true, false],
      [300, 260, 96, false, true],
    ];
    for (const [m, k, n, tA, tB] of geoms) {
      expect(splitFor(m, k, n), `${m}×${k}×${n} is large enough`).not.toBeNull();
      const { a, b } = operands(m, k, n, 3 * m + n);
      // the stored layouts of op(A) = a, op(B) = b
      const stored = (x: Float32Array, r: number, c: number, t: boolean) => {
        if (!t) return tf.tensor2d(x, [r, c]);
        const y = new Float32Array(r * c);
        for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) y[j * r + i] = x[i * c + j];
        return tf.tensor2d(y, [c, r]);
      };
      const bufs = wasmBuffers();
      const run = (threads: 1 | 2) => {
        setWasmThreads(threads);
        return tf.tidy(() =>
          Float32Array.from(tf.matMul(stored(a, m, k, tA), stored(b, k, n, tB), tA, tB).dataSync()),
        );
      };
      const jobs = threadJobs();
      const two = run(2);
      expect(threadJobs(), `${m}×${k}×${n} went to the worker`).toBeGreaterThan(jobs);
      const after = threadJobs();
      const one = run(1);
      expect(threadJobs()).toBe(after);
      setWasmThreads(2);
      expect(wasmBuffers()).toBe(bufs);
      const want = gemmReference(a, b, m, k, n);
      const tol = 1e-6 + 1e-7 * k;
      for (let i = 0; i < m * n; i++) {
        expect(Math.abs(two[i] - want[i])).toBeLessThan(tol);
        expect(Math.abs(one[i] - want[i])).toBeLessThan(tol);
      }
    }
  });

  it('reads STEINKIT_WASM_THREADS (1, 2, unset) and names it on anything else', () => {
    expect(parseThreadsEnv('1')).toBe(1);
    expect(parseThreadsEnv('2')).toBe(2);
    expect(parseThreadsEnv(undefined)).toBeUndefined();
    expect(parseThreadsEnv('')).toBeUndefined();
    expect(() => parseThreadsEnv('4')).toThrow(/STEINKIT_WASM_THREADS must be 1 or 2 \(got '4'\)/);
    expect(() => parseThreadsEnv('two')).toThrow(/STEINKIT_WASM_THREADS/);
  });

  it('rejects a thread count other than 1 or 2', () => {
    expect(() => setWasmThreads(3 as 2)).toThrow(/count must be 1 or 2/);
    expect(() => setWasmThreads(0 as 1)).toThrow(/count must be 1 or 2/);
  });
});
