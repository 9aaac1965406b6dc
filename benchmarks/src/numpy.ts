import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { NumpyResult, Workload } from './types';

const script = fileURLToPath(new URL('../numpy/bench.py', import.meta.url));

/** The first python with NumPy: $PYTHON, python3 on PATH, /usr/bin/python3. */
export function findPython(): { python: string; numpy: string } | { reason: string } {
  const tried: string[] = [];
  for (const py of [process.env.PYTHON, 'python3', '/usr/bin/python3', 'python']) {
    if (!py) continue;
    try {
      const v = execFileSync(py, ['-c', 'import numpy; print(numpy.__version__)'], {
        encoding: 'utf8',
        timeout: 30_000,
        stdio: ['ignore', 'pipe', 'pipe'],
      }).trim();
      return { python: py, numpy: v };
    } catch (e) {
      const err = e as { code?: string; stderr?: string };
      tried.push(
        `${py}: ${err.code === 'ENOENT' ? 'not found' : (err.stderr ?? '').trim().split('\n').pop() || 'failed'}`,
      );
    }
  }
  return { reason: `no python3 with NumPy (${tried.join('; ')})` };
}

export interface NumpyOptions {
  runs: number;
  warmup: number;
  maxSeconds: number;
  /** OPENBLAS_NUM_THREADS / OMP_NUM_THREADS for the NumPy process (default 1: the one-thread anchor). */
  threads?: number;
}

/**
 * The NumPy process's environment: `threads` BLAS threads, and
 * OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE removed — some machines preset them for
 * old OpenBLAS builds, which forces a current NumPy onto a slower kernel. Only
 * this command's environment changes.
 */
export function numpyEnv(threads = 1): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OPENBLAS_NUM_THREADS: String(threads),
    OMP_NUM_THREADS: String(threads),
  };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

/** Runs benchmarks/numpy/bench.py on the workloads that have a NumPy twin. */
export function runNumpy(workloads: Workload[], o: NumpyOptions): NumpyResult {
  const jobs = workloads.filter((w) => w.numpy).map((w) => ({ id: w.id, ...w.numpy }));
  if (jobs.length === 0) return { status: 'ok', results: [] };
  const py = findPython();
  if ('reason' in py) return { status: 'unavailable', reason: py.reason, results: [] };
  const { threads = 1, ...cfg } = o;
  const r = spawnSync(py.python, [script], {
    input: JSON.stringify({ jobs, ...cfg }),
    env: numpyEnv(threads),
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'inherit'],
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) {
    return {
      status: 'unavailable',
      reason: `bench.py exited with ${r.status ?? r.signal}`,
      python: py.python,
      numpy: py.numpy,
      results: [],
    };
  }
  const out = JSON.parse(r.stdout) as {
    results: NumpyResult['results'];
    python: string;
    env?: Record<string, string>;
  };
  const group = new Map(workloads.map((w) => [w.id, w.group]));
  return {
    status: 'ok',
    python: `${py.python} (${out.python}; ${Object.entries(out.env ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')})`,
    numpy: py.numpy,
    results: out.results.map((x) => ({ ...x, group: group.get(x.id) ?? '' })),
  };
}
