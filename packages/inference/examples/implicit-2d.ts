/**
 * Implicit samplers without an encoder: a noise → MLP → R² sampler trained
 * to match an unnormalized 2-D target by KL(q‖p) with the SGE entropy
 * gradient (`samplerKl`), side by side with amortized SVGD (update (10),
 * `amortizedSvgd` from @steinkit/amortizers) on the same target, network,
 * initialization, batch and optimizer. Records MMD² (RBF h = 1, unbiased) of
 * 1000 sampler draws to 2000 exact target draws every `every` iterations.
 * Run from packages/inference (after `pnpm build`):
 *
 *   STEINKIT_BACKEND=wasm npx tsx examples/implicit-2d.ts [iterations=600] [seeds=1,2,3]
 *
 * Writes results/implicit-2d.json and results/implicit-2d.svg.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { amortizedSvgdInit, amortizedSvgdStep, neuralSampler } from '@steinkit/amortizers';
import { describeBackend, fusedAdam, initBackend } from '@steinkit/core';
import { banana, gaussianMixture } from '@steinkit/energy-models';
import { rbf, SVGD_MEDIAN } from '@steinkit/kernels';
import { mmd2 } from '@steinkit/metrics';
import type * as tf from '@tensorflow/tfjs-core';
import { mlp, samplerKlInit, samplerKlStep } from '../src/index';

// STEINKIT_BACKEND=wasm picks the backend (default: the best that loads).
const info = await initBackend(
  process.env.STEINKIT_BACKEND ? { backend: process.env.STEINKIT_BACKEND } : {},
);
const backend = describeBackend(info);
const iterations = Number(process.argv[2] ?? 600);
const seeds = (process.argv[3] ?? '1,2,3').split(',').map(Number);
const every = 50;
const batch = 100;
const targets = {
  banana: banana(),
  mixture: gaussianMixture({
    means: [
      [-2, -1],
      [2, 1],
      [-1, 2.5],
    ],
    std: 0.6,
  }),
};
const h1 = rbf({ bandwidth: 1 });
type Curve = { iteration: number; mmd2: number }[];
const results: Record<
  string,
  Record<string, { seed: number; curve: Curve; seconds: number }[]>
> = {};
const floor: Record<string, number> = {};

for (const [tname, target] of Object.entries(targets)) {
  const reference = target.sample(2000, 1);
  const dist = (x: tf.Tensor2D) => {
    const v = mmd2(x, reference, { kernel: h1 });
    const out = v.dataSync()[0];
    v.dispose();
    return out;
  };
  const iid = target.sample(1000, 2);
  floor[tname] = dist(iid);
  iid.dispose();
  results[tname] = { sge: [], svgd: [] };
  for (const seed of seeds) {
    for (const method of ['sge', 'svgd'] as const) {
      const net = mlp({ sizes: [2, 64, 64, 2], activation: 'tanh', seed });
      const sampler = neuralSampler({
        net: (e) => net.apply(e),
        variables: net.variables,
        noiseDim: 2,
        noise: 'normal',
        outputShape: [2],
      });
      const optimizer = fusedAdam(2e-3);
      const update = { rule: 'vjp' as const, optimizer };
      const score = (x: tf.Tensor2D) => target.score(x);
      const curve: Curve = [];
      const t0 = performance.now();
      let sk = samplerKlInit({ seed });
      let sv = amortizedSvgdInit({ seed });
      for (let t = 0; t <= iterations; t++) {
        if (t % every === 0) {
          const x = sampler.sample(1000, 99);
          curve.push({ iteration: t, mmd2: dist(x) });
          x.dispose();
        }
        if (t === iterations) break;
        if (method === 'sge') {
          sk = samplerKlStep(sk, {
            sampler,
            score,
            entropy: { estimator: 'sge', eta: 0.01 },
            update,
            batchSize: batch,
          }).state;
        } else {
          sv = amortizedSvgdStep(sv, {
            sampler,
            score,
            kernel: rbf({ bandwidth: SVGD_MEDIAN }),
            update,
            batchSize: batch,
          }).state;
        }
      }
      const seconds = (performance.now() - t0) / 1000;
      results[tname][method].push({ seed, curve, seconds });
      console.log(
        `${tname} ${method} seed ${seed}: MMD² ${curve[curve.length - 1].mmd2.toFixed(4)} after ${iterations} iterations (${seconds.toFixed(0)} s; i.i.d. floor ${floor[tname].toFixed(4)})`,
      );
      optimizer.dispose();
      net.dispose();
    }
  }
  reference.dispose();
}

mkdirSync('results', { recursive: true });
writeFileSync(
  'results/implicit-2d.json',
  `${JSON.stringify({ backend, iterations, batch, every, optimizer: 'adam 2e-3', network: '2-64-64-2 tanh, ξ ~ N(0, I₂)', mmd: 'unbiased MMD², RBF h = 1, 1000 sampler draws vs 2000 exact draws', iidFloor: floor, results }, null, 2)}\n`,
);

// SVG: one panel per target, mean MMD² over seeds (log scale) vs iterations, both methods.
const W = 760;
const H = 320;
const svg: string[] = [
  `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12"><rect width="${W}" height="${H}" fill="white"/>`,
];
Object.keys(results).forEach((tname, pi) => {
  const [x0, top, pw, ph] = [60 + pi * 370, 40, 300, 230];
  const all = Object.values(results[tname]).flatMap((runs) =>
    runs.flatMap((r) => r.curve.map((c) => Math.max(c.mmd2, 1e-5))),
  );
  const [lo, hi] = [
    Math.log10(Math.min(...all, floor[tname] > 0 ? floor[tname] : 1e-5)),
    Math.log10(Math.max(...all)),
  ];
  const sx = (t: number) => x0 + (t / iterations) * pw;
  const sy = (v: number) => top + ph - ((Math.log10(Math.max(v, 1e-5)) - lo) / (hi - lo || 1)) * ph;
  svg.push(
    `<text x="${x0}" y="${top - 12}" font-weight="bold">${tname}: MMD² to the target (mean of ${seeds.length} seeds, log scale)</text>`,
  );
  svg.push(`<rect x="${x0}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
  for (let e = Math.ceil(lo); e <= Math.floor(hi); e++)
    svg.push(`<text x="${x0 - 6}" y="${sy(10 ** e) + 4}" text-anchor="end">1e${e}</text>`);
  for (let i = 0; i <= 4; i++)
    svg.push(
      `<text x="${sx((iterations * i) / 4)}" y="${top + ph + 16}" text-anchor="middle">${(iterations * i) / 4}</text>`,
    );
  if (floor[tname] > 0)
    svg.push(
      `<line x1="${x0}" x2="${x0 + pw}" y1="${sy(floor[tname])}" y2="${sy(floor[tname])}" stroke="#999" stroke-dasharray="4 3"/>`,
    );
  (['sge', 'svgd'] as const).forEach((m, mi) => {
    const runs = results[tname][m];
    const pts = runs[0].curve.map((c, i) => ({
      t: c.iteration,
      v: runs.reduce((a, r) => a + r.curve[i].mmd2, 0) / runs.length,
    }));
    const color = mi === 0 ? '#d62728' : '#1f77b4';
    svg.push(
      `<path d="${pts.map((p, i) => `${i ? 'L' : 'M'}${sx(p.t).toFixed(1)},${sy(p.v).toFixed(1)}`).join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`,
    );
  });
});
svg.push(
  `<rect x="60" y="${H - 20}" width="10" height="10" fill="#d62728"/><text x="74" y="${H - 11}">KL(q‖p) with the SGE entropy gradient</text>`,
);
svg.push(
  `<rect x="330" y="${H - 20}" width="10" height="10" fill="#1f77b4"/><text x="344" y="${H - 11}">amortized SVGD, update (10)</text>`,
);
svg.push(`<text x="600" y="${H - 11}" fill="#777">dashed: i.i.d. floor</text></svg>`);
writeFileSync('results/implicit-2d.svg', svg.join('\n'));
console.log(`backend: ${backend}; wrote results/implicit-2d.json and results/implicit-2d.svg`);
