/**
 * The generator networks the app wraps in @steinkit/amortizers' neuralSampler:
 * input [ξ, onehot(y)] → image flattened in [0, 1] (sigmoid output: the data
 * are in [0, 1]). `mlp` (lean default) or `conv`, the paper's MNIST generator
 * after the DCGAN guidelines: FC 1024 → FC 128·7·7 → 5×5 stride-2 deconv 64 →
 * 5×5 stride-2 deconv 1, ReLU, with optional batch norm after every hidden
 * layer and N(0, σ²) or Glorot-uniform weights.
 */
import { createRng } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';

export interface GeneratorNetConfig {
  arch: 'mlp' | 'conv';
  /** Network input width: noiseDim + numClasses. */
  inputDim: number;
  /** [h, w, c]; conv needs h and w divisible by 4. */
  outputShape: number[];
  /** mlp hidden widths. */
  hidden: number[];
  seed: number;
  /** Weights N(0, initStd²) (the paper: 0.02); default Glorot-uniform. Biases start at 0. */
  initStd?: number;
  /**
   * Batch norm after every hidden layer (before the ReLU), γ = 1, β = 0 at
   * start. Training uses the batch's statistics and updates running averages
   * (momentum 0.9, each forward pass in training mode); sampling
   * (`setTraining(false)`) uses the running averages, so a sample does not
   * depend on the other rows of its batch.
   */
  batchNorm?: boolean;
}

export interface GeneratorNet {
  /** Stable names (checkpoint keys) with their variables, in order: η and the batch-norm running statistics. */
  named: { name: string; variable: tf.Variable }[];
  /** η, the trainable variables. */
  variables: tf.Variable[];
  /** Training mode (batch statistics, running averages updated) or sampling mode (running averages). Default training. */
  setTraining(training: boolean): void;
  net: (input: tf.Tensor2D) => tf.Tensor2D;
  dispose(): void;
}

export function generatorNet(cfg: GeneratorNetConfig): GeneratorNet {
  const rng = createRng(cfg.seed);
  const named: { name: string; variable: tf.Variable }[] = [];
  const trainable = new Set<tf.Variable>();
  const glorot = (name: string, shape: number[], fanIn: number, fanOut: number) => {
    const lim = Math.sqrt(6 / (fanIn + fanOut));
    const init =
      cfg.initStd !== undefined ? rng.normal(shape, 0, cfg.initStd) : rng.uniform(shape, -lim, lim);
    const v = tf.variable(init, true);
    init.dispose();
    named.push({ name, variable: v });
    trainable.add(v);
    return v;
  };
  const constant = (name: string, shape: number[], value: number, train = true) => {
    const z = tf.fill(shape, value);
    const v = tf.variable(z, train);
    z.dispose();
    named.push({ name, variable: v });
    if (train) trainable.add(v);
    return v;
  };
  const zeros = (name: string, shape: number[]) => constant(name, shape, 0);
  let training = true;
  /** Batch norm over all axes but the last (channels / features). */
  const batchNorm = (name: string, width: number) => {
    if (!cfg.batchNorm) return (h: tf.Tensor) => h;
    const gamma = constant(`${name}/gamma`, [width], 1);
    const beta = constant(`${name}/beta`, [width], 0);
    const mean = constant(`${name}/movingMean`, [width], 0, false);
    const variance = constant(`${name}/movingVariance`, [width], 1, false);
    return (h: tf.Tensor) => {
      const axes = h.shape.slice(0, -1).map((_, i) => i);
      if (!training) return tf.batchNorm(h, mean, variance, beta, gamma, 1e-5);
      const m = tf.moments(h, axes);
      // Running averages: plain data, outside the gradient (values only).
      const mv = tf.tidy(() => [
        tf.add(tf.mul(mean, 0.9), tf.mul(tf.reshape(m.mean, [width]), 0.1)),
        tf.add(tf.mul(variance, 0.9), tf.mul(tf.reshape(m.variance, [width]), 0.1)),
      ]);
      mean.assign(mv[0]);
      variance.assign(mv[1]);
      tf.dispose(mv);
      return tf.batchNorm(h, m.mean, m.variance, beta, gamma, 1e-5);
    };
  };
  const D = cfg.outputShape.reduce((a, b) => a * b, 1);
  let net: (h: tf.Tensor2D) => tf.Tensor2D;
  if (cfg.arch === 'mlp') {
    const layers: { W: tf.Variable; b: tf.Variable; bn: (h: tf.Tensor) => tf.Tensor }[] = [];
    let fin = cfg.inputDim;
    const widths = [...cfg.hidden, D];
    for (const [i, h] of widths.entries()) {
      const W = glorot(`fc${i}/W`, [fin, h], fin, h);
      const b = zeros(`fc${i}/b`, [h]);
      layers.push({ W, b, bn: i < widths.length - 1 ? batchNorm(`bn${i}`, h) : (x) => x });
      fin = h;
    }
    net = (h0) => {
      let h: tf.Tensor2D = h0;
      layers.forEach((l, i) => {
        h = tf.add(tf.matMul(h, l.W as tf.Tensor2D), l.b);
        h = (i < layers.length - 1 ? tf.relu(l.bn(h)) : tf.sigmoid(h)) as tf.Tensor2D;
      });
      return h;
    };
  } else {
    const [H, W, C] = cfg.outputShape;
    if (H % 4 !== 0 || W % 4 !== 0)
      throw new RangeError(
        `outputShape: the conv generator needs h, w divisible by 4, got [${cfg.outputShape}]`,
      );
    const h4 = H / 4;
    const w4 = W / 4;
    const flat = 128 * h4 * w4;
    const fc1 = {
      W: glorot('fc1/W', [cfg.inputDim, 1024], cfg.inputDim, 1024),
      b: zeros('fc1/b', [1024]),
    };
    const bn1 = batchNorm('bn1', 1024);
    const fc2 = { W: glorot('fc2/W', [1024, flat], 1024, flat), b: zeros('fc2/b', [flat]) };
    const bn2 = batchNorm('bn2', 128);
    // conv2dTranspose filters are [k, k, outChannels, inChannels].
    const d1 = {
      W: glorot('deconv1/W', [5, 5, 64, 128], 25 * 128, 25 * 64),
      b: zeros('deconv1/b', [64]),
    };
    const bn3 = batchNorm('bn3', 64);
    const d2 = {
      W: glorot('deconv2/W', [5, 5, C, 64], 25 * 64, 25 * C),
      b: zeros('deconv2/b', [C]),
    };
    net = (h0) => {
      const n = h0.shape[0];
      const a1 = tf.relu(bn1(tf.add(tf.matMul(h0, fc1.W as tf.Tensor2D), fc1.b))) as tf.Tensor2D;
      const a2 = tf.add(tf.matMul(a1, fc2.W as tf.Tensor2D), fc2.b);
      // Batch norm per channel of the 7×7×128 map.
      const g = tf.relu(bn2(tf.reshape(a2, [n, h4, w4, 128]))) as tf.Tensor4D;
      const u1 = tf.relu(
        bn3(
          tf.add(
            tf.conv2dTranspose(g, d1.W as tf.Tensor4D, [n, 2 * h4, 2 * w4, 64], 2, 'same'),
            d1.b,
          ),
        ),
      ) as tf.Tensor4D;
      const u2 = tf.sigmoid(
        tf.add(tf.conv2dTranspose(u1, d2.W as tf.Tensor4D, [n, H, W, C], 2, 'same'), d2.b),
      );
      return tf.reshape(u2, [n, D]) as tf.Tensor2D;
    };
  }
  return {
    named,
    variables: named.map((n) => n.variable).filter((v) => trainable.has(v)),
    setTraining: (t) => {
      training = t;
    },
    net,
    dispose: () => {
      for (const n of named) n.variable.dispose();
    },
  };
}
