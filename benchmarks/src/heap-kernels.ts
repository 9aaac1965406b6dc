/**
 * The simd128 kernels on tfjs-backend-wasm's own memory (`@steinkit/core`,
 * `packages/core/assembly/heap.ts`), each beside what it replaces, in one
 * process (so both meet the same load): Exp / Tanh / Softplus / Transpose vs
 * the shipped tfjs-backend-wasm 4.22 kernels (`setWasmKernelFixes(false, …)`),
 * the packing-free GEMM on a freshly made right operand vs XNNPACK packing it
 * (`setWasmKernelTuning(false)`) and vs XNNPACK with its packed copy cached,
 * on one thread and on two (`setWasmThreads`: the worker-thread split),
 * `fusedAdam` vs `tf.train.adam` on the stein-vae MLPs' 425 k weights, and
 * `bernoulliLogProb` (value + gradient) fused vs in tfjs ops.
 * Medians of `--reps` timed calls after warm-up, wall time (all
 * synchronous). Writes `results/heap-kernels/<date>_<machine>.{json,md}`.
 *   npx tsx src/heap-kernels.ts [--reps 15]
 */
import { fileURLToPath } from 'node:url';
import {
  bernoulliLogProb,
  describeBackend,
  fusedAdam,
  initBackend,
  setWasmKernelFixes,
  setWasmKernelTuning,
  setWasmThreads,
} from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { Command, InvalidArgumentError } from 'commander';
import { machine, writeResultPair } from './machine';

const o = new Command('heap-kernels')
  .option(
    '--reps <n>',
    'timed calls per cell',
    (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 3)
        throw new InvalidArgumentError('--reps must be an integer ≥ 3');
      return n;
    },
    15,
  )
  .option(
    '--out <dir>',
    'result folder',
    fileURLToPath(new URL('../results/heap-kernels', import.meta.url)),
  )
  .parse()
  .opts<{ reps: number; out: string }>();

const info = await initBackend({ backend: 'wasm' });
if (info.name !== 'wasm') throw new Error('heap-kernels: needs the wasm backend');
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

/** Median ms of `f` (its result disposed; `prep` runs untimed before each call). */
function time<T>(f: (p: T) => tf.TensorContainer, prep: () => T, done?: (p: T) => void): number {
  const ms: number[] = [];
  for (let r = -2; r < o.reps; r++) {
    const p = prep();
    const t0 = performance.now();
    const out = f(p);
    const t = performance.now() - t0;
    tf.dispose(out);
    done?.(p);
    if (r >= 0) ms.push(t);
  }
  return median(ms);
}

const UNARY = ['Exp', 'Tanh', 'Softplus'] as const;
const n = 1 << 20;
const x = tf.randomNormal([n], 0, 3, 'float32', 1);
const unary = [];
for (const name of UNARY) {
  const op = { Exp: tf.exp, Tanh: tf.tanh, Softplus: tf.softplus }[name];
  const heap = time(
    () => op(x),
    () => null,
  );
  setWasmKernelFixes(false, [name]);
  const shipped = time(
    () => op(x),
    () => null,
  );
  setWasmKernelFixes(true, [name]);
  unary.push({
    kernel: name,
    elements: n,
    heapNsPerElement: (heap * 1e6) / n,
    shippedNsPerElement: (shipped * 1e6) / n,
  });
}

const transposes = [];
for (const [r, c] of [
  [784, 256],
  [1024, 6272],
  [200, 784],
]) {
  const m = tf.randomNormal([r, c], 0, 1, 'float32', 2);
  const heap = time(
    () => tf.transpose(m),
    () => null,
  );
  setWasmKernelFixes(false, ['Transpose']);
  const shipped = time(
    () => tf.transpose(m),
    () => null,
  );
  setWasmKernelFixes(true, ['Transpose']);
  transposes.push({
    shape: [r, c],
    heapNsPerElement: (heap * 1e6) / (r * c),
    shippedNsPerElement: (shipped * 1e6) / (r * c),
  });
  m.dispose();
}

const gemms = [];
for (const [m, k, nn] of [
  [100, 784, 200],
  [100, 200, 784],
  [64, 784, 256],
  [64, 1024, 6272],
  [5000, 200, 784],
  [200, 5000, 784],
  [3136, 1600, 128],
]) {
  const a = tf.randomNormal([m, k], 0, 1, 'float32', 3);
  const b0 = tf.randomNormal([k, nn], 0, 1, 'float32', 4);
  const fresh = () => tf.add(b0, 0); // a new tensor: neither route has seen it
  const heap2 = time(
    (b) => tf.matMul(a, b),
    fresh,
    (b) => b.dispose(),
  );
  setWasmThreads(1);
  const heap = time(
    (b) => tf.matMul(a, b),
    fresh,
    (b) => b.dispose(),
  );
  setWasmThreads(2);
  setWasmKernelTuning(false);
  const xnnFresh = time(
    (b) => tf.matMul(a, b),
    fresh,
    (b) => b.dispose(),
  );
  tf.dispose(tf.matMul(a, b0)); // packs b0 once
  const xnnCached = time(
    () => tf.matMul(a, b0),
    () => null,
  );
  setWasmKernelTuning(true);
  const gf = (ms: number) => (2 * m * k * nn) / ms / 1e6;
  gemms.push({
    shape: [m, k, nn],
    heapFreshGflops: gf(heap),
    heapTwoThreadsGflops: gf(heap2),
    xnnpackFreshGflops: gf(xnnFresh),
    xnnpackCachedGflops: gf(xnnCached),
  });
  tf.dispose([a, b0]);
}

const shapes = [
  [784, 200],
  [200],
  [200, 200],
  [200],
  [200, 100],
  [100],
  [50, 200],
  [200],
  [200, 200],
  [200],
  [200, 784],
  [784],
];
const adam = [];
for (const [label, make] of [
  ['tf.train.adam', () => tf.train.adam(1e-3)],
  ['fusedAdam', () => fusedAdam(1e-3)],
] as const) {
  const vars = shapes.map((s, i) =>
    tf.variable(tf.randomNormal(s, 0, 0.1, 'float32', i), true, `hk_${label}_${i}`),
  );
  const grads: Record<string, tf.Tensor> = {};
  vars.forEach((v, i) => {
    grads[v.name] = tf.randomNormal(v.shape, 0, 0.1, 'float32', 100 + i);
  });
  const opt = make();
  const ms = time(
    () => {
      (opt as tf.Optimizer).applyGradients(grads as never);
      return [];
    },
    () => null,
  );
  adam.push({ optimizer: label, parameters: vars.reduce((s, v) => s + v.size, 0), msPerStep: ms });
  opt.dispose();
  tf.dispose([...vars, ...Object.values(grads)]);
}
x.dispose();

// Bernoulli log-likelihood of IWAE-50's decoder output ([100, 50, 784] logits), value and gradient
const bx = tf.tidy(() =>
  tf.cast(tf.less(tf.randomUniform([100, 784], 0, 1, 'float32', 5), 0.3), 'float32'),
) as tf.Tensor2D;
const bl = tf.randomNormal([100, 50, 784], 0, 3, 'float32', 6) as tf.Tensor3D;
const bern = () => tf.grad((l: tf.Tensor) => tf.sum(bernoulliLogProb(bx, l as tf.Tensor3D)))(bl);
const bernFused = time(bern, () => null);
setWasmKernelFixes(false, ['SteinkitBernoulliLogLik', 'SteinkitBernoulliLogLikGrad']);
const bernComposite = time(bern, () => null);
setWasmKernelFixes(true, ['SteinkitBernoulliLogLik', 'SteinkitBernoulliLogLikGrad']);
tf.dispose([bx, bl]);
const bernoulli = { shape: [100, 50, 784], fusedMs: bernFused, compositeMs: bernComposite };

const date = new Date();
const m = machine();
const result = {
  what: "simd128 kernels on tfjs-backend-wasm's memory vs what they replace, medians in one process",
  backend: describeBackend(info),
  reps: o.reps,
  machine: m,
  date: date.toISOString(),
  unary,
  transposes,
  gemms,
  adam,
  bernoulli,
  loadAverageAfter: (await import('node:os')).loadavg(),
};
const f2 = (v: number) => v.toFixed(2);
const md = [
  `# simd128 heap kernels vs tfjs-backend-wasm 4.22 (${result.backend})`,
  '',
  `${result.date}, ${m.cpuModel} × ${m.cpus}, Node ${m.node}, load average before ${m.loadAverage.map((v) => v.toFixed(2)).join(' / ')}; medians of ${o.reps} calls.`,
  '',
  '| kernel | heap ns / element | shipped ns / element | speed-up |',
  '|---|---:|---:|---:|',
  ...unary.map(
    (u) =>
      `| ${u.kernel} (2²⁰ elements) | ${f2(u.heapNsPerElement)} | ${f2(u.shippedNsPerElement)} | ${f2(u.shippedNsPerElement / u.heapNsPerElement)}× |`,
  ),
  ...transposes.map(
    (t) =>
      `| Transpose [${t.shape.join(', ')}] | ${f2(t.heapNsPerElement)} | ${f2(t.shippedNsPerElement)} | ${f2(t.shippedNsPerElement / t.heapNsPerElement)}× |`,
  ),
  '',
  '| matmul M×K×N (fresh right operand), GFLOP/s | heap GEMM, 2 threads (default) | heap GEMM, 1 thread | XNNPACK, packing it | XNNPACK, packed copy cached |',
  '|---|---:|---:|---:|---:|',
  ...gemms.map(
    (g) =>
      `| ${g.shape.join('×')} | ${g.heapTwoThreadsGflops.toFixed(1)} | ${g.heapFreshGflops.toFixed(1)} | ${g.xnnpackFreshGflops.toFixed(1)} | ${g.xnnpackCachedGflops.toFixed(1)} |`,
  ),
  '',
  '| Adam step, 425 284 weights in 12 tensors | ms |',
  '|---|---:|',
  ...adam.map((a) => `| ${a.optimizer} | ${f2(a.msPerStep)} |`),
  '',
  '| Bernoulli log-likelihood + gradient, logits [100, 50, 784] | ms |',
  '|---|---:|',
  `| bernoulliLogProb, fused | ${f2(bernoulli.fusedMs)} |`,
  `| same formula in tfjs ops (fixes off) | ${f2(bernoulli.compositeMs)} |`,
  '',
].join('\n');
const base = writeResultPair(o.out, date, m, result, md);
console.log(md);
console.log(`wrote ${base}.json and .md`);
