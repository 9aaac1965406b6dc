import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@steinkit/metrics/reference';
import * as tf from '@tensorflow/tfjs-core';
import { batchSeed, batchStream, createModel, setupIcaProblem } from './protocol';
import { createTrainer, type Method } from './trainers';

/** One cached (method, D, seed, iterations) result. */
export interface RunRecord {
  method: Method;
  D: number;
  seed: number;
  iterations: number;
  batch: number;
  nTrain: number;
  nTest: number;
  /** Mean test log-likelihood at the final iteration. */
  testLogLik: number;
  /** Mean test log-likelihood of the true unmixing matrix. */
  oracle: number;
  /** [iteration, test log-likelihood] along the run. */
  trace: Array<[number, number]>;
  /** [iteration, mean log-likelihood of the first nTest training points] (runs made since the field was added). */
  trainTrace?: Array<[number, number]>;
  /** A named maxSKSD protocol variant (ablation), absent for the default protocol. */
  variant?: string;
  backend: string;
  seconds: number;
  finishedAt: string;
}

export interface RunOptions {
  method: Method;
  dim: number;
  seed: number;
  iterations: number;
  batch?: number;
  nTrain?: number;
  nTest?: number;
  /** Evaluate the test log-likelihood every this many iterations (and at the end). */
  evalEvery?: number;
  backend: string;
  /** A named maxSKSD variant (`MAXSKSD_VARIANTS`); default none. */
  variant?: string;
  /** Called after every iteration with (iteration, last test log-likelihood). */
  onProgress?: (iteration: number, testLogLik: number) => void;
}

/** Trains one ICA model with one method and returns its record (no caching). */
export function runOne(opts: RunOptions): RunRecord {
  const {
    method,
    dim,
    seed,
    iterations,
    batch = 100,
    nTrain = 20000,
    nTest = 5000,
    evalEvery = 500,
  } = opts;
  const t0 = performance.now();
  const problem = setupIcaProblem(dim, seed, { nTrain, nTest });
  const model = createModel(problem);
  // the training log-likelihood on a fixed subset as large as the test set (generalization gap)
  const trainSubset = tf.slice(problem.xTrain, [0, 0], [Math.min(nTest, nTrain), dim]);
  const trace: Array<[number, number]> = [[0, model.meanLogLikelihood(problem.xTest)]];
  const trainTrace: Array<[number, number]> = [[0, model.meanLogLikelihood(trainSubset)]];
  let last = trace[0][1];
  let trainer: ReturnType<typeof createTrainer> | undefined;
  try {
    trainer = createTrainer(method, model, seed, opts.variant);
    const next = batchStream(problem.xTrain, batch, batchSeed(seed));
    for (let it = 1; it <= iterations; it++) {
      const x = next();
      trainer.step(x);
      x.dispose();
      if (it % evalEvery === 0 || it === iterations) {
        last = model.meanLogLikelihood(problem.xTest);
        trace.push([it, last]);
        trainTrace.push([it, model.meanLogLikelihood(trainSubset)]);
      }
      opts.onProgress?.(it, last);
    }
  } finally {
    trainer?.dispose();
    trainSubset.dispose();
    model.dispose();
    problem.dispose();
  }
  const record: RunRecord = {
    method,
    D: dim,
    seed,
    iterations,
    batch,
    nTrain,
    nTest,
    testLogLik: last,
    oracle: problem.oracle,
    trace,
    trainTrace,
    ...(opts.variant ? { variant: opts.variant } : {}),
    backend: opts.backend,
    seconds: (performance.now() - t0) / 1000,
    finishedAt: new Date().toISOString(),
  };
  if (tf.memory().numTensors > 1000)
    throw new Error(`leak: ${tf.memory().numTensors} tensors alive`);
  return record;
}

export function cacheName(
  method: Method,
  dim: number,
  seed: number,
  iterations: number,
  variant?: string,
): string {
  return `${method}-D${dim}-seed${seed}-it${iterations}${variant ? `-${variant}` : ''}.json`;
}

/** Writes JSON atomically: a temp file in the same directory, then rename. */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Reads one cached record; an unreadable, malformed or incomplete file is
 * reported through `warn` (naming the file) and yields undefined.
 */
export function readCachedRecord(
  path: string,
  warn: (message: string) => void = (m) => process.stderr.write(`${m}\n`),
): RunRecord | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      warn(`sksd-ica: skipping unreadable cache file ${path} (${(e as Error).message})`);
    }
    return undefined;
  }
  let r: Partial<RunRecord>;
  try {
    r = JSON.parse(text);
  } catch (e) {
    warn(`sksd-ica: skipping malformed cache file ${path} (${(e as Error).message})`);
    return undefined;
  }
  const bad =
    r == null || typeof r !== 'object'
      ? 'not an object'
      : typeof r.method !== 'string'
        ? 'no method'
        : ![r.D, r.seed, r.iterations, r.testLogLik, r.oracle].every(
              (v) => typeof v === 'number' && Number.isFinite(v),
            )
          ? 'D, seed, iterations, testLogLik or oracle missing or not finite'
          : !Array.isArray(r.trace)
            ? 'no trace'
            : '';
  if (bad) {
    warn(`sksd-ica: skipping malformed cache file ${path} (${bad})`);
    return undefined;
  }
  return r as RunRecord;
}

/** Runs (or loads from the cache directory) one record; a malformed cache file is recomputed (with a warning). */
export function runCached(
  cacheDir: string,
  opts: RunOptions,
  force = false,
): { record: RunRecord; cached: boolean } {
  mkdirSync(cacheDir, { recursive: true });
  const path = join(
    cacheDir,
    cacheName(opts.method, opts.dim, opts.seed, opts.iterations, opts.variant),
  );
  if (!force) {
    const record = readCachedRecord(path);
    if (record) return { record, cached: true };
  }
  const record = runOne(opts);
  writeJsonAtomic(path, record);
  return { record, cached: false };
}

/** Every well-formed record in the cache directory; bad files are skipped with a warning naming them. */
export function loadCache(cacheDir: string, warn?: (message: string) => void): RunRecord[] {
  let files: string[];
  try {
    files = readdirSync(cacheDir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  return files
    .map((f) => readCachedRecord(join(cacheDir, f), warn))
    .filter((r): r is RunRecord => r !== undefined);
}
