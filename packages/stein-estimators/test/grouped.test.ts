import { createRng } from '@steinkit/core';
import {
  MEDIAN_SQ_LOGN,
  rbf,
  resolveBandwidth,
  STEINGAN_MEDIAN,
  SVGD_MEDIAN,
} from '@steinkit/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  groupedBandwidths,
  groupedSsge,
  groupedSteinGradient,
  groupedSvgdDirection,
  ssge,
  steinGradientEstimator,
  svgdDirection,
} from '../src/index';

const maxRel = (a: tf.Tensor, b: tf.Tensor) =>
  tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / tf.max(tf.abs(b)).dataSync()[0]);

describe('grouped Stein estimators ([B, S, d], one bandwidth per group)', () => {
  const rng = createRng(3);
  // groups with different scales, so per-group bandwidths differ
  const z = tf.tidy(() =>
    tf.mul(rng.normal([4, 12, 3]), tf.tensor3d([0.3, 1, 2.5, 0.05], [4, 1, 1])),
  ) as tf.Tensor3D;
  const s = rng.normal([4, 12, 3]) as tf.Tensor3D;
  const groups = tf.unstack(z) as tf.Tensor2D[];
  const sg = tf.unstack(s) as tf.Tensor2D[];

  it('bandwidths equal resolveBandwidth on each group (several heuristics)', () => {
    for (const bw of [
      SVGD_MEDIAN,
      STEINGAN_MEDIAN,
      MEDIAN_SQ_LOGN,
      { kind: 'median' as const },
      0.7,
    ]) {
      const got = groupedBandwidths(z, bw);
      groups.forEach((g, b) => {
        expect(got[b]).toBeCloseTo(resolveBandwidth(bw, g), 5);
      });
    }
  });

  it('SVGD direction, SGE and SSGE equal the single-set estimators on each group; no leaks', () => {
    const before = tf.memory().numTensors;
    const dir = groupedSvgdDirection(z, s);
    const sge = groupedSteinGradient(z, { eta: 0.05 });
    const sp = groupedSsge(z, {});
    const sp3 = groupedSsge(z, { numEigen: 3 });
    groups.forEach((g, b) => {
      const k = rbf({ bandwidth: SVGD_MEDIAN });
      const ref = svgdDirection(g, sg[b], k);
      const got = tf.tidy(() => tf.squeeze(tf.slice(dir, [b, 0, 0], [1, -1, -1]), [0]));
      expect(maxRel(got, ref)).toBeLessThan(1e-4);
      const fit = steinGradientEstimator(k, { eta: 0.05 }).fit(g);
      const r2 = fit.estimate();
      const g2 = tf.tidy(() => tf.squeeze(tf.slice(sge, [b, 0, 0], [1, -1, -1]), [0]));
      expect(maxRel(g2, r2)).toBeLessThan(1e-4);
      for (const [out, opts] of [
        [sp, {}],
        [sp3, { numEigen: 3 }],
      ] as const) {
        const f3 = ssge(k, opts).fit(g);
        const r3 = f3.estimate();
        const g3 = tf.tidy(() => tf.squeeze(tf.slice(out, [b, 0, 0], [1, -1, -1]), [0]));
        expect(maxRel(g3, r3)).toBeLessThan(1e-3);
        tf.dispose([r3, g3]);
        f3.dispose();
      }
      tf.dispose([ref, got, r2, g2]);
      fit.dispose();
    });
    tf.dispose([dir, sge, sp, sp3]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad shapes', () => {
    expect(() => groupedSvgdDirection(groups[0] as unknown as tf.Tensor3D, s)).toThrow(
      /z: expected groups of particles \[B, S ≥ 2, d\]/,
    );
    expect(() => groupedSvgdDirection(z, tf.zeros([4, 12, 2]) as tf.Tensor3D)).toThrow(
      /scores: expected shape \[4, 12, 3\]/,
    );
    expect(() => groupedSteinGradient(z, { eta: 0 })).toThrow(/eta/);
  });
});
