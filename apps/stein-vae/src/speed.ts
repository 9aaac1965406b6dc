/**
 * Per-epoch speed of the wasm training step beside a PyTorch anchor measured
 * in the same run: rounds alternate `steps` wasm steps and `steps` PyTorch
 * steps (twin/vae_twin.py --bench-steps, 1 thread, OPENBLAS_CORETYPE /
 * OPENBLAS_L2_SIZE unset), each timed by CPU time and wall time, so that both
 * see the same machine load. Usage (after `pnpm build`):
 *   npx tsx src/speed.ts [steps=30] [rounds=3] [out=results/epoch-speed.json]
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { describeBackend, initBackend } from '@steinkit/core';
import {
  bernoulliModel,
  disposeInfo,
  inferenceDispose,
  inferenceInit,
  inferenceStep,
} from '@steinkit/inference';
import { writeFileAtomic } from '@steinkit/metrics/reference';
import * as tf from '@tensorflow/tfjs-core';
import { BURDA, buildEncoder, buildObjective } from './config';

const here = import.meta.dirname;
const steps = Number(process.argv[2] ?? 30);
const rounds = Number(process.argv[3] ?? 3);
const outPath = resolve(process.argv[4] ?? join(here, '../results/epoch-speed.json'));
const info = await initBackend({ backend: process.env.STEINKIT_BACKEND ?? 'wasm' });
const backend = describeBackend(info);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

function wasmSteps(k: number): { cpuMsPerStep: number; wallMsPerStep: number } {
  const method = k === 1 ? 'vae' : 'iwae';
  const encoder = buildEncoder(method, BURDA, 1);
  const model = bernoulliModel({ dataDim: 784, latentDim: 50, hidden: [200, 200], seed: 2 });
  const objective = buildObjective(method, k);
  let state = inferenceInit({ seed: 1 });
  const x = tf.tidy(() =>
    tf.cast(tf.less(tf.randomUniform([100, 784], 0, 1, 'float32', 5), 0.3), 'float32'),
  ) as tf.Tensor2D;
  const run = () => {
    const r = inferenceStep(state, { x }, { encoder, model, objective, checkValues: false });
    state = r.state;
    r.info.bound.dataSync();
    disposeInfo(r.info);
  };
  for (let s = 0; s < 3; s++) run();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) run();
  const c = process.cpuUsage(c0);
  const wall = performance.now() - t0;
  inferenceDispose(state);
  tf.dispose([x]);
  encoder.dispose();
  model.dispose();
  return { cpuMsPerStep: (c.user + c.system) / 1000 / steps, wallMsPerStep: wall / steps };
}

function torchSteps(k: number): { cpuMsPerStep: number; wallMsPerStep: number; torch: string } {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const out = execFileSync(
    '/usr/bin/python3',
    [join(here, '../twin/vae_twin.py'), '--bench-steps', String(steps), '--k', String(k)],
    { env, encoding: 'utf8' },
  );
  return JSON.parse(out.trim().split('\n').at(-1) as string);
}

const rows: Record<string, unknown>[] = [];
const load0 = loadavg();
for (const k of [1, 5]) {
  const w: { cpu: number[]; wall: number[] } = { cpu: [], wall: [] };
  const p: { cpu: number[]; wall: number[] } = { cpu: [], wall: [] };
  let torchVersion = '';
  for (let r = 0; r < rounds; r++) {
    const a = wasmSteps(k);
    w.cpu.push(a.cpuMsPerStep);
    w.wall.push(a.wallMsPerStep);
    const b = torchSteps(k);
    p.cpu.push(b.cpuMsPerStep);
    p.wall.push(b.wallMsPerStep);
    torchVersion = b.torch;
  }
  const row = {
    method: k === 1 ? 'vae' : `iwae-k${k}`,
    wasmCpuMsPerStep: w.cpu,
    torchCpuMsPerStep: p.cpu,
    wasmWallMsPerStep: w.wall,
    torchWallMsPerStep: p.wall,
    wasmCpuSecondsPerEpoch: (median(w.cpu) * 600) / 1000,
    torchCpuSecondsPerEpoch: (median(p.cpu) * 600) / 1000,
    cpuRatioWasmOverTorch: median(w.cpu) / median(p.cpu),
    torch: torchVersion,
  };
  rows.push(row);
  console.log(
    `${row.method}: wasm ${row.wasmCpuSecondsPerEpoch.toFixed(1)} CPU-s/epoch, PyTorch ${row.torchCpuSecondsPerEpoch.toFixed(1)} CPU-s/epoch (ratio ${row.cpuRatioWasmOverTorch.toFixed(2)})`,
  );
}
const result = {
  what: 'training-step time of the Burda et al. VAE / IWAE-5 step (batch 100), wasm vs a PyTorch twin, interleaved rounds; per-epoch = 600 steps × median CPU ms',
  backend,
  torchThreads: 1,
  steps,
  rounds,
  loadAverageBefore: load0,
  loadAverageAfter: loadavg(),
  date: new Date().toISOString(),
  rows,
};
writeFileAtomic(outPath, `${JSON.stringify(result, null, 2)}\n`);
console.log(`wrote ${outPath}`);
