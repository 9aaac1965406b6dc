import { assertInt, createRng } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';

/** Hidden-layer nonlinearity of an {@link Mlp}. */
export type MlpActivation = 'tanh' | 'relu' | 'softplus' | 'linear';

export interface MlpOptions {
  /** Layer widths including input and output, e.g. `[784, 200, 200]`. */
  sizes: number[];
  /** Nonlinearity after every layer except (by default) the last. Default `'tanh'`. */
  activation?: MlpActivation;
  /** Apply the activation after the last layer too (an encoder *body*). Default false. */
  activateOutput?: boolean;
  /** Seed of the Glorot-uniform weights (biases start at 0). Default 0. */
  seed?: number;
  /** Scale on the last layer's initial weights (0 starts it at the zero map). Default 1. */
  outputScale?: number;
  /** Variable-name prefix (names stay unique either way). */
  name?: string;
  /**
   * Initial bias of the last layer (length `sizes.at(-1)`; default zeros) —
   * e.g. the logit of the training-data mean for a Bernoulli decoder (Burda et al. 2016).
   */
  outputBias?: ArrayLike<number>;
}

/** A dense network on `[n, in]` rows with its variables (W₁, b₁, W₂, b₂, …). */
export interface Mlp {
  readonly sizes: readonly number[];
  readonly variables: tf.Variable[];
  /** `[n, sizes[0]]` → `[n, sizes.at(-1)]`; differentiable in the variables. */
  apply(x: tf.Tensor2D): tf.Tensor2D;
  dispose(): void;
}

let uid = 0;
/** Unique variable names (tfjs registers variables globally by name). */
export function uniqueName(prefix: string): string {
  return `steinkit_inference_${prefix}_${uid++}`;
}

export function activate(x: tf.Tensor, a: MlpActivation): tf.Tensor {
  switch (a) {
    case 'tanh':
      return tf.tanh(x);
    case 'relu':
      return tf.relu(x);
    case 'softplus':
      return tf.softplus(x);
    case 'linear':
      return x;
    default:
      throw new TypeError(
        `activation: expected 'tanh', 'relu', 'softplus' or 'linear', got ${String(a)}`,
      );
  }
}

function describeLength(v: unknown): string {
  return v !== null && typeof v === 'object' && 'length' in v
    ? `${(v as ArrayLike<unknown>).length} values`
    : String(v);
}

/** A seeded dense MLP (Glorot-uniform weights, zero biases unless `outputBias`). */
export function mlp(opts: MlpOptions): Mlp {
  const { sizes, activation = 'tanh', activateOutput = false, outputScale = 1 } = opts;
  if (!Array.isArray(sizes) || sizes.length < 2) {
    throw new RangeError(`sizes: expected at least [in, out], got ${JSON.stringify(sizes)}`);
  }
  sizes.forEach((s, i) => {
    assertInt(s, `sizes[${i}]`, 1);
  });
  tf.tidy(() => {
    activate(tf.scalar(0), activation); // validates the name
  });
  const out = sizes[sizes.length - 1];
  const ob = opts.outputBias;
  if (ob !== undefined) {
    if (ob === null || typeof ob !== 'object' || ob.length !== out) {
      throw new RangeError(`outputBias: expected ${out} numbers, got ${describeLength(ob)}`);
    }
    for (let j = 0; j < out; j++) {
      if (typeof ob[j] !== 'number' || !Number.isFinite(ob[j])) {
        throw new RangeError(`outputBias[${j}]: expected a finite number, got ${String(ob[j])}`);
      }
    }
  }
  const rng = createRng(opts.seed ?? 0);
  const prefix = opts.name ?? 'mlp';
  const variables: tf.Variable[] = [];
  const layers: { W: tf.Variable; b: tf.Variable }[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const [fanIn, fanOut] = [sizes[l], sizes[l + 1]];
    const lim = Math.sqrt(6 / (fanIn + fanOut)) * (l + 2 === sizes.length ? outputScale : 1);
    const w0 = rng.uniform([fanIn, fanOut], -lim, lim);
    const W = tf.variable(w0, true, uniqueName(`${prefix}_W${l}`));
    w0.dispose();
    const b0 =
      ob !== undefined && l + 2 === sizes.length
        ? tf.tensor1d(Float32Array.from(ob))
        : tf.zeros([fanOut]);
    const b = tf.variable(b0, true, uniqueName(`${prefix}_b${l}`));
    b0.dispose();
    layers.push({ W, b });
    variables.push(W, b);
  }
  return {
    sizes: [...sizes],
    variables,
    apply(x) {
      if (x.rank !== 2 || x.shape[1] !== sizes[0]) {
        throw new RangeError(`x: expected shape [n, ${sizes[0]}], got [${x.shape.join(', ')}]`);
      }
      return tf.tidy(() => {
        let h: tf.Tensor = x;
        layers.forEach(({ W, b }, l) => {
          h = tf.add(tf.matMul(h as tf.Tensor2D, W), b);
          if (l + 1 < layers.length || activateOutput) h = activate(h, activation);
        });
        return h as tf.Tensor2D;
      });
    },
    dispose() {
      tf.dispose(variables);
    },
  };
}

/** Weights as plain JSON: names, shapes and values, in order. */
export interface WeightRecord {
  name: string;
  shape: number[];
  values: number[];
}

export function readWeights(variables: readonly tf.Variable[]): WeightRecord[] {
  return variables.map((v) => ({
    name: v.name,
    shape: [...v.shape],
    values: Array.from(v.dataSync()),
  }));
}

/** Assigns {@link readWeights} output; checks count, shapes and finiteness before assigning anything. */
export function writeWeights(
  variables: readonly tf.Variable[],
  weights: unknown,
  what = 'weights',
): void {
  if (!Array.isArray(weights) || weights.length !== variables.length) {
    throw new RangeError(
      `${what}: expected ${variables.length} entries, got ${Array.isArray(weights) ? weights.length : typeof weights}`,
    );
  }
  weights.forEach((w, i) => {
    const v = variables[i];
    const size = v.size;
    const ok =
      w &&
      Array.isArray(w.shape) &&
      w.shape.length === v.shape.length &&
      w.shape.every((s: number, k: number) => s === v.shape[k]) &&
      Array.isArray(w.values) &&
      w.values.length === size;
    if (!ok) {
      throw new RangeError(
        `${what}[${i}]: expected shape [${v.shape.join(', ')}] with ${size} values`,
      );
    }
    if (w.values.some((x: unknown) => typeof x !== 'number' || !Number.isFinite(x))) {
      throw new RangeError(`${what}[${i}]: expected finite values`);
    }
  });
  weights.forEach((w, i) => {
    tf.tidy(() => variables[i].assign(tf.tensor(w.values, variables[i].shape, 'float32')));
  });
}
