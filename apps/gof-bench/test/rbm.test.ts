import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '@steinkit/core';
import { featureKernel, rbf } from '@steinkit/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { shardArg } from '../src/cli';
import {
  benchmarkRbm,
  createMlpFeatures,
  DEFAULT_CONFIG,
  deepSteinMatrix,
  disposeFeatures,
  FastRng,
  featuresAndJacobians,
  fitSlices,
  gibbsSample,
  METHODS,
  NumpyLegacyRandom,
  type Rbm,
  rbmLogProb,
  rbmScore,
  readTrials,
  runMethod,
  runRbmBench,
  summarize,
  wilsonInterval,
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
  it("is the reference script's RBM: b, c, B, E = NumPy 1.24's np.random.seed(2) draws, bit for bit", () => {
    // values printed by /usr/bin/python3 (NumPy 1.24.2):
    //   np.random.seed(2); b = randn(50); c = randn(40); B = choice([-1, 1], size=[50, 40]); E = randn(50, 40)
    const { null: p, perturbed } = benchmarkRbm();
    expect([p.b[0], p.b[49], p.c[0], p.c[39]]).toEqual([
      -0.4167578474054706, 0.08771021840833142, 1.000365886550695, 0.3508884940877463,
    ]);
    expect(Array.from(p.B.slice(0, 12))).toEqual([1, -1, 1, 1, -1, 1, -1, -1, 1, 1, 1, 1]);
    expect(p.B.reduce((a, v) => a + v, 0)).toBe(46);
    const q = perturbed(0.5);
    const E = [-1.0146626830717715, 1.2462817323081579, 0.025495394131004954];
    expect([0, 1, 1999].map((i) => q.B[i])).toEqual(
      [0, 1, 1999].map((i, k) => p.B[i] + 0.5 * E[k]),
    );
    // the stream itself: RandomState(2)'s first 32-bit word, then a double from the next two
    const r = new NumpyLegacyRandom(2);
    expect(r.uint32()).toBe(1872583848);
    expect(r.double()).toBe(0.18508207817320688); // RandomState(2): randint(0, 2**32, dtype=uint32), then random_sample()
  });

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

/** ∇log p(x) = b − x + ½B tanh(½Bᵀx + c) in float64. */
function score64(rbm: Rbm, x: number[]): number[] {
  const t = Array.from({ length: rbm.H }, (_, j) => {
    let a = rbm.c[j];
    for (let i = 0; i < rbm.D; i++) a += 0.5 * rbm.B[i * rbm.H + j] * x[i];
    return Math.tanh(a);
  });
  return x.map((xi, i) => {
    let v = rbm.b[i] - xi;
    for (let j = 0; j < rbm.H; j++) v += 0.5 * rbm.B[i * rbm.H + j] * t[j];
    return v;
  });
}

/** Median of the squared pairwise differences j < k (odd count in these tests: the middle value). */
function medianSq(rows: number[][]): number {
  const d: number[] = [];
  for (let j = 0; j < rows.length; j++)
    for (let k = j + 1; k < rows.length; k++)
      d.push(rows[j].reduce((s, v, i) => s + (v - rows[k][i]) ** 2, 0));
  d.sort((a, b) => a - b);
  expect(d.length % 2).toBe(1);
  return d[(d.length - 1) / 2];
}

describe('the test statistics of the benchmark (slow float64 references)', () => {
  const rbm = benchmarkRbm({ D: 5, H: 3, seed: 4 }).perturbed(0.2);
  const score = rbmScore(benchmarkRbm({ D: 5, H: 3, seed: 4 }).null);
  const nullRbm = benchmarkRbm({ D: 5, H: 3, seed: 4 }).null;
  const n = 30; // 435 pairs: an odd count, so every median is one order statistic
  const cfg = { ...DEFAULT_CONFIG, bootstraps: 20, sliceSteps: 3, sliceBatch: 20 };

  it("ksd: the U-statistic with the reference script's RBF bandwidth h² = 2·median‖x_j − x_k‖²", () => {
    const { x, burn } = gibbsSample(rbm, { n, burnIn: 20, burnInSamples: 20, seed: 3 });
    const before = tf.memory().numTensors;
    const res = runMethod('ksd', { x, burn: burn as tf.Tensor2D, nullX: x, score, seed: 1 }, cfg);
    expect(tf.memory().numTensors).toBe(before);
    const xs = x.arraySync() as number[][];
    const ss = xs.map((r) => score64(nullRbm, r));
    const h2 = 2 * medianSq(xs);
    let sum = 0;
    for (let j = 0; j < n; j++)
      for (let k = 0; k < n; k++) {
        if (j === k) continue;
        const d = xs[j].map((v, i) => v - xs[k][i]);
        const r2 = d.reduce((a, v) => a + v * v, 0);
        const kv = Math.exp(-r2 / h2);
        const dot = (a: number[], b: number[]) => a.reduce((acc, v, i) => acc + v * b[i], 0);
        sum +=
          kv *
          (dot(ss[j], ss[k]) +
            (2 / h2) * (dot(d, ss[j]) - dot(d, ss[k])) +
            (2 * 5) / h2 -
            (4 * r2) / (h2 * h2));
      }
    const ref = sum / (n * (n - 1));
    expect(Math.abs(res.statistic - ref)).toBeLessThan(2e-5 * Math.max(1, Math.abs(ref)));
    tf.dispose([x, burn as tf.Tensor2D]);
  });

  it('maxsksd-g/-rg: slices fitted on the burn-in samples only, statistic = float64 sliced U-statistic on x', () => {
    const { x, burn } = gibbsSample(rbm, { n, burnIn: 20, burnInSamples: 40, seed: 5 });
    const b = burn as tf.Tensor2D;
    const xs = x.arraySync() as number[][];
    const ss = xs.map((r) => score64(nullRbm, r));
    for (const variant of ['g', 'rg'] as const) {
      const before = tf.memory().numTensors;
      const res = runMethod(
        variant === 'g' ? 'maxsksd-g' : 'maxsksd-rg',
        { x, burn: b, nullX: x, score, seed: 2 },
        cfg,
      );
      // the same fit from the burn-in samples alone (no x passed) gives the slices the test used
      const fit = fitSlices(b, score, variant, false, cfg, 2);
      const R = fit.r.arraySync() as number[][];
      const G = fit.g.arraySync() as number[][];
      tf.dispose([fit.r, fit.g]);
      expect(tf.memory().numTensors).toBe(before);
      if (variant === 'g')
        expect(R).toEqual(
          Array.from({ length: 5 }, (_, i) =>
            Array.from({ length: 5 }, (_, l) => (i === l ? 1 : 0)),
          ),
        );
      else expect(R.some((r, i) => Math.abs(r[i] - 1) > 1e-4)).toBe(true); // r moved for rg
      let sum = 0;
      for (let i = 0; i < 5; i++) {
        const nr = Math.hypot(...R[i]);
        const ng = Math.hypot(...G[i]);
        const a = xs.map((row) => row.reduce((acc, v, l) => acc + (v * G[i][l]) / ng, 0));
        const sp = ss.map((row) => row.reduce((acc, v, l) => acc + (v * R[i][l]) / nr, 0));
        const c = R[i].reduce((acc, v, l) => acc + (v / nr) * (G[i][l] / ng), 0);
        const h2 = 2 * medianSq(a.map((v) => [v]));
        for (let j = 0; j < n; j++)
          for (let k = 0; k < n; k++) {
            if (j === k) continue;
            const d = a[j] - a[k];
            const kv = Math.exp((-d * d) / h2);
            sum +=
              kv *
              (sp[j] * sp[k] +
                ((2 * c) / h2) * d * (sp[j] - sp[k]) +
                c * c * (2 / h2 - (4 * d * d) / (h2 * h2)));
          }
      }
      const ref = sum / (n * (n - 1));
      expect(Math.abs(res.statistic - ref)).toBeLessThan(1e-4 * Math.max(1, Math.abs(ref)));
    }
    tf.dispose([x, b]);
  });

  it('summarize counts only trials < opts.trials (a budget-stopped run cut to equal counts)', () => {
    const rec = (trial: number, reject: boolean) => ({
      trial,
      sigma: 0,
      gibbsMs: 1,
      gibbsCpuMs: 1,
      results: { ksd: { statistic: 0, pValue: reject ? 0.01 : 0.5, reject, ms: 1, cpuMs: 1 } },
    });
    const opts = {
      methods: ['ksd' as const],
      sigmas: [0],
      trials: 2,
      n: 10,
      burnIn: 10,
      burnInSamples: 10,
      config: DEFAULT_CONFIG,
      out: '',
      backend: 'cpu',
      label: 'x',
    };
    const recs = [rec(0, false), rec(1, true), rec(2, true)];
    expect(summarize(recs, opts, 0).power.ksd[0]).toMatchObject({
      trials: 2,
      rejections: 1,
      medianPValue: 0.255,
    });
    expect(summarize(recs, { ...opts, trials: 3 }, 0).power.ksd[0].rejections).toBe(2);
  });

  it('wilsonInterval: the score interval (closed-form values) and bad input', () => {
    const [lo, hi] = wilsonInterval(1, 25);
    // (1 + 1.9208 ± 1.96·√(0.96 + 0.9604)) / 28.8416 = 0.00710, 0.19544
    expect(lo).toBeCloseTo(0.0071, 4);
    expect(hi).toBeCloseTo(0.19544, 4);
    expect(wilsonInterval(0, 20)[0]).toBe(0);
    expect(wilsonInterval(20, 20)[1]).toBe(1);
    expect(() => wilsonInterval(3, 2)).toThrow(RangeError);
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

describe('sharded runs and the Gibbs generator', () => {
  it('--shard 0/2 + 1/2 into one --out = the unsharded run, record for record', () => {
    const a = mkdtempSync(join(tmpdir(), 'gof-bench-a-'));
    const b = mkdtempSync(join(tmpdir(), 'gof-bench-b-'));
    try {
      const opts = {
        methods: ['ksd', 'mmd'] as ('ksd' | 'mmd')[],
        sigmas: [0, 0.5],
        trials: 3,
        n: 30,
        burnIn: 10,
        burnInSamples: 30,
        config: { ...DEFAULT_CONFIG, bootstraps: 50 },
        backend: 'wasm',
        label: 'shard',
      };
      const whole = runRbmBench({ ...opts, out: a });
      runRbmBench({ ...opts, out: b, shard: { index: 1, count: 2 } });
      expect(readTrials(b).map((r) => r.trial)).toEqual([1, 1]);
      const merged = runRbmBench({ ...opts, out: b, shard: { index: 0, count: 2 } });
      const key = (r: { trial: number; sigma: number }) => `${r.trial}:${r.sigma}`;
      const stats = (dir: string) =>
        Object.fromEntries(
          readTrials(dir).map((r) => [
            key(r),
            [r.results.ksd?.statistic, r.results.ksd?.pValue, r.results.mmd?.statistic],
          ]),
        );
      expect(Object.keys(stats(b)).sort()).toEqual(Object.keys(stats(a)).sort());
      expect(stats(b)).toEqual(stats(a));
      expect(merged.power).toEqual(whole.power);
      expect(
        readFileSync(join(b, 'rbm-trials.shard0of2.jsonl'), 'utf8').trim().split('\n'),
      ).toHaveLength(4);
      expect(() => runRbmBench({ ...opts, out: b, shard: { index: 2, count: 2 } })).toThrow(
        /shard: expected integers 0 ≤ index < count, got 2\/2/,
      );
      expect(shardArg(' 1/2 ')).toEqual({ index: 1, count: 2 });
      for (const bad of ['2/2', '1', 'a/b', '-1/2', '0/0'])
        expect(() => shardArg(bad)).toThrow(/--shard: expected i\/N with 0 ≤ i < N/);
    } finally {
      rmSync(a, { recursive: true, force: true });
      rmSync(b, { recursive: true, force: true });
    }
  });

  it('FastRng: N(0, 1) and U[0, 1) moments within 5 s.e. on 200 000 draws (both normal paths)', () => {
    const rng = new FastRng(7);
    const n = 200_000;
    const z = rng.fillNormal(new Float32Array(n - 1)); // odd length: the spare carries over
    const all = [...z, rng.normal()];
    const mean = all.reduce((s, v) => s + v, 0) / n;
    const m2 = all.reduce((s, v) => s + v * v, 0) / n;
    const m4 = all.reduce((s, v) => s + v ** 4, 0) / n;
    const tail = all.filter((v) => Math.abs(v) > 2).length / n;
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(m2 - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(m4 - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
    const p2 = 0.0455003;
    expect(Math.abs(tail - p2)).toBeLessThan(5 * Math.sqrt((p2 * (1 - p2)) / n));
    const u = rng.fillUniform(new Float32Array(n));
    const um = u.reduce((s, v) => s + v, 0) / n;
    const uv = u.reduce((s, v) => s + (v - 0.5) ** 2, 0) / n;
    expect(Math.abs(um - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(uv - 1 / 12)).toBeLessThan(5 * Math.sqrt(1 / 180 / n));
    expect(u.every((v) => v >= 0 && v < 1)).toBe(true);
  });
});
