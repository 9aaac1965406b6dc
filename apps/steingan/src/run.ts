/** The SteinGAN app's run: train with progress, grids, log and checkpoints; then metrics. */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { type BackendInfo, describeBackend, initBackend } from '@steinkit/core';
import { writeFileAtomic } from '@steinkit/metrics/reference';
import * as tf from '@tensorflow/tfjs-core';
import { loadCheckpoint, saveCheckpoint } from './checkpoint';
import { defaultConfig, type TrainConfig } from './config';
import { loadDataset, toTrainData } from './data';
import type { Evaluator, SampleQuality } from './evaluate';
import { writeGridPng } from './grid';
import { JsonlLog } from './io';
import { ensureOutDir } from './outdir';
import { createProgress } from './progress';
import { restore, snapshot } from './snapshot';
import {
  createTrainer,
  disposeTrainer,
  generateFromNoise,
  generateImages,
  type TrainerState,
  trainIteration,
} from './train';

export interface RunOptions {
  /** Training settings (dataset, objective, arch, batch, seed, …); the rest default. */
  config?: Partial<TrainConfig>;
  /** Total iterations (a resumed run continues up to this number). */
  iterations: number;
  /** Output folder (grids, log.jsonl, checkpoint.bin, metrics.json). */
  out: string;
  /** Continue from `out/checkpoint.bin`. */
  resume?: boolean;
  /** Write a 10×10 grid every N iterations (and at the end); 0 = only at the end. */
  gridEvery?: number;
  /** Write the checkpoint every N iterations (and at the end). Default: gridEvery, else 500. */
  checkpointEvery?: number;
  /** After the run, export the generator for web pages to this folder (cli.ts, export-web.ts). */
  exportWeb?: string;
  /** tensorflow | wasm | cpu; default STEINKIT_BACKEND or the best that loads. */
  backend?: string;
  /** Show the progress bar. Default: when stderr is a TTY. */
  progress?: boolean;
  /** Evaluates samples at the end; default: none (metrics.json then only has run facts). */
  evaluator?: Evaluator;
  /** Use only the first N training images (tests). */
  trainLimit?: number;
  /** Where messages go. Default console.log. */
  log?: (line: string) => void;
  /**
   * Also write `<resultsDir>/<dataset>-<objective>-<preset>-seed<N>.json`
   * (metrics, every hyperparameter, backend, machine, commit).
   */
  resultsDir?: string;
  /**
   * With resultsDir: copy the final grid and the interpolation figure there
   * too (`<stem>.png`, `<stem>-interpolation.png`); `'if-missing'` keeps
   * figures an earlier seed wrote (one grid per objective and dataset).
   */
  resultsFigures?: boolean | 'if-missing';
}

export interface RunMetrics extends Partial<SampleQuality> {
  iterations: number;
  /** Wall-clock seconds of training (summed over resumed segments). */
  seconds: number;
  /** Seconds of the metrics step. */
  evalSeconds: number;
  backend: string;
  dataset: string;
  objective: string;
  preset: string;
  arch: string;
  batch: number;
  seed: number;
}

/** A per-seed result file: the metrics, every hyperparameter and where it ran. */
export interface SeedResult extends RunMetrics {
  name: string;
  config: TrainConfig;
  machine: { cpus: number; cpuModel: string; loadAverage1m: number };
  commit: string | null;
  date: string;
}

/** Labels 0..9 each repeated cols times: row r of the grid shows class r. */
export function gridLabels(rows: number, cols: number): Int32Array {
  return Int32Array.from({ length: rows * cols }, (_, i) => Math.floor(i / cols) % rows);
}

const GRID_SEED = 20160801;

function writeGrid(s: TrainerState, path: string, imageShape: number[]): void {
  const k = s.config.numClasses;
  const x = generateImages(s, gridLabels(k, 10), GRID_SEED);
  const values = x.dataSync() as Float32Array;
  x.dispose();
  const [h, w] = imageShape;
  writeGridPng(path, values, { rows: k, cols: 10, height: h, width: w });
}

/**
 * ξ_t = (1 − t)·ξ_a + t·ξ_b for t = 0, 1/(steps − 1), …, 1, the same two
 * noise vectors for every class: `[classes·steps, noiseDim]`, row-major by class.
 */
export function interpolationNoise(
  a: tf.Tensor1D,
  b: tf.Tensor1D,
  classes: number,
  steps: number,
): tf.Tensor2D {
  return tf.tidy(() => {
    const t = tf.reshape(tf.linspace(0, 1, steps), [steps, 1]);
    const row = tf.add(
      tf.mul(tf.sub(1, t), tf.reshape(a, [1, -1])),
      tf.mul(t, tf.reshape(b, [1, -1])),
    );
    return tf.tile(row, [classes, 1]) as tf.Tensor2D;
  });
}

/** The interpolation figure: row = class, columns = linear interpolation between two noise vectors. */
export function writeInterpolation(
  s: TrainerState,
  path: string,
  imageShape: number[],
  steps = 10,
): void {
  const k = s.config.numClasses;
  const ends = s.sampler.noise(2, GRID_SEED + 1);
  const [a, b] = tf.unstack(ends) as tf.Tensor1D[];
  const z = interpolationNoise(a, b, k, steps);
  const x = generateFromNoise(s, z, gridLabels(k, steps));
  const values = x.dataSync() as Float32Array;
  tf.dispose([ends, a, b, z, x]);
  const [h, w] = imageShape;
  writeGridPng(path, values, { rows: k, cols: steps, height: h, width: w });
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

/** `<dataset>-<objective>-<preset>` (result file stem without the seed). */
export function resultStem(c: Pick<TrainConfig, 'dataset' | 'objective' | 'preset'>): string {
  return `${c.dataset}-${c.objective}-${c.preset}`;
}

/** Trains (or resumes), writes DIR/{samples.png, log.jsonl, checkpoint.bin, metrics.json}; returns the metrics. */
export async function runSteingan(opts: RunOptions): Promise<RunMetrics> {
  const say = opts.log ?? ((l: string) => console.log(l));
  ensureOutDir(opts.out);
  const info: BackendInfo = await initBackend(opts.backend ? { backend: opts.backend } : {});
  const backend = describeBackend(info);
  say(`backend: ${backend}`);
  const config = defaultConfig(opts.config);
  const out = opts.out;
  const ckptPath = join(out, 'checkpoint.bin');
  const log = new JsonlLog(join(out, 'log.jsonl'));
  const train = loadDataset(config.dataset, 'train', opts.trainLimit);
  const data = toTrainData(train);
  const state = createTrainer(config, data.imageShape);
  let priorSeconds = 0;
  try {
    if (opts.resume) {
      const ckpt = loadCheckpoint(ckptPath);
      await restore(state, ckpt, ckptPath);
      if (state.iteration >= opts.iterations) {
        throw new RangeError(
          `--iterations ${opts.iterations}: the checkpoint ${ckptPath} is already at iteration ${state.iteration}; nothing to train (pass --iterations > ${state.iteration} to continue); the checkpoint is left as it was`,
        );
      }
      priorSeconds = ckpt.scalars.seconds ?? 0;
      log.truncateAfter(state.iteration);
      say(`resuming from ${ckptPath} at iteration ${state.iteration}`);
    } else {
      writeFileAtomic(log.path, '');
    }
    say(
      `training ${config.objective} (preset ${config.preset}, ${config.arch} nets) on ${config.dataset}: ${opts.iterations} iterations, batch ${config.batch}, seed ${config.seed} → ${out}`,
    );
    const gridEvery = opts.gridEvery ?? 500;
    const ckptEvery = opts.checkpointEvery ?? (gridEvery > 0 ? gridEvery : 500);
    const showBar = opts.progress ?? Boolean(process.stderr.isTTY);
    const bar = createProgress(opts.iterations, state.iteration, showBar);
    const startIteration = state.iteration;
    let stop = false;
    const onSigint = () => {
      stop = true;
    };
    process.once('SIGINT', onSigint);
    const t0 = Date.now();
    const elapsed = () => priorSeconds + (Date.now() - t0) / 1000;
    const save = async () => {
      const ckpt = await snapshot(state);
      ckpt.scalars.seconds = elapsed();
      saveCheckpoint(ckptPath, ckpt);
    };
    try {
      while (state.iteration < opts.iterations && !stop) {
        const rec = trainIteration(state, data);
        const t = rec.iteration;
        log.append({ ...rec, seconds: Number(elapsed().toFixed(3)) });
        bar.update(t, rec);
        if (!showBar && t % 100 === 0) {
          const its = (t - startIteration) / ((Date.now() - t0) / 1000);
          say(
            `iteration ${t}/${opts.iterations} | ${its.toFixed(2)} it/s | E(data) ${rec.energyData.toFixed(3)} vs E(samples) ${rec.energySamples.toFixed(3)}`,
          );
        }
        if (gridEvery > 0 && t % gridEvery === 0) {
          writeGrid(state, join(out, `samples-${String(t).padStart(6, '0')}.png`), data.imageShape);
        }
        if (t % ckptEvery === 0) await save();
      }
    } finally {
      bar.stop();
      process.removeListener('SIGINT', onSigint);
    }
    await save();
    const seconds = elapsed();
    writeGrid(state, join(out, 'samples.png'), data.imageShape);
    writeInterpolation(state, join(out, 'interpolation.png'), data.imageShape);
    if (stop) {
      say(
        `interrupted at iteration ${state.iteration}; checkpoint written — continue with --resume`,
      );
    }
    const e0 = Date.now();
    let quality: Partial<SampleQuality> = {};
    if (opts.evaluator && !stop) {
      say('evaluating samples …');
      quality = await opts.evaluator({
        dataset: config.dataset,
        numClasses: config.numClasses,
        seed: config.seed,
        generate: (labels, seed) => generateImages(state, labels, seed),
        log: say,
      });
    }
    const metrics: RunMetrics = {
      ...quality,
      iterations: state.iteration,
      seconds: Number(seconds.toFixed(1)),
      evalSeconds: Number(((Date.now() - e0) / 1000).toFixed(1)),
      backend,
      dataset: config.dataset,
      objective: config.objective,
      preset: config.preset,
      arch: config.arch,
      batch: config.batch,
      seed: config.seed,
    };
    writeFileAtomic(join(out, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
    if (opts.resultsDir && !stop) {
      const stem = resultStem(config);
      const result: SeedResult = {
        name: `${stem}-seed${config.seed}`,
        ...metrics,
        config,
        machine: {
          cpus: cpus().length,
          cpuModel: cpus()[0]?.model ?? '?',
          loadAverage1m: loadavg()[0],
        },
        commit: gitCommit(),
        date: new Date().toISOString(),
      };
      writeFileAtomic(
        join(opts.resultsDir, `${result.name}.json`),
        `${JSON.stringify(result, null, 2)}\n`,
      );
      const grid = join(opts.resultsDir, `${stem}.png`);
      if (
        opts.resultsFigures === true ||
        (opts.resultsFigures === 'if-missing' && !existsSync(grid))
      ) {
        mkdirSync(opts.resultsDir, { recursive: true });
        copyFileSync(join(out, 'samples.png'), grid);
        copyFileSync(
          join(out, 'interpolation.png'),
          join(opts.resultsDir, `${stem}-interpolation.png`),
        );
      }
    }
    say(formatMetrics(metrics));
    return metrics;
  } finally {
    disposeTrainer(state);
  }
}

/**
 * Several seeds one after the other (same settings otherwise): seed N goes to
 * `<out>/seed-N`; with `resultsDir`, each writes its result file and the
 * figures come from the first seed that finds none there.
 */
export async function runSeeds(opts: RunOptions, seeds: number[]): Promise<RunMetrics[]> {
  if (!Array.isArray(seeds) || seeds.length === 0)
    throw new RangeError('seeds: expected a non-empty list of seeds');
  const all: RunMetrics[] = [];
  for (const seed of seeds) {
    all.push(
      await runSteingan({
        ...opts,
        config: { ...opts.config, seed },
        out: join(opts.out, `seed-${seed}`),
        resultsFigures: opts.resultsFigures ?? 'if-missing',
      }),
    );
  }
  return all;
}

/** The metrics as the last printed lines. */
export function formatMetrics(m: RunMetrics): string {
  const f = (v: number | undefined, d = 4) => (v === undefined ? 'n/a' : v.toFixed(d));
  return [
    'metrics:',
    `  labelAgreement    ${f(m.labelAgreement)}`,
    `  ganTrainAccuracy  ${f(m.ganTrainAccuracy)}`,
    `  frechetDistance   ${f(m.frechetDistance)}`,
    `  iterations        ${m.iterations}`,
    `  seconds           ${m.seconds} (training) + ${m.evalSeconds} (metrics)`,
    `  backend           ${m.backend}`,
  ].join('\n');
}
