import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { median } from '../src/measure';
import { findPython, runNumpy } from '../src/numpy';
import { toMarkdown } from '../src/report';
import { runBenchmarks } from '../src/run';
import type { BenchReport, Workload } from '../src/types';
import { allWorkloads, selectWorkloads } from '../src/workloads';

const tmp = mkdtempSync(join(os.tmpdir(), 'steinkit-bench-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('workload selection', () => {
  it('hides smoke workloads unless named, and --quick is a strict subset', () => {
    const all = allWorkloads();
    const full = selectWorkloads(all, { quick: false });
    const quick = selectWorkloads(all, { quick: true });
    expect(full.some((w) => w.hidden)).toBe(false);
    expect(quick.length).toBeGreaterThan(0);
    expect(quick.length).toBeLessThan(full.length);
    expect(quick.every((w) => w.quick)).toBe(true);
    expect(selectWorkloads(all, { quick: true, filter: '^smoke' }).map((w) => w.id)).toEqual([
      'smoke.add n=64',
      'smoke.missing',
    ]);
    expect(selectWorkloads(all, { quick: false, wasmFixOnly: true }).every((w) => w.wasmFix)).toBe(
      true,
    );
    // wasm-untuned: the kernel-fix workloads and the SteinGAN iterations (the tuning's before/after)
    const untuned = selectWorkloads(all, { quick: false, tuningOnly: true });
    expect(untuned.every((w) => w.wasmFix || w.tuning)).toBe(true);
    expect(untuned.filter((w) => /^SteinGAN iteration/.test(w.id)).length).toBe(2);
    // ids are unique: they key the table rows and the NumPy twins
    expect(new Set(all.map((w) => w.id)).size).toBe(all.length);
  });

  it('median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('harness, quick mode, trivial workload', () => {
  it('runs each target in its own process and writes JSON and Markdown of the expected shape', async () => {
    const res = await runBenchmarks({
      quick: true,
      filter: '^smoke',
      targets: ['tensorflow-cpu', 'cpu'],
      numpy: false,
      outDir: tmp,
      runs: 2,
      warmup: 1,
      maxSeconds: 1,
    });
    const json = JSON.parse(readFileSync(res.jsonPath, 'utf8')) as BenchReport;
    expect(res.jsonPath).toMatch(/results|steinkit-bench-test/);
    expect(res.jsonPath).toMatch(/\d{4}-\d{2}-\d{2}T\d{4}_.+_quick\.json$/);
    expect(json.schema).toBe('steinkit-bench/1');
    expect(json.quick).toBe(true);
    expect(json.machine.cpus).toBeGreaterThan(0);
    expect(json.targets.map((t) => t.target)).toEqual(['tensorflow-cpu', 'cpu']);

    // tfjs-node is not installed here: a row that says why, from core's initBackend
    const tfRow = json.targets[0];
    if (tfRow.status !== 'ok') {
      expect(tfRow.status).toBe('unavailable');
      expect(tfRow.reason).toMatch(/tensorflow/);
      expect(tfRow.results).toEqual([]);
    }

    const cpu = json.targets[1];
    expect(cpu.status).toBe('ok');
    expect(cpu.facts?.backend).toBe('cpu');
    expect(cpu.facts?.versions['tfjs-core']).toBe('4.22.0');
    const [add, missing] = cpu.results;
    expect(add.id).toBe('smoke.add n=64');
    expect(add.status).toBe('ok');
    const s = add.stats!;
    expect(s.runs).toBeGreaterThanOrEqual(1);
    expect(s.min).toBeLessThanOrEqual(s.median);
    expect(s.median).toBeLessThanOrEqual(s.max);
    expect(s.leakedTensors).toBe(0);
    expect(s.peakTensorBytes).toBeGreaterThanOrEqual(64 * 64 * 4);
    expect(s.rssBytes).toBeGreaterThan(0);
    expect(missing.status).toBe('skipped');
    expect(missing.note).toMatch(/does not export thisExportDoesNotExist/);

    const md = readFileSync(res.markdownPath, 'utf8');
    expect(md).toContain('# steinkit benchmarks (quick)');
    expect(md).toMatch(/\| tensorflow CPU \| (unavailable|ok)/);
    expect(md).toMatch(/\| workload \| cpu \|/);
    expect(md).toMatch(/\| smoke\.add n=64 \| [\d.]+ ms/);
    expect(md).toMatch(/\| smoke\.missing \| skipped \(/);
  });
});

describe('report', () => {
  it('shows ratio to wasm, and wasm ÷ NumPy', () => {
    const stats = (median: number) => ({
      median,
      min: median,
      max: median,
      runs: 3,
      warmup: 1,
      rssBytes: 1,
      leakedTensors: 0,
    });
    const w = (id: string, m: number) => ({
      id,
      group: 'G',
      status: 'ok' as const,
      stats: stats(m),
    });
    const report: BenchReport = {
      schema: 'steinkit-bench/1',
      date: '2026-01-01T00:00:00.000Z',
      quick: false,
      contended: true,
      machine: {
        hostname: 'h',
        cpuModel: 'c',
        cpus: 2,
        memoryBytes: 2 ** 30,
        platform: 'p',
        node: '20',
        loadAverage: [0, 0, 0],
      },
      options: { runs: 3, warmup: 1, maxSeconds: 1 },
      targets: [
        {
          target: 'tensorflow-gpu',
          status: 'unavailable',
          reason: 'no CUDA',
          results: [],
          wallSeconds: 1,
        },
        {
          target: 'wasm',
          status: 'ok',
          facts: {
            backend: 'wasm',
            gpu: false,
            simd: true,
            threads: 1,
            versions: {},
            description: 'wasm',
          },
          results: [w('a', 10)],
          wallSeconds: 1,
        },
        {
          target: 'cpu',
          status: 'ok',
          facts: {
            backend: 'cpu',
            gpu: false,
            simd: false,
            threads: 1,
            versions: {},
            description: 'cpu',
          },
          results: [w('a', 40)],
          wallSeconds: 1,
        },
      ],
      numpy: { status: 'ok', numpy: '2', python: 'py', results: [w('a', 5)] },
    };
    const md = toMarkdown(report);
    expect(md).toContain('**Contended**');
    expect(md).toContain('| tensorflow GPU | unavailable: no CUDA |');
    expect(md).toContain('| workload | wasm | cpu | NumPy | wasm ÷ NumPy |');
    expect(md).toContain(
      '| a | 10.0 ms [10.0 ms–10.0 ms] · 1.00× | 40.0 ms [40.0 ms–40.0 ms] · 4.00× | 5.00 ms [5.00 ms–5.00 ms] | 2.00× |',
    );
  });
});

describe('NumPy reference', () => {
  const py = findPython();
  it.skipIf('reason' in py)('bench.py runs the SVGD and KSD twins', () => {
    const twins = selectWorkloads(allWorkloads(), { quick: true }).filter((w) => w.numpy);
    const tiny: Workload[] = twins.map((w) => ({ ...w, numpy: { ...w.numpy!, n: 20, d: 2 } }));
    const r = runNumpy(tiny, { runs: 2, warmup: 1, maxSeconds: 1 });
    expect(r.status).toBe('ok');
    expect(r.results.map((x) => x.id)).toEqual(twins.map((w) => w.id));
    for (const x of r.results) expect(x.stats!.median).toBeGreaterThan(0);
  });
});
