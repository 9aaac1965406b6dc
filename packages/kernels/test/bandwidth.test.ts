import { createRng } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { median } from '../src/bandwidth';
import {
  bandwidthFromSqDistances,
  imq,
  MEDIAN_SQ_LOGN,
  rbf,
  resolveBandwidth,
  resolveBandwidthAsync,
  STEINGAN_MEDIAN,
  SVGD_MEDIAN,
  setFusedKernels,
} from '../src/index';

/** Plain JS reference: all pairwise distances, with or without self-pairs. */
function jsDists(a: number[][], self: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.length; i++)
    for (let j = 0; j < a.length; j++) {
      if (i === j && !self) continue;
      out.push(Math.sqrt(a[i].reduce((s, v, k) => s + (v - a[j][k]) ** 2, 0)));
    }
  return out;
}
const sortMedian = (v: number[]) => {
  const s = [...v].sort((p, q) => p - q);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
};

describe('median heuristics', () => {
  const x = createRng(3).normal([31, 3]) as tf.Tensor2D;
  const xa = x.arraySync();

  it('median() matches sorting for odd and even counts', () => {
    const r = createRng(1);
    for (const n of [1, 2, 7, 10, 101]) {
      const v = Array.from({ length: n }, () => r.float());
      expect(median(v)).toBeCloseTo(sortMedian(v), 12);
    }
  });

  it('SteinGAN: h = 0.5 · median distance (self-pairs excluded)', () => {
    expect(resolveBandwidth(STEINGAN_MEDIAN, x)).toBeCloseTo(
      0.5 * sortMedian(jsDists(xa, false)),
      4,
    );
  });

  it('SVGD code: h² = median(squared distances incl. self-pairs) / log(n + 1)', () => {
    const d2 = jsDists(xa, true).map((v) => v * v);
    const h = resolveBandwidth(SVGD_MEDIAN, x);
    expect(h * h).toBeCloseTo(sortMedian(d2) / Math.log(32), 4);
    // self-pairs lower the median
    const hNoSelf = resolveBandwidth({ ...SVGD_MEDIAN, includeSelf: false }, x);
    expect(hNoSelf).toBeGreaterThan(h);
  });

  it('median of squared distances / log n', () => {
    const d2 = jsDists(xa, false).map((v) => v * v);
    const h = resolveBandwidth(MEDIAN_SQ_LOGN, x);
    expect(h * h).toBeCloseTo(sortMedian(d2) / Math.log(31), 4);
  });

  it('distance median with logN divides h² by log(n + 1)', () => {
    const med = sortMedian(jsDists(xa, false));
    const h = resolveBandwidth({ kind: 'median', scale: 2, logN: true }, x);
    expect(h * h).toBeCloseTo((2 * med) ** 2 / Math.log(32), 4);
  });

  it('a seeded subsample uses m points and is reproducible', () => {
    const spec = { kind: 'median' as const, subsample: { m: 10, seed: 5 } };
    const a = resolveBandwidth(spec, x);
    expect(resolveBandwidth(spec, x)).toBe(a);
    expect(a).not.toBe(resolveBandwidth({ kind: 'median' }, x));
    expect(Math.abs(a - resolveBandwidth({ kind: 'median' }, x))).toBeLessThan(0.5);
  });

  it('a zero median falls back (default 1, or the given fallback), never NaN', () => {
    const same = tf.ones([8, 2]) as tf.Tensor2D;
    expect(resolveBandwidth({ kind: 'median' }, same)).toBe(1);
    expect(resolveBandwidth({ ...SVGD_MEDIAN, fallback: 0.3 }, same)).toBe(0.3);
    const offset = tf.fill([9, 3], 0.1) as tf.Tensor2D; // round-off must not give a tiny h
    expect(resolveBandwidth({ kind: 'median', squared: true, logN: 'n' }, offset)).toBe(1);
    offset.dispose();
    const one = tf.ones([1, 2]) as tf.Tensor2D;
    expect(resolveBandwidth({ kind: 'median' }, one)).toBe(1);
    const two = tf.tensor2d([[0], [1]]);
    expect(resolveBandwidth({ kind: 'median', logN: 'n' }, two)).toBeCloseTo(
      1 / Math.sqrt(Math.log(2)),
      6,
    );
    two.dispose();
    const k = rbf().withBandwidthFrom(same);
    expect(k?.bandwidth).toBe(1);
    const g = k?.gram(same) as tf.Tensor2D;
    expect(Array.from(g.dataSync()).every((v) => v === 1)).toBe(true);
    tf.dispose([same, one, g]);
  });

  it('kernels expose the resolved bandwidth; a fixed kernel keeps its own', () => {
    const k = rbf({ bandwidth: SVGD_MEDIAN });
    expect(k.bandwidth).toBeUndefined();
    expect(k.withBandwidthFrom(x).bandwidth).toBeCloseTo(resolveBandwidth(SVGD_MEDIAN, x), 6);
    expect(rbf({ bandwidth: 0.7 }).withBandwidthFrom(x).bandwidth).toBe(0.7);
    expect(imq({ c: { kind: 'median' } }).withBandwidthFrom(x).bandwidth).toBeCloseTo(
      sortMedian(jsDists(xa, false)),
      4,
    );
  });

  it('resolveBandwidthAsync: the same h as resolveBandwidth (fused and composite), no tensors left', async () => {
    const specs = [
      STEINGAN_MEDIAN,
      SVGD_MEDIAN,
      MEDIAN_SQ_LOGN,
      { kind: 'median' as const, scale: 2, logN: true },
      { kind: 'median' as const, subsample: { m: 12, seed: 5 } },
    ];
    const before = tf.memory().numTensors;
    for (const mode of ['auto', 'off'] as const) {
      const old = setFusedKernels(mode);
      try {
        for (const spec of specs)
          expect(await resolveBandwidthAsync(spec, x), `${mode} ${JSON.stringify(spec)}`).toBe(
            resolveBandwidth(spec, x),
          );
      } finally {
        setFusedKernels(old);
      }
    }
    // independent of the sync path: the JS reference (SteinGAN: 0.5 · median distance)
    expect(await resolveBandwidthAsync(STEINGAN_MEDIAN, x)).toBeCloseTo(
      0.5 * sortMedian(jsDists(xa, false)),
      5,
    );
    expect(await resolveBandwidthAsync(0.7, x)).toBe(0.7);
    const same = tf.ones([8, 2]) as tf.Tensor2D;
    expect(await resolveBandwidthAsync({ ...SVGD_MEDIAN, fallback: 0.3 }, same)).toBe(0.3);
    const bad = tf.tensor2d([
      [0, 1],
      [Number.NaN, 2],
      [3, 4],
    ]);
    for (const mode of ['auto', 'off'] as const) {
      const old = setFusedKernels(mode);
      await expect(resolveBandwidthAsync({ kind: 'median' }, bad)).rejects.toThrow(
        /^x: the median bandwidth needs finite pairwise distances/,
      );
      setFusedKernels(old);
    }
    await expect(resolveBandwidthAsync({ kind: 'mean' } as never, x)).rejects.toThrow(
      /bandwidth.kind/,
    );
    tf.dispose([same, bad]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad bandwidths with named errors', () => {
    expect(() => rbf({ bandwidth: Number.NaN })).toThrow(RangeError);
    expect(() => rbf({ bandwidth: Number.NaN })).toThrow(/bandwidth/);
    expect(() => rbf({ bandwidth: -1 })).toThrow(/bandwidth/);
    expect(() => rbf({ bandwidth: Number.POSITIVE_INFINITY })).toThrow(/bandwidth/);
    expect(() => rbf({ bandwidth: { kind: 'mean' } as never })).toThrow(/bandwidth.kind/);
    expect(() => rbf({ bandwidth: { kind: 'median', scale: 0 } })).toThrow(/bandwidth.scale/);
    expect(() => rbf({ bandwidth: { kind: 'median', subsample: { m: 0, seed: 1 } } })).toThrow(
      /subsample.m/,
    );
    expect(() => imq({ beta: 0.5 })).toThrow(/beta/);
    expect(() => imq({ c: 0 })).toThrow(/c:/);
  });
});

describe('bandwidthFromSqDistances: resolveBandwidth on precomputed distances', () => {
  it("gives resolveBandwidth's h for every heuristic; refuses a wrong size", () => {
    const x = tf.tidy(() => createRng(12).normal([9, 3])) as tf.Tensor2D;
    const d = tf.tidy(() => {
      const n2 = tf.sum(tf.square(x), 1, true);
      return tf.relu(tf.sub(tf.add(n2, tf.transpose(n2)), tf.mul(2, tf.matMul(x, x, false, true))));
    });
    const D = d.dataSync() as Float32Array;
    for (let i = 0; i < 9; i++) D[i * 9 + i] = 0;
    for (const b of [
      SVGD_MEDIAN,
      STEINGAN_MEDIAN,
      MEDIAN_SQ_LOGN,
      { kind: 'median' as const, includeSelf: true },
      { kind: 'median' as const, squared: true, scale: 2 },
    ]) {
      expect(bandwidthFromSqDistances(b, D, 9)).toBeCloseTo(resolveBandwidth(b, x), 5);
    }
    expect(bandwidthFromSqDistances(0.7, D, 9)).toBe(0.7);
    expect(() => bandwidthFromSqDistances(SVGD_MEDIAN, D, 8)).toThrow(
      /sqDist: expected 8×8 = 64 values, got 81/,
    );
    tf.dispose([x, d]);
  });
});
