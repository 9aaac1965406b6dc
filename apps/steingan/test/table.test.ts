import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { formatTable, interpolationNoise, type SeedResult, summarize } from '../src/index';

const r = (objective: string, seed: number, la: number, gt: number, fd: number) =>
  ({
    dataset: 'mnist',
    preset: 'lean',
    objective,
    seed,
    iterations: 3000,
    labelAgreement: la,
    ganTrainAccuracy: gt,
    frechetDistance: fd,
    seconds: 10,
    backend: 'wasm',
  }) as SeedResult;

describe('results table', () => {
  it('mean ± sample std per dataset/preset/objective, seeds filtered, best mean in bold', () => {
    const rows = summarize(
      [
        r('dcgan', 2, 0.5, 0.4, 100),
        r('steingan', 2, 0.9, 0.8, 30),
        r('steingan', 3, 0.7, 0.6, 50),
        r('steingan', 1, 0.1, 0.1, 900), // a tuning seed, filtered out below
      ],
      [2, 3, 4],
    );
    expect(rows.map((x) => x.objective)).toEqual(['steingan', 'dcgan']);
    expect(rows[0].seeds).toEqual([2, 3]);
    expect(rows[0].labelAgreement[0]).toBeCloseTo(0.8, 12);
    expect(rows[0].labelAgreement[1]).toBeCloseTo(Math.sqrt(0.02), 12); // n − 1
    expect(rows[1].frechetDistance).toEqual([100, 0, 1]);
    const md = formatTable(rows);
    expect(md).toContain(
      '| mnist | lean | steingan | 2, 3 | 3000 | **0.800 ± 0.141** | **0.700 ± 0.141** | **40.0 ± 14.1** |',
    );
    expect(md).toContain('| mnist | lean | dcgan | 2 | 3000 | 0.500 | 0.400 | 100.0 |');
  });

  it('a metric that failed on a seed (null) is left out of that metric only, and the table says so', () => {
    const bad = { ...r('dcgan', 4, 0.3, 0.2, 0), frechetDistance: null } as unknown as SeedResult;
    const none = [2, 3].map(
      (k) => ({ ...r('mle-gan', k, 0.2, 0.1, 0), frechetDistance: null }) as unknown as SeedResult,
    );
    const rows = summarize([
      r('dcgan', 2, 0.5, 0.4, 100),
      r('dcgan', 3, 0.7, 0.6, 120),
      bad,
      ...none,
    ]);
    expect(rows[0].labelAgreement[0]).toBeCloseTo(0.5, 12);
    expect(rows[0].labelAgreement[2]).toBe(3);
    expect(rows[0].frechetDistance[0]).toBeCloseTo(110, 12);
    expect(rows[0].frechetDistance[2]).toBe(2);
    const md = formatTable(rows);
    expect(md).toContain('| mle-gan | 2, 3 | 3000 | 0.200 ± 0.000 | 0.100 ± 0.000 | failed |');
    expect(md).toContain(
      '| **0.500 ± 0.200** | **0.400 ± 0.200** | **110.0 ± 14.1 (2 of 3 seeds)** |',
    );
    expect(md).not.toContain('NaN');
  });

  it('interpolation noise: the two ends and the straight line between them, per class', () => {
    const a = tf.tensor1d([1, -1, 0.5]);
    const b = tf.tensor1d([-1, 1, 0.5]);
    const z = interpolationNoise(a, b, 2, 5).arraySync();
    expect(z.length).toBe(10);
    expect(z[0]).toEqual([1, -1, 0.5]);
    expect(z[4]).toEqual([-1, 1, 0.5]);
    expect(z[2][0]).toBeCloseTo(0, 6);
    expect(z[1][1]).toBeCloseTo(-0.5, 6);
    expect(z[5]).toEqual(z[0]);
    tf.dispose([a, b]);
  });
});
