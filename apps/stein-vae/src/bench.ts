/**
 * Seconds per training step (and per 600-step epoch) of each method on the
 * default architecture, on random binary batches of 100: wall time and the
 * process's CPU time (which a loaded machine inflates less); writes
 * results/step-cost.json (or `out`) with the machine and its load. Usage:
 *   npx tsx src/bench.ts [steps=20] [method,method,…|all] [out]
 */
import { cpus, loadavg } from 'node:os';
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
import {
  BURDA,
  buildCritic,
  buildEncoder,
  buildObjective,
  defaultK,
  METHODS,
  type Method,
} from './config';

const info = await initBackend(
  process.env.STEINKIT_BACKEND ? { backend: process.env.STEINKIT_BACKEND } : {},
);
const steps = Number(process.argv[2] ?? 20);
const list = (
  process.argv[3] && process.argv[3] !== 'all'
    ? process.argv[3].split(',')
    : [...METHODS, 'iwae-k50']
) as string[];
const outPath = resolve(process.argv[4] ?? join(import.meta.dirname, '../results/step-cost.json'));
const loadBefore = loadavg();
console.log(`backend: ${describeBackend(info)}; ${steps} timed steps after 2 warm-up steps`);
const out: Record<string, number> = {};
const cpu: Record<string, number> = {};
for (const name of list) {
  const method = (name === 'iwae-k50' ? 'iwae' : name) as Method;
  const k = name === 'iwae-k50' ? 50 : defaultK(method);
  const encoder = buildEncoder(method, BURDA, 1);
  const model = bernoulliModel({ dataDim: 784, latentDim: 50, hidden: [200, 200], seed: 2 });
  const critic = buildCritic(method, BURDA, 3);
  const objective = buildObjective(method, k, critic);
  let state = inferenceInit({ seed: 1, critic: Boolean(critic) });
  const x = tf.tidy(() =>
    tf.cast(tf.greater(tf.randomUniform([100, 784], 0, 1, 'float32', 5), 0.7), 'float32'),
  ) as tf.Tensor2D;
  let t0 = 0;
  let c0 = process.cpuUsage();
  for (let s = 0; s < steps + 2; s++) {
    if (s === 2) {
      t0 = performance.now();
      c0 = process.cpuUsage();
    }
    const r = inferenceStep(state, { x }, { encoder, model, objective, checkValues: false });
    state = r.state;
    r.info.bound.dataSync();
    disposeInfo(r.info);
  }
  const ms = (performance.now() - t0) / steps;
  const c = process.cpuUsage(c0);
  const cpuMs = (c.user + c.system) / 1000 / steps;
  out[name] = ms;
  cpu[name] = cpuMs;
  console.log(
    `${name.padEnd(14)} ${ms.toFixed(1)} ms/step → ${((ms * 600) / 1000).toFixed(1)} s/epoch (CPU ${cpuMs.toFixed(1)} ms/step → ${((cpuMs * 600) / 1000).toFixed(1)} s/epoch)`,
  );
  inferenceDispose(state);
  x.dispose();
  encoder.dispose();
  model.dispose();
  critic?.dispose();
}
const perEpoch = (v: Record<string, number>) =>
  Object.fromEntries(Object.entries(v).map(([k, ms]) => [k, Math.round(ms * 6) / 10]));
const result = {
  what: 'ms per training step (batch 100, default architecture, random binary batch) of every method (iwae = k 5), wall and process CPU time; per-epoch = 600 steps',
  date: new Date().toISOString(),
  machine: `${cpus()[0]?.model.trim()} × ${cpus().length}, Node ${process.versions.node}`,
  loadAverageBefore: loadBefore,
  loadAverageAfter: loadavg(),
  backend: describeBackend(info),
  steps,
  msPerStep: out,
  cpuMsPerStep: cpu,
  wallSecondsPerEpoch: perEpoch(out),
  cpuSecondsPerEpoch: perEpoch(cpu),
};
writeFileAtomic(outPath, `${JSON.stringify(result, null, 2)}\n`);
console.log(`wrote ${outPath}`);
