/**
 * Per-kernel profile of one SteinGAN training iteration on wasm (issue 18,
 * "Conv training speed"): which tfjs kernels take the time, how often they
 * run, and the FLOP rate each conv/matmul kernel reaches next to a plain
 * XNNPACK matmul of the same FLOPs measured in the same process.
 *
 *   npx tsx src/profile-steingan.ts [--preset lean|paper] [--arch lean|paper]
 *     [--repulsion exact|approximate] [--iters 3] [--compare] [--shapes 10]
 *     [--detail] [--disable K1,K2]
 *     [--out results/NAME]
 *
 * Times come from tf.profile (wasm's backend timer: wall time around each
 * kernel call, synchronous), so on a loaded machine compare the *shares* and
 * CPU times, not wall times. `--compare` alternates iterations with the
 * kernel tuning off (`setWasmKernelTuning(false)`, the 0.1 fix kernels) and
 * on, in one process, so that both meet the same load. `--disable` switches
 * named kernel fixes off (`setWasmKernelFixes`); `--detail` prints every
 * (kernel, shapes) pair of the first iteration to stderr.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import * as core from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const preset = opt('preset', 'lean') as 'lean' | 'paper';
const arch = opt('arch', 'paper') as 'lean' | 'paper';
const iters = Number(opt('iters', '3'));
const out = opt('out', '');
const detail = args.includes('--detail');
const compare = args.includes('--compare');
const repulsion = opt('repulsion', '') as '' | 'exact' | 'approximate';
const topShapes = Number(opt('shapes', '10'));

interface ShapeEntry {
  name: string;
  inShapes: number[][];
  outShape: number[];
  calls: number;
  ms: number;
}

const DENSE = new Set(['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'BatchMatMul']);
function shapeKey(name: string, inShapes: number[][], outShapes: number[][]): string | null {
  if (!DENSE.has(name)) return null;
  return `${name} ${JSON.stringify(inShapes)}→${JSON.stringify(outShapes[0])}`;
}

/** Minimum CPU ms of `reps` runs of `f` (each result downloaded and disposed). */
function cpuMin(f: () => tf.Tensor, reps = 5): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    const r = f();
    r.dataSync();
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / 1000);
    r.dispose();
  }
  return best;
}

/**
 * Re-runs one recorded dense kernel call alone (the nets' convs are all 5×5,
 * stride 2, 'same'; a matmul's transposes are read off its shapes), on fresh
 * inputs so that nothing is cached, and a plain matmul of the same M, K, N.
 */
function rateTable(entries: ShapeEntry[], kernelMsMean: number) {
  return entries.map((e) => {
    const ins = e.inShapes.map((s, i) => tf.randomNormal(s, 0, 1, 'float32', 7 + i));
    const conv = { strides: [2, 2], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined };
    let run: () => tf.Tensor;
    let gemm: [number, number, number];
    const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);
    if (e.name === 'Conv2D') {
      const [kh, kw, cin, cout] = e.inShapes[1];
      gemm = [prod(e.outShape.slice(0, 3)), kh * kw * cin, cout];
      run = () =>
        tf.tidy(() =>
          tf.engine().runKernel('Conv2D', { x: ins[0], filter: tf.add(ins[1], 0) }, {
            ...conv,
            dilations: [1, 1],
          } as never),
        ) as tf.Tensor;
    } else if (e.name === 'Conv2DBackpropInput') {
      const [kh, kw, cin, cout] = e.inShapes[1];
      gemm = [prod(e.inShapes[0].slice(0, 3)), cout, kh * kw * cin];
      run = () =>
        tf.tidy(() =>
          tf.engine().runKernel('Conv2DBackpropInput', { dy: ins[0], filter: tf.add(ins[1], 0) }, {
            ...conv,
            inputShape: e.outShape,
          } as never),
        ) as tf.Tensor;
    } else if (e.name === 'Conv2DBackpropFilter') {
      const [kh, kw, cin, cout] = e.outShape;
      gemm = [kh * kw * cin, prod(e.inShapes[1].slice(0, 3)), cout];
      run = () =>
        tf.engine().runKernel('Conv2DBackpropFilter', { x: ins[0], dy: ins[1] }, {
          ...conv,
          filterShape: e.outShape,
        } as never) as tf.Tensor;
    } else {
      const [a, b] = e.inShapes;
      const [m, n] = e.outShape.slice(-2);
      const tA = a[a.length - 2] !== m;
      const tB = b[b.length - 1] !== n;
      const k = tA ? a[a.length - 2] : a[a.length - 1];
      gemm = [m, k, n];
      run = () =>
        tf.tidy(() =>
          tf.matMul(ins[0] as tf.Tensor2D, tf.add(ins[1], 0) as tf.Tensor2D, tA, tB),
        ) as tf.Tensor;
    }
    const kernelCpuMs = cpuMin(run);
    const ga = tf.randomNormal([gemm[0], gemm[1]], 0, 1, 'float32', 3) as tf.Tensor2D;
    const gb = tf.randomNormal([gemm[1], gemm[2]], 0, 1, 'float32', 4) as tf.Tensor2D;
    const gemmCpuMs = cpuMin(() => tf.matMul(ga, gb));
    tf.dispose([ga, gb, ...ins]);
    const flops = 2 * gemm[0] * gemm[1] * gemm[2];
    return {
      kernel: e.name,
      shapes: `${e.inShapes.map((s) => `[${s}]`).join(' ')} → [${e.outShape}]`,
      calls: e.calls,
      msPerIteration: e.ms,
      share: e.ms / kernelMsMean,
      gemm,
      kernelCpuMs,
      gflopPerS: flops / (kernelCpuMs * 1e6),
      gemmCpuMs,
      gemmGflopPerS: flops / (gemmCpuMs * 1e6),
    };
  });
}
const disable = opt('disable', '').split(',').filter(Boolean) as core.WasmKernelFixName[];

interface KernelRow {
  name: string;
  calls: number;
  ms: number;
  flops: number;
}

/** FLOPs (2 per multiply-add) of a conv / matmul kernel call, from its shapes and attrs. */
function kernelFlops(name: string, inShapes: number[][], outShapes: number[][]): number {
  const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);
  switch (name) {
    case 'Conv2D':
    case 'FusedConv2D': {
      const [kh, kw, cin] = inShapes[1];
      return 2 * prod(outShapes[0]) * kh * kw * cin;
    }
    case 'Conv2DBackpropInput': {
      // dy [n, oh, ow, cout], filter [kh, kw, cin, cout]: every dy element meets every tap and cin
      const [kh, kw, cin] = inShapes[1];
      return 2 * prod(inShapes[0]) * kh * kw * cin;
    }
    case 'Conv2DBackpropFilter': {
      // x, dy [n, oh, ow, cout] → filter [kh, kw, cin, cout]
      const [kh, kw, cin] = outShapes[0];
      return 2 * prod(inShapes[1]) * kh * kw * cin;
    }
    case 'BatchMatMul':
    case '_FusedMatMul': {
      // a [B, m, k], b [B, k, n], out [B, m, n] in any transposition: |a|·|b| = B²·k²·m·n.
      const o = outShapes[0];
      const batch = prod(o.slice(0, -2));
      const k = Math.sqrt((prod(inShapes[0]) * prod(inShapes[1])) / (prod(o) * batch));
      return 2 * prod(o) * k;
    }
    default:
      return 0;
  }
}

type Mode = 'tuned' | 'untuned';

interface ModeRuns {
  runs: { wallMs: number; cpuMs: number; kernelMs: number; rows: KernelRow[] }[];
  shapes: Map<string, ShapeEntry>;
  plainWall: number[];
  plainCpu: number[];
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

async function main() {
  const info = await core.initBackend({ backend: 'wasm' });
  if (disable.length) core.setWasmKernelFixes(false, disable);
  tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
  const train = await import('@steinkit/steingan');
  const size = 256;
  const images = tf.tidy(() =>
    tf.randomUniform([size * 784], 0, 1, 'float32', 5).dataSync(),
  ) as Float32Array;
  const labels = Int32Array.from({ length: size }, (_, i) => i % 10);
  const data = { images, labels, size, imageShape: [28, 28, 1] };
  const state = train.createTrainer(
    train.defaultConfig({ preset, arch, batch: 64, ...(repulsion ? { repulsion } : {}) }),
    [28, 28, 1],
  );
  const modes: Mode[] = compare ? ['untuned', 'tuned'] : ['tuned'];
  const setMode = (m: Mode) => core.setWasmKernelTuning(m === 'tuned');
  for (const m of modes) {
    setMode(m);
    train.trainIteration(state, data); // warm-up (XNNPACK operator caches, weights packing)
  }

  // Reference: a plain XNNPACK matmul (≈ 0.54 GFLOP), same process, CPU time.
  const a = tf.randomNormal([512, 1024], 0, 1, 'float32', 1) as tf.Tensor2D;
  const b = tf.randomNormal([1024, 512], 0, 1, 'float32', 2) as tf.Tensor2D;
  const mmCpu = cpuMin(() => tf.matMul(a, b));
  tf.dispose([a, b]);
  const mmGflops = (2 * 512 * 1024 * 512) / (mmCpu * 1e6);

  const byMode = new Map<Mode, ModeRuns>(
    modes.map((m) => [m, { runs: [], shapes: new Map(), plainWall: [], plainCpu: [] }]),
  );
  // Modes alternate iteration by iteration, so both meet the same machine load.
  for (let it = 0; it < iters; it++)
    for (const m of modes) {
      setMode(m);
      const rec = byMode.get(m) as ModeRuns;
      const before = tf.memory().numTensors;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const prof = await tf.profile(() => {
        train.trainIteration(state, data);
      });
      const wallMs = performance.now() - t0;
      const cu = process.cpuUsage(c0);
      const cpuMs = (cu.user + cu.system) / 1000;
      const leaked = tf.memory().numTensors - before;
      if (leaked !== 0) process.stderr.write(`warning: ${leaked} tensors leaked (${m}, ${it})\n`);
      if (detail && it === 0) {
        const calls = new Map<string, { n: number; ms: number; gflop: number }>();
        for (const k of prof.kernels) {
          const key = `${k.name} ${JSON.stringify(k.inputShapes)}→${JSON.stringify(k.outputShapes)}`;
          const c = calls.get(key) ?? { n: 0, ms: 0, gflop: 0 };
          c.n++;
          c.ms += Number(k.kernelTimeMs);
          c.gflop +=
            kernelFlops(k.name, k.inputShapes as number[][], k.outputShapes as number[][]) / 1e9;
          calls.set(key, c);
        }
        for (const [key, c] of [...calls].sort((x, y) => y[1].ms - x[1].ms).slice(0, 40))
          process.stderr.write(
            `${m} ${c.ms.toFixed(0).padStart(6)} ms ${String(c.n).padStart(3)}× ${c.gflop.toFixed(2)} GF  ${key}\n`,
          );
      }
      const byName = new Map<string, KernelRow>();
      let kernelMs = 0;
      for (const k of prof.kernels) {
        const ms = Number(k.kernelTimeMs);
        kernelMs += ms;
        const row = byName.get(k.name) ?? { name: k.name, calls: 0, ms: 0, flops: 0 };
        row.calls++;
        row.ms += ms;
        row.flops += kernelFlops(k.name, k.inputShapes as number[][], k.outputShapes as number[][]);
        byName.set(k.name, row);
        const key = shapeKey(k.name, k.inputShapes as number[][], k.outputShapes as number[][]);
        if (!key) continue;
        const e = rec.shapes.get(key) ?? {
          name: k.name,
          inShapes: k.inputShapes as number[][],
          outShape: (k.outputShapes as number[][])[0],
          calls: 0,
          ms: 0,
        };
        if (it === 0) e.calls++;
        e.ms += ms / iters;
        rec.shapes.set(key, e);
      }
      rec.runs.push({
        wallMs,
        cpuMs,
        kernelMs,
        rows: [...byName.values()].sort((x, y) => y.ms - x.ms),
      });
      process.stderr.write(
        `${m} iteration ${it}: wall ${wallMs.toFixed(0)} ms, CPU ${cpuMs.toFixed(0)} ms (profiled)\n`,
      );
    }
  // Unprofiled iterations (no per-kernel bookkeeping), alternating too.
  for (let it = 0; it < iters; it++)
    for (const m of modes) {
      setMode(m);
      const rec = byMode.get(m) as ModeRuns;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      train.trainIteration(state, data);
      rec.plainWall.push(performance.now() - t0);
      const cu = process.cpuUsage(c0);
      rec.plainCpu.push((cu.user + cu.system) / 1000);
    }
  train.disposeTrainer(state);

  const report = modes.map((m) => {
    setMode(m);
    const rec = byMode.get(m) as ModeRuns;
    const { runs } = rec;
    const kernelMean = runs.reduce((x, r) => x + r.kernelMs, 0) / runs.length;
    const names = new Set(runs.flatMap((r) => r.rows.map((x) => x.name)));
    const kernels = [...names]
      .map((name) => {
        const per = runs.map((r) => r.rows.find((x) => x.name === name));
        const shares = runs.map((r, i) => (per[i]?.ms ?? 0) / r.kernelMs);
        const flops = per[0]?.flops ?? 0;
        // rate from CPU time: the kernel's share of the kernel sum × the iteration's CPU time
        const cpuMs = median(runs.map((r, i) => shares[i] * r.cpuMs));
        return {
          kernel: name,
          calls: per[0]?.calls ?? 0,
          wallMsMedian: median(per.map((p) => p?.ms ?? 0)),
          cpuMsEstimate: cpuMs,
          shareMin: Math.min(...shares),
          shareMax: Math.max(...shares),
          shareMedian: median(shares),
          gflop: flops / 1e9,
          gflopPerS: flops ? flops / (cpuMs * 1e6) : null,
        };
      })
      .sort((x, y) => y.shareMedian - x.shareMedian);
    const perShape = rateTable(
      [...rec.shapes.values()].sort((x, y) => y.ms - x.ms).slice(0, topShapes),
      kernelMean,
    );
    return {
      mode: m,
      tuning: m === 'tuned',
      iterations: runs.map((r) => ({
        wallMsProfiled: r.wallMs,
        cpuMsProfiled: r.cpuMs,
        kernelWallMs: r.kernelMs,
      })),
      wallMsUnprofiled: rec.plainWall,
      cpuMsUnprofiled: rec.plainCpu,
      kernels,
      perShape,
    };
  });
  core.setWasmKernelTuning(true);

  const result = {
    what: 'tf.profile of one SteinGAN training iteration (steingan objective, batch 64, 28×28×1) on wasm',
    command: `npx tsx src/profile-steingan.ts ${args.join(' ')}`,
    config: {
      preset,
      arch,
      batch: 64,
      repulsion: repulsion || 'preset default',
      disabledFixes: disable,
    },
    backend: core.describeBackend(info),
    activeFixes: core.activeWasmKernelFixes(),
    machine: {
      host: os.hostname(),
      cpu: os.cpus()[0]?.model,
      cores: os.cpus().length,
      loadavgAtEnd: os.loadavg(),
    },
    date: new Date().toISOString(),
    referenceMatmul: { shape: '512×1024 · 1024×512', cpuMsMin: mmCpu, gflopPerS: mmGflops },
    modes: report,
  };
  const lines: string[] = [
    `# SteinGAN iteration profile (wasm), ${result.date.slice(0, 16)} UTC`,
    '',
    `preset ${preset}, arch ${arch}${repulsion ? `, repulsion ${repulsion}` : ''}, batch 64; ${result.backend}; ${result.machine.cpu}, ${result.machine.cores} logical CPUs, load average at end ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' / ')}. Command: \`${result.command}\`.`,
    '',
    `Reference: XNNPACK matmul 512×1024·1024×512 (weights packed once), ${mmCpu.toFixed(1)} ms CPU, ${mmGflops.toFixed(1)} GFLOP/s.`,
    '',
    "Times: kernel wall times from tf.profile (wasm backend timer) on a shared, loaded machine; shares are of the sum of kernel times in one iteration (median, [min–max] over iterations). CPU ms of a kernel = its share × the iteration's CPU time; GFLOP/s from that.",
  ];
  for (const r of report) {
    lines.push(
      '',
      `## ${r.mode === 'tuned' ? 'Kernel tuning on (this commit)' : 'Kernel tuning off (setWasmKernelTuning(false): the 0.1 fix kernels)'}`,
      '',
      `Iteration, unprofiled: CPU ms ${r.cpuMsUnprofiled.map((x) => x.toFixed(0)).join(', ')} (median ${median(r.cpuMsUnprofiled).toFixed(0)}); wall ms ${r.wallMsUnprofiled.map((x) => x.toFixed(0)).join(', ')}.`,
      '',
      '| kernel | calls | share (min–max) | CPU ms | GFLOP | GFLOP/s | vs reference matmul |',
      '|---|---|---|---|---|---|---|',
      ...r.kernels
        .filter((k) => k.shareMax >= 0.005)
        .map(
          (k) =>
            `| ${k.kernel} | ${k.calls} | ${(100 * k.shareMedian).toFixed(1)} % (${(100 * k.shareMin).toFixed(1)}–${(100 * k.shareMax).toFixed(1)}) | ${k.cpuMsEstimate.toFixed(0)} | ${k.gflop ? k.gflop.toFixed(2) : ''} | ${k.gflopPerS ? k.gflopPerS.toFixed(1) : ''} | ${k.gflopPerS ? `${((100 * k.gflopPerS) / mmGflops).toFixed(0)} %` : ''} |`,
        ),
      '',
      'Per shape (largest by time): the kernel alone on fresh inputs (weights packed every call) vs a plain XNNPACK matmul [M, K]·[K, N] of the same FLOPs with packed weights; CPU time, min of 5.',
      '',
      '| kernel | shapes | calls | share | GEMM M×K×N | kernel CPU ms | GFLOP/s | GEMM CPU ms | kernel vs GEMM |',
      '|---|---|---|---|---|---|---|---|---|',
      ...r.perShape.map(
        (x) =>
          `| ${x.kernel} | ${x.shapes} | ${x.calls} | ${(100 * x.share).toFixed(1)} % | ${x.gemm.join('×')} | ${x.kernelCpuMs.toFixed(1)} | ${x.gflopPerS.toFixed(1)} | ${x.gemmCpuMs.toFixed(1)} | ${(100 * (x.gemmCpuMs / x.kernelCpuMs)).toFixed(0)} % |`,
      ),
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  if (out) {
    writeFileSync(`${out}.json`, `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(`${out}.md`, `${lines.join('\n')}\n`);
  }
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
