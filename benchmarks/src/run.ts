import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildConfig } from './child';
import { machine, resultName } from './machine';
import { runNumpy } from './numpy';
import { toMarkdown } from './report';
import { type BenchReport, TARGETS, type Target, type TargetResult } from './types';
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
    STEINKIT_BACKEND: target.startsWith('tensorflow') ? 'tensorflow' : target.replace('-stock', ''),
    TSX_TSCONFIG_PATH: join(benchRoot, 'tsconfig.json'),
    TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? '2',
  };
  if (target === 'tensorflow-cpu') env.CUDA_VISIBLE_DEVICES = '-1';
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
  const selected = selectWorkloads(allWorkloads(), { quick, filter: o.filter });
  const numpy =
    o.numpy === false
      ? { status: 'unavailable' as const, reason: 'disabled (--no-numpy)', results: [] }
      : runNumpy(selected, { runs, warmup, maxSeconds });
  const report: BenchReport = {
    schema: 'steinkit-bench/1',
    date: date.toISOString(),
    quick,
    contended: o.contended ?? m.loadAverage[0] >= m.cpus / 2,
    machine: m,
    options: { runs, warmup, maxSeconds, filter: o.filter },
    targets: targetResults,
    numpy,
  };
  const markdown = toMarkdown(report);
  const outDir = o.outDir ?? join(benchRoot, 'results');
  mkdirSync(outDir, { recursive: true });
  const base = join(outDir, resultName(date, m, quick));
  writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(`${base}.md`, `${markdown}\n`);
  return { report, markdown, jsonPath: `${base}.json`, markdownPath: `${base}.md` };
}
