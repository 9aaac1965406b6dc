import { assertInt, bernoulliLogProb, createRng } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { type MlpActivation, mlp, readWeights, type WeightRecord, writeWeights } from './mlp';
import { assertData } from './validate';

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * A latent-variable model p(x, z) = p(z) p(x|z) that every inference method
 * shares: the log joint on x `[B, dataDim]` and S latents per x `[B, S, latentDim]`.
 */
export interface LatentVariableModel {
  readonly dataDim: number;
  readonly latentDim: number;
  /** θ (may be empty for a fixed model). */
  readonly trainableVariables: tf.Variable[];
  /** log p(x, z) `[B, S]`; differentiable in z and θ. */
  logJoint(x: tf.Tensor2D, z: tf.Tensor3D): tf.Tensor2D;
  getWeights(): WeightRecord[];
  setWeights(weights: unknown): void;
  dispose(): void;
}

/** log N(z; 0, I) summed over the last axis: `[..., d]` → `[...]`. */
export function standardNormalLogProb(z: tf.Tensor): tf.Tensor {
  const d = z.shape[z.rank - 1];
  return tf.tidy(() => tf.sub(tf.mul(-0.5, tf.sum(tf.square(z), -1)), 0.5 * d * LOG_2PI));
}

/** A Bernoulli decoder model: p(z) = N(0, I), p(x|z) = Π Bernoulli(x_j; σ(g_θ(z)_j)). */
export interface BernoulliModel extends LatentVariableModel {
  /** Logits g_θ(z) `[n, dataDim]` for z `[n, latentDim]`. */
  logits(z: tf.Tensor2D): tf.Tensor2D;
  /** Bernoulli means σ(g_θ(z)) `[n, dataDim]`. */
  decode(z: tf.Tensor2D): tf.Tensor2D;
  /** n draws z ~ N(0, I) decoded to means `[n, dataDim]` (prior samples). */
  samplePrior(n: number, seed: number): tf.Tensor2D;
}

export interface BernoulliModelOptions {
  dataDim: number;
  latentDim: number;
  /** Decoder hidden widths (Burda et al.: `[200, 200]`). */
  hidden?: number[];
  activation?: MlpActivation;
  seed?: number;
  /**
   * Initial output-layer bias, `dataDim` logits (default 0). Burda et al.
   * (2016) start it at logit(mean training pixel) so that the untrained
   * decoder already matches the marginal pixel means (see {@link logitMeanBias});
   * with zeros the first epoch is spent learning that.
   */
  outputBias?: ArrayLike<number>;
}

/**
 * logit(clip(p̄_j, ε, 1 − ε)) of the per-pixel mean p̄ over `n` rows of
 * `pixels` (`[n·dim]`, values in [0, 1]): the decoder bias of Burda et al. (2016).
 */
export function logitMeanBias(
  pixels: ArrayLike<number>,
  n: number,
  dim: number,
  eps = 1e-3,
): Float32Array {
  assertInt(n, 'n', 1);
  assertInt(dim, 'dim', 1);
  if (pixels.length < n * dim) {
    throw new RangeError(
      `pixels: expected at least n·dim = ${n * dim} values, got ${pixels.length}`,
    );
  }
  if (!(eps > 0 && eps < 0.5))
    throw new RangeError(`eps: expected a number in (0, 0.5), got ${eps}`);
  const sum = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) sum[j] += pixels[i * dim + j];
  const out = new Float32Array(dim);
  for (let j = 0; j < dim; j++) {
    const p = Math.min(1 - eps, Math.max(eps, sum[j] / n));
    if (!Number.isFinite(p)) throw new RangeError(`pixels: expected finite values (column ${j})`);
    out[j] = Math.log(p / (1 - p));
  }
  return out;
}

/**
 * `bernoulliModel({ dataDim: 784, latentDim: 50, hidden: [200, 200] })`: the
 * MLP Bernoulli decoder with an N(0, I) prior. log p(x|z) = Σ_j x_j l_j −
 * softplus(l_j) with l = g_θ(z) (stable for any logit; core's `bernoulliLogProb`,
 * one fused kernel on wasm).
 */
export function bernoulliModel(opts: BernoulliModelOptions): BernoulliModel {
  const { dataDim: D, latentDim: d } = opts;
  assertInt(D, 'dataDim', 1);
  assertInt(d, 'latentDim', 1);
  const net = mlp({
    sizes: [d, ...(opts.hidden ?? [200, 200]), D],
    activation: opts.activation ?? 'tanh',
    seed: opts.seed ?? 0,
    name: 'dec',
    ...(opts.outputBias !== undefined ? { outputBias: opts.outputBias } : {}),
  });
  const logJoint = (x: tf.Tensor2D, z: tf.Tensor3D) => {
    const [B, S] = [z.shape[0], z.shape[1]];
    const l = tf.reshape(net.apply(tf.reshape(z, [B * S, d]) as tf.Tensor2D), [B, S, D]);
    const ll = bernoulliLogProb(x, l as tf.Tensor3D);
    return tf.add(ll, standardNormalLogProb(z)) as tf.Tensor2D;
  };
  return {
    dataDim: D,
    latentDim: d,
    trainableVariables: net.variables,
    logJoint(x, z) {
      assertData(x, 'x', D);
      if (z.rank !== 3 || z.shape[0] !== x.shape[0] || z.shape[2] !== d) {
        throw new RangeError(
          `z: expected shape [${x.shape[0]}, S, ${d}], got [${z.shape.join(', ')}]`,
        );
      }
      return tf.tidy(() => logJoint(x, z));
    },
    logits: (z) => {
      assertData(z, 'z', d);
      return net.apply(z);
    },
    decode: (z) => {
      assertData(z, 'z', d);
      return tf.tidy(() => tf.sigmoid(net.apply(z)) as tf.Tensor2D);
    },
    samplePrior(n, seed) {
      assertInt(n, 'n', 1);
      return tf.tidy(
        () => tf.sigmoid(net.apply(createRng(seed).normal([n, d]) as tf.Tensor2D)) as tf.Tensor2D,
      );
    },
    getWeights: () => readWeights(net.variables),
    setWeights: (w) => writeWeights(net.variables, w, 'model weights'),
    dispose: () => net.dispose(),
  };
}
