/**
 * Panel 2: goodness of fit. Samples from the target shifted by `shift` along
 * x₁ are tested against the unshifted target with the KSD test (wild bootstrap,
 * Liu, Lee & Jordan 2016) and the sliced KSD test (maxSKSD-g on a fitting
 * split, Gong et al. 2021): statistic, p-value and the bootstrap histogram.
 */

import { createRng } from '@steinkit/core';
import type { Target } from '@steinkit/energy-models';
import { rbf } from '@steinkit/kernels';
import { ksdTest, slicedGofTest } from '@steinkit/stein-estimators';
import * as tf from '@tensorflow/tfjs-core';

export interface GofSettings {
  n: number;
  shift: number;
  seed: number;
  bootstraps: number;
}

export interface GofResult {
  ksd: { statistic: number; pValue: number; reject: boolean; bootstrap: Float32Array };
  sliced: { statistic: number; pValue: number; reject: boolean };
  alpha: number;
}

export function runGof(target: Target, s: GofSettings, alpha = 0.05): GofResult {
  const x = tf.tidy(() => {
    const base = target.sample(s.n, s.seed);
    return tf.add(base, tf.tensor2d([[s.shift, 0]])) as tf.Tensor2D;
  });
  try {
    const k = ksdTest(x, target.score, rbf({ bandwidth: { kind: 'median' } }), {
      seed: s.seed,
      bootstraps: s.bootstraps,
      alpha,
    });
    const sl = slicedGofTest(x, target.score, {
      rng: createRng(s.seed),
      bootstrap: s.bootstraps,
      steps: 50,
    });
    return {
      ksd: { statistic: k.statistic, pValue: k.pValue, reject: k.reject, bootstrap: k.bootstrap },
      sliced: { statistic: sl.statistic, pValue: sl.pValue, reject: sl.pValue <= alpha },
      alpha,
    };
  } finally {
    x.dispose();
  }
}

/** Histogram of the bootstrap replicates with the observed statistic as a red line. */
export function drawHistogram(
  canvas: HTMLCanvasElement,
  boot: ArrayLike<number>,
  statistic: number,
): void {
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  const { width: W, height: H } = canvas;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  const values = Array.from(boot);
  let lo = Math.min(...values, statistic);
  let hi = Math.max(...values, statistic);
  const pad = 0.05 * (hi - lo || 1);
  lo -= pad;
  hi += pad;
  const bins = 40;
  const counts = new Array(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins))]++;
  const top = Math.max(...counts, 1);
  const bw = (W - 20) / bins;
  ctx.fillStyle = '#7a9be0';
  counts.forEach((c, i) => {
    const h = ((H - 30) * c) / top;
    ctx.fillRect(10 + i * bw, H - 20 - h, bw - 1, h);
  });
  const sx = 10 + ((statistic - lo) / (hi - lo)) * (W - 20);
  ctx.strokeStyle = '#c33';
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(sx, 5);
  ctx.lineTo(sx, H - 20);
  ctx.stroke();
  ctx.fillStyle = '#333';
  ctx.font = '11px sans-serif';
  ctx.fillText(lo.toPrecision(2), 10, H - 5);
  ctx.fillText(hi.toPrecision(2), W - 50, H - 5);
  ctx.fillStyle = '#c33';
  ctx.fillText('KSD² (U) observed', Math.min(sx + 4, W - 110), 15);
}
