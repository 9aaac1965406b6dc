/**
 * Issue 17's speed row: one training epoch of apps/stein-vae's Burda et al.
 * VAE / IWAE-k (batch 100, 600 steps) on a steinkit backend beside its
 * PyTorch twin (`apps/stein-vae/twin/vae_twin.py --bench-steps`), measured in
 * the same run. Rounds alternate `--steps` steinkit steps and `--steps`
 * PyTorch steps so both see the same machine load; each is timed by wall
 * time and by its process's CPU time; per-epoch = 600 × the median over
 * rounds. PyTorch runs with `--torch-threads` threads (the issue's anchor: 2),
 * steinkit's wasm GEMM with `--wasm-threads` (default: as many, at most 2)
 * (OPENBLAS_NUM_THREADS / OMP_NUM_THREADS set to the same number) and
 * OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset; which BLAS Debian's torch
 * links (reference or OpenBLAS, chosen by update-alternatives) is recorded.
 * Writes `results/stein-vae-epoch/<date>_<machine>.{json,md}`. Usage:
 *   npx tsx src/vae-epoch.ts [--steps 20] [--rounds 3] [--torch-threads 2] [--k 1,5,50]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeBackend, initBackend, setWasmThreads } from '@steinkit/core';
import { type StepTiming as Timing, timeSteps } from '@steinkit/stein-vae/step-timing';
import { Command, InvalidArgumentError } from 'commander';
import { machine, writeResultPair } from './machine';

const positiveInt = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`${name} must be an integer ≥ 1`);
  return n;
};
const o = new Command('vae-epoch')
  .option('--steps <n>', 'timed steps per round and side', positiveInt('--steps'), 20)
  .option('--rounds <n>', 'alternating rounds', positiveInt('--rounds'), 3)
  .option('--torch-threads <n>', 'PyTorch threads', positiveInt('--torch-threads'), 2)
  .option('--k <list>', 'importance samples per row (1 = VAE)', '1,5,50')
  .option(
    '--wasm-threads <n>',
    'threads of the wasm GEMM (1 or 2; default: 2 if --torch-threads ≥ 2)',
    positiveInt('--wasm-threads'),
  )
  .option('--backend <name>', 'steinkit backend', 'wasm')
  .option(
    '--out <dir>',
    'result folder',
    fileURLToPath(new URL('../results/stein-vae-epoch', import.meta.url)),
  )
  .parse()
  .opts<{
    steps: number;
    rounds: number;
    torchThreads: number;
    wasmThreads?: number;
    k: string;
    backend: string;
    out: string;
  }>();
const ks = o.k.split(',').map(Number);
if (ks.some((k) => !Number.isInteger(k) || k < 1)) {
  throw new Error(`--k must be a comma-separated list of integers ≥ 1, got "${o.k}"`);
}

const twin = join(
  dirname(fileURLToPath(import.meta.resolve('@steinkit/stein-vae/step-timing'))),
  '../twin/vae_twin.py',
);
const wasmThreads = o.wasmThreads ?? Math.min(2, o.torchThreads);
if (wasmThreads > 2) throw new Error(`--wasm-threads must be 1 or 2, got ${wasmThreads}`);
setWasmThreads(wasmThreads as 1 | 2);
const info = await initBackend({ backend: o.backend });
const backend = describeBackend(info);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const libblas = '/usr/lib/x86_64-linux-gnu/libblas.so.3';
const blas = existsSync(libblas) ? realpathSync(libblas) : 'unknown';

function steinkitSteps(k: number): Timing {
  return timeSteps(k === 1 ? 'vae' : 'iwae', k, o.steps);
}

function torchSteps(k: number): Timing & { torch: string } {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  // torch.set_num_threads sets PyTorch's own pool; OpenBLAS has its own threads
  env.OPENBLAS_NUM_THREADS = String(o.torchThreads);
  env.OMP_NUM_THREADS = String(o.torchThreads);
  const args = [
    twin,
    '--bench-steps',
    String(o.steps),
    '--k',
    String(k),
    '--threads',
    String(o.torchThreads),
  ];
  const out = execFileSync('/usr/bin/python3', args, { env, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').at(-1) as string);
}

const m = machine();
const rows = [];
for (const k of ks) {
  const s: Timing[] = [];
  const p: Timing[] = [];
  let torch = '';
  for (let r = 0; r < o.rounds; r++) {
    s.push(steinkitSteps(k));
    const b = torchSteps(k);
    p.push(b);
    torch = b.torch;
  }
  const perEpoch = (v: Timing[], key: keyof Timing) => (median(v.map((t) => t[key])) * 600) / 1000;
  const row = {
    method: k === 1 ? 'vae' : `iwae-k${k}`,
    k,
    steinkitCpuMsPerStep: s.map((t) => t.cpuMsPerStep),
    steinkitWallMsPerStep: s.map((t) => t.wallMsPerStep),
    torchCpuMsPerStep: p.map((t) => t.cpuMsPerStep),
    torchWallMsPerStep: p.map((t) => t.wallMsPerStep),
    steinkitWallSecondsPerEpoch: perEpoch(s, 'wallMsPerStep'),
    torchWallSecondsPerEpoch: perEpoch(p, 'wallMsPerStep'),
    steinkitCpuSecondsPerEpoch: perEpoch(s, 'cpuMsPerStep'),
    torchCpuSecondsPerEpoch: perEpoch(p, 'cpuMsPerStep'),
    wallRatio: perEpoch(s, 'wallMsPerStep') / perEpoch(p, 'wallMsPerStep'),
    torch,
  };
  rows.push(row);
  console.log(
    `${row.method}: ${o.backend} ${row.steinkitWallSecondsPerEpoch.toFixed(1)} s/epoch, PyTorch (${o.torchThreads} thread(s)) ${row.torchWallSecondsPerEpoch.toFixed(1)} s/epoch: ratio ${row.wallRatio.toFixed(2)}`,
  );
}
const date = new Date();
const result = {
  what: "one epoch (600 steps of batch 100) of apps/stein-vae's VAE / IWAE-k step: steinkit vs its PyTorch twin, interleaved rounds, per-epoch = 600 × median ms per step",
  backend,
  torchThreads: o.torchThreads,
  wasmGemmThreads: wasmThreads,
  torchEnv: { OPENBLAS_NUM_THREADS: o.torchThreads, OMP_NUM_THREADS: o.torchThreads },
  blas,
  steps: o.steps,
  rounds: o.rounds,
  machine: m,
  loadAverageAfter: machine().loadAverage,
  date: date.toISOString(),
  rows,
};
const md = [
  `# stein-vae epoch: ${backend} vs PyTorch ${rows[0]?.torch} (${o.torchThreads} thread${o.torchThreads === 1 ? '' : 's'}, OpenBLAS too)`,
  '',
  `${date.toISOString()}, ${m.cpuModel} × ${m.cpus}, Node ${m.node}, load average before ${m.loadAverage.map((v) => v.toFixed(2)).join(' / ')}; PyTorch BLAS: ${blas}. ${o.rounds} alternating rounds of ${o.steps} steps; per-epoch = 600 × median.`,
  '',
  '| step | steinkit s / epoch (wall) | PyTorch s / epoch (wall) | ratio | steinkit CPU-s / epoch | PyTorch CPU-s / epoch |',
  '|---|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.method} | ${r.steinkitWallSecondsPerEpoch.toFixed(1)} | ${r.torchWallSecondsPerEpoch.toFixed(1)} | ${r.wallRatio.toFixed(2)} | ${r.steinkitCpuSecondsPerEpoch.toFixed(1)} | ${r.torchCpuSecondsPerEpoch.toFixed(1)} |`,
  ),
  '',
].join('\n');
const base = writeResultPair(o.out, date, m, result, md);
console.log(`wrote ${base}.json and .md`);
