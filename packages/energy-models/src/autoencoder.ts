import { assertInt, assertPositive, createRng, type EnergyModel } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { bias, weight } from './init';
import { toOneHot } from './labels';
import { assignWeightsRecord, toWeightsRecord, type WeightsRecord } from './weights';

export type Activation = 'relu' | 'leakyRelu' | 'elu' | 'tanh' | 'linear';
export type OutputActivation = 'sigmoid' | 'tanh' | 'linear';

/** Architecture of {@link autoencoderEnergy}; JSON-able (stored in checkpoints). */
export interface AutoencoderEnergyConfig {
  /** Shape of one input, e.g. `[28, 28, 1]` (NHWC without n) or `[d]` (mlp only). */
  inputShape: number[];
  /** `'mlp'` (lean, fast default) or `'conv'` (paper-like: 5×5 conv 64 → 5×5 conv 128 → FC code → mirrored decoder). */
  arch?: 'mlp' | 'conv';
  /** Code size: 64 for mlp, 512 for conv by default. */
  codeDim?: number;
  /** mlp hidden widths of the encoder (decoder mirrors them). Default `[256]`. */
  hidden?: number[];
  /** conv channels of the two stride-2 convolutions. Default `[64, 128]`. */
  filters?: [number, number];
  /** conv kernel size. Default 5. */
  kernelSize?: number;
  /** Hidden activation. Default `'leakyRelu'` (slope 0.2). */
  activation?: Activation;
  /** Decoder output: `'sigmoid'` for images in [0, 1] (default), `'tanh'` for [−1, 1]. */
  outputActivation?: OutputActivation;
  /** Classes of the joint image–label energy (15); omit for (14). */
  numClasses?: number;
  /** Margin m of (15): max(m, CE). Default 0.2 (the paper's MNIST value). */
  margin?: number;
  /** Weight w of the label term: ‖x − D(E(x))‖ + w·max(m, CE). Default 1 (eq. 15 as written). */
  labelWeight?: number;
  /** Weight init N(0, initStd²) (the paper: 0.02); default Glorot-uniform. */
  initStd?: number;
  /** Seed of the initial weights. Default 0. */
  seed?: number;
}

/**
 * The autoencoder energy (14) E(x; θ) = ‖x − D(E(x))‖ (per-sample L2 norm,
 * computed as √(‖·‖² + 1e-8) so the score is finite at a perfect
 * reconstruction), and with `numClasses` the joint energy (15)
 * ‖x − D(E(x))‖ + w·max(m, CE(y | E(x))) with a linear classifier on the code
 * (w = `labelWeight`, 1 in the paper).
 */
export interface AutoencoderEnergy extends EnergyModel {
  readonly config: Readonly<Required<Omit<AutoencoderEnergyConfig, 'numClasses' | 'initStd'>>> & {
    numClasses?: number;
    initStd?: number;
  };
  /** Flattened input size (product of inputShape). */
  readonly inputDim: number;
  readonly codeDim: number;
  /** The code E(x; θ) `[n, codeDim]` — what SteinGAN's kernel uses. x: `[n, ...inputShape]` or `[n, inputDim]`. */
  encode(x: tf.Tensor): tf.Tensor2D;
  /** D(code), `[n, ...inputShape]`. */
  decode(code: tf.Tensor2D): tf.Tensor;
  /** ‖x − D(E(x))‖ per row, `[n]`. */
  reconstructionEnergy(x: tf.Tensor): tf.Tensor1D;
  /** Class logits of the joint model `[n, K]` (throws if numClasses is unset). */
  logits(x: tf.Tensor): tf.Tensor2D;
  /** (14), or (15) when the model is joint; y: int labels `[n]` or one-hot `[n, K]`. */
  energy(x: tf.Tensor, y?: tf.Tensor): tf.Tensor1D;
  /** −∇ₓ energy by autodiff, same shape as x. */
  score(x: tf.Tensor, y?: tf.Tensor): tf.Tensor;
  readonly trainableVariables: tf.Variable[];
  /** A JSON-able snapshot of config and weights. */
  save(): WeightsRecord;
  /** Restores weights saved by `save` (checked: model, names, shapes, finiteness). */
  load(record: unknown): void;
  dispose(): void;
}

const MODEL = 'autoencoderEnergy';

function act(x: tf.Tensor, a: Activation): tf.Tensor {
  switch (a) {
    case 'relu':
      return tf.relu(x);
    case 'leakyRelu':
      return tf.leakyRelu(x, 0.2);
    case 'elu':
      return tf.elu(x);
    case 'tanh':
      return tf.tanh(x);
    default:
      return x;
  }
}

function outAct(x: tf.Tensor, a: OutputActivation): tf.Tensor {
  if (a === 'sigmoid') return tf.sigmoid(x);
  if (a === 'tanh') return tf.tanh(x);
  return x;
}

type Config = AutoencoderEnergy['config'];
type Dense = { W: tf.Variable; b: tf.Variable };
/** The encoder E and decoder D of one architecture, as functions of the built weights. */
interface Networks {
  encode: (x: tf.Tensor) => tf.Tensor2D;
  decode: (c: tf.Tensor2D) => tf.Tensor;
}

/** Validates `config` and fills in the defaults (the stored, JSON-able config). */
function resolveConfig(config: AutoencoderEnergyConfig): Config {
  const arch = config.arch ?? 'mlp';
  if (arch !== 'mlp' && arch !== 'conv') {
    throw new TypeError(`config.arch: expected 'mlp' or 'conv', got ${String(arch)}`);
  }
  const inputShape = config.inputShape;
  if (!Array.isArray(inputShape) || inputShape.length === 0) {
    throw new TypeError(
      `config.inputShape: expected e.g. [28, 28, 1] or [d], got ${String(inputShape)}`,
    );
  }
  inputShape.forEach((s, i) => {
    assertInt(s, `config.inputShape[${i}]`, 1);
  });
  if (arch === 'conv' && inputShape.length !== 3) {
    throw new RangeError(
      `config.inputShape: the conv arch expects [h, w, c], got [${inputShape.join(', ')}]`,
    );
  }
  const cfg = {
    inputShape: [...inputShape],
    arch,
    codeDim: config.codeDim ?? (arch === 'conv' ? 512 : 64),
    hidden: config.hidden ?? [256],
    filters: config.filters ?? ([64, 128] as [number, number]),
    kernelSize: config.kernelSize ?? 5,
    activation: config.activation ?? 'leakyRelu',
    outputActivation: config.outputActivation ?? 'sigmoid',
    margin: config.margin ?? 0.2,
    labelWeight: config.labelWeight ?? 1,
    seed: config.seed ?? 0,
    ...(config.numClasses !== undefined ? { numClasses: config.numClasses } : {}),
    ...(config.initStd !== undefined ? { initStd: config.initStd } : {}),
  } as Config;
  assertInt(cfg.codeDim, 'config.codeDim', 1);
  cfg.hidden.forEach((h, i) => {
    assertInt(h, `config.hidden[${i}]`, 1);
  });
  cfg.filters.forEach((h, i) => {
    assertInt(h, `config.filters[${i}]`, 1);
  });
  assertInt(cfg.kernelSize, 'config.kernelSize', 1);
  assertPositive(cfg.margin, 'config.margin', true);
  assertPositive(cfg.labelWeight, 'config.labelWeight', true);
  if (cfg.numClasses !== undefined) assertInt(cfg.numClasses, 'config.numClasses', 2);
  if (cfg.initStd !== undefined) assertPositive(cfg.initStd, 'config.initStd');
  return cfg;
}

/** Creates seeded weights in call order and records them by name (the checkpoint order). */
function weightFactory(cfg: Config) {
  const rng = createRng(cfg.seed);
  const std = cfg.initStd;
  const named: { name: string; variable: tf.Variable }[] = [];
  const add = (name: string, v: tf.Variable) => {
    named.push({ name, variable: v });
    return v;
  };
  /** W of `shape` (initialized from fan-in/out) and b `[nb]`, registered as `${name}/W|b`. */
  const layer = (name: string, shape: number[], fin: number, fout: number, nb: number): Dense => ({
    W: add(`${name}/W`, weight(rng, shape, fin, fout, `ae_${name}_W`, std)),
    b: add(`${name}/b`, bias([nb], `ae_${name}_b`)),
  });
  const dense = (name: string, fin: number, fout: number) =>
    layer(name, [fin, fout], fin, fout, fout);
  return { named, layer, dense };
}

const lin = (x: tf.Tensor, l: Dense) =>
  tf.add(tf.matMul(x as tf.Tensor2D, l.W as tf.Tensor2D), l.b);

/** The mlp encoder (hidden widths → code) and the mirrored decoder. */
function buildMlp(cfg: Config, w: ReturnType<typeof weightFactory>, D: number): Networks {
  const enc: Dense[] = [];
  let fin = D;
  cfg.hidden.forEach((h, i) => {
    enc.push(w.dense(`enc${i}`, fin, h));
    fin = h;
  });
  const code = w.dense('code', fin, cfg.codeDim);
  const dec: Dense[] = [];
  fin = cfg.codeDim;
  [...cfg.hidden].reverse().forEach((h, i) => {
    dec.push(w.dense(`dec${i}`, fin, h));
    fin = h;
  });
  const out = w.dense('out', fin, D);
  return {
    encode: (x) => {
      let h: tf.Tensor = tf.reshape(x, [-1, D]);
      for (const l of enc) h = act(lin(h, l), cfg.activation);
      return lin(h, code) as tf.Tensor2D;
    },
    decode: (c) => {
      let h: tf.Tensor = c;
      for (const l of dec) h = act(lin(h, l), cfg.activation);
      return tf.reshape(outAct(lin(h, out), cfg.outputActivation), [-1, ...cfg.inputShape]);
    },
  };
}

/** The conv encoder (two stride-2 k×k convs → FC code) and the mirrored transposed-conv decoder. */
function buildConv(cfg: Config, w: ReturnType<typeof weightFactory>): Networks {
  const [H, W, C] = cfg.inputShape;
  const [f1, f2] = cfg.filters;
  const k = cfg.kernelSize;
  const h2 = Math.ceil(H / 2);
  const w2 = Math.ceil(W / 2);
  const h4 = Math.ceil(h2 / 2);
  const w4 = Math.ceil(w2 / 2);
  const flat = h4 * w4 * f2;
  // A k×k conv cin → cout; conv2dTranspose filters are [k, k, outChannels, inChannels].
  const conv = (name: string, cin: number, cout: number, transposed = false) =>
    w.layer(
      name,
      transposed ? [k, k, cout, cin] : [k, k, cin, cout],
      k * k * cin,
      k * k * cout,
      cout,
    );
  const c1 = conv('conv1', C, f1);
  const c2 = conv('conv2', f1, f2);
  const code = w.dense('code', flat, cfg.codeDim);
  const fc = w.dense('dec_fc', cfg.codeDim, flat);
  const d1 = conv('deconv1', f2, f1, true);
  const d2 = conv('deconv2', f1, C, true);
  return {
    encode: (x) => {
      const img = tf.reshape(x, [-1, H, W, C]) as tf.Tensor4D;
      const a1 = act(tf.add(tf.conv2d(img, c1.W as tf.Tensor4D, 2, 'same'), c1.b), cfg.activation);
      const a2 = act(
        tf.add(tf.conv2d(a1 as tf.Tensor4D, c2.W as tf.Tensor4D, 2, 'same'), c2.b),
        cfg.activation,
      );
      return lin(tf.reshape(a2, [-1, flat]), code) as tf.Tensor2D;
    },
    decode: (c) => {
      const n = c.shape[0];
      const a = act(lin(c, fc), cfg.activation);
      const g = tf.reshape(a, [n, h4, w4, f2]) as tf.Tensor4D;
      const u1 = act(
        tf.add(tf.conv2dTranspose(g, d1.W as tf.Tensor4D, [n, h2, w2, f1], 2, 'same'), d1.b),
        cfg.activation,
      ) as tf.Tensor4D;
      const u2 = tf.add(tf.conv2dTranspose(u1, d2.W as tf.Tensor4D, [n, H, W, C], 2, 'same'), d2.b);
      return outAct(u2, cfg.outputActivation);
    },
  };
}

/** RangeError/TypeError unless x is `[n, ...inputShape]` or `[n, D]`; returns n. */
function checkInput(x: tf.Tensor, inputShape: number[], D: number, name = 'x'): number {
  if (x == null || !Array.isArray(x.shape)) {
    throw new TypeError(
      `${name}: expected a tensor [n, ${inputShape.join(', ')}] or [n, ${D}], got ${String(x)}`,
    );
  }
  const rest = x.shape.slice(1);
  const ok =
    x.rank >= 2 &&
    ((rest.length === 1 && rest[0] === D) ||
      (rest.length === inputShape.length && rest.every((s, i) => s === inputShape[i])));
  if (!ok) {
    throw new RangeError(
      `${name}: expected shape [n, ${inputShape.join(', ')}] or [n, ${D}], got [${x.shape.join(', ')}]`,
    );
  }
  return x.shape[0];
}

/**
 * The energies on built networks: (14) ‖x − D(E(x))‖ (√(‖·‖² + 1e-8)) and, with a
 * classifier head, (15) ‖x − D(E(x))‖ + w·max(m, CE(y | E(x))). Unchecked, untidied.
 */
function energyFunctions(cfg: Config, nets: Networks, head: Dense | null, D: number) {
  const recon = (x: tf.Tensor): tf.Tensor1D => {
    const n = x.shape[0];
    const xr = tf.reshape(x, [n, D]);
    const rec = tf.reshape(nets.decode(nets.encode(x)), [n, D]);
    return tf.sqrt(tf.add(tf.sum(tf.square(tf.sub(xr, rec)), 1), 1e-8)) as tf.Tensor1D;
  };
  const energy = (x: tf.Tensor, y?: tf.Tensor): tf.Tensor1D => {
    const n = x.shape[0];
    if (!head) return recon(x);
    if (y === undefined) {
      throw new TypeError(
        `y: the joint energy (15) needs labels [${n}] or one-hot [${n}, ${cfg.numClasses}]`,
      );
    }
    const code = nets.encode(x);
    const rec = tf.reshape(nets.decode(code), [n, D]);
    const r = tf.sqrt(tf.add(tf.sum(tf.square(tf.sub(tf.reshape(x, [n, D]), rec)), 1), 1e-8));
    const logits = lin(code, head);
    const onehot = toOneHot(y, n, cfg.numClasses as number);
    const ce = tf.neg(tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), 1));
    const label = tf.maximum(ce, cfg.margin);
    return tf.add(r, cfg.labelWeight === 1 ? label : tf.mul(cfg.labelWeight, label)) as tf.Tensor1D;
  };
  return { recon, energy };
}

/** Builds the autoencoder energy (14) / joint energy (15). */
export function autoencoderEnergy(config: AutoencoderEnergyConfig): AutoencoderEnergy {
  const cfg = resolveConfig(config);
  const inputShape = cfg.inputShape;
  const D = inputShape.reduce((a, b) => a * b, 1);
  // weights are created in this order (it fixes the seeded init and the checkpoint layout)
  const w = weightFactory(cfg);
  const nets = cfg.arch === 'mlp' ? buildMlp(cfg, w, D) : buildConv(cfg, w);
  const head =
    cfg.numClasses !== undefined ? w.dense('classifier', cfg.codeDim, cfg.numClasses) : null;
  const named = w.named;
  const variables = named.map((v) => v.variable);
  const { recon, energy: energyImpl } = energyFunctions(cfg, nets, head, D);
  const checkX = (x: tf.Tensor) => checkInput(x, inputShape, D);

  return {
    config: cfg,
    inputDim: D,
    codeDim: cfg.codeDim,
    trainableVariables: variables,
    encode(x) {
      checkX(x);
      return tf.tidy(() => nets.encode(x));
    },
    decode(code) {
      if (code == null || code.rank !== 2 || code.shape[1] !== cfg.codeDim) {
        throw new RangeError(
          `code: expected shape [n, ${cfg.codeDim}], got ${code?.shape ? `[${code.shape.join(', ')}]` : String(code)}`,
        );
      }
      return tf.tidy(() => nets.decode(code));
    },
    reconstructionEnergy(x) {
      checkX(x);
      return tf.tidy(() => recon(x));
    },
    logits(x) {
      checkX(x);
      if (!head)
        throw new TypeError('logits: this autoencoder energy has no classifier (set numClasses)');
      return tf.tidy(() => lin(nets.encode(x), head) as tf.Tensor2D);
    },
    energy(x, y) {
      checkX(x);
      return tf.tidy(() => energyImpl(x, y));
    },
    score(x, y) {
      checkX(x);
      return tf.tidy(() => tf.neg(tf.grad((xx: tf.Tensor) => tf.sum(energyImpl(xx, y)))(x)));
    },
    save() {
      return toWeightsRecord(MODEL, cfg as unknown as Record<string, unknown>, named);
    },
    load(record) {
      assignWeightsRecord(record, MODEL, named);
    },
    dispose() {
      for (const v of variables) v.dispose();
    },
  };
}

/** Rebuilds an autoencoder energy from a record written by `save()`. */
export function autoencoderEnergyFromRecord(record: WeightsRecord): AutoencoderEnergy {
  if (record == null || record.model !== MODEL || typeof record.config !== 'object') {
    throw new TypeError(`record: expected a '${MODEL}' weights record`);
  }
  const m = autoencoderEnergy(record.config as unknown as AutoencoderEnergyConfig);
  try {
    m.load(record);
  } catch (e) {
    m.dispose();
    throw e;
  }
  return m;
}
