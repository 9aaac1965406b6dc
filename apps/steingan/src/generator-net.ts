/**
 * The generator networks the app wraps in @steinkit/amortizers' neuralSampler:
 * input [ξ, onehot(y)] → image flattened in [0, 1]. `mlp` (lean default) or
 * `conv`, the paper's MNIST generator: FC 1024 → FC 128·7·7 → 5×5 deconv 64 →
 * 5×5 deconv 1.
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
}

export interface GeneratorNet {
  /** Stable names (checkpoint keys) with their variables η, in order. */
  named: { name: string; variable: tf.Variable }[];
  variables: tf.Variable[];
  net: (input: tf.Tensor2D) => tf.Tensor2D;
  dispose(): void;
}

export function generatorNet(cfg: GeneratorNetConfig): GeneratorNet {
  const rng = createRng(cfg.seed);
  const named: { name: string; variable: tf.Variable }[] = [];
  const glorot = (name: string, shape: number[], fanIn: number, fanOut: number) => {
    const lim = Math.sqrt(6 / (fanIn + fanOut));
    const init = rng.uniform(shape, -lim, lim);
    const v = tf.variable(init, true);
    init.dispose();
    named.push({ name, variable: v });
    return v;
  };
  const zeros = (name: string, shape: number[]) => {
    const z = tf.zeros(shape);
    const v = tf.variable(z, true);
    z.dispose();
    named.push({ name, variable: v });
    return v;
  };
  const D = cfg.outputShape.reduce((a, b) => a * b, 1);
  let net: (h: tf.Tensor2D) => tf.Tensor2D;
  if (cfg.arch === 'mlp') {
    const layers: { W: tf.Variable; b: tf.Variable }[] = [];
    let fin = cfg.inputDim;
    for (const [i, h] of [...cfg.hidden, D].entries()) {
      layers.push({ W: glorot(`fc${i}/W`, [fin, h], fin, h), b: zeros(`fc${i}/b`, [h]) });
      fin = h;
    }
    net = (h0) => {
      let h: tf.Tensor2D = h0;
      layers.forEach((l, i) => {
        h = tf.add(tf.matMul(h, l.W as tf.Tensor2D), l.b);
        h = i < layers.length - 1 ? tf.relu(h) : tf.sigmoid(h);
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
    const fc2 = { W: glorot('fc2/W', [1024, flat], 1024, flat), b: zeros('fc2/b', [flat]) };
    // conv2dTranspose filters are [k, k, outChannels, inChannels].
    const d1 = {
      W: glorot('deconv1/W', [5, 5, 64, 128], 25 * 128, 25 * 64),
      b: zeros('deconv1/b', [64]),
    };
    const d2 = {
      W: glorot('deconv2/W', [5, 5, C, 64], 25 * 64, 25 * C),
      b: zeros('deconv2/b', [C]),
    };
    net = (h0) => {
      const n = h0.shape[0];
      const a1 = tf.relu(tf.add(tf.matMul(h0, fc1.W as tf.Tensor2D), fc1.b));
      const a2 = tf.relu(tf.add(tf.matMul(a1, fc2.W as tf.Tensor2D), fc2.b));
      const g = tf.reshape(a2, [n, h4, w4, 128]) as tf.Tensor4D;
      const u1 = tf.relu(
        tf.add(
          tf.conv2dTranspose(g, d1.W as tf.Tensor4D, [n, 2 * h4, 2 * w4, 64], 2, 'same'),
          d1.b,
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
    variables: named.map((n) => n.variable),
    net,
    dispose: () => {
      for (const n of named) n.variable.dispose();
    },
  };
}
