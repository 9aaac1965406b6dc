import { assertInt, assertPositive, foldIn, fusedAdam } from '@steinkit/core';
import type { Bandwidth } from '@steinkit/kernels';
import { groupedSvgdDirection } from '@steinkit/stein-estimators';
import * as tf from '@tensorflow/tfjs-core';
import type { LogWeightCritic } from './critic';
import type { Encoder, GaussianEncoder } from './encoders';
import type { WeightRecord } from './mlp';
import { readWeights, writeWeights } from './mlp';
import type { LatentVariableModel } from './model';
import { type EntropyEstimator, entropyScores } from './stein';
import {
  type IwCriticNormalization,
  iwaeSurrogate,
  iwCriticSurrogate,
  logMeanExpLast,
  stopGradient,
} from './surrogates';
import { assertData, assertDataValues } from './validate';

/** The objective (and gradient estimator) of an amortized-inference step. */
export type InferenceObjective =
  /** The reparameterized ELBO, one sample per x (Gaussian encoders). */
  | { kind: 'elbo' }
  /** The IWAE-k bound, k samples per x; the softmax-weighted gradient (Gaussian encoders). */
  | { kind: 'iwae'; k: number }
  /**
   * Seed 004's importance-weighted update with a critic: one sample per x,
   * gradient ω ∇ log w with ω = e^(log w − C(x)) (clipped at e^maxLogWeight);
   * the critic C regressed onto log w (squared error, so C(x) → E_q[log w],
   * as seed 004 says) by its own Adam. See {@link IwCriticObjective}.
   */
  | IwCriticObjective
  /**
   * Entropy-gradient training of any encoder (implicit ones included): the
   * gradient of E_q[log p(x, z)] + H(q(·|x)) with ∇_z log q(z|x) replaced by
   * the SGE/SSGE fitted on `samples` draws per x, pushed through ∂z/∂φ.
   */
  | ({ kind: 'entropy'; samples: number } & EntropyEstimator)
  /**
   * Amortized SVGD encoder (SteinGAN paper, Algorithm 1 with update (10)):
   * `particles` draws z = f(x, ε) per x moved along the SVGD direction of
   * p(z|x) ∝ p(x, z) (RBF kernel, bandwidth per x, default `SVGD_MEDIAN`);
   * the decoder ascends the particles' mean log p(x, z).
   */
  | { kind: 'svgd'; particles: number; bandwidth?: Bandwidth };

/**
 * Seed 004's importance-weighted update with a critic, and the stabilizations
 * this package adds (each can be turned off to get the update as written).
 */
export interface IwCriticObjective {
  kind: 'iwCritic';
  critic: LogWeightCritic;
  /** Clip of the log-weight: ω ≤ e^maxLogWeight. Default 3. */
  maxLogWeight?: number;
  /**
   * `'none'` (default): ω = e^(log w − C(x)), seed 004 as written. `'batch'`:
   * self-normalized within the batch, ω_b = B·softmax_b(log w_b − C(x_b)) —
   * the weights average 1 whatever the critic's offset, so no step is lost
   * to underflow (e^(−200) = 0). Per x the direction is seed 004's; the
   * batch's common scale is replaced by 1. On MNIST it measured worse: the
   * critic's error (≈ 15 nats) makes one x take nearly all the batch's weight.
   */
  normalize?: IwCriticNormalization;
  /**
   * Warm start (default true): at iteration 0, before any update, shift the
   * critic's output bias so that its mean over the first batch equals the
   * batch's mean log w — the critic otherwise starts ≈ 0 while log w ≈ −200
   * on MNIST, and Adam moves a bias by ≈ one learning rate per step.
   */
  criticWarmStart?: boolean;
  /** Critic updates per step, on the same batch and targets (default 1). */
  criticSteps?: number;
  /**
   * What moves the encoder. `'weighted'` (default): the weighted update on
   * every parameter (seed 004 read with IWAE's θ = all parameters) — in
   * expectation it moves the encoder by e^(−C(x)) ∇_φ E_q[w] = e^(−C(x)) ∇_φ p(x) = 0
   * (only the clipping's bias gives it a direction). `'elbo'`: the weighted
   * update on the decoder only (θ in the VAE notation of Kingma & Welling,
   * φ the encoder) and the reparameterized ELBO gradient on the encoder.
   */
  encoderGradient?: 'weighted' | 'elbo';
}

export interface InferenceOptions {
  encoder: Encoder;
  model: LatentVariableModel;
  objective: InferenceObjective;
  /** Check that x is finite (one sync per step). Default true. */
  checkValues?: boolean;
}

/** Explicit training state: the counters and the (owned) Adam optimizers. */
export interface InferenceState {
  readonly iteration: number;
  readonly seed: number;
  readonly learningRate: number;
  /** Adam over encoder + model variables. */
  readonly optimizer: tf.Optimizer;
  /** Adam over the critic's variables (iwCritic only). */
  readonly criticOptimizer?: tf.Optimizer;
  readonly criticLearningRate?: number;
}

export interface InferenceInitOptions {
  /** Adam learning rate (default 1e-3, Burda et al.). */
  learningRate?: number;
  /** Base seed of the per-iteration noise; iteration t draws from foldIn(seed, t). */
  seed?: number;
  /** Also create the critic's optimizer (for `iwCritic`); default learning rate 1e-3. */
  critic?: boolean;
  criticLearningRate?: number;
}

/** One step's report. The tensors are the caller's (the loop disposes them). */
export interface InferenceInfo {
  iteration: number;
  /**
   * The per-batch training objective (mean over x): the ELBO estimate (`elbo`,
   * `iwCritic`), the IWAE-k estimate (`iwae`), or — for `entropy`/`svgd`,
   * where q has no density — the mean log p(x, z) over the samples.
   */
  bound: tf.Scalar;
  /** iwCritic: the critic's squared error mean (C(x) − log w)² before its update. */
  criticLoss?: tf.Scalar;
  /** iwCritic: the share of weights that hit the clip. */
  clippedFraction?: tf.Scalar;
}

export function inferenceInit(opts: InferenceInitOptions = {}): InferenceState {
  const learningRate = opts.learningRate ?? 1e-3;
  assertPositive(learningRate, 'learningRate');
  const seed = opts.seed ?? 0;
  assertInt(seed, 'seed', 0, 2 ** 32 - 1);
  const criticLearningRate = opts.criticLearningRate ?? 1e-3;
  assertPositive(criticLearningRate, 'criticLearningRate');
  return {
    iteration: 0,
    seed,
    learningRate,
    optimizer: fusedAdam(learningRate),
    ...(opts.critic ? { criticOptimizer: fusedAdam(criticLearningRate), criticLearningRate } : {}),
  };
}

export function inferenceDispose(state: InferenceState): void {
  state.optimizer.dispose();
  state.criticOptimizer?.dispose();
}

function gaussianOnly(encoder: Encoder, kind: string): GaussianEncoder {
  if (encoder.kind !== 'gaussian') {
    throw new TypeError(
      `encoder: objective '${kind}' needs log q(z|x) — a gaussianEncoder, got an ${encoder.kind} encoder (use 'entropy' or 'svgd')`,
    );
  }
  return encoder;
}

/** Validates the objective's numbers; returns the samples per x it draws. */
export function objectiveSamples(objective: InferenceObjective): number {
  switch (objective?.kind) {
    case 'elbo':
      return 1;
    case 'iwae':
      assertInt(objective.k, 'objective.k', 1);
      return objective.k;
    case 'iwCritic': {
      const m = objective.maxLogWeight ?? 3;
      if (!(typeof m === 'number' && m > 0)) {
        throw new RangeError(`objective.maxLogWeight: expected a number > 0, got ${String(m)}`);
      }
      const n = objective.normalize ?? 'none';
      if (n !== 'none' && n !== 'batch') {
        throw new TypeError(`objective.normalize: expected 'none' or 'batch', got ${String(n)}`);
      }
      assertInt(objective.criticSteps ?? 1, 'objective.criticSteps', 1);
      const g = objective.encoderGradient ?? 'weighted';
      if (g !== 'weighted' && g !== 'elbo') {
        throw new TypeError(
          `objective.encoderGradient: expected 'weighted' or 'elbo', got ${String(g)}`,
        );
      }
      return 1;
    }
    case 'entropy':
      assertInt(objective.samples, 'objective.samples', 2);
      return objective.samples;
    case 'svgd':
      assertInt(objective.particles, 'objective.particles', 2);
      return objective.particles;
    default:
      throw new TypeError(
        `objective.kind: expected 'elbo', 'iwae', 'iwCritic', 'entropy' or 'svgd', got ${String((objective as { kind?: unknown })?.kind)}`,
      );
  }
}

/**
 * One training step on a batch x `[B, dataDim]`: draws the noise of
 * iteration t (a function of (seed, t), so a resumed run redraws it),
 * forms the objective's gradient and applies Adam. Returns a new state
 * (the optimizers move over) and the info tensors (the caller's).
 */
export function inferenceStep(
  state: InferenceState,
  batch: { x: tf.Tensor2D },
  opts: InferenceOptions,
): { state: InferenceState; info: InferenceInfo } {
  const { encoder, model, objective } = opts;
  if (encoder.inputDim !== model.dataDim || encoder.latentDim !== model.latentDim) {
    throw new RangeError(
      `encoder: dimensions ${encoder.inputDim} → ${encoder.latentDim} do not match the model's ${model.dataDim} ↔ ${model.latentDim}`,
    );
  }
  const S = objectiveSamples(objective);
  const x = batch?.x;
  assertData(x, 'x', model.dataDim);
  if (opts.checkValues ?? true) assertDataValues(x, 'x');
  const B = x.shape[0];
  const seed = foldIn(state.seed, state.iteration);
  const eps = encoder.noise(B, S, seed);
  const vars = [...encoder.trainableVariables, ...model.trainableVariables];
  const keep: tf.Tensor[] = [];
  const kept = <T extends tf.Tensor>(t: T): T => {
    keep.push(tf.keep(t));
    return t;
  };
  let info: InferenceInfo;
  try {
    switch (objective.kind) {
      case 'elbo':
      case 'iwae': {
        const enc = gaussianOnly(encoder, objective.kind);
        let bound: tf.Scalar | undefined;
        tf.tidy(() => {
          const { grads } = tf.variableGrads(() => {
            const { z, logq } = enc.sampleWithLogProb(x, eps);
            const logw = tf.sub(model.logJoint(x, z), logq) as tf.Tensor2D; // [B, S]
            bound = kept(tf.mean(logMeanExpLast(logw)) as tf.Scalar);
            return tf.neg(S === 1 ? tf.mean(logw) : iwaeSurrogate(logw)) as tf.Scalar;
          }, vars);
          state.optimizer.applyGradients(grads);
        });
        info = { iteration: state.iteration + 1, bound: bound as tf.Scalar };
        break;
      }
      case 'iwCritic': {
        const enc = gaussianOnly(encoder, objective.kind);
        const { critic } = objective;
        if (!state.criticOptimizer) {
          throw new TypeError(
            "state: the 'iwCritic' objective needs inferenceInit({ critic: true })",
          );
        }
        if (critic.inputDim !== model.dataDim) {
          throw new RangeError(
            `objective.critic: inputDim ${critic.inputDim} ≠ dataDim ${model.dataDim}`,
          );
        }
        const maxLogWeight = objective.maxLogWeight ?? 3;
        const normalize = objective.normalize ?? 'none';
        const criticSteps = objective.criticSteps ?? 1;
        const logwOf = () => {
          const { z, logq } = enc.sampleWithLogProb(x, eps);
          return tf.reshape(tf.sub(model.logJoint(x, z), logq), [B]) as tf.Tensor1D;
        };
        if ((objective.criticWarmStart ?? true) && state.iteration === 0) {
          const bias = critic.outputBias;
          if (!bias) {
            throw new TypeError(
              'objective.critic: criticWarmStart needs the critic’s outputBias (or pass criticWarmStart: false)',
            );
          }
          tf.tidy(() => {
            const gap = tf.sub(tf.mean(logwOf()), tf.mean(critic.apply(x)));
            bias.assign(tf.add(bias, gap));
          });
        }
        let logw1: tf.Tensor1D | undefined;
        let bound: tf.Scalar | undefined;
        let clipped: tf.Scalar | undefined;
        tf.tidy(() => {
          const c = critic.apply(x);
          // 'elbo': the encoder's ELBO gradient through z is (∂z/∂φ)ᵀ ∇_z log p(x, z) at the
          // drawn z (held constant below), so one pass gives both networks their own gradient.
          const gz =
            (objective.encoderGradient ?? 'weighted') === 'elbo'
              ? (tf.grad((z: tf.Tensor) => tf.sum(model.logJoint(x, z as tf.Tensor3D)))(
                  enc.sample(x, eps),
                ) as tf.Tensor3D)
              : undefined;
          const { grads } = tf.variableGrads(() => {
            if (!gz) {
              const logw = logwOf();
              logw1 = kept(tf.clone(logw));
              bound = kept(tf.mean(logw) as tf.Scalar);
              const s = iwCriticSurrogate(logw, c, maxLogWeight, normalize);
              clipped = kept(tf.clone(s.clippedFraction));
              return tf.neg(s.surrogate) as tf.Scalar;
            }
            const { z, logq } = enc.sampleWithLogProb(x, eps);
            const logq1 = tf.reshape(logq, [B]) as tf.Tensor1D;
            // decoder: seed 004's weighted ∇_θ log p(x, z) at z held constant
            const lpj = tf.reshape(model.logJoint(x, stopGradient(z) as tf.Tensor3D), [B]);
            const logw = tf.sub(lpj, stopGradient(logq1)) as tf.Tensor1D;
            logw1 = kept(tf.clone(logw));
            bound = kept(tf.mean(logw) as tf.Scalar);
            const s = iwCriticSurrogate(logw, c, maxLogWeight, normalize);
            clipped = kept(tf.clone(s.clippedFraction));
            // encoder: ∇_φ mean_b [log p(x, z_φ) − log q_φ(z_φ)], the first term by the chain rule
            const enc1 = tf.mean(tf.sub(tf.sum(tf.mul(gz, z), [1, 2]), logq1));
            return tf.neg(tf.add(s.surrogate, enc1)) as tf.Scalar;
          }, vars);
          state.optimizer.applyGradients(grads);
        });
        let criticLoss: tf.Scalar | undefined;
        for (let j = 0; j < criticSteps; j++) {
          tf.tidy(() => {
            const target = logw1 as tf.Tensor1D;
            const { grads } = tf.variableGrads(() => {
              const loss = tf.mean(tf.square(tf.sub(critic.apply(x), target))) as tf.Scalar;
              if (j === 0) criticLoss = kept(tf.clone(loss));
              return loss;
            }, critic.trainableVariables);
            state.criticOptimizer?.applyGradients(grads);
          });
        }
        info = {
          iteration: state.iteration + 1,
          bound: bound as tf.Scalar,
          criticLoss: criticLoss as tf.Scalar,
          clippedFraction: clipped as tf.Scalar,
        };
        break;
      }
      case 'entropy': {
        const z0 = encoder.sample(x, eps);
        const g = entropyScores(z0, objective); // ∇_z log q(z|x), [B, S, d]
        z0.dispose();
        let bound: tf.Scalar | undefined;
        try {
          tf.tidy(() => {
            const { grads } = tf.variableGrads(() => {
              const z = encoder.sample(x, eps);
              const lj = tf.mean(model.logJoint(x, z)) as tf.Scalar;
              bound = kept(tf.clone(lj));
              // ∇H(q) = −E[(∂z/∂φ)ᵀ ∇_z log q(z|x)]: the estimated score held constant.
              const cross = tf.mean(tf.sum(tf.mul(g, z), 2));
              return tf.neg(tf.sub(lj, cross)) as tf.Scalar;
            }, vars);
            state.optimizer.applyGradients(grads);
          });
        } finally {
          g.dispose();
        }
        info = { iteration: state.iteration + 1, bound: bound as tf.Scalar };
        break;
      }
      case 'svgd': {
        const z0 = encoder.sample(x, eps);
        const dz = tf.tidy(() => {
          const score = tf.grad((z: tf.Tensor) => tf.sum(model.logJoint(x, z as tf.Tensor3D)))(z0);
          return groupedSvgdDirection(z0, score as tf.Tensor3D, { bandwidth: objective.bandwidth });
        });
        let bound: tf.Scalar | undefined;
        try {
          tf.tidy(() => {
            const { grads } = tf.variableGrads(() => {
              // decoder: ascend mean log p(x, z) at the (constant) particles
              const lj = tf.mean(model.logJoint(x, z0)) as tf.Scalar;
              bound = kept(tf.clone(lj));
              // encoder: update (10), φ ← φ + ε Σ (∂z/∂φ)ᵀ Δz (Δz constant)
              const z = encoder.sample(x, eps);
              const push = tf.mean(tf.sum(tf.mul(dz, z), 2));
              return tf.neg(tf.add(lj, push)) as tf.Scalar;
            }, vars);
            state.optimizer.applyGradients(grads);
          });
        } finally {
          tf.dispose([z0, dz]);
        }
        info = { iteration: state.iteration + 1, bound: bound as tf.Scalar };
        break;
      }
    }
  } catch (e) {
    tf.dispose(keep);
    throw e;
  } finally {
    eps.dispose();
  }
  // logw1 was only needed inside
  const infoTensors = new Set<tf.Tensor>(
    [info.bound, info.criticLoss, info.clippedFraction].filter(Boolean) as tf.Tensor[],
  );
  tf.dispose(keep.filter((t) => !infoTensors.has(t)));
  return { state: { ...state, iteration: state.iteration + 1 }, info };
}

/** Frees a step's info tensors. */
export function disposeInfo(info: InferenceInfo): void {
  tf.dispose([info.bound, info.criticLoss, info.clippedFraction].filter(Boolean) as tf.Tensor[]);
}

/**
 * The loop over {@link inferenceStep}: one step per batch of `batches`;
 * `onStep` sees each info (awaited) before its tensors are freed. Returns the
 * final state (the caller's: dispose with {@link inferenceDispose}).
 */
export async function trainInference(
  opts: InferenceOptions &
    InferenceInitOptions & {
      batches: Iterable<tf.Tensor2D>;
      state?: InferenceState;
      onStep?: (info: InferenceInfo) => void | Promise<void>;
    },
): Promise<InferenceState> {
  let state =
    opts.state ??
    inferenceInit({ ...opts, critic: opts.critic ?? opts.objective?.kind === 'iwCritic' });
  for (const x of opts.batches) {
    const r = inferenceStep(state, { x }, opts);
    state = r.state;
    try {
      await opts.onStep?.(r.info);
    } finally {
      disposeInfo(r.info);
    }
  }
  return state;
}

/** Adam's state as plain JSON (exact: float32 values survive JSON). */
export interface AdamRecord {
  iterations: number;
  accBeta1: number;
  accBeta2: number;
  learningRate: number;
  moments: WeightRecord[];
}

/** Everything a resumed run needs, as plain JSON. */
export interface InferenceCheckpoint {
  version: 1;
  iteration: number;
  seed: number;
  encoder: WeightRecord[];
  model: WeightRecord[];
  critic?: WeightRecord[];
  optimizer: AdamRecord;
  criticOptimizer?: AdamRecord;
}

interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  iterations: number;
  learningRate: number;
}

async function saveAdam(opt: tf.Optimizer): Promise<AdamRecord> {
  const a = opt as unknown as AdamInternals;
  if (opt.getClassName() !== 'Adam') throw new TypeError('optimizer: expected tf.train.adam');
  const w = await opt.getWeights();
  const moments = w.slice(1).map((n) => ({
    name: n.name,
    shape: [...n.tensor.shape],
    values: Array.from(n.tensor.dataSync()),
  }));
  tf.dispose(w[0].tensor); // the 'iter' scalar is created by getWeights
  return {
    iterations: a.iterations,
    accBeta1: a.accBeta1.dataSync()[0],
    accBeta2: a.accBeta2.dataSync()[0],
    learningRate: a.learningRate,
    moments,
  };
}

async function loadAdam(rec: AdamRecord, what: string): Promise<tf.Optimizer> {
  if (!rec || !Array.isArray(rec.moments) || !Number.isInteger(rec.iterations)) {
    throw new TypeError(
      `${what}: expected an Adam record { iterations, accBeta1, accBeta2, moments }`,
    );
  }
  const opt = fusedAdam(rec.learningRate);
  const iter = tf.scalar(rec.iterations, 'int32');
  const tensors = rec.moments.map((m) => tf.tensor(m.values, m.shape, 'float32'));
  await opt.setWeights([
    { name: 'iter', tensor: iter },
    ...rec.moments.map((m, i) => ({ name: m.name, tensor: tensors[i] })),
  ]);
  tf.dispose([iter, ...tensors]);
  // setWeights recomputes β^(t+1) with pow; the running products are restored bit-exactly instead.
  const a = opt as unknown as AdamInternals;
  tf.tidy(() => {
    a.accBeta1.assign(tf.scalar(rec.accBeta1));
    a.accBeta2.assign(tf.scalar(rec.accBeta2));
  });
  return opt;
}

/** A JSON-able snapshot of the state and every trained variable (await before the next step). */
export async function inferenceCheckpoint(
  state: InferenceState,
  opts: { encoder: Encoder; model: LatentVariableModel; critic?: LogWeightCritic },
): Promise<InferenceCheckpoint> {
  return {
    version: 1,
    iteration: state.iteration,
    seed: state.seed,
    encoder: opts.encoder.getWeights(),
    model: opts.model.getWeights(),
    ...(opts.critic ? { critic: readWeights(opts.critic.trainableVariables) } : {}),
    optimizer: await saveAdam(state.optimizer),
    ...(state.criticOptimizer ? { criticOptimizer: await saveAdam(state.criticOptimizer) } : {}),
  };
}

/** Restores a checkpoint into the given networks and returns the resumed state. */
export async function inferenceRestore(
  ckpt: InferenceCheckpoint,
  opts: { encoder: Encoder; model: LatentVariableModel; critic?: LogWeightCritic },
): Promise<InferenceState> {
  if (!ckpt || ckpt.version !== 1 || !Number.isInteger(ckpt.iteration)) {
    throw new TypeError('checkpoint: expected an InferenceCheckpoint (version 1)');
  }
  opts.encoder.setWeights(ckpt.encoder);
  opts.model.setWeights(ckpt.model);
  if (opts.critic) {
    if (!ckpt.critic) throw new TypeError('checkpoint: has no critic weights');
    writeWeights(opts.critic.trainableVariables, ckpt.critic, 'critic weights');
  }
  const optimizer = await loadAdam(ckpt.optimizer, 'checkpoint.optimizer');
  const criticOptimizer = ckpt.criticOptimizer
    ? await loadAdam(ckpt.criticOptimizer, 'checkpoint.criticOptimizer')
    : undefined;
  return {
    iteration: ckpt.iteration,
    seed: ckpt.seed,
    learningRate: ckpt.optimizer.learningRate,
    optimizer,
    ...(criticOptimizer
      ? { criticOptimizer, criticLearningRate: ckpt.criticOptimizer?.learningRate }
      : {}),
  };
}
