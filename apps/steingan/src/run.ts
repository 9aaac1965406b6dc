/** The SteinGAN app's run: train with progress, grids, log and checkpoints; then metrics. */
import { join } from 'node:path';
import { type BackendInfo, describeBackend, initBackend } from '@steinkit/core';
import { writeFileAtomic } from '@steinkit/metrics';
import { loadCheckpoint, saveCheckpoint } from './checkpoint';
import { defaultConfig, type TrainConfig } from './config';
import { loadDataset, toTrainData } from './data';
import type { Evaluator, SampleQuality } from './evaluate';
import { writeGridPng } from './grid';
import { JsonlLog } from './io';
import { createProgress } from './progress';
import { restore, snapshot } from './snapshot';
import {
  createTrainer,
  disposeTrainer,
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
  arch: string;
  batch: number;
  seed: number;
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

/** Trains (or resumes), writes DIR/{samples.png, log.jsonl, checkpoint.bin, metrics.json}; returns the metrics. */
export async function runSteingan(opts: RunOptions): Promise<RunMetrics> {
  const say = opts.log ?? ((l: string) => console.log(l));
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
      priorSeconds = ckpt.scalars.seconds ?? 0;
      log.truncateAfter(state.iteration);
      say(`resuming from ${ckptPath} at iteration ${state.iteration}`);
    } else {
      writeFileAtomic(log.path, '');
    }
    say(
      `training ${config.objective} (${config.arch}) on ${config.dataset}: ${opts.iterations} iterations, batch ${config.batch}, seed ${config.seed} → ${out}`,
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
      arch: config.arch,
      batch: config.batch,
      seed: config.seed,
    };
    writeFileAtomic(join(out, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
    say(formatMetrics(metrics));
    return metrics;
  } finally {
    disposeTrainer(state);
  }
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
