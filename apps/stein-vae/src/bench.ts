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
import { writeFileAtomic } from '@steinkit/metrics/reference';
import { defaultK, METHODS, type Method } from './config';
import { timeSteps } from './step-timing';

const info = await initBackend(
  process.env.STEINKIT_BACKEND ? { backend: process.env.STEINKIT_BACKEND } : {},
);
const steps = Number(process.argv[2] ?? 20);
if (!Number.isInteger(steps) || steps < 1) {
  throw new RangeError(`steps (argument 1): expected an integer ≥ 1, got ${process.argv[2]}`);
}
const list = (
  process.argv[3] && process.argv[3] !== 'all'
    ? process.argv[3].split(',')
    : [...METHODS, 'iwae-k50']
) as string[];
const unknown = list.filter((m) => m !== 'iwae-k50' && !(METHODS as readonly string[]).includes(m));
if (unknown.length > 0) {
  throw new RangeError(
    `methods (argument 2): unknown ${unknown.join(', ')}; expected 'all' or a list of ${[...METHODS, 'iwae-k50'].join(', ')}`,
  );
}
const outPath = resolve(process.argv[4] ?? join(import.meta.dirname, '../results/step-cost.json'));
const loadBefore = loadavg();
console.log(`backend: ${describeBackend(info)}; ${steps} timed steps after 3 warm-up steps`);
const out: Record<string, number> = {};
const cpu: Record<string, number> = {};
for (const name of list) {
  const method = (name === 'iwae-k50' ? 'iwae' : name) as Method;
  const k = name === 'iwae-k50' ? 50 : defaultK(method);
  const { wallMsPerStep: ms, cpuMsPerStep: cpuMs } = timeSteps(method, k, steps);
  out[name] = ms;
  cpu[name] = cpuMs;
  console.log(
    `${name.padEnd(14)} ${ms.toFixed(1)} ms/step → ${((ms * 600) / 1000).toFixed(1)} s/epoch (CPU ${cpuMs.toFixed(1)} ms/step → ${((cpuMs * 600) / 1000).toFixed(1)} s/epoch)`,
  );
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
