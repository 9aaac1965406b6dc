import { createRng, setWasmThreads } from '@steinkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type FusedSpec,
  fusedGradX,
  fusedGramMatMul,
  fusedKsdSums,
  fusedMedianSq,
  fusedPairSum,
  fusedRepulsion,
  fusedSvgd,
  fusedThreadJobs,
  setTileSize,
} from '../src/fused/engine';

/**
 * The fused engine on two threads (row blocks shared with a helper thread,
 * `rowBlocks` in src/fused/engine.ts) against the same engine on one: the
 * sums are only regrouped, so they agree to float32 rounding, and the median's
 * histograms exactly. Ragged sizes and a small tile give many uneven blocks.
 */
afterAll(() => {
  setWasmThreads(2);
  setTileSize(64);
});

const rng = createRng(2024);
const data = (len: number) => Float32Array.from({ length: len }, () => 2 * rng.float() - 1);
const n = 517;
const m = 301;
const d = 37;
const x = data(n * d);
const s = data(n * d);
const y = data(m * d);
const vals = data(m * 3);
const rbf: FusedSpec = { kind: 'rbf', a: 0.05 };
const imq: FusedSpec = { kind: 'imq', c2: 2, beta: -0.5 };

/** Runs `f` with one thread, then two; checks the helper ran; returns both. */
function both<T>(f: () => T): [T, T] {
  setTileSize(16);
  setWasmThreads(1);
  const before = fusedThreadJobs();
  const one = f();
  expect(fusedThreadJobs()).toBe(before);
  setWasmThreads(2);
  const two = f();
  expect(fusedThreadJobs(), 'the pass went to the helper thread').toBeGreaterThan(before);
  return [one, two];
}

function close(a: Float32Array, b: Float32Array, rel = 2e-6) {
  let scale = 0;
  for (const v of a) scale = Math.max(scale, Math.abs(v));
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  expect(worst).toBeLessThanOrEqual(rel * scale);
}

describe('the fused engine on two threads agrees with one', () => {
  for (const [label, k] of [
    ['RBF', rbf],
    ['IMQ', imq],
  ] as const) {
    it(`svgd direction and kernel sums, ${label} (symmetric pass)`, () => {
      const [one, two] = both(() => fusedSvgd(x, s, n, d, k));
      close(one.direction, two.direction);
      close(one.kernelSum, two.kernelSum);
    });
    it(`KSD sums with the trace term, ${label} (symmetric pass + H total)`, () => {
      const [one, two] = both(() => fusedKsdSums(x, s, n, d, k));
      expect(Math.abs(two.offDiagonal - one.offDiagonal)).toBeLessThan(
        1e-5 * Math.abs(one.offDiagonal),
      );
      expect(two.diagonal).toBe(one.diagonal);
    });
  }
  it('repulsion, gradX, Gram-vector products (symmetric and rectangular passes)', () => {
    const [r1, r2] = both(() => fusedRepulsion(x, n, d, rbf));
    close(r1, r2);
    const [g1, g2] = both(() => fusedGradX(x, n, y, m, d, imq));
    close(g1, g2);
    const [v1, v2] = both(() => fusedGramMatMul(x, n, y, m, d, vals, 3, rbf));
    close(v1, v2);
  });
  it('MMD and energy sums (H totals of both threads)', () => {
    const [a1, a2] = both(() => fusedPairSum(x, n, d, rbf));
    expect(Math.abs(a2.offDiagonal - a1.offDiagonal)).toBeLessThan(1e-6 * a1.offDiagonal);
    const [b1, b2] = both(() => fusedPairSum(x, n, d, 'dist', y, m));
    expect(Math.abs(b2.offDiagonal - b1.offDiagonal)).toBeLessThan(1e-6 * b1.offDiagonal);
  });
  it('the exact median: identical order statistics (histograms added exactly)', () => {
    for (const includeSelf of [false, true]) {
      const [one, two] = both(() => fusedMedianSq(x, n, d, { includeSelf, tol: 0 }));
      expect(two).toEqual(one);
    }
  });
});
