#!/usr/bin/env -S npx tsx
/**
 * `pnpm bench`: the steinkit suite on every backend that loads (tensorflow GPU,
 * tensorflow CPU, wasm, stock wasm for the kernel fixes, cpu), each in its own
 * process, plus NumPy; prints a Markdown table and writes JSON + Markdown under
 * benchmarks/results/.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { toMarkdown } from './report';
import { runBenchmarks } from './run';
import { type BenchReport, TARGETS, type Target } from './types';

const program = new Command('steinkit-bench')
  .description('GPU vs WASM vs CPU (and NumPy) on the same steinkit workloads')
  .option('--quick', 'a small subset in under a minute (CI smoke test; no timing assertions)')
  .option('--filter <regex>', 'only workloads whose id or group matches')
  .addOption(new Option('--targets <list>', 'comma-separated targets').default(TARGETS.join(',')))
  .option('--runs <n>', 'timed runs per workload', (v) => Number.parseInt(v, 10))
  .option('--warmup <n>', 'warm-up runs per workload', (v) => Number.parseInt(v, 10))
  .option('--max-seconds <s>', 'time budget per workload', Number.parseFloat)
  .option('--target-timeout <s>', 'kill a target process after this long', Number.parseFloat)
  .option('--no-numpy', 'skip the NumPy reference')
  .option('--contended', 'mark the results as measured on shared (contended) CPUs')
  .option(
    '--interleave',
    'per workload: NumPy, then each target in a fresh process (same load for anchor and steinkit)',
  )
  .option('--numpy-threads <n>', 'BLAS threads for NumPy (default 1)', (v) =>
    Number.parseInt(v, 10),
  )
  .option('--out <dir>', 'results directory (default benchmarks/results)')
  .option('--quiet', 'no per-workload progress')
  .option('--render <json>', 'print the Markdown of a saved JSON result and exit')
  .action(async (opts) => {
    if (opts.render) {
      const report = JSON.parse(readFileSync(opts.render, 'utf8')) as BenchReport;
      process.stdout.write(`${toMarkdown(report)}\n`);
      return;
    }
    const targets = String(opts.targets)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const t of targets) {
      if (!(TARGETS as readonly string[]).includes(t)) {
        throw new TypeError(`--targets: unknown target '${t}'; expected ${TARGETS.join(', ')}`);
      }
    }
    const res = await runBenchmarks({
      quick: opts.quick,
      filter: opts.filter,
      targets: targets as Target[],
      runs: opts.runs,
      warmup: opts.warmup,
      maxSeconds: opts.maxSeconds,
      targetTimeout: opts.targetTimeout,
      numpy: opts.numpy,
      contended: opts.contended,
      interleave: opts.interleave,
      numpyThreads: opts.numpyThreads,
      outDir: opts.out,
      verbose: !opts.quiet,
    });
    process.stdout.write(`\n${res.markdown}\n`);
    process.stdout.write(`\nwrote ${res.jsonPath}\n  and ${res.markdownPath}\n`);
    const crashed = res.report.targets.filter((t) => t.status === 'crashed');
    if (crashed.length) process.exitCode = 1;
  });

program.parseAsync().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
