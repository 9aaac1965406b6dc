import { assert2D, assertInt, createRng, type Sampler } from '@steinkit/core';
import type * as tfl from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';

/** ξ ~ q₀: `'uniform'` (U[−1, 1], the paper), `'normal'` (N(0, 1)), or your own `(n, dim, seed) → [n, dim]`. */
export type NoiseSource =
  | 'uniform'
  | 'normal'
  | ((n: number, dim: number, seed: number) => tf.Tensor2D);

export interface NeuralSamplerOptions {
  /**
   * The network f(η; ·): a tfjs layers model (its trainable weights are η) or a
   * function of the network input whose parameters are `variables`.
   */
  net: tfl.LayersModel | ((input: tf.Tensor2D) => tf.Tensor);
  /** η when `net` is a function. */
  variables?: tf.Variable[];
  /** Dimension of ξ. Default 100 (the paper). */
  noiseDim?: number;
  /** q₀. Default `'uniform'` on [−1, 1]. */
  noise?: NoiseSource;
  /**
   * A conditional sampler f(η; ξ, y): labels 0..K−1. By default the network
   * input is [ξ, onehot(y)] (`noiseDim + numClasses` columns).
   */
  numClasses?: number;
  /** Class probabilities used when `sample` draws labels itself. Default uniform. */
  labelProbs?: number[];
  /** Your own combination of ξ `[n, noiseDim]` and labels `[n]` (int32) into the network input. */
  labelMapping?: (noise: tf.Tensor2D, labels: tf.Tensor1D) => tf.Tensor2D;
  /** Shape of one output as the network emits it (e.g. `[28, 28, 1]`); inferred by a dry run if omitted. */
  outputShape?: number[];
  /** Seed of the sampler's own noise stream. Default 0. */
  seed?: number;
}

/**
 * A neural sampler x = f(η; ξ), ξ ~ q₀ (optionally conditioned on a label):
 * implements core's `Sampler` (flattened `[n, dim]` draws) and exposes the
 * differentiable map for the amortized updates (8)–(10).
 */
export interface NeuralSampler extends Sampler {
  readonly dim: number;
  readonly noiseDim: number;
  readonly numClasses?: number;
  /** Shape of one sample as the network emits it. */
  readonly outputShape: number[];
  /** η. */
  readonly trainableVariables: tf.Variable[];
  /** ξ `[n, noiseDim]` from q₀; seeded draws are reproducible, otherwise the sampler's stream advances. */
  noise(n: number, seed?: number): tf.Tensor2D;
  /** Labels `[n]` (int32) drawn from `labelProbs` (conditional samplers only). */
  labels(n: number, seed?: number): tf.Tensor1D;
  /** f(η; ξ[, y]) flattened to `[n, dim]`; differentiable w.r.t. η (call inside tf.grad / variableGrads). */
  apply(noise: tf.Tensor2D, labels?: tf.Tensor): tf.Tensor2D;
  /** f(η; ξ[, y]) in the network's own output shape `[n, ...outputShape]`. */
  applyRaw(noise: tf.Tensor2D, labels?: tf.Tensor): tf.Tensor;
  /** n fresh samples `[n, dim]`; a conditional sampler draws labels unless given. */
  sample(n: number, seed?: number, labels?: tf.Tensor): tf.Tensor2D;
  /** η as plain JSON (names in order, shapes, values). */
  getWeights(): { name: string; shape: number[]; values: number[] }[];
  /** Restores `getWeights()` output; checks count, shapes and finiteness before assigning anything. */
  setWeights(weights: unknown): void;
}

function isLayersModel(net: unknown): net is tfl.LayersModel {
  return (
    typeof net === 'object' &&
    net !== null &&
    'apply' in net &&
    'trainableWeights' in net &&
    typeof (net as tfl.LayersModel).apply === 'function'
  );
}

/** η and the forward map of `opts.net` (a layers model in training mode, or a function with its variables). */
function resolveNet(opts: NeuralSamplerOptions): {
  variables: tf.Variable[];
  run: (input: tf.Tensor2D) => tf.Tensor;
} {
  const net = opts.net;
  if (isLayersModel(net)) {
    return {
      variables: net.trainableWeights.map((w) => w.read() as tf.Variable),
      run: (input) => net.apply(input, { training: true }) as tf.Tensor,
    };
  }
  if (typeof net === 'function') {
    if (!Array.isArray(opts.variables) || opts.variables.length === 0) {
      throw new TypeError('variables: a function net needs its tf.Variables (η)');
    }
    return { variables: [...opts.variables], run: net };
  }
  throw new TypeError(`net: expected a tfjs LayersModel or a function, got ${String(net)}`);
}

/** The label distribution of a conditional sampler (validated), undefined otherwise; checks a layers net's input width. */
function resolveLabels(opts: NeuralSamplerOptions, noiseDim: number): number[] | undefined {
  const numClasses = opts.numClasses;
  let labelProbs: number[] | undefined;
  if (numClasses !== undefined) {
    labelProbs = opts.labelProbs ?? new Array(numClasses).fill(1 / numClasses);
    if (labelProbs.length !== numClasses || labelProbs.some((p) => !(p >= 0))) {
      throw new RangeError(`labelProbs: expected ${numClasses} non-negative numbers`);
    }
  } else if (opts.labelProbs || opts.labelMapping) {
    throw new TypeError('labelProbs/labelMapping: set numClasses for a conditional sampler');
  }
  if (isLayersModel(opts.net) && !opts.labelMapping) {
    // the net's declared input width must be what netInput builds: ξ (plus the one-hot label)
    const inShape = opts.net.inputs?.[0]?.shape;
    const want = noiseDim + (numClasses ?? 0);
    if (inShape && inShape.length === 2 && typeof inShape[1] === 'number' && inShape[1] !== want) {
      throw new RangeError(
        `noiseDim: the net takes inputs of width ${inShape[1]}, but noiseDim = ${noiseDim}${numClasses !== undefined ? ` + numClasses = ${numClasses}` : ''} gives ${want}`,
      );
    }
  }
  return labelProbs;
}

/** ξ `[n, noiseDim]` from q₀ with a seed. */
function noiseDrawer(noiseSrc: NoiseSource, noiseDim: number) {
  return (n: number, seed: number): tf.Tensor2D => {
    if (typeof noiseSrc === 'function') {
      const z = noiseSrc(n, noiseDim, seed);
      assert2D(z, 'noise(n)', n, noiseDim);
      return z;
    }
    const r = createRng(seed);
    return (
      noiseSrc === 'uniform' ? r.uniform([n, noiseDim], -1, 1) : r.normal([n, noiseDim])
    ) as tf.Tensor2D;
  };
}

/** Labels `[n]` (int32) from `labelProbs` with a seed. */
function labelDrawer(labelProbs: number[] | undefined) {
  return (n: number, seed: number): tf.Tensor1D => {
    if (!labelProbs)
      throw new TypeError('labels: this sampler is not conditional (numClasses unset)');
    const probs = labelProbs;
    return tf.tidy(() => {
      const logits = tf.log(tf.tensor2d([probs], [1, probs.length]));
      return tf.cast(
        tf.reshape(tf.multinomial(logits, n, seed, false), [n]),
        'int32',
      ) as tf.Tensor1D;
    });
  };
}

/** The network input: ξ, or [ξ, onehot(y)] / `labelMapping(ξ, y)` for a conditional sampler. */
function inputBuilder(
  noiseDim: number,
  numClasses: number | undefined,
  labelMapping: NeuralSamplerOptions['labelMapping'],
) {
  return (noise: tf.Tensor2D, labels?: tf.Tensor): tf.Tensor2D => {
    assert2D(noise, 'noise', null, noiseDim);
    const n = noise.shape[0];
    if (numClasses === undefined) {
      if (labels !== undefined)
        throw new TypeError('labels: this sampler is not conditional (numClasses unset)');
      return noise;
    }
    if (labels === undefined) {
      throw new TypeError(
        `labels: a conditional sampler needs labels [${n}] (int32, 0..${numClasses - 1})`,
      );
    }
    if (labels.rank !== 1 || labels.shape[0] !== n) {
      throw new RangeError(`labels: expected shape [${n}], got [${labels.shape.join(', ')}]`);
    }
    const y = tf.cast(labels, 'int32') as tf.Tensor1D;
    if (labelMapping) return labelMapping(noise, y);
    return tf.concat([noise, tf.cast(tf.oneHot(y, numClasses), 'float32')], 1) as tf.Tensor2D;
  };
}

/** Assigns `getWeights()` output to η after checking count, shapes and finiteness (nothing moves on an error). */
function setWeightsChecked(variables: tf.Variable[], weights: unknown): void {
  if (!Array.isArray(weights) || weights.length !== variables.length) {
    throw new RangeError(
      `weights: expected ${variables.length} entries, got ${Array.isArray(weights) ? weights.length : typeof weights}`,
    );
  }
  weights.forEach((w, i) => {
    const v = variables[i];
    const size = v.shape.reduce((a, b) => a * b, 1);
    if (
      !w ||
      !Array.isArray(w.shape) ||
      w.shape.length !== v.shape.length ||
      w.shape.some((s: number, k: number) => s !== v.shape[k]) ||
      !Array.isArray(w.values) ||
      w.values.length !== size
    ) {
      throw new RangeError(
        `weights[${i}]: expected shape [${v.shape.join(', ')}] with ${size} values`,
      );
    }
    if (w.values.some((x: unknown) => typeof x !== 'number' || !Number.isFinite(x))) {
      throw new RangeError(`weights[${i}]: expected finite values`);
    }
  });
  weights.forEach((w, i) => {
    tf.tidy(() => variables[i].assign(tf.tensor(w.values, variables[i].shape, 'float32')));
  });
}

/** Builds a {@link NeuralSampler} around a tfjs model or a function with variables. */
export function neuralSampler(opts: NeuralSamplerOptions): NeuralSampler {
  const noiseDim = opts.noiseDim ?? 100;
  assertInt(noiseDim, 'noiseDim', 1);
  const numClasses = opts.numClasses;
  if (numClasses !== undefined) assertInt(numClasses, 'numClasses', 2);
  const noiseSrc = opts.noise ?? 'uniform';
  if (noiseSrc !== 'uniform' && noiseSrc !== 'normal' && typeof noiseSrc !== 'function') {
    throw new TypeError(
      `noise: expected 'uniform', 'normal' or a function, got ${String(noiseSrc)}`,
    );
  }
  const rng = createRng(opts.seed ?? 0);
  const { variables, run } = resolveNet(opts);
  const labelProbs = resolveLabels(opts, noiseDim);
  const drawNoise = noiseDrawer(noiseSrc, noiseDim);
  const drawLabels = labelDrawer(labelProbs);
  const netInput = inputBuilder(noiseDim, numClasses, opts.labelMapping);

  let outputShape = opts.outputShape;
  if (!outputShape) {
    outputShape = tf.tidy(() => {
      const z = drawNoise(1, 0);
      const y = numClasses !== undefined ? tf.zeros([1], 'int32') : undefined;
      return run(netInput(z, y)).shape.slice(1);
    });
  }
  outputShape.forEach((s, i) => {
    assertInt(s, `outputShape[${i}]`, 1);
  });
  const shape = [...outputShape];
  const dim = shape.reduce((a, b) => a * b, 1);

  // the apply part: f(η; ξ[, y]) checked against the output shape, and flattened
  const applyRaw = (noise: tf.Tensor2D, labels?: tf.Tensor) =>
    tf.tidy(() => {
      const out = run(netInput(noise, labels));
      const ok =
        out.rank === shape.length + 1 && out.shape.slice(1).every((s, i) => s === shape[i]);
      if (!ok) {
        throw new RangeError(
          `net output: expected shape [n, ${shape.join(', ')}], got [${out.shape.join(', ')}]`,
        );
      }
      return out;
    });
  const apply = (noise: tf.Tensor2D, labels?: tf.Tensor) =>
    tf.tidy(() => tf.reshape(applyRaw(noise, labels), [noise.shape[0], dim]) as tf.Tensor2D);

  return {
    dim,
    noiseDim,
    ...(numClasses !== undefined ? { numClasses } : {}),
    outputShape: shape,
    trainableVariables: variables,
    noise(n, seed) {
      assertInt(n, 'n', 1);
      return drawNoise(n, seed ?? rng.nextSeed());
    },
    labels(n, seed) {
      assertInt(n, 'n', 1);
      return drawLabels(n, seed ?? rng.nextSeed());
    },
    apply,
    applyRaw,
    sample(n, seed, labels) {
      assertInt(n, 'n', 1);
      const r = seed === undefined ? rng.fork() : createRng(seed);
      return tf.tidy(() => {
        const z = drawNoise(n, r.nextSeed());
        const y = numClasses !== undefined ? (labels ?? drawLabels(n, r.nextSeed())) : labels;
        return apply(z, y);
      });
    },
    getWeights() {
      return variables.map((v) => ({
        name: v.name,
        shape: [...v.shape],
        values: Array.from(v.dataSync()),
      }));
    },
    setWeights(weights) {
      setWeightsChecked(variables, weights);
    },
  };
}
