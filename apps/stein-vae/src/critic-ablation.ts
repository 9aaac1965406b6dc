/**
 * The iw-critic stabilizations one at a time: 1 epoch of MNIST (seed 1, the
 * app's model, initialization and batches) per configuration, then the
 * curve evaluation of the app (K = 100 on the first 200 test images, seed 7)
 * and two diagnostics on the first 100 test images: the within-x variance of
 * log w under q (50 draws per x) and the critic's error against the per-x
 * mean log w. Writes results/iw-critic-ablation.json (appends per config).
 * Usage: npx tsx src/critic-ablation.ts [name,name,…] [epochs=1]
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describeBackend, initBackend } from '@steinkit/core';
import {
  bernoulliModel,
  disposeInfo,
  gaussianEncoder,
  type InferenceObjective,
  type IwCriticObjective,
  importanceLogLikelihood,
  inferenceDispose,
  inferenceInit,
  inferenceStep,
  logitMeanBias,
  logWeightCritic,
} from '@steinkit/inference';
import { writeFileAtomic } from '@steinkit/metrics/reference';
import * as tf from '@tensorflow/tfjs-core';
import { IW_CRITIC } from './config';
import { binarizedTest, epochBatches, loadGrey } from './data';

type Settings = Omit<IwCriticObjective, 'kind' | 'critic'> & { criticLearningRate: number };
const CONFIGS: Record<string, { note: string; settings?: Settings }> = {
  vae: { note: 'the VAE (ELBO), for reference' },
  'as-written': {
    note: 'the previous default: seed 004 as written, critic starts at 0, Adam 1e-3, clip e^3',
    settings: {
      criticWarmStart: false,
      criticLearningRate: 1e-3,
      normalize: 'none',
      encoderGradient: 'weighted',
      maxLogWeight: 3,
    },
  },
  'warm-start': {
    note: 'as written + the critic output bias warm-started at the first batch mean log w',
    settings: {
      criticWarmStart: true,
      criticLearningRate: 1e-3,
      normalize: 'none',
      encoderGradient: 'weighted',
      maxLogWeight: 3,
    },
  },
  'warm-start+critic-lr-1e-2': {
    note: 'warm start + critic Adam 1e-2 (the app default)',
    settings: { ...IW_CRITIC },
  },
  'warm-start+critic-lr-1e-2+5-critic-steps': {
    note: 'the app default + 5 critic updates per step',
    settings: { ...IW_CRITIC, criticSteps: 5 },
  },
  'batch-normalized': {
    note: 'the app default with the weights self-normalized within the batch',
    settings: { ...IW_CRITIC, normalize: 'batch' },
  },
  'encoder-elbo': {
    note: 'the app default, but the encoder on the ELBO gradient (the weighted update on the decoder only)',
    settings: { ...IW_CRITIC, encoderGradient: 'elbo' },
  },
  'encoder-elbo+batch-normalized': {
    note: 'encoder on the ELBO, decoder weights self-normalized within the batch',
    settings: { ...IW_CRITIC, encoderGradient: 'elbo', normalize: 'batch' },
  },
};

const names = process.argv[2]?.split(',') ?? Object.keys(CONFIGS);
const epochs = Number(process.argv[3] ?? 1);
const seed = 1;
const info = await initBackend(
  process.env.STEINKIT_BACKEND ? { backend: process.env.STEINKIT_BACKEND } : { backend: 'wasm' },
);
const backend = describeBackend(info);
const outPath = resolve(import.meta.dirname, '../results/iw-critic-ablation.json');
const train = loadGrey('train');
const testX = binarizedTest(loadGrey('test'), 200);
const all: Record<string, unknown> = existsSync(outPath)
  ? JSON.parse(readFileSync(outPath, 'utf8')).runs
  : {};

for (const name of names) {
  const cfg = CONFIGS[name];
  if (!cfg) throw new RangeError(`config: unknown '${name}' (known: ${Object.keys(CONFIGS)})`);
  const encoder = gaussianEncoder({
    inputDim: 784,
    latentDim: 50,
    hidden: [200, 200],
    covariance: 'diagonal',
    seed,
  });
  const model = bernoulliModel({
    dataDim: 784,
    latentDim: 50,
    hidden: [200, 200],
    seed: seed + 1000,
    outputBias: logitMeanBias(train.pixels, train.n, train.dim),
  });
  const critic = logWeightCritic({ inputDim: 784, hidden: [100], seed: seed + 2000 });
  const s = cfg.settings;
  const objective: InferenceObjective = s
    ? {
        kind: 'iwCritic',
        critic,
        maxLogWeight: s.maxLogWeight,
        normalize: s.normalize,
        criticWarmStart: s.criticWarmStart,
        criticSteps: s.criticSteps ?? 1,
        encoderGradient: s.encoderGradient,
      }
    : { kind: 'elbo' };
  let state = inferenceInit({
    seed,
    critic: Boolean(s),
    criticLearningRate: s?.criticLearningRate ?? 1e-3,
  });
  const trace: { step: number; trainBound: number; criticLoss?: number; clipped?: number }[] = [];
  const epochsOut: Record<string, number>[] = [];
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let acc = { b: 0, c: 0, k: 0, n: 0 };
  let step = 0;
  for (let e = 0; e < epochs; e++) {
    for (const x of epochBatches(train, seed, e, 100)) {
      const r = inferenceStep(state, { x }, { encoder, model, objective, checkValues: false });
      state = r.state;
      x.dispose();
      step++;
      acc.b += r.info.bound.dataSync()[0];
      if (r.info.criticLoss) acc.c += r.info.criticLoss.dataSync()[0];
      if (r.info.clippedFraction) acc.k += r.info.clippedFraction.dataSync()[0];
      acc.n++;
      disposeInfo(r.info);
      if (step % 100 === 0) {
        trace.push({
          step,
          trainBound: acc.b / acc.n,
          ...(s ? { criticLoss: acc.c / acc.n, clipped: acc.k / acc.n } : {}),
        });
        acc = { b: 0, c: 0, k: 0, n: 0 };
      }
    }
    const ll = importanceLogLikelihood({ model, encoder, x: testX, samples: 100, seed: 7 });
    const [varLogw, criticErr2] = tf.tidy(() => {
      const xs = tf.slice(testX, [0, 0], [100, -1]) as tf.Tensor2D;
      const { z, logq } = encoder.sampleWithLogProb(xs, encoder.noise(100, 50, 3));
      const { mean: m, variance: v } = tf.moments(tf.sub(model.logJoint(xs, z), logq), 1);
      return [
        tf.mean(v).dataSync()[0],
        tf.mean(tf.square(tf.sub(critic.apply(xs), m))).dataSync()[0],
      ];
    });
    epochsOut.push({
      epoch: e + 1,
      testLogLikelihood: ll.mean,
      testElbo: ll.elbo,
      withinXVarLogw: varLogw,
      ...(s ? { criticSquaredError: criticErr2 } : {}),
    });
    console.log(`${name} epoch ${e + 1}: ${JSON.stringify(epochsOut.at(-1))}`);
  }
  const cpu = process.cpuUsage(c0);
  all[name] = {
    note: cfg.note,
    settings: s ?? { objective: 'elbo' },
    epochs: epochsOut,
    trace,
    seconds: (performance.now() - t0) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
  writeFileAtomic(
    outPath,
    `${JSON.stringify(
      {
        what: 'iw-critic stabilizations, one at a time (src/critic-ablation.ts)',
        seed,
        evaluation:
          'after each epoch: IS log-likelihood K = 100 on the first 200 test images (seed 7); within-x Var(log w) and critic error on the first 100 (50 draws per x)',
        model:
          '784-200-200 tanh encoder, 50 latents, 50-200-200-784 Bernoulli decoder (logit-mean bias), Adam 1e-3, batch 100; critic 784-100-1 tanh',
        backend,
        machine: 'shared 2-vCPU VM, Node 20, tfjs 4.22',
        runs: all,
      },
      null,
      2,
    )}\n`,
  );
  inferenceDispose(state);
  encoder.dispose();
  model.dispose();
  critic.dispose();
}
testX.dispose();
