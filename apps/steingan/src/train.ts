/**
 * One training iteration of SteinGAN (Algorithm 2 of Wang & Liu) and of the
 * two baselines on the same architecture, over explicit state.
 */
import {
  type AmortizedMleOptions,
  amortizedMleStep,
  type EncodingEnergyModel,
  type NeuralSampler,
  neuralSampler,
  setLearningRate,
} from '@steinkit/amortizers';
import { createRng, foldIn, type Rng } from '@steinkit/core';
import { type AutoencoderEnergy, autoencoderEnergy, toOneHot } from '@steinkit/energy-models';
import { rbf } from '@steinkit/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { defaultConfig, type TrainConfig } from './config';
import { type GeneratorNet, generatorNet } from './generator-net';

/** Labelled training images, flattened, values in [0, 1]. */
export interface TrainData {
  images: Float32Array;
  labels: Int32Array;
  size: number;
  /** [h, w, c] */
  imageShape: number[];
}

export interface TrainerState {
  config: TrainConfig;
  /** Iterations completed. */
  iteration: number;
  /** The generator network η … */
  net: GeneratorNet;
  /** … wrapped as the amortizers package's conditional neural sampler f(η; ξ, y). */
  sampler: NeuralSampler;
  /** The joint autoencoder energy (15) (also the discriminator of dcgan / mle-gan). */
  energy: AutoencoderEnergy;
  optG: tf.AdamOptimizer;
  optE: tf.AdamOptimizer;
  /** dcgan / mle-gan: the discriminator logit is a(x, y) = b − E(x, y). */
  discBias: tf.Variable;
}

/** What one iteration did (logged as one JSON line). */
export interface StepInfo {
  iteration: number;
  /** Mean energy of the data batch and of the generated batch. */
  energyData: number;
  energySamples: number;
  /** θ's learning rate this iteration (0 when its update was skipped). */
  lrE: number;
  thetaUpdated: boolean;
  /** steingan: the kernel with its resolved bandwidth, e.g. `rbf(h=1.23)`. */
  kernel?: string;
  /** dcgan / mle-gan: generator and discriminator losses. */
  lossG?: number;
  lossD?: number;
}

/** Builds the networks and optimizers of a run (no training). */
export function createTrainer(
  config: TrainConfig,
  imageShape: number[] = [28, 28, 1],
): TrainerState {
  const rng = createRng(config.seed);
  const paper = config.arch === 'paper';
  const net = generatorNet({
    arch: paper ? 'conv' : 'mlp',
    inputDim: config.noiseDim + config.numClasses,
    outputShape: imageShape,
    hidden: config.genHidden,
    seed: rng.nextSeed(),
  });
  const dim = imageShape.reduce((a, b) => a * b, 1);
  const sampler = neuralSampler({
    net: net.net,
    variables: net.variables,
    noiseDim: config.noiseDim,
    noise: config.noise ?? 'uniform',
    numClasses: config.numClasses,
    outputShape: [dim],
    seed: rng.nextSeed(),
  });
  const energy = autoencoderEnergy({
    inputShape: paper ? imageShape : [dim],
    arch: paper ? 'conv' : 'mlp',
    codeDim: config.codeDim,
    hidden: config.energyHidden,
    numClasses: config.numClasses,
    margin: config.margin,
    seed: rng.nextSeed(),
  });
  return {
    config,
    iteration: 0,
    net,
    sampler,
    energy,
    optG: tf.train.adam(config.lrG, config.beta1) as tf.AdamOptimizer,
    optE: tf.train.adam(config.lrE, config.beta1) as tf.AdamOptimizer,
    discBias: tf.variable(tf.scalar(0), true),
  };
}

export function disposeTrainer(s: TrainerState): void {
  s.net.dispose();
  s.energy.dispose();
  s.optG.dispose();
  s.optE.dispose();
  s.discBias.dispose();
}

interface Batch {
  /** Data `[m, d]` and its labels `[m]` (int32); the samples use the same labels (empirical counts). */
  data: tf.Tensor2D;
  labels: tf.Tensor1D;
  /** ξ for the GAN objectives (SteinGAN's step draws its own from (seed, t)). */
  noise: tf.Tensor2D;
}

/** Iteration t's mini-batch: data rows drawn uniformly with the rng of (seed, t). */
function drawBatch(rng: Rng, data: TrainData, s: TrainerState): Batch {
  const m = s.config.batch;
  const d = data.imageShape.reduce((a, b) => a * b, 1);
  const xs = new Float32Array(m * d);
  const ys = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    const r = rng.int(data.size);
    xs.set(data.images.subarray(r * d, (r + 1) * d), i * d);
    ys[i] = data.labels[r];
  }
  return {
    data: tf.tensor2d(xs, [m, d]),
    labels: tf.tensor1d(ys, 'int32'),
    noise: s.sampler.noise(m, rng.nextSeed()),
  };
}

/**
 * The joint energy (15) with the label term weighted:
 * ‖x − D(E(x))‖ + w · max(m, CE(y | E(x))) (w = 1 is (15) itself).
 */
export function weightedJointEnergy(e: AutoencoderEnergy, w: number): EncodingEnergyModel {
  if (w === 1) return e;
  const energyImpl = (x: tf.Tensor, y?: tf.Tensor): tf.Tensor1D => {
    const n = x.shape[0];
    const ce = tf.neg(
      tf.sum(
        tf.mul(
          toOneHot(y as tf.Tensor, n, e.config.numClasses as number),
          tf.logSoftmax(e.logits(x)),
        ),
        1,
      ),
    );
    return tf.add(
      e.reconstructionEnergy(x),
      tf.mul(w, tf.maximum(ce, e.config.margin)),
    ) as tf.Tensor1D;
  };
  return {
    trainableVariables: e.trainableVariables,
    encode: (x) => e.encode(x),
    energy: (x, y) => tf.tidy(() => energyImpl(x, y)),
    score: (x, y) =>
      tf.tidy(() => tf.neg(tf.grad((xx: tf.Tensor) => tf.sum(energyImpl(xx, y)))(x))),
  } as EncodingEnergyModel;
}

/** The options of @steinkit/amortizers' Algorithm 2 for this run. */
export function mleOptions(s: TrainerState): AmortizedMleOptions {
  const c = s.config;
  return {
    sampler: s.sampler,
    model: weightedJointEnergy(s.energy, c.labelWeight ?? 1),
    // h = bandwidthScale · median distance of the batch's codes (0.5 in the paper).
    kernel: rbf({ bandwidth: { kind: 'median', scale: c.bandwidthScale } }),
    features: 'encode',
    repulsion: 'approximate',
    generatorUpdate: { rule: 'vjp', optimizer: s.optG },
    energyOptimizer: s.optE,
    energyLearningRate: c.lrE,
    gamma: c.gamma,
    excludeSelf: c.excludeSelf ?? false,
    normalize: c.normalize ?? 'n',
    balance: {
      speedUp: c.speedUp ? { learningRate: c.lrEFast } : false,
      freezeGap: c.freeze ? c.gapThreshold : false,
      ...(c.slowGamma != null ? { slowGamma: c.slowGamma } : {}),
    },
  };
}

/** Algorithm 2 (amortized MLE): η by amortized SVGD (10), θ by (16) with the balancing rules. */
function steinganIteration(s: TrainerState, b: Batch): Omit<StepInfo, 'iteration'> {
  const { record } = amortizedMleStep(
    { iteration: s.iteration, seed: s.config.seed },
    mleOptions(s),
    { data: b.data, labels: b.labels },
  );
  return {
    energyData: record.dataEnergy,
    energySamples: record.sampleEnergy,
    lrE: record.thetaUpdated ? record.energyLearningRate : 0,
    thetaUpdated: record.thetaUpdated,
    kernel: record.kernel,
  };
}

/**
 * dcgan / mle-gan on the same networks: the energy network is the
 * discriminator with logit a(x, y) = b − E(x, y). The generator minimizes
 * −log σ(a) (dcgan, non-saturating) or E[−exp(a)] (seed 003 §3: the
 * maximum-likelihood generator cost, a the discriminator's logit; a is
 * clipped at 15 so exp stays finite).
 */
function ganIteration(
  s: TrainerState,
  b: Batch,
  kind: 'dcgan' | 'mle-gan',
): Omit<StepInfo, 'iteration'> {
  if (s.iteration === 0) {
    // Start the logit near 0 on data so neither loss saturates at step one.
    const e0 = tf.tidy(() => tf.mean(s.energy.energy(b.data, b.labels)));
    s.discBias.assign(e0);
    e0.dispose();
  }
  const logit = (x: tf.Tensor2D) => tf.sub(s.discBias, s.energy.energy(x, b.labels));
  let lossG = 0;
  s.optG.minimize(
    () => {
      const a = logit(s.sampler.apply(b.noise, b.labels));
      const l =
        kind === 'dcgan'
          ? tf.mean(tf.softplus(tf.neg(a)))
          : tf.mean(tf.neg(tf.exp(tf.minimum(a, 15))));
      lossG = l.dataSync()[0];
      return l as tf.Scalar;
    },
    false,
    s.sampler.trainableVariables,
  );
  const x = s.sampler.apply(b.noise, b.labels);
  let ed = 0;
  let eg = 0;
  let lossD = 0;
  const { value, grads } = tf.variableGrads(() => {
    const er = s.energy.energy(b.data, b.labels);
    const ef = s.energy.energy(x, b.labels);
    ed = tf.mean(er).dataSync()[0];
    eg = tf.mean(ef).dataSync()[0];
    const l = tf.add(
      tf.mean(tf.softplus(tf.neg(tf.sub(s.discBias, er)))),
      tf.mean(tf.softplus(tf.sub(s.discBias, ef))),
    ) as tf.Scalar;
    lossD = l.dataSync()[0];
    return l;
  }, [...s.energy.trainableVariables, s.discBias]);
  setLearningRate(s.optE, s.config.lrE);
  s.optE.applyGradients(grads as never);
  tf.dispose([value, ...Object.values(grads), x]);
  if (!Number.isFinite(lossG) || !Number.isFinite(lossD))
    throw new RangeError(
      `${kind}: non-finite loss at iteration ${s.iteration + 1} (G ${lossG}, D ${lossD})`,
    );
  return {
    energyData: ed,
    energySamples: eg,
    lrE: s.config.lrE,
    thetaUpdated: true,
    lossG,
    lossD,
  };
}

/** Runs iteration `state.iteration + 1` in place; its randomness depends only on (seed, iteration). */
export function trainIteration(s: TrainerState, data: TrainData): StepInfo {
  const t = s.iteration + 1;
  const rng = createRng(foldIn(s.config.seed, t));
  const b = drawBatch(rng, data, s);
  try {
    const info =
      s.config.objective === 'steingan'
        ? steinganIteration(s, b)
        : ganIteration(s, b, s.config.objective);
    s.iteration = t;
    return { iteration: t, ...info };
  } finally {
    tf.dispose([b.data, b.labels, b.noise]);
  }
}

/** Conditional samples: ξ ~ U[−1, 1] from `seed`, one per label; `[n, h·w·c]` in [0, 1]. */
export function generateImages(s: TrainerState, labels: Int32Array, seed: number): tf.Tensor2D {
  return tf.tidy(() => {
    const y = tf.tensor1d(labels, 'int32');
    return s.sampler.apply(s.sampler.noise(labels.length, seed), y);
  });
}

/**
 * For benchmarks: builds the default model (lean SteinGAN, batch 64) on
 * random stand-in data and returns a function running one training iteration.
 */
export function createDefaultIteration(overrides: Partial<TrainConfig> = {}): {
  state: TrainerState;
  step: () => StepInfo;
  dispose: () => void;
} {
  const config = defaultConfig({ batch: 64, ...overrides });
  const size = 256;
  const rng = createRng(config.seed + 7);
  const images = new Float32Array(size * 784);
  for (let i = 0; i < images.length; i++) images[i] = rng.float();
  const labels = new Int32Array(size).map((_, i) => i % config.numClasses);
  const data: TrainData = { images, labels, size, imageShape: [28, 28, 1] };
  const state = createTrainer(config, data.imageShape);
  return { state, step: () => trainIteration(state, data), dispose: () => disposeTrainer(state) };
}
