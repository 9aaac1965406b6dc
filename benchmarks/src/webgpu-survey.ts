#!/usr/bin/env -S npx tsx
/**
 * `npx tsx benchmarks/src/webgpu-survey.ts [--out dir]`: runs public steinkit
 * functions (estimators, targets, metrics, the ICA and SteinGAN iterations) on
 * `webgpu` and on `cpu` with the same inputs and reports the largest relative
 * difference (|a − b| / max(1, |b|)) or the error each raised — the list of
 * webgpu kernels that are missing or wrong. Needs a webgpu adapter (SwiftShader:
 * VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { activeWebgpuKernelFixes, createRng, describeBackend, initBackend } from '@steinkit/core';
import { createIcaModel, gaussianMixture } from '@steinkit/energy-models';
import { imq, rbf } from '@steinkit/kernels';
import { energyDistance, ksdMetric, mmd2 } from '@steinkit/metrics';
import { createTrainer as icaTrainer } from '@steinkit/sksd-ica';
import {
  ksd,
  ksdTest,
  ssge,
  steinGradientEstimator,
  svgdDirection,
} from '@steinkit/stein-estimators';
import * as tf from '@tensorflow/tfjs-core';

type Case = { name: string; run: () => Float32Array[] };

const rng = createRng(5);
const xs = rng.normal([64, 5]).arraySync() as number[][];
const ys = rng.normal([48, 5], 0.3).arraySync() as number[][];
const score = (z: tf.Tensor2D) => tf.mul(-1.5, tf.sub(z, 0.2)) as tf.Tensor2D;
const out = (...ts: tf.Tensor[]) => ts.map((t) => Float32Array.from(t.dataSync()));

const cases: Case[] = [
  {
    name: 'svgdDirection (RBF, median)',
    run: () => tf.tidy(() => out(svgdDirection(tf.tensor2d(xs), score, rbf()))),
  },
  { name: 'ksd U (RBF)', run: () => tf.tidy(() => out(ksd(tf.tensor2d(xs), score, rbf()))) },
  {
    name: 'ksd V (IMQ)',
    run: () => tf.tidy(() => out(ksd(tf.tensor2d(xs), score, imq(), { statistic: 'v' }))),
  },
  {
    name: 'ksdTest statistic',
    run: () => {
      const x = tf.tensor2d(xs);
      const r = ksdTest(x, score, rbf(), { seed: 1, numBootstrap: 50 } as never) as {
        statistic: number;
      };
      x.dispose();
      return [Float32Array.of(r.statistic)];
    },
  },
  {
    name: 'steinGradientEstimator (RBF)',
    run: () => {
      const x = tf.tensor2d(xs);
      const f = steinGradientEstimator(rbf()).fit(x);
      const g = f.estimate();
      const o = out(g);
      tf.dispose([g, f.x, x]);
      return o;
    },
  },
  {
    name: 'ssge (RBF)',
    run: () => {
      const x = tf.tensor2d(xs);
      const f = ssge(rbf()).fit(x);
      const g = f.estimate();
      const o = out(g);
      tf.dispose([g, f.x, x]);
      return o;
    },
  },
  {
    name: 'mmd2 (unbiased)',
    run: () => tf.tidy(() => out(mmd2(tf.tensor2d(xs), tf.tensor2d(ys)))),
  },
  {
    name: 'energyDistance',
    run: () => tf.tidy(() => out(energyDistance(tf.tensor2d(xs), tf.tensor2d(ys)))),
  },
  { name: 'ksdMetric', run: () => tf.tidy(() => out(ksdMetric(tf.tensor2d(xs), score))) },
  {
    name: 'gaussianMixture score / logProb',
    run: () =>
      tf.tidy(() => {
        const t = gaussianMixture({
          means: [
            [1, 0, 0, 0, 0],
            [-1, 1, 0, 0, 0],
          ],
          std: 0.8,
        } as never);
        const x = tf.tensor2d(xs);
        return out(t.score(x), t.logProb(x));
      }),
  },
  {
    name: 'ICA maxSKSD-g training iteration D=5 (2 steps)',
    run: () => {
      const r = createRng(1);
      const init = r.normal([5, 5], 0, 0.4) as tf.Tensor2D;
      const model = createIcaModel({ dim: 5, unmixing: init } as never);
      const trainer = icaTrainer('maxsksd', model, 1);
      const x = r.laplace([40, 5]) as tf.Tensor2D;
      trainer.step(x);
      trainer.step(x);
      const o = out((model as unknown as { unmixing: tf.Tensor }).unmixing);
      trainer.dispose();
      model.dispose();
      tf.dispose([init, x]);
      return o;
    },
  },
];

function relErr(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < b.length; i++)
    d = Math.max(d, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return a.length === b.length ? d : Number.POSITIVE_INFINITY;
}

const outDir = process.argv.includes('--out')
  ? process.argv[process.argv.indexOf('--out') + 1]
  : join(import.meta.dirname, '..', 'results');
const info = await initBackend({ backend: 'webgpu' });
const rows: { name: string; status: string; relErr?: number; ms?: number; note?: string }[] = [];
for (const c of cases) {
  try {
    await tf.setBackend('cpu');
    const ref = c.run();
    await tf.setBackend('webgpu');
    tf.env().set('WEBGPU_CPU_FORWARD', false);
    const t0 = performance.now();
    const got = c.run();
    const ms = performance.now() - t0;
    const e = Math.max(...got.map((g, i) => relErr(g, ref[i])));
    rows.push({ name: c.name, status: e <= 1e-4 ? 'ok' : 'MISMATCH', relErr: e, ms });
  } catch (err) {
    rows.push({
      name: c.name,
      status: 'error',
      note: (err instanceof Error ? err.message : String(err)).split('\n')[0],
    });
  }
  process.stderr.write(`${JSON.stringify(rows[rows.length - 1])}\n`);
}
const date = new Date().toISOString();
const backend = describeBackend(info);
const md = [
  `# webgpu vs cpu survey — ${date.slice(0, 16).replace('T', ' ')} UTC`,
  '',
  `Backend: ${backend}. steinkit webgpu kernel fixes active: ${activeWebgpuKernelFixes().join(', ') || 'none'}.`,
  'Each row: the same inputs on cpu and on webgpu; largest |webgpu − cpu| / max(1, |cpu|) over all outputs (ok ≤ 1e-4). Times include first-use shader compilation (SwiftShader: a CPU emulation).',
  '',
  '| function | status | rel. error | webgpu time |',
  '|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.name} | ${r.status}${r.note ? `: ${r.note.replace(/\|/g, '\\|')}` : ''} | ${r.relErr === undefined ? '' : r.relErr.toExponential(1)} | ${r.ms === undefined ? '' : `${(r.ms / 1000).toFixed(1)} s`} |`,
  ),
  '',
].join('\n');
mkdirSync(outDir, { recursive: true });
const base = join(outDir, `${date.slice(0, 16).replace(/:/g, '')}_webgpu-survey`);
writeFileSync(
  `${base}.json`,
  `${JSON.stringify({ date, backend, adapter: info.adapter, rows }, null, 2)}\n`,
);
writeFileSync(`${base}.md`, md);
process.stdout.write(`${md}\nwrote ${base}.json and .md\n`);
