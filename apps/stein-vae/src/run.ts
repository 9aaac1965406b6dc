import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeGridPng } from '@steinkit/app-utils';
import {
  bernoulliModel,
  disposeInfo,
  type InferenceCheckpoint,
  importanceLogLikelihood,
  inferenceCheckpoint,
  inferenceDispose,
  inferenceInit,
  inferenceRestore,
  inferenceStep,
  logitMeanBias,
  type WeightRecord,
} from '@steinkit/inference';
import { writeFileAtomic } from '@steinkit/metrics/reference';
import * as tf from '@tensorflow/tfjs-core';
import {
  type Arch,
  BURDA,
  buildCritic,
  buildEncoder,
  buildObjective,
  defaultK,
  FULLCOV_REL,
  IW_CRITIC,
  type Method,
} from './config';
import { binarizedTest, epochBatches, type GreyImages, loadGrey, stepsPerEpoch } from './data';

export interface RunOptions {
  method: Method;
  epochs: number;
  seed: number;
  /** IWAE's k, or the Stein methods' samples/particles per x (default per method). */
  k?: number;
  /** Importance samples per test image in the final evaluation (default 1000). */
  evalK: number;
  /** Test images evaluated (the first evalN of the binarized test set; default 1000). */
  evalN: number;
  /** Output folder of the run's log, checkpoint and PNG. */
  out: string;
  /** Where `<label>-e<epochs>-seed<seed>.json` goes (default: the app's results/). */
  resultsDir: string;
  resume: boolean;
  /** A cheap evaluation (K = curveK on curveN images) every N epochs for the curves (0: none). */
  curveEvery: number;
  curveK: number;
  curveN: number;
  backend: string;
  batch?: number;
  learningRate?: number;
  /** Smaller networks / data for tests. */
  arch?: Arch;
  trainLimit?: number;
  /** The decoder's initial output bias: logit of the training pixel means (Burda et al., default) or 0. */
  biasInit?: 'logit-mean' | 'zero';
  log?: (line: string) => void;
}

export interface CurvePoint {
  epoch: number;
  secondsTrain: number;
  testLogLikelihood: number;
  evalK: number;
  evalN: number;
}

export interface RunResult {
  method: Method;
  label: string;
  k: number;
  epochs: number;
  seed: number;
  testLogLikelihood: number;
  testLogLikelihoodStdErr: number;
  evalK: number;
  evalN: number;
  proposal: string;
  /** The last epoch's mean training objective (ELBO, IWAE-k, or for implicit encoders mean log p(x, z)). */
  trainBound: number;
  trainBoundKind: string;
  /** The k = 1 ELBO of the evaluation proposal on the test images. */
  testBound: number;
  secondsTrain: number;
  secondsEval: number;
  backend: string;
  batch: number;
  learningRate: number;
  architecture: string;
  decoderBiasInit: 'logit-mean' | 'zero';
  /** iw-critic only: the stabilization settings the run used (see `IW_CRITIC`). */
  iwCritic?: Record<string, unknown>;
  /** vae-fullcov-rel only: the encoder's lower-part settings (see `FULLCOV_REL`). */
  fullcovRel?: Record<string, unknown>;
  curve: CurvePoint[];
}

/** The run's name: the method, with k where it is not the method's default (iwae always). */
export function runLabel(method: Method, k: number): string {
  if (method === 'iwae') return `iwae-k${k}`;
  return k === defaultK(method) ? method : `${method}-k${k}`;
}

interface Saved {
  epoch: number;
  secondsTrain: number;
  curve: CurvePoint[];
  lastBound: number;
  state: InferenceCheckpoint;
}

// Weights travel as base64 float32 (exact), not JSON number lists (~3× smaller).
function pack(w: WeightRecord[]) {
  return w.map((r) => ({
    name: r.name,
    shape: r.shape,
    b64: Buffer.from(Float32Array.from(r.values).buffer).toString('base64'),
  }));
}
function unpack(w: { name: string; shape: number[]; b64: string }[]): WeightRecord[] {
  return w.map((r) => {
    const buf = Buffer.from(r.b64, 'base64');
    const f = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
    return { name: r.name, shape: r.shape, values: Array.from(f) };
  });
}
function packCheckpoint(c: InferenceCheckpoint) {
  const opt = (o: InferenceCheckpoint['optimizer']) => ({ ...o, moments: pack(o.moments) });
  return {
    ...c,
    encoder: pack(c.encoder),
    model: pack(c.model),
    ...(c.critic ? { critic: pack(c.critic) } : {}),
    optimizer: opt(c.optimizer),
    ...(c.criticOptimizer ? { criticOptimizer: opt(c.criticOptimizer) } : {}),
  };
}
function unpackCheckpoint(c: any): InferenceCheckpoint {
  const opt = (o: any) => ({ ...o, moments: unpack(o.moments) });
  return {
    ...c,
    encoder: unpack(c.encoder),
    model: unpack(c.model),
    ...(c.critic ? { critic: unpack(c.critic) } : {}),
    optimizer: opt(c.optimizer),
    ...(c.criticOptimizer ? { criticOptimizer: opt(c.criticOptimizer) } : {}),
  };
}

/** Trains one method for `epochs`, evaluates it, writes log/checkpoint/PNG/results; returns the result. */
export async function runOne(
  o: RunOptions,
  data?: { train: GreyImages; test: GreyImages },
): Promise<RunResult> {
  const log = o.log ?? ((l: string) => console.log(l));
  const arch = o.arch ?? BURDA;
  const batch = o.batch ?? 100;
  const learningRate = o.learningRate ?? 1e-3;
  const k = o.k ?? defaultK(o.method);
  const label = runLabel(o.method, k);
  const dir = join(o.out, `${label}-seed${o.seed}`);
  mkdirSync(dir, { recursive: true });
  const ckptPath = join(dir, 'checkpoint.json');
  const logPath = join(dir, 'log.jsonl');
  const train = data?.train ?? loadGrey('train', o.trainLimit);
  const test = data?.test ?? loadGrey('test');
  if (train.dim !== arch.dataDim) {
    throw new RangeError(
      `data: images have ${train.dim} pixels, the model expects ${arch.dataDim}`,
    );
  }
  const biasInit = o.biasInit ?? 'logit-mean';
  const encoder = buildEncoder(o.method, arch, o.seed);
  const model = bernoulliModel({
    dataDim: arch.dataDim,
    latentDim: arch.latentDim,
    hidden: arch.hidden,
    seed: o.seed + 1000,
    ...(biasInit === 'logit-mean'
      ? { outputBias: logitMeanBias(train.pixels, train.n, train.dim) }
      : {}),
  });
  const critic = buildCritic(o.method, arch, o.seed + 2000);
  const objective = buildObjective(o.method, k, critic);
  const nets = { encoder, model, ...(critic ? { critic } : {}) };
  let state = inferenceInit({
    learningRate,
    seed: o.seed,
    critic: Boolean(critic),
    criticLearningRate: IW_CRITIC.criticLearningRate,
  });
  let startEpoch = 0;
  let secondsTrain = 0;
  let curve: CurvePoint[] = [];
  let lastBound = Number.NaN;
  if (o.resume && existsSync(ckptPath)) {
    const saved = JSON.parse(readFileSync(ckptPath, 'utf8')) as Omit<Saved, 'state'> & {
      state: unknown;
    };
    inferenceDispose(state);
    state = await inferenceRestore(unpackCheckpoint(saved.state), nets);
    startEpoch = saved.epoch;
    secondsTrain = saved.secondsTrain;
    curve = saved.curve;
    lastBound = saved.lastBound;
    log(
      `${label} seed ${o.seed}: resumed after epoch ${startEpoch} (iteration ${state.iteration})`,
    );
  } else if (!o.resume) {
    writeFileAtomic(logPath, '');
  }
  const testX = binarizedTest(test, Math.max(o.evalN, o.curveN));
  const evaluate = (K: number, n: number, seed: number) => {
    const x = tf.slice(testX, [0, 0], [Math.min(n, testX.shape[0]), -1]) as tf.Tensor2D;
    try {
      return importanceLogLikelihood({ model, encoder, x, samples: K, seed });
    } finally {
      x.dispose();
    }
  };
  const steps = stepsPerEpoch(train, batch);
  const opts = { encoder, model, objective, checkValues: false };
  try {
    for (let epoch = startEpoch; epoch < o.epochs; epoch++) {
      const t0 = performance.now();
      let sum: tf.Scalar = tf.scalar(0);
      let criticSum: tf.Scalar | undefined;
      for (const x of epochBatches(train, o.seed, epoch, batch)) {
        const r = inferenceStep(state, { x }, opts);
        state = r.state;
        x.dispose();
        const s2 = tf.add(sum, r.info.bound) as tf.Scalar;
        sum.dispose();
        sum = s2;
        if (r.info.criticLoss) {
          const c2 = tf.add(criticSum ?? 0, r.info.criticLoss) as tf.Scalar;
          criticSum?.dispose();
          criticSum = c2;
        }
        disposeInfo(r.info);
      }
      lastBound = sum.dataSync()[0] / steps;
      const criticLoss = criticSum ? criticSum.dataSync()[0] / steps : undefined;
      tf.dispose([sum, ...(criticSum ? [criticSum] : [])]);
      if (!Number.isFinite(lastBound)) {
        throw new Error(
          `${label} seed ${o.seed}: the training objective diverged in epoch ${epoch + 1} (${lastBound})`,
        );
      }
      const sec = (performance.now() - t0) / 1000;
      secondsTrain += sec;
      const entry: Record<string, unknown> = {
        epoch: epoch + 1,
        trainBound: lastBound,
        seconds: sec,
        secondsTrain,
        ...(criticLoss !== undefined ? { criticLoss } : {}),
      };
      if (o.curveEvery > 0 && ((epoch + 1) % o.curveEvery === 0 || epoch + 1 === o.epochs)) {
        const c = evaluate(o.curveK, o.curveN, 7);
        curve.push({
          epoch: epoch + 1,
          secondsTrain,
          testLogLikelihood: c.mean,
          evalK: o.curveK,
          evalN: Math.min(o.curveN, testX.shape[0]),
        });
        entry.curveTestLogLikelihood = c.mean;
      }
      appendFileSync(logPath, `${JSON.stringify(entry)}\n`);
      log(
        `${label} seed ${o.seed} epoch ${epoch + 1}/${o.epochs}: train bound ${lastBound.toFixed(2)}, ${sec.toFixed(1)} s${entry.curveTestLogLikelihood !== undefined ? `, test LL (K=${o.curveK}, n=${o.curveN}) ${(entry.curveTestLogLikelihood as number).toFixed(2)}` : ''}`,
      );
      const saved: Saved = {
        epoch: epoch + 1,
        secondsTrain,
        curve,
        lastBound,
        state: await inferenceCheckpoint(state, nets),
      };
      writeFileAtomic(ckptPath, JSON.stringify({ ...saved, state: packCheckpoint(saved.state) }));
    }
    const t1 = performance.now();
    const ll = evaluate(o.evalK, o.evalN, 1);
    const secondsEval = (performance.now() - t1) / 1000;
    writeSamplesPng(join(dir, 'samples.png'), encoder, model, testX, o.seed);
    const result: RunResult = {
      method: o.method,
      label,
      k,
      epochs: o.epochs,
      seed: o.seed,
      testLogLikelihood: ll.mean,
      testLogLikelihoodStdErr: ll.stdErr,
      evalK: o.evalK,
      evalN: ll.perExample.length,
      proposal: ll.proposal,
      trainBound: lastBound,
      trainBoundKind:
        o.method === 'iwae'
          ? `IWAE-${k}`
          : encoder.kind === 'gaussian'
            ? 'ELBO'
            : 'mean log p(x, z)',
      testBound: ll.elbo,
      secondsTrain,
      secondsEval,
      backend: o.backend,
      batch,
      learningRate,
      architecture: `${arch.dataDim}-${arch.hidden.join('-')} tanh encoder, ${arch.latentDim} latents, ${arch.latentDim}-${[...arch.hidden].reverse().join('-')}-${arch.dataDim} Bernoulli decoder`,
      decoderBiasInit: biasInit,
      ...(o.method === 'iw-critic' ? { iwCritic: { ...IW_CRITIC, criticSteps: 1 } } : {}),
      ...(o.method === 'vae-fullcov-rel' ? { fullcovRel: { ...FULLCOV_REL } } : {}),
      curve,
    };
    mkdirSync(o.resultsDir, { recursive: true });
    writeFileAtomic(
      join(o.resultsDir, `${label}-e${o.epochs}-seed${o.seed}.json`),
      `${JSON.stringify(result, null, 2)}\n`,
    );
    log(
      `${label} seed ${o.seed}: test log-likelihood ${ll.mean.toFixed(2)} ± ${ll.stdErr.toFixed(2)} (K = ${o.evalK}, ${result.evalN} test images, ${ll.proposal}); ${secondsTrain.toFixed(0)} s training, ${secondsEval.toFixed(0)} s evaluation`,
    );
    return result;
  } finally {
    inferenceDispose(state);
    tf.dispose(testX);
    encoder.dispose();
    model.dispose();
    critic?.dispose();
  }
}

/** 4 × 10 grid: 10 test images, their reconstructions (decoder mean at one z ~ q(z|x)), and 20 prior samples. */
function writeSamplesPng(
  path: string,
  encoder: ReturnType<typeof buildEncoder>,
  model: ReturnType<typeof bernoulliModel>,
  testX: tf.Tensor2D,
  seed: number,
): void {
  const D = testX.shape[1];
  const side = Math.round(Math.sqrt(D));
  if (side * side !== D) return;
  const pix = tf.tidy(() => {
    const x = tf.slice(testX, [0, 0], [10, -1]) as tf.Tensor2D;
    const z = encoder.sample(x, encoder.noise(10, 1, seed));
    const rec = model.decode(tf.reshape(z, [10, model.latentDim]) as tf.Tensor2D);
    const prior = model.samplePrior(20, seed + 1);
    return tf.concat([x, rec, prior]).dataSync();
  });
  writeGridPng(path, pix, { rows: 4, cols: 10, height: side, width: side, pad: 2, background: 64 });
}
