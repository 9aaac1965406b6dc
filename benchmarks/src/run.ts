import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildConfig } from './child';
import { machine, resultName } from './machine';
import { type NumpyOptions, runNumpy } from './numpy';
import { toMarkdown } from './report';
import {
  type BenchReport,
  type Machine,
  type NumpyResult,
  TARGETS,
  type Target,
  type TargetResult,
  type Workload,
} from './types';
import { allWorkloads, selectWorkloads } from './workloads';

export const benchRoot = fileURLToPath(new URL('..', import.meta.url));
const childScript = fileURLToPath(new URL('./child.ts', import.meta.url));

export interface BenchOptions {
  quick?: boolean;
  /** Regex on workload id or group. */
  filter?: string;
  targets?: Target[];
  runs?: number;
  warmup?: number;
  /** Seconds of timed runs per workload (fewer runs when one is slow). */
  maxSeconds?: number;
  /** Kill a target's process after this many seconds. */
  targetTimeout?: number;
  numpy?: boolean;
  /** Directory for the JSON and Markdown results (default benchmarks/results). */
  outDir?: string;
  /** Force the "contended" mark (shared CPUs). */
  contended?: boolean;
  /** Write progress to stderr. */
  verbose?: boolean;
  /**
   * A few workloads at a time (those of one NumPy size n, d; the others
   * alone): their NumPy twins, then each target in a fresh process, then the
   * next chunk — so the anchor and steinkit see the same machine load
   * (records the load average and each process's peak RSS per chunk).
   */
  interleave?: boolean;
  /** BLAS threads for NumPy (default 1). */
  numpyThreads?: number;
}

export interface BenchOutput {
  report: BenchReport;
  markdown: string;
  jsonPath: string;
  markdownPath: string;
}

function runTarget(
  target: Target,
  cfg: Omit<ChildConfig, 'target' | 'out'>,
  timeoutS: number,
  verbose: boolean,
): Promise<TargetResult> {
  const dir = mkdtempSync(join(os.tmpdir(), 'steinkit-bench-'));
  const out = join(dir, 'result.json');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    STEINKIT_BENCH_CONFIG: JSON.stringify({ ...cfg, target, out }),
    STEINKIT_BACKEND: target.startsWith('tensorflow')
      ? 'tensorflow'
      : target.replace(/-(stock|untuned|1thread)$/, ''),
    TSX_TSCONFIG_PATH: join(benchRoot, 'tsconfig.json'),
    TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? '2',
  };
  if (target === 'tensorflow-cpu') env.CUDA_VISIBLE_DEVICES = '-1';
  // wasm: steinkit's large kernels use a helper thread by default; this target keeps one
  if (target === 'wasm-1thread') env.STEINKIT_WASM_THREADS = '1';
  else if (target === 'wasm') env.STEINKIT_WASM_THREADS = process.env.STEINKIT_WASM_THREADS ?? '2';
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', childScript], {
      cwd: benchRoot,
      env,
      stdio: ['ignore', verbose ? 'inherit' : 'ignore', verbose ? 'inherit' : 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (b) => {
      stderr = (stderr + String(b)).slice(-4000);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutS * 1000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      let res: TargetResult;
      try {
        res = JSON.parse(readFileSync(out, 'utf8')) as TargetResult;
      } catch {
        const why =
          signal === 'SIGKILL' ? `killed after ${timeoutS} s` : `exited with ${code ?? signal}`;
        const last = stderr.trim().split('\n').slice(-1)[0];
        res = {
          target,
          status: 'crashed',
          reason: last ? `${why}: ${last}` : why,
          results: [],
          wallSeconds: (performance.now() - t0) / 1000,
        };
      }
      rmSync(dir, { recursive: true, force: true });
      resolve(res);
    });
  });
}

/** Runs the suite on every target (each in its own process), NumPy, and writes JSON + Markdown. */
export async function runBenchmarks(o: BenchOptions = {}): Promise<BenchOutput> {
  const quick = o.quick ?? false;
  const runs = o.runs ?? (quick ? 3 : 7);
  const warmup = o.warmup ?? (quick ? 1 : 2);
  const maxSeconds = o.maxSeconds ?? (quick ? 2 : 15);
  const targets = o.targets ?? [...TARGETS];
  const verbose = o.verbose ?? false;
  const m = machine();
  const date = new Date();
  const targetResults: TargetResult[] = [];
  const selected = selectWorkloads(allWorkloads(), { quick, filter: o.filter });
  const numpyOpts = { runs, warmup, maxSeconds, threads: o.numpyThreads ?? 1 };
  if (o.interleave) {
    const { numpy, loads } = await interleaved(selected, targets, targetResults, {
      cfg: { quick, runs, warmup, maxSeconds },
      timeoutS: o.targetTimeout ?? 3600,
      verbose,
      numpy: o.numpy === false ? null : numpyOpts,
    });
    return finish(o, m, date, targetResults, numpy, { runs, warmup, maxSeconds, quick }, loads);
  }
  for (const t of targets) {
    targetResults.push(
      await runTarget(
        t,
        { quick, filter: o.filter, runs, warmup, maxSeconds },
        o.targetTimeout ?? (quick ? 120 : 3600),
        verbose,
      ),
    );
  }
  const numpy =
    o.numpy === false
      ? { status: 'unavailable' as const, reason: 'disabled (--no-numpy)', results: [] }
      : runNumpy(selected, numpyOpts);
  return finish(o, m, date, targetResults, numpy, { runs, warmup, maxSeconds, quick });
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** --interleave: per workload, NumPy then every target, each in a fresh process. */
async function interleaved(
  selected: Workload[],
  targets: Target[],
  out: TargetResult[],
  o: {
    cfg: { quick: boolean; runs: number; warmup: number; maxSeconds: number };
    timeoutS: number;
    verbose: boolean;
    numpy: NumpyOptions | null;
  },
): Promise<{ numpy: NumpyResult; loads: Record<string, number[]> }> {
  const merged = new Map<Target, TargetResult>();
  const loads: Record<string, number[]> = {};
  let numpy: NumpyResult = o.numpy
    ? { status: 'ok', results: [] }
    : { status: 'unavailable', reason: 'disabled (--no-numpy)', results: [] };
  // chunks: the workloads sharing a NumPy size (n, d) run together; others alone
  const chunks = new Map<string, Workload[]>();
  for (const w of selected) {
    const key = w.numpy ? `${w.numpy.n}x${w.numpy.d}` : w.id;
    chunks.set(key, [...(chunks.get(key) ?? []), w]);
  }
  for (const ws of chunks.values()) {
    const load = os.loadavg().map((v) => Math.round(v * 100) / 100);
    for (const w of ws) loads[w.id] = load;
    if (o.verbose) {
      const ids = ws.map((w) => w.id).join(', ');
      process.stderr.write(`[interleave] ${ids} (load ${load.join(' ')})\n`);
    }
    const withNumpy = ws.filter((w) => w.numpy);
    if (o.numpy && withNumpy.length > 0 && numpy.status === 'ok') {
      const r = runNumpy(withNumpy, o.numpy);
      if (r.status === 'ok') numpy = { ...r, results: [...numpy.results, ...r.results] };
      else numpy = { ...r, results: numpy.results };
    }
    const filter = `^(${ws.map((w) => escapeRegex(w.id)).join('|')})$`;
    for (const t of targets) {
      const r = await runTarget(t, { ...o.cfg, filter }, o.timeoutS, o.verbose);
      for (const x of r.results) x.peakRssBytes = r.peakRssBytes;
      const prev = merged.get(t);
      if (!prev) merged.set(t, r);
      else {
        prev.results.push(...r.results);
        prev.wallSeconds += r.wallSeconds;
        prev.peakRssBytes = Math.max(prev.peakRssBytes ?? 0, r.peakRssBytes ?? 0);
        if (prev.status !== 'ok' && r.status === 'ok')
          Object.assign(prev, { ...r, results: prev.results });
      }
    }
  }
  for (const t of targets) {
    const r = merged.get(t);
    if (r) out.push(r);
  }
  return { numpy, loads };
}

function finish(
  o: BenchOptions,
  m: Machine,
  date: Date,
  targetResults: TargetResult[],
  numpy: NumpyResult,
  opts: { runs: number; warmup: number; maxSeconds: number; quick: boolean },
  loads?: Record<string, number[]>,
): BenchOutput {
  const { runs, warmup, maxSeconds, quick } = opts;
  const report: BenchReport = {
    schema: 'steinkit-bench/1',
    date: date.toISOString(),
    quick,
    contended: o.contended ?? m.loadAverage[0] >= m.cpus / 2,
    machine: m,
    options: {
      runs,
      warmup,
      maxSeconds,
      filter: o.filter,
      ...(o.interleave ? { interleave: true } : {}),
      numpyThreads: o.numpyThreads ?? 1,
    },
    targets: targetResults,
    numpy,
    ...(loads ? { loadAverages: loads } : {}),
  };
  const markdown = toMarkdown(report);
  const outDir = o.outDir ?? join(benchRoot, 'results');
  mkdirSync(outDir, { recursive: true });
  const base = join(outDir, resultName(date, m, quick));
  writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(`${base}.md`, `${markdown}\n`);
  return { report, markdown, jsonPath: `${base}.json`, markdownPath: `${base}.md` };
}
