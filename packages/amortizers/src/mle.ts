import {
  applyOptimizer,
  assertFiniteUpdate,
  assertInt,
  assertLoopOptimizer,
  assertPositive,
  disposeOptimizerStates,
  type EnergyModel,
  foldIn,
  type Kernel,
  type LoopOptimizer,
  runLoop,
} from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import {
  type AmortizedRule,
  type AmortizedRuleInfo,
  applyAmortizedRule,
  assertFiniteDirection,
  samplerSteinDirection,
  validateAmortizedRule,
} from './amortized-svgd';
import type { FeatureSteinDirectionOptions, RepulsionMode } from './direction';
import type { NeuralSampler } from './sampler';

/** An energy model, optionally with the encoder whose code SteinGAN's kernel uses. */
export type EncodingEnergyModel = EnergyModel & { encode?: (x: tf.Tensor) => tf.Tensor2D };

/**
 * The paper's balancing rules for θ (section 5), each switchable. The rules
 * read the mean energies of the current data batch and samples under the
 * current θ.
 */
export interface BalanceOptions {
  /**
   * Use this learning rate for θ when the mean data energy exceeds the mean
   * sample energy (the paper: 0.0005 instead of 0.0001); `false` disables.
   * Default: 5 × energyLearningRate.
   */
  speedUp?: { learningRate: number } | false;
  /**
   * Skip θ's update when the samples' energy exceeds the data's by more than
   * this (the paper: 0.5) — θ is too far ahead; `false` disables. One-sided,
   * as in the authors' code: the literal "magnitude" reading would also freeze
   * θ while data energy ≫ sample energy, which is exactly when θ must move
   * (the generator alone keeps lowering the sample energy: a deadlock).
   */
  freezeGap?: number | false;
  /** Freeze on |data − sample| > freezeGap instead (the literal reading). Default false. */
  freezeTwoSided?: boolean;
  /**
   * γ to use when data energy ≤ sample energy (the authors' MNIST code: 0.9,
   * i.e. weight 0.1 on the samples, and 0.7 otherwise). Default: `gamma` always.
   */
  slowGamma?: number;
}

export interface AmortizedMleOptions
  extends Pick<FeatureSteinDirectionOptions, 'normalize' | 'excludeSelf'> {
  /** f(η; ξ); conditional samplers get the data batch's labels (the empirical label counts). */
  sampler: NeuralSampler;
  /** p(x | θ) ∝ exp(−E(x; θ)) (joint models: E(x, y; θ)). Must accept flattened `[n, dim]` inputs. */
  model: EncodingEnergyModel;
  /** κ on the features; a heuristic bandwidth (e.g. h = 0.5·median) is resolved on each batch's codes. */
  kernel: Kernel;
  /** η's update: (10) `vjp`, (8) `fit` or (9) `leastSquares`. */
  generatorUpdate: AmortizedRule;
  /**
   * θ's optimizer, built with step size `energyLearningRate`: a core
   * `SteinOptimizer` (its per-variable states travel in the stepper state) or a
   * `tf.Optimizer` (applied as it is). Its learning rate is never changed: when
   * the speed-up rule fires, θ's step is scaled by
   * `speedUp.learningRate / energyLearningRate` instead (the same update for
   * Adam, RMSProp, SGD, whose steps are linear in the step size).
   */
  energyOptimizer: LoopOptimizer;
  /** θ's base learning rate, the step size `energyOptimizer` was built with (the paper: 1e-4 with Adam). */
  energyLearningRate: number;
  /** Discount γ of (16): θ ← θ − ε Ê_obs[∇φ] + ε(1 − γ) Ê_η[∇φ]. Default 0.7 (the paper). */
  gamma?: number;
  /** Default: the paper's rules (speed-up 5×, freeze gap 0.5). */
  balance?: BalanceOptions;
  /** Kernel features: `'encode'` (default when the model has `encode`), `'identity'`, or a map. */
  features?: 'encode' | 'identity' | ((x: tf.Tensor2D) => tf.Tensor2D);
  /** Repulsion with features (see `featureSteinDirection`). Default `'approximate'`. */
  repulsion?: RepulsionMode;
  /** η-updates per iteration ("repeat several times when needed"). Default 1. */
  generatorSteps?: number;
}

/** Algorithm 2's state (η and θ live in the networks' variables). */
export interface AmortizedMleState {
  iteration: number;
  seed: number;
  /** With a `SteinOptimizer` for θ: its state per trainable variable (created on the first step). */
  energyOptimizerStates?: unknown[];
  /** With a `SteinOptimizer` in `generatorUpdate`: its state per sampler variable. */
  generatorOptimizerStates?: unknown[];
}

/** The data batch of one iteration: images `[n, ...]`, labels `[n]` for joint models / conditional samplers. */
export interface AmortizedMleBatch {
  data: tf.Tensor;
  labels?: tf.Tensor;
}

/** What one iteration did — log it as a JSON line. */
export interface AmortizedMleRecord {
  iteration: number;
  /** Mean E(x_obs; θ) on the data batch, before θ's update. */
  dataEnergy: number;
  /** Mean E(f(η; ξ); θ) on the samples θ was (or would have been) updated with. */
  sampleEnergy: number;
  /** dataEnergy − sampleEnergy. */
  energyGap: number;
  thetaUpdated: boolean;
  /** `'gap'` when the freeze rule skipped θ's update. */
  thetaSkipReason: 'gap' | null;
  /** θ's learning rate this iteration (base or sped up). */
  energyLearningRate: number;
  /** The discount γ used in (16) this iteration. */
  gamma: number;
  /** Whether the speed-up rule fired. */
  spedUp: boolean;
  /** The kernel with its resolved bandwidth. */
  kernel: string;
  /** η's update diagnostics (last generator step). */
  generator: AmortizedRuleInfo;
}

/** Sets a tfjs optimizer's learning rate (SGD/Momentum via setLearningRate, Adam/RMSProp/… via the field). */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  assertPositive(lr, 'learningRate');
  const o = optimizer as unknown as {
    setLearningRate?: (v: number) => void;
    learningRate?: number;
  };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else if (typeof o.learningRate === 'number') o.learningRate = lr;
  else
    throw new TypeError(`optimizer: cannot set the learning rate of ${optimizer.getClassName()}`);
}

export function amortizedMleInit(opts: { seed?: number } = {}): AmortizedMleState {
  const seed = opts.seed ?? 0;
  assertInt(seed, 'seed', 0, 2 ** 32 - 1);
  return { iteration: 0, seed };
}

/** Frees the optimizer states SteinOptimizers keep (η and θ live in the caller's networks). */
export function amortizedMleDispose(
  state: AmortizedMleState,
  opts?: Pick<AmortizedMleOptions, 'energyOptimizer'> &
    Partial<Pick<AmortizedMleOptions, 'generatorUpdate'>>,
): void {
  disposeOptimizerStates(opts?.energyOptimizer, state.energyOptimizerStates);
  disposeOptimizerStates(opts?.generatorUpdate?.optimizer, state.generatorOptimizerStates);
}

/** One iteration's result: the next state and what it did (`record` is the deprecated 0.1 name of `info`). */
export interface AmortizedMleStepResult {
  state: AmortizedMleState;
  info: AmortizedMleRecord;
  /** @deprecated Use `info`. */
  record: AmortizedMleRecord;
}

/** The loop's options: the step's, the batches, at most `iterations` steps, the seed. */
export interface AmortizedMleLoopOptions extends AmortizedMleOptions {
  batches: Iterable<AmortizedMleBatch>;
  iterations?: number;
  seed?: number;
}

/**
 * The loop over {@link amortizedMleStep} (core's `runLoop`): one iteration per
 * batch of `batches` (at most `iterations`), each batch disposed after its
 * step. `onStep` sees each info; returning false stops; an async `onStep`
 * makes the loop return a Promise.
 */
export function amortizedMle(
  opts: AmortizedMleLoopOptions & {
    onStep: (info: AmortizedMleRecord) => Promise<unknown>;
  },
): Promise<AmortizedMleState>;
export function amortizedMle(
  opts: AmortizedMleLoopOptions & {
    onStep?: (info: AmortizedMleRecord) => void;
  },
): AmortizedMleState;
export function amortizedMle(
  opts: AmortizedMleLoopOptions & { onStep?: (info: AmortizedMleRecord) => unknown },
): AmortizedMleState | Promise<AmortizedMleState> {
  if (opts.iterations !== undefined) assertInt(opts.iterations, 'iterations', 0);
  const batches = opts.batches[Symbol.iterator]();
  return runLoop({
    state: amortizedMleInit({ seed: opts.seed }),
    steps: opts.iterations ?? Number.POSITIVE_INFINITY,
    step: (s) => {
      const next = batches.next();
      if (next.done) return undefined;
      const batch = next.value;
      try {
        return amortizedMleStep(s, batch, opts);
      } finally {
        tf.dispose([batch.data, ...(batch.labels ? [batch.labels] : [])]);
      }
    },
    onStep: opts.onStep,
  });
}

function featureMap(opts: AmortizedMleOptions): ((x: tf.Tensor2D) => tf.Tensor2D) | undefined {
  const f = opts.features ?? (opts.model.encode ? 'encode' : 'identity');
  if (typeof f === 'function') return f;
  if (f === 'identity') return undefined;
  if (f === 'encode') {
    const enc = opts.model.encode;
    if (!enc) throw new TypeError("features: 'encode' needs a model with encode(x)");
    return (x) => enc.call(opts.model, x);
  }
  throw new TypeError(`features: expected 'encode', 'identity' or a function, got ${String(f)}`);
}

/**
 * One iteration of Algorithm 2 (amortized MLE, SteinGAN): η follows p(x | θ)
 * by amortized SVGD with the kernel on features, then θ takes one step of
 * (16) on a data batch and fresh samples f(η; ξ) (same ξ, updated η), with the
 * balancing rules. `batch.data`: `[n, ...]` (flattened or the model's shape);
 * `batch.labels` `[n]` for joint models / conditional samplers.
 */
export function amortizedMleStep(
  state: AmortizedMleState,
  batch: AmortizedMleBatch,
  opts: AmortizedMleOptions,
): AmortizedMleStepResult;
/** @deprecated The 0.1 argument order; use `amortizedMleStep(state, batch, opts)`. */
export function amortizedMleStep(
  state: AmortizedMleState,
  opts: AmortizedMleOptions,
  batch: AmortizedMleBatch,
): AmortizedMleStepResult;
export function amortizedMleStep(
  state: AmortizedMleState,
  a: AmortizedMleBatch | AmortizedMleOptions,
  b: AmortizedMleOptions | AmortizedMleBatch,
): AmortizedMleStepResult {
  const legacy = a != null && typeof a === 'object' && 'sampler' in a && 'model' in a;
  const batch = (legacy ? b : a) as AmortizedMleBatch;
  const opts = (legacy ? a : b) as AmortizedMleOptions;
  if (batch == null || typeof batch !== 'object') {
    throw new TypeError(`batch: expected { data: Tensor [n, ...], labels? }, got ${String(batch)}`);
  }
  const { sampler, model } = opts;
  const gamma = opts.gamma ?? 0.7;
  if (!(gamma >= 0 && gamma <= 1))
    throw new RangeError(`gamma: expected a number in [0, 1], got ${gamma}`);
  assertPositive(opts.energyLearningRate, 'energyLearningRate');
  const balance = opts.balance ?? {};
  const speedUp =
    balance.speedUp === false
      ? null
      : (balance.speedUp?.learningRate ?? 5 * opts.energyLearningRate);
  if (speedUp !== null) assertPositive(speedUp, 'balance.speedUp.learningRate');
  const freezeGap = balance.freezeGap === false ? null : (balance.freezeGap ?? 0.5);
  if (freezeGap !== null) assertPositive(freezeGap, 'balance.freezeGap');
  const slowGamma = balance.slowGamma ?? gamma;
  if (!(slowGamma >= 0 && slowGamma <= 1)) {
    throw new RangeError(`balance.slowGamma: expected a number in [0, 1], got ${slowGamma}`);
  }
  const steps = opts.generatorSteps ?? 1;
  assertInt(steps, 'generatorSteps', 1);
  const data = batch.data;
  if (data == null || !Array.isArray(data.shape) || data.rank < 2) {
    throw new TypeError(`batch.data: expected a tensor [n, ...], got ${String(data)}`);
  }
  const n = data.shape[0];
  assertInt(n, 'batch.data.shape[0]', 2);
  if (data.dtype !== 'float32') {
    throw new TypeError(`batch.data: expected a float32 tensor, got ${data.dtype}`);
  }
  if (data.size / n !== sampler.dim) {
    throw new RangeError(
      `batch.data: expected ${sampler.dim} values per row (the sampler's dim), got shape [${data.shape.join(', ')}]`,
    );
  }
  validateAmortizedRule(opts.generatorUpdate, 'generatorUpdate');
  assertLoopOptimizer(opts.energyOptimizer, 'energyOptimizer');
  {
    // everything is validated before η or θ moves: non-finite data would poison θ
    const ok = tf.tidy(() => tf.all(tf.isFinite(data)));
    const finite = ok.dataSync()[0] === 1;
    ok.dispose();
    if (!finite) {
      throw new RangeError(
        `batch.data: iteration ${state.iteration + 1}: expected finite values, found NaN/±Inf; nothing was updated`,
      );
    }
  }
  if (batch.labels !== undefined && (batch.labels.rank < 1 || batch.labels.shape[0] !== n)) {
    throw new RangeError(
      `batch.labels: expected [${n}] labels, got [${batch.labels.shape.join(', ')}]`,
    );
  }
  const features = featureMap(opts);
  const conditional = sampler.numClasses !== undefined;
  // Iteration t's draws are a pure function of (seed, t): ξ of generator step g, labels.
  const stepSeed = foldIn(state.seed, state.iteration);
  const ownLabels =
    conditional && batch.labels === undefined ? sampler.labels(n, foldIn(stepSeed, 1)) : undefined;
  const sampleLabels = conditional ? (batch.labels ?? ownLabels) : undefined;
  // Labels go to the model iff the data batch has them (joint energy (15)).
  const modelLabels = batch.labels !== undefined ? (sampleLabels ?? batch.labels) : undefined;

  let kernelName = opts.kernel.name;
  let generator: AmortizedRuleInfo = { rule: opts.generatorUpdate.rule };
  let generatorOptimizerStates = state.generatorOptimizerStates;
  let noise: tf.Tensor2D | null = null;
  let xs: tf.Tensor2D | null = null;
  try {
    for (let g = 0; g < steps; g++) {
      noise?.dispose();
      noise = sampler.noise(n, g === 0 ? stepSeed : foldIn(stepSeed, g + 1));
      const z = noise;
      const d = samplerSteinDirection(
        sampler,
        z,
        sampleLabels,
        (x) => tf.reshape(model.score(x, modelLabels), x.shape) as tf.Tensor2D,
        { ...opts, features },
      );
      kernelName = d.kernelName;
      const dx = d.direction;
      try {
        assertFiniteDirection(dx, state.iteration + 1, 'amortizedMle');
        const { optimizerStates, ...info } = applyAmortizedRule(
          sampler,
          { noise: z, labels: sampleLabels },
          dx,
          opts.generatorUpdate,
          generatorOptimizerStates,
        );
        generator = info;
        generatorOptimizerStates = optimizerStates;
      } finally {
        dx.dispose();
      }
    }
    // θ by (16): minimize Ê_obs[φ] − (1 − γ) Ê_η[φ] on fresh samples (same ξ, updated η).
    const z = noise as tf.Tensor2D;
    xs = tf.tidy(() => sampler.apply(z, sampleLabels));
    const xsNow = xs;
    // One forward pass of θ's energies serves both the balancing rules and
    // θ's gradient: the rules read the two mean energies inside the taped
    // function, which then returns (16)'s objective with the γ they chose;
    // the gradient is applied only when the freeze rule allows.
    let dataEnergy = Number.NaN;
    let sampleEnergy = Number.NaN;
    let g = gamma;
    const { value, grads } = tf.variableGrads(() => {
      const eData = tf.mean(model.energy(data, batch.labels));
      const eSamples = tf.mean(model.energy(xsNow, modelLabels));
      [dataEnergy, sampleEnergy] = tf.stack([eData, eSamples]).dataSync();
      g = dataEnergy > sampleEnergy ? gamma : slowGamma;
      // θ's objective of (16): Ê_obs[φ] − (1 − γ) Ê_η[φ]
      return tf.sub(eData, tf.mul(1 - g, eSamples)) as tf.Scalar;
    }, model.trainableVariables);
    let energyOptimizerStates = state.energyOptimizerStates;
    let gap = Number.NaN;
    let spedUp = false;
    let lr = opts.energyLearningRate;
    let skip = false;
    try {
      if (!Number.isFinite(dataEnergy) || !Number.isFinite(sampleEnergy)) {
        throw new RangeError(
          `energy: non-finite mean energies (data ${dataEnergy}, samples ${sampleEnergy}) at iteration ${state.iteration + 1}; θ was not updated`,
        );
      }
      gap = dataEnergy - sampleEnergy;
      spedUp = speedUp !== null && dataEnergy > sampleEnergy;
      lr = spedUp ? (speedUp as number) : opts.energyLearningRate;
      skip =
        freezeGap !== null &&
        (balance.freezeTwoSided ? Math.abs(gap) > freezeGap : -gap > freezeGap);
      if (!skip) {
        assertFiniteUpdate(grads, 'amortizedMle', state.iteration + 1, "θ's gradient");
        energyOptimizerStates = applyOptimizer(
          opts.energyOptimizer,
          model.trainableVariables,
          grads,
          state.energyOptimizerStates,
          lr / opts.energyLearningRate,
        );
      }
    } finally {
      tf.dispose([value, ...Object.values(grads)]);
    }
    const info: AmortizedMleRecord = {
      iteration: state.iteration + 1,
      dataEnergy,
      sampleEnergy,
      energyGap: gap,
      thetaUpdated: !skip,
      thetaSkipReason: skip ? 'gap' : null,
      energyLearningRate: lr,
      gamma: g,
      spedUp,
      kernel: kernelName,
      generator,
    };
    const next: AmortizedMleState = { iteration: state.iteration + 1, seed: state.seed };
    if (energyOptimizerStates) next.energyOptimizerStates = energyOptimizerStates;
    if (generatorOptimizerStates) next.generatorOptimizerStates = generatorOptimizerStates;
    return { state: next, info, record: info };
  } finally {
    noise?.dispose();
    xs?.dispose();
    ownLabels?.dispose();
  }
}
