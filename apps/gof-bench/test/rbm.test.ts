import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '@steinkit/core';
import { featureKernel, rbf } from '@steinkit/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  benchmarkRbm,
  createMlpFeatures,
  DEFAULT_CONFIG,
  deepSteinMatrix,
  disposeFeatures,
  featuresAndJacobians,
  gibbsSample,
  METHODS,
  type Rbm,
  rbmLogProb,
  rbmScore,
  runRbmBench,
} from '../src/index';

/** log p(x) + const in float64 JS: bᵀx − ½‖x‖² + Σ_j log cosh(½(Bᵀx)_j + c_j). */
function logp64(rbm: Rbm, x: number[]): number {
  let v = 0;
  for (let i = 0; i < rbm.D; i++) v += rbm.b[i] * x[i] - 0.5 * x[i] * x[i];
  for (let j = 0; j < rbm.H; j++) {
    let a = rbm.c[j];
    for (let i = 0; i < rbm.D; i++) a += 0.5 * rbm.B[i * rbm.H + j] * x[i];
    v += Math.log(Math.cosh(a));
  }
  return v;
}

describe('Gaussian–Bernoulli RBM', () => {
  const rbm = benchmarkRbm({ D: 6, H: 4, seed: 3 }).perturbed(0.3);
  const xs = createRng(1).normal([5, 6]);
  const x = xs.arraySync() as number[][];

  it('score = central finite differences of a float64 log-density and = autodiff of rbmLogProb', () => {
    const before = tf.memory().numTensors;
    const s = rbmScore(rbm)(xs as tf.Tensor2D);
    const sArr = s.arraySync() as number[][];
    const auto = tf.grad((z: tf.Tensor) => tf.sum(rbmLogProb(rbm)(z as tf.Tensor2D)))(xs);
    const autoArr = auto.arraySync() as number[][];
    tf.dispose([s, auto]);
    const eps = 1e-5;
    for (const [n, row] of x.entries())
      for (let i = 0; i < 6; i++) {
        const p = row.slice();
        const m = row.slice();
        p[i] += eps;
        m[i] -= eps;
        const fd = (logp64(rbm, p) - logp64(rbm, m)) / (2 * eps);
        expect(sArr[n][i]).toBeCloseTo(fd, 4);
        expect(autoArr[n][i]).toBeCloseTo(fd, 4);
      }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the Gibbs sampler draws the model the score describes: mean of x within 4 s.e. of the exact Σ_h p(h)(b + ½Bh)', () => {
    // small exact case: D = 2, H = 3 — p(h) ∝ exp(cᵀh + ½‖b + ½Bh‖²), x | h ∼ N(b + ½Bh, I)
    const small = benchmarkRbm({ D: 2, H: 3, seed: 5 }).null;
    const hs: number[][] = [];
    for (let k = 0; k < 8; k++) hs.push([0, 1, 2].map((j) => ((k >> j) & 1 ? 1 : -1)));
    const means = hs.map((h) =>
      [0, 1].map((i) => small.b[i] + 0.5 * h.reduce((s, hj, j) => s + small.B[i * 3 + j] * hj, 0)),
    );
    const logw = hs.map(
      (h, k) =>
        h.reduce((s, hj, j) => s + small.c[j] * hj, 0) +
        0.5 * (means[k][0] ** 2 + means[k][1] ** 2),
    );
    const mx = Math.max(...logw);
    const w = logw.map((v) => Math.exp(v - mx));
    const z = w.reduce((s, v) => s + v, 0);
    const exact = [0, 1].map((i) => means.reduce((s, m, k) => s + (w[k] / z) * m[i], 0));
    const { x: xg } = gibbsSample(small, { n: 4000, burnIn: 30, seed: 9 });
    const arr = xg.arraySync() as number[][];
    xg.dispose();
    for (const i of [0, 1]) {
      const v = arr.map((r) => r[i]);
      const mean = v.reduce((s, a) => s + a, 0) / v.length;
      const sd = Math.sqrt(v.reduce((s, a) => s + (a - mean) ** 2, 0) / (v.length - 1));
      expect(Math.abs(mean - exact[i])).toBeLessThan((4 * sd) / Math.sqrt(v.length));
    }
    // and the score is the mixture score Σ_h r_h(x)(m_h − x) of that representation
    const pts = [
      [0.3, -1.2],
      [2, 0.5],
    ];
    const pt = tf.tensor2d(pts);
    const st = rbmScore(small)(pt);
    const s = st.arraySync() as number[][];
    tf.dispose([pt, st]);
    for (const [n, p] of pts.entries()) {
      const lr = means.map((m, k) => logw[k] - 0.5 * ((p[0] - m[0]) ** 2 + (p[1] - m[1]) ** 2));
      const lm = Math.max(...lr);
      const r = lr.map((v) => Math.exp(v - lm));
      const rz = r.reduce((a, b) => a + b, 0);
      for (const i of [0, 1]) {
        const mix = means.reduce((acc, m, k) => acc + (r[k] / rz) * (m[i] - p[i]), 0);
        expect(s[n][i]).toBeCloseTo(mix, 4);
      }
    }
  });
});

describe('deep-kernel KSD', () => {
  it('closed-form Stein matrix = featureKernel pairwise autodiff (n = 5, D = 3)', () => {
    const before = tf.memory().numTensors;
    const f = createMlpFeatures(3, 5, 4, 7);
    const rng = createRng(2);
    const x = rng.normal([5, 3]) as tf.Tensor2D;
    const s = rng.normal([5, 3]) as tf.Tensor2D;
    const h = 1.7;
    const ours = deepSteinMatrix(f, x, s, { h, block: 2 });
    const phi = (z: tf.Tensor2D) => featuresAndJacobians(f, z).phi;
    const ref = featureKernel(rbf({ bandwidth: h }), phi).steinMatrix(x, s);
    const a = ours.dataSync();
    const b = ref.dataSync();
    const scale = Math.max(...Array.from(b, Math.abs));
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i]) / scale).toBeLessThan(1e-4);
    tf.dispose([ours, ref, x, s]);
    disposeFeatures(f);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('runRbmBench', () => {
  it('runs every method on a tiny protocol, writes JSON/SVG/JSONL, resumes and leaks nothing', () => {
    const out = mkdtempSync(join(tmpdir(), 'gof-bench-'));
    try {
      const before = tf.memory().numTensors;
      const opts = {
        methods: [...METHODS],
        sigmas: [0],
        trials: 1,
        n: 40,
        burnIn: 20,
        burnInSamples: 40,
        config: {
          ...DEFAULT_CONFIG,
          bootstraps: 50,
          sliceSteps: 2,
          deepSteps: 2,
          deepBatch: 20,
          activeRows: 40,
        },
        out,
        backend: 'wasm',
        label: 'smoke',
      };
      const summary = runRbmBench(opts);
      expect(tf.memory().numTensors).toBe(before);
      for (const m of METHODS) expect(summary.power[m]).toHaveLength(1);
      const json = JSON.parse(readFileSync(join(out, 'rbm-power.json'), 'utf8'));
      expect(json.protocol.n).toBe(40);
      expect(readFileSync(join(out, 'rbm-power.svg'), 'utf8')).toContain('<svg');
      // resume: nothing new is computed
      const again = runRbmBench(opts);
      expect(readFileSync(join(out, 'rbm-trials.jsonl'), 'utf8').trim().split('\n')).toHaveLength(
        1,
      );
      expect(again.power.ksd[0].trials).toBe(1);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
