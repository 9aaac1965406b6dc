/**
 * One backend's run, in its own process (tfjs holds one active backend per
 * process, and a native backend cannot be unloaded). Reads its config from
 * STEINKIT_BENCH_CONFIG and writes a TargetResult as JSON to `config.out`.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { measure } from './measure';
import type { BackendFacts, Target, TargetResult, WorkloadResult } from './types';
import { allWorkloads, selectWorkloads } from './workloads';

export interface ChildConfig {
  target: Target;
  quick: boolean;
  filter?: string;
  runs: number;
  warmup: number;
  maxSeconds: number;
  out: string;
}

const log = (msg: string) => process.stderr.write(`${msg}\n`);

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

function gpuName(): string | undefined {
  try {
    return execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], {
      encoding: 'utf8',
      timeout: 5000,
    })
      .trim()
      .split('\n')[0];
  } catch {
    return undefined;
  }
}

async function versions(tf: any): Promise<Record<string, string>> {
  const v: Record<string, string> = { node: process.versions.node };
  try {
    const umbrella = (await import('@tensorflow/tfjs')) as any;
    Object.assign(v, umbrella.version ?? {});
  } catch {
    v['tfjs-core'] = tf.version_core;
  }
  try {
    const wasm = (await import('@tensorflow/tfjs-backend-wasm')) as any;
    if (wasm.version_wasm) v['tfjs-backend-wasm'] = wasm.version_wasm;
  } catch {}
  if (tf.getBackend() === 'webgpu') {
    try {
      const req = createRequire(import.meta.url);
      v['tfjs-backend-webgpu'] = req('@tensorflow/tfjs-backend-webgpu/package.json').version;
      v.webgpu = req('webgpu/package.json').version; // Dawn's Node bindings
    } catch {}
  }
  const binding = (tf.backend() as any)?.binding;
  if (binding?.TF_Version) v.tensorflow = String(binding.TF_Version);
  return v;
}

/** Initializes the target's backend; throws with the reason it cannot load. */
async function init(target: Target, tf: any): Promise<Omit<BackendFacts, 'versions'>> {
  if (target === 'wasm-stock') {
    // The "before" of the kernel fixes: wasm with tfjs-backend-wasm 4.22's shipped kernels.
    const core = (await import('@steinkit/core')) as any;
    if (typeof core.setWasmKernelFixes === 'function') {
      const info = await core.initBackend({ backend: 'wasm' });
      core.setWasmKernelFixes(false);
      const left = core.activeWasmKernelFixes?.() ?? [];
      if (left.length) throw new Error(`setWasmKernelFixes(false) left ${left.join(', ')} active`);
      return {
        backend: info.name,
        gpu: false,
        simd: info.simd,
        threads: info.threads,
        module: info.module,
        description: `${core.describeBackend(info)}, shipped tfjs 4.22 kernels (setWasmKernelFixes(false))`,
      };
    }
    // Older core without the toggle: set the backend up without @steinkit/core's initBackend.
    await import('@tensorflow/tfjs');
    const wasm = (await import('@tensorflow/tfjs-backend-wasm')) as any;
    const req = createRequire(import.meta.url);
    wasm.setWasmPaths(`${dirname(req.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs-backend-wasm failed to initialize');
    const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    return {
      backend: 'wasm',
      gpu: false,
      simd,
      threads: 1,
      module: '@tensorflow/tfjs-backend-wasm',
      description: `wasm, ${simd ? 'SIMD' : 'no SIMD'}, shipped tfjs 4.22 kernels (no steinkit fixes)`,
    };
  }
  if (target === 'wasm-untuned') {
    // The "before" of the second round of kernel work: the fixes with the tuning off.
    const core = (await import('@steinkit/core')) as any;
    if (typeof core.setWasmKernelTuning !== 'function')
      throw new Error('@steinkit/core has no setWasmKernelTuning (older than 0.2)');
    const info = await core.initBackend({ backend: 'wasm' });
    core.setWasmKernelTuning(false);
    return {
      backend: info.name,
      gpu: false,
      simd: info.simd,
      threads: info.threads,
      module: info.module,
      description: `${core.describeBackend(info)}, steinkit kernel fixes with setWasmKernelTuning(false)`,
    };
  }
  const core = (await import('@steinkit/core')) as typeof import('@steinkit/core');
  const backend = target.startsWith('tensorflow')
    ? 'tensorflow'
    : target === 'wasm-1thread'
      ? 'wasm'
      : target;
  const info = await core.initBackend({ backend });
  if (target === 'tensorflow-gpu' && !info.gpu) {
    throw new Error(
      `${info.module ?? 'tfjs-node'} loaded but TensorFlow sees no CUDA device (needs tfjs-node-gpu with CUDA 11.2 + cuDNN 8.1)`,
    );
  }
  if (target === 'tensorflow-cpu' && info.gpu) {
    throw new Error('TensorFlow still runs on a GPU although CUDA_VISIBLE_DEVICES=-1');
  }
  const adapter = info.adapter;
  return {
    backend: info.name,
    gpu: info.gpu,
    simd: info.simd,
    threads: info.threads,
    module: info.module,
    gpuName: adapter
      ? adapter.description || adapter.device || undefined
      : info.gpu
        ? gpuName()
        : undefined,
    ...(adapter
      ? {
          adapter: {
            vendor: adapter.vendor,
            architecture: adapter.architecture,
            device: adapter.device,
            description: adapter.description,
          },
          emulation: adapter.software,
        }
      : {}),
    description:
      info.name === 'wasm' && typeof (core as any).activeWasmKernelFixes === 'function'
        ? `${core.describeBackend(info)}, steinkit kernel fixes on (${(core as any).activeWasmKernelFixes().length})`
        : core.describeBackend(info),
  };
}

export async function runChild(cfg: ChildConfig): Promise<TargetResult> {
  const t0 = performance.now();
  const tf = await import('@tensorflow/tfjs-core');
  const result: TargetResult = { target: cfg.target, status: 'ok', results: [], wallSeconds: 0 };
  try {
    const facts = await init(cfg.target, tf);
    result.facts = { ...facts, versions: await versions(tf) };
    log(`[${cfg.target}] backend: ${facts.description}`);
  } catch (e) {
    result.status = 'unavailable';
    result.reason = firstLine(e);
    log(`[${cfg.target}] cannot load: ${result.reason}`);
    result.wallSeconds = (performance.now() - t0) / 1000;
    return result;
  }
  const workloads = selectWorkloads(allWorkloads(), {
    quick: cfg.quick,
    filter: cfg.filter,
    wasmFixOnly: cfg.target === 'wasm-stock',
    tuningOnly: cfg.target === 'wasm-untuned',
  });
  /**
   * ms per cost unit of the costliest workload measured so far in each cost
   * class: predicts, and skips, runs that would take more than 4× the
   * per-workload budget.
   */
  const rate = new Map<string, { cost: number; msPerUnit: number }>();
  for (const w of workloads) {
    const r: WorkloadResult = { id: w.id, group: w.group, status: 'ok' };
    result.results.push(r);
    const cls = w.costClass ?? w.group;
    const known = rate.get(cls);
    // only extrapolate from a run long enough (≥ 250 ms) to be compute-, not overhead-, dominated
    if (known !== undefined && w.cost !== undefined && known.msPerUnit * known.cost >= 250) {
      const predicted = (known.msPerUnit * w.cost) / 1000;
      if (predicted > cfg.maxSeconds * 4) {
        r.status = 'skipped';
        r.note = `predicted ${predicted.toFixed(0)} s per run (> 4× budget ${cfg.maxSeconds} s)`;
        log(`[${cfg.target}] ${w.id}: skipped, ${r.note}`);
        continue;
      }
    }
    let prepared: Awaited<ReturnType<typeof w.prepare>> | undefined;
    try {
      prepared = await w.prepare({ target: cfg.target, tf });
      if ('skip' in prepared) {
        r.status = 'skipped';
        r.note = prepared.skip;
        log(`[${cfg.target}] ${w.id}: skipped (${r.note})`);
        continue;
      }
      r.stats = await measure(tf, prepared, cfg);
      if (prepared.note) r.note = prepared.note;
      if (w.cost && (!known || w.cost >= known.cost))
        rate.set(cls, { cost: w.cost, msPerUnit: r.stats.median / w.cost });
      log(
        `[${cfg.target}] ${w.id}: ${r.stats.median.toFixed(2)} ms (min ${r.stats.min.toFixed(2)}, max ${r.stats.max.toFixed(2)}, ${r.stats.runs} runs)`,
      );
    } catch (e) {
      r.status = 'error';
      r.note = firstLine(e);
      log(`[${cfg.target}] ${w.id}: error: ${r.note}`);
    } finally {
      if (prepared && !('skip' in prepared)) prepared.dispose?.();
    }
  }
  result.peakRssBytes = process.resourceUsage().maxRSS * 1024;
  result.wallSeconds = (performance.now() - t0) / 1000;
  return result;
}

const raw = process.env.STEINKIT_BENCH_CONFIG;
if (raw) {
  const cfg = JSON.parse(raw) as ChildConfig;
  runChild(cfg)
    .then((res) => {
      writeFileSync(cfg.out, JSON.stringify(res));
      process.exit(0);
    })
    .catch((e) => {
      log(`[${cfg.target}] crashed: ${e instanceof Error ? e.stack : String(e)}`);
      process.exit(1);
    });
}
