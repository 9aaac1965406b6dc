/**
 * One training iteration of SteinGAN (Algorithm 2 of Wang & Liu), of the two
 * GAN baselines (a discriminator with the energy's architecture) and of the
 * KL[p_θ ‖ p_data] objectives with estimated scores, over explicit state.
 */
import {
  type AmortizedMleOptions,
  type AmortizedMleState,
  amortizedMleDispose,
  amortizedMleInit,
  amortizedMleStep,
  type NeuralSampler,
  neuralSampler,
  setLearningRate,
} from '@steinkit/amortizers';
import {
  assertFiniteUpdate,
  createRng,
  foldIn,
  fusedAdam,
  type Kernel,
  type Rng,
} from '@steinkit/core';
import { type AutoencoderEnergy, autoencoderEnergy } from '@steinkit/energy-models';
import { rbf } from '@steinkit/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { defaultConfig, lrScale, type TrainConfig, validateLrDecay } from './config';
import { type GeneratorNet, generatorNet } from './generator-net';
import { type KlGeneratorState, klGeneratorDispose, klGeneratorInit, klGeneratorStep } from './kl';

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
  /**
   * The joint autoencoder energy (15). For dcgan / mle-gan the same network
   * is the discriminator: its encoder and the linear head on the code give K
   * logits, a(x, y) = logits(x)[y] (the decoder is unused).
   */
  energy: AutoencoderEnergy;
  /** θ's optimizer (steingan) or the discriminator's (dcgan / mle-gan); unused by kl-*. */
  optG: tf.AdamOptimizer;
  optE: tf.AdamOptimizer;
  /**
   * steingan: the stepper state of Algorithm 2 (`amortizedMleStep`), the state each
   * step returned, passed to the next one (its iteration follows `iteration`);
   * the initial state for the other objectives.
   */
  mle: AmortizedMleState;
  /** kl-sge / kl-ssge: the KL generator step's state, kept the same way. */
  kl: KlGeneratorState;
  /**
   * steingan: the feature kernel of eq. (10), built once per run
   * (h = bandwidthScale · median distance of each batch's codes; 0.5 in the paper).
   */
  kernel: Kernel;
}

/** What one iteration did (logged as one JSON line). */
export interface StepInfo {
  iteration: number;
  /**
   * Mean energy of the data batch and of the generated batch (dcgan / mle-gan:
   * minus the mean discriminator logit; kl-*: 0).
   */
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
  /** With a learning-rate decay: the factor applied to every learning rate this iteration. */
  lrScale?: number;
  /** kl-*: the class trained this iteration and the mean ‖ŝ_θ − ŝ_data‖ at the samples. */
  klClass?: number;
  scoreGap?: number;
}

/** Builds the networks and optimizers of a run (no training). */
export function createTrainer(
  config: TrainConfig,
  imageShape: number[] = [28, 28, 1],
): TrainerState {
  validateLrDecay(config.lrDecay, 'config.lrDecay');
  const rng = createRng(config.seed);
  const paper = config.arch === 'paper';
  const initStd = config.init === 'normal' ? config.initStd : undefined;
  const net = generatorNet({
    arch: paper ? 'conv' : 'mlp',
    inputDim: config.noiseDim + config.numClasses,
    outputShape: imageShape,
    hidden: config.genHidden,
    seed: rng.nextSeed(),
    batchNorm: config.generatorBatchNorm,
    ...(initStd !== undefined ? { initStd } : {}),
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
    labelWeight: config.labelWeight ?? 1,
    seed: rng.nextSeed(),
    ...(initStd !== undefined ? { initStd } : {}),
  });
  const gan = config.objective === 'dcgan' || config.objective === 'mle-gan';
  return {
    config,
    iteration: 0,
    net,
    sampler,
    energy,
    optG: fusedAdam(config.lrG, config.beta1) as tf.AdamOptimizer,
    optE: fusedAdam(gan ? config.lrD : config.lrE, config.beta1) as tf.AdamOptimizer,
    mle: amortizedMleInit({ seed: config.seed }),
    kl: klGeneratorInit(),
    kernel: rbf({ bandwidth: { kind: 'median', scale: config.bandwidthScale } }),
  };
}

/**
 * Sets the state of a freshly built trainer to iteration `iteration` (a resumed
 * run: the networks and optimizers are restored by the caller). The steppers'
 * states are plain data here (tf.Adam keeps its own slots), so (seed, iteration)
 * is all they hold.
 */
export function resumeAt(s: TrainerState, iteration: number): void {
  s.iteration = iteration;
  if (s.config.objective === 'steingan') s.mle = { ...s.mle, iteration };
  if (isKl(s.config.objective)) s.kl = { ...s.kl, iteration };
}

const isKl = (objective: TrainConfig['objective']) =>
  objective === 'kl-sge' || objective === 'kl-ssge';

export function disposeTrainer(s: TrainerState): void {
  amortizedMleDispose(s.mle, {
    energyOptimizer: s.optE,
    generatorUpdate: { rule: 'vjp', optimizer: s.optG },
  });
  klGeneratorDispose(s.kl, { optimizer: s.optG });
  s.net.dispose();
  s.energy.dispose();
  s.optG.dispose();
  s.optE.dispose();
}

interface Batch {
  /** Data `[m, d]` and its labels `[m]` (int32); the samples use the same labels (empirical counts). */
  data: tf.Tensor2D;
  labels: tf.Tensor1D;
  /** ξ for the GAN objectives (SteinGAN's step draws its own from (seed, t)). */
  noise: tf.Tensor2D;
}

const classIndex = new WeakMap<TrainData, Int32Array[]>();
/** Row indices of each class (cached per data set). */
function rowsByClass(data: TrainData, k: number): Int32Array[] {
  let idx = classIndex.get(data);
  if (!idx) {
    const lists: number[][] = Array.from({ length: k }, () => []);
    for (let r = 0; r < data.size; r++) lists[data.labels[r]]?.push(r);
    idx = lists.map((l) => Int32Array.from(l));
    classIndex.set(data, idx);
  }
  return idx;
}

/**
 * Iteration t's mini-batch: data rows drawn uniformly with the rng of (seed, t);
 * with `cls`, only rows of that class (the kl-* objectives).
 */
function drawBatch(rng: Rng, data: TrainData, s: TrainerState, cls?: number): Batch {
  const m = s.config.batch;
  const d = data.imageShape.reduce((a, b) => a * b, 1);
  const xs = new Float32Array(m * d);
  const ys = new Int32Array(m);
  const pool = cls === undefined ? null : rowsByClass(data, s.config.numClasses)[cls];
  if (pool && pool.length < 2)
    throw new RangeError(`data: class ${cls} has ${pool.length} training rows; kl-* needs ≥ 2`);
  for (let i = 0; i < m; i++) {
    const r = pool ? pool[rng.int(pool.length)] : rng.int(data.size);
    xs.set(data.images.subarray(r * d, (r + 1) * d), i * d);
    ys[i] = data.labels[r];
  }
  return {
    data: tf.tensor2d(xs, [m, d]),
    labels: tf.tensor1d(ys, 'int32'),
    noise: s.sampler.noise(m, rng.nextSeed()),
  };
}

/** The options of @steinkit/amortizers' Algorithm 2 for this run. */
export function mleOptions(s: TrainerState, scale = 1): AmortizedMleOptions {
  const c = s.config;
  return {
    sampler: s.sampler,
    model: s.energy, // the joint energy (15) with the label term weighted by labelWeight
    kernel: s.kernel,
    features: 'encode',
    repulsion: c.repulsion,
    generatorUpdate: { rule: 'vjp', optimizer: s.optG },
    energyOptimizer: s.optE,
    energyLearningRate: c.lrE * scale,
    gamma: c.gamma,
    excludeSelf: c.excludeSelf ?? false,
    normalize: c.normalize ?? 'n',
    balance: {
      speedUp: c.speedUp ? { learningRate: c.lrEFast * scale } : false,
      freezeGap: c.freeze ? c.gapThreshold : false,
      freezeTwoSided: c.freezeTwoSided,
      ...(c.slowGamma != null ? { slowGamma: c.slowGamma } : {}),
    },
  };
}

/** Algorithm 2 (amortized MLE): η by amortized SVGD (10), θ by (16) with the balancing rules. */
function steinganIteration(s: TrainerState, b: Batch, scale: number): Omit<StepInfo, 'iteration'> {
  if (s.mle.iteration !== s.iteration || s.mle.seed !== s.config.seed) {
    throw new RangeError(
      `state.mle: expected the stepper state of iteration ${s.iteration}, seed ${s.config.seed} (set both with resumeAt), got iteration ${s.mle.iteration}, seed ${s.mle.seed}`,
    );
  }
  const { state, info: record } = amortizedMleStep(
    s.mle,
    { data: b.data, labels: b.labels },
    mleOptions(s, scale),
  );
  s.mle = state;
  return {
    energyData: record.dataEnergy,
    energySamples: record.sampleEnergy,
    lrE: record.thetaUpdated ? record.energyLearningRate : 0,
    thetaUpdated: record.thetaUpdated,
    kernel: record.kernel,
  };
}

/** Discriminator variables of dcgan / mle-gan: the energy's encoder and its linear head (not the decoder). */
const discVariables = new WeakMap<AutoencoderEnergy, tf.Variable[]>();
export function discriminatorVariables(e: AutoencoderEnergy): tf.Variable[] {
  let v = discVariables.get(e);
  if (!v) {
    const names = e.save().weights.map((w) => w.name);
    v = e.trainableVariables.filter((_, i) => /^(enc\d|conv\d|code|classifier)\//.test(names[i]));
    discVariables.set(e, v);
  }
  return v;
}

/** The conditional discriminator logit a(x, y) = logits(x)[y] `[n]` (encoder + linear head of the energy net). */
export function discriminatorLogit(
  e: AutoencoderEnergy,
  x: tf.Tensor,
  labels: tf.Tensor1D,
): tf.Tensor1D {
  return tf.tidy(() => {
    const k = e.config.numClasses as number;
    return tf.sum(tf.mul(e.logits(x), tf.oneHot(labels, k)), 1) as tf.Tensor1D;
  });
}

/**
 * Generator loss of the GAN baselines on logits a `[n]`.
 * - dcgan: the non-saturating loss −E[log σ(a)] = E[softplus(−a)].
 * - mle-gan: seed 003's maximum-likelihood cost E[−exp(a)], minimized in the
 *   monotone form −log Ê[exp(a)] (log-mean-exp): the same minimizers and the
 *   same gradient direction per batch, ∇ = −Σ_i softmax(a)_i ∇a_i, i.e. the
 *   raw gradient −Ê[exp(a)∇a] divided by Ê[exp(a)] (self-normalized
 *   importance weights). The raw cost overflowed / diverged here (exp(a) ~ 1e5).
 */
export function generatorGanLoss(kind: 'dcgan' | 'mle-gan', a: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    if (kind === 'dcgan') return tf.mean(tf.softplus(tf.neg(a))) as tf.Scalar;
    const n = a.shape[0];
    return tf.neg(tf.sub(tf.logSumExp(a), Math.log(n))) as tf.Scalar;
  });
}

/**
 * dcgan / mle-gan with the same nets: the discriminator has the energy's
 * architecture (encoder + linear head on the code, K logits, a(x, y) =
 * logits[y]) and minimizes the logistic loss; then the generator minimizes
 * {@link generatorGanLoss} on fresh samples (same ξ).
 */
function ganIteration(
  s: TrainerState,
  b: Batch,
  kind: 'dcgan' | 'mle-gan',
  scale: number,
): Omit<StepInfo, 'iteration'> {
  // Each update is checked before it is applied: a non-finite loss or gradient stops the
  // run naming the iteration, with that network as it was after the previous iteration.
  const dVars = discriminatorVariables(s.energy);
  const x = tf.tidy(() => s.sampler.apply(b.noise, b.labels));
  let ad = 0;
  let ag = 0;
  let lossD = 0;
  try {
    const { value, grads } = tf.variableGrads(() => {
      const ar = discriminatorLogit(s.energy, b.data, b.labels);
      const af = discriminatorLogit(s.energy, x, b.labels);
      ad = tf.mean(ar).dataSync()[0];
      ag = tf.mean(af).dataSync()[0];
      // −log σ(a_data) − log(1 − σ(a_fake))
      const l = tf.add(tf.mean(tf.softplus(tf.neg(ar))), tf.mean(tf.softplus(af))) as tf.Scalar;
      lossD = l.dataSync()[0];
      return l;
    }, dVars);
    try {
      assertFiniteUpdate(
        [value, ...Object.values(grads)],
        kind,
        s.iteration + 1,
        "the discriminator's loss or gradient",
      );
      s.optE.applyGradients(grads as never);
    } finally {
      tf.dispose([value, ...Object.values(grads)]);
    }
  } finally {
    x.dispose();
  }
  let lossG = 0;
  const gG = tf.variableGrads(() => {
    const l = generatorGanLoss(
      kind,
      discriminatorLogit(s.energy, s.sampler.apply(b.noise, b.labels), b.labels),
    );
    lossG = l.dataSync()[0];
    return l;
  }, s.sampler.trainableVariables);
  try {
    assertFiniteUpdate(
      [gG.value, ...Object.values(gG.grads)],
      kind,
      s.iteration + 1,
      "the generator's loss or gradient",
    );
    s.optG.applyGradients(gG.grads as never);
  } finally {
    tf.dispose([gG.value, ...Object.values(gG.grads)]);
  }
  return {
    energyData: -ad,
    energySamples: -ag,
    lrE: s.config.lrD * scale,
    thetaUpdated: true,
    lossG,
    lossD,
  };
}

/** kl-sge / kl-ssge: one generator step on KL[p_θ(·|c) ‖ p_data(·|c)] for this iteration's class c. */
function klIteration(s: TrainerState, b: Batch, cls: number): Omit<StepInfo, 'iteration'> {
  const c = s.config;
  if (s.kl.iteration !== s.iteration) {
    throw new RangeError(
      `state.kl: expected the stepper state of iteration ${s.iteration} (set both with resumeAt), got iteration ${s.kl.iteration}`,
    );
  }
  const { state, info } = klGeneratorStep(
    s.kl,
    { noise: b.noise, labels: b.labels, data: b.data },
    {
      sampler: s.sampler,
      optimizer: s.optG,
      estimator: c.objective === 'kl-ssge' ? 'ssge' : 'sge',
      bandwidthScale: c.klBandwidthScale,
      bandwidthFrom: c.klBandwidthFrom,
      eta: c.klEta,
      energy: c.klEnergy,
    },
  );
  s.kl = state;
  return {
    energyData: 0,
    energySamples: 0,
    lrE: 0,
    thetaUpdated: false,
    klClass: cls,
    scoreGap: info.scoreGap,
  };
}

/** Runs iteration `state.iteration + 1` in place; its randomness depends only on (seed, iteration). */
export function trainIteration(s: TrainerState, data: TrainData): StepInfo {
  const t = s.iteration + 1;
  const rng = createRng(foldIn(s.config.seed, t));
  const obj = s.config.objective;
  const kl = isKl(obj);
  // kl-*: one class per iteration (both score estimators need samples of one conditional).
  const cls = kl ? rng.int(s.config.numClasses) : undefined;
  const b = drawBatch(rng, data, s, cls);
  try {
    assertFiniteUpdate([b.data], s.config.objective, t, 'the data batch');
    // The learning-rate schedule, a function of t alone (so a resumed run follows it too).
    const scale = lrScale(s.config.lrDecay, t);
    setLearningRate(s.optG, s.config.lrG * scale);
    // θ's optimizer runs at its base rate × scale (amortizedMleStep never changes it; the
    // speed-up rule scales θ's step by lrEFast / lrE on top); the discriminator's at lrD × scale.
    if (obj === 'steingan') setLearningRate(s.optE, s.config.lrE * scale);
    else if (obj === 'dcgan' || obj === 'mle-gan') setLearningRate(s.optE, s.config.lrD * scale);
    const info =
      obj === 'steingan'
        ? steinganIteration(s, b, scale)
        : kl
          ? klIteration(s, b, cls as number)
          : ganIteration(s, b, obj, scale);
    s.iteration = t;
    return { iteration: t, ...info, ...(s.config.lrDecay != null ? { lrScale: scale } : {}) };
  } finally {
    tf.dispose([b.data, b.labels, b.noise]);
  }
}

/** Conditional samples: ξ ~ U[−1, 1] from `seed`, one per label; `[n, h·w·c]` in [0, 1]. */
export function generateImages(s: TrainerState, labels: Int32Array, seed: number): tf.Tensor2D {
  const noise = s.sampler.noise(labels.length, seed);
  try {
    return generateFromNoise(s, noise, labels);
  } finally {
    noise.dispose();
  }
}

/** Samples f(η; ξ, y) for given ξ `[n, noiseDim]` and labels, in sampling mode (batch norm: running averages). */
export function generateFromNoise(
  s: TrainerState,
  noise: tf.Tensor2D,
  labels: Int32Array,
): tf.Tensor2D {
  s.net.setTraining(false);
  try {
    return tf.tidy(() => s.sampler.apply(noise, tf.tensor1d(labels, 'int32')));
  } finally {
    s.net.setTraining(true);
  }
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
