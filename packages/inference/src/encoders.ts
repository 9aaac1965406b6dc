import { assertInt, createRng } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import {
  activate,
  type Mlp,
  type MlpActivation,
  mlp,
  readWeights,
  uniqueName,
  type WeightRecord,
  writeWeights,
} from './mlp';
import { assertData } from './validate';

const LOG_2PI = Math.log(2 * Math.PI);

/** What every encoder q(z|x) shares: x `[B, inputDim]` → z `[B, S, latentDim]` from noise ε `[B, S, noiseDim]`. */
export interface EncoderBase {
  readonly inputDim: number;
  readonly latentDim: number;
  readonly noiseDim: number;
  readonly trainableVariables: tf.Variable[];
  /** ε `[B, S, noiseDim]` ~ N(0, I), seeded. */
  noise(batch: number, samples: number, seed: number): tf.Tensor3D;
  /** z = f(x, ε) `[B, S, latentDim]`; differentiable in the variables. */
  sample(x: tf.Tensor2D, eps: tf.Tensor3D): tf.Tensor3D;
  getWeights(): WeightRecord[];
  setWeights(weights: unknown): void;
  dispose(): void;
}

/**
 * A reparameterized Gaussian encoder q(z|x) = N(μ(x), L(x)L(x)ᵀ) (seed 003 §1):
 * z = μ(x) + L(x)ε. `diagonal`: L = diag(σ(x)); `full`: L lower-triangular
 * with the positive diagonal σ(x) = exp(ρ(x)) and a learned strictly lower
 * part M(x): `lowerPart: 'absolute'` (seed 003's L = L_mask ⊙ L′ + diag σ,
 * L = M + diag σ) or `'relative'` (L = diag σ · (I + M): row k's off-diagonal
 * entries scale with σ_k, so a step in M moves z by a fraction of σ however
 * small the posterior's σ gets). `lowerScale` (default 1) multiplies M:
 * under Adam, whose steps are ≈ the learning rate per weight whatever the
 * gradient, a factor s < 1 makes the d(d−1)/2 off-diagonal outputs move s×
 * as fast as the rest of the encoder.
 */
export interface GaussianEncoder extends EncoderBase {
  readonly kind: 'gaussian';
  readonly covariance: 'diagonal' | 'full';
  /** How `full`'s strictly lower part enters L (`'absolute'` for `diagonal`). */
  readonly lowerPart: 'absolute' | 'relative';
  /** μ `[B, d]`, log σ `[B, d]` (L's log-diagonal) and, for `full`, L `[B, d, d]`. */
  params(x: tf.Tensor2D): { mean: tf.Tensor2D; logStd: tf.Tensor2D; scaleTril?: tf.Tensor3D };
  /** z and log q(z|x) `[B, S]` from ε alone: −½‖ε‖² − Σ log σ − (d/2) log 2π. Differentiable. */
  sampleWithLogProb(x: tf.Tensor2D, eps: tf.Tensor3D): { z: tf.Tensor3D; logq: tf.Tensor2D };
  /** log q(z|x) `[B, S]` for any z `[B, S, d]` — for `full` by forward substitution L e = z − μ. */
  logProb(x: tf.Tensor2D, z: tf.Tensor3D): tf.Tensor2D;
}

/** An implicit encoder z = f(x, ε): noise enters the first hidden layer; no density. */
export interface ImplicitEncoder extends EncoderBase {
  readonly kind: 'implicit';
}

export type Encoder = GaussianEncoder | ImplicitEncoder;

export interface EncoderOptions {
  /** Data dimension (784 for flattened MNIST). */
  inputDim: number;
  latentDim: number;
  /** Hidden widths of the body (Burda et al.: `[200, 200]`). May be empty (a linear encoder). */
  hidden?: number[];
  activation?: MlpActivation;
  seed?: number;
}

function body(opts: EncoderOptions, name: string, seed: number): Mlp | null {
  const hidden = opts.hidden ?? [200, 200];
  if (hidden.length === 0) return null;
  return mlp({
    sizes: [opts.inputDim, ...hidden],
    activation: opts.activation ?? 'tanh',
    activateOutput: true,
    seed,
    name,
  });
}

function drawNoise(batch: number, samples: number, dim: number, seed: number): tf.Tensor3D {
  assertInt(batch, 'batch', 1);
  assertInt(samples, 'samples', 1);
  return createRng(seed).normal([batch, samples, dim]) as tf.Tensor3D;
}

function checkNoise(eps: tf.Tensor3D, batch: number, dim: number): void {
  if (eps.rank !== 3 || eps.shape[0] !== batch || eps.shape[2] !== dim) {
    throw new RangeError(
      `eps: expected shape [${batch}, S, ${dim}], got [${eps.shape.join(', ')}]`,
    );
  }
}

/** `gaussianEncoder({ inputDim, latentDim, covariance: 'diagonal' | 'full', lowerPart?, hidden: [200, 200] })`. */
export function gaussianEncoder(
  opts: EncoderOptions & {
    covariance?: 'diagonal' | 'full';
    lowerPart?: 'absolute' | 'relative';
    lowerScale?: number;
  },
): GaussianEncoder {
  const covariance = opts.covariance ?? 'diagonal';
  if (covariance !== 'diagonal' && covariance !== 'full') {
    throw new TypeError(`covariance: expected 'diagonal' or 'full', got ${String(covariance)}`);
  }
  const lowerPart = opts.lowerPart ?? 'absolute';
  if (lowerPart !== 'absolute' && lowerPart !== 'relative') {
    throw new TypeError(`lowerPart: expected 'absolute' or 'relative', got ${String(lowerPart)}`);
  }
  const lowerScale = opts.lowerScale ?? 1;
  if (!(Number.isFinite(lowerScale) && lowerScale > 0)) {
    throw new RangeError(`lowerScale: expected a finite number > 0, got ${String(lowerScale)}`);
  }
  const D = opts.inputDim;
  const d = opts.latentDim;
  assertInt(D, 'inputDim', 1);
  assertInt(d, 'latentDim', 1);
  const seed = opts.seed ?? 0;
  const net = body(opts, 'enc', seed);
  const h = net ? net.sizes[net.sizes.length - 1] : D;
  const meanHead = mlp({ sizes: [h, d], seed: seed + 1, name: 'enc_mean' });
  const stdHead = mlp({ sizes: [h, d], seed: seed + 2, name: 'enc_logstd' });
  // The strictly lower part of L starts at 0 (the diagonal encoder) and is learned.
  const trilHead =
    covariance === 'full'
      ? mlp({ sizes: [h, d * d], seed: seed + 3, name: 'enc_tril', outputScale: 0 })
      : null;
  const strictLower =
    covariance === 'full'
      ? tf.keep(tf.tidy(() => tf.sub(tf.linalg.bandPart(tf.ones([d, d]), -1, 0), tf.eye(d))))
      : null;
  const eye = covariance === 'full' ? tf.keep(tf.eye(d)) : null;
  const vars = [
    ...(net?.variables ?? []),
    ...meanHead.variables,
    ...stdHead.variables,
    ...(trilHead?.variables ?? []),
  ];
  const params = (x: tf.Tensor2D) => {
    const hx = net ? net.apply(x) : x;
    const mean = meanHead.apply(hx);
    const logStd = stdHead.apply(hx);
    if (!trilHead || !strictLower || !eye) return { mean, logStd };
    const B = x.shape[0];
    const std = tf.exp(logStd);
    let off = tf.mul(tf.reshape(trilHead.apply(hx), [B, d, d]), strictLower);
    if (lowerScale !== 1) off = tf.mul(off, lowerScale);
    if (lowerPart === 'relative') off = tf.mul(off, tf.expandDims(std, 2)); // row k · σ_k
    // diag(exp ρ) via broadcasting with I (tf.diag has no gradient)
    const diag = tf.mul(tf.expandDims(std, 1), eye);
    return { mean, logStd, scaleTril: tf.add(off, diag) as tf.Tensor3D };
  };
  const transform = (x: tf.Tensor2D, eps: tf.Tensor3D) => {
    const p = params(x);
    let z: tf.Tensor;
    if (p.scaleTril) {
      // z_s = μ + L ε_s  ⇔  Z = μ + E Lᵀ  (batched over B)
      z = tf.add(tf.expandDims(p.mean, 1), tf.matMul(eps, p.scaleTril, false, true));
    } else {
      z = tf.add(tf.expandDims(p.mean, 1), tf.mul(eps, tf.expandDims(tf.exp(p.logStd), 1)));
    }
    return { z: z as tf.Tensor3D, p };
  };
  const logqFromNoise = (eps: tf.Tensor3D, logStd: tf.Tensor2D) =>
    tf.sub(
      tf.mul(-0.5, tf.sum(tf.square(eps), 2)),
      tf.add(tf.sum(logStd, 1, true), 0.5 * d * LOG_2PI),
    ) as tf.Tensor2D;
  const check = (x: tf.Tensor2D, eps?: tf.Tensor3D) => {
    assertData(x, 'x', D);
    if (eps) checkNoise(eps, x.shape[0], d);
  };
  return {
    kind: 'gaussian',
    covariance,
    lowerPart,
    inputDim: D,
    latentDim: d,
    noiseDim: d,
    trainableVariables: vars,
    noise: (batch, samples, s) => drawNoise(batch, samples, d, s),
    params(x) {
      check(x);
      return tf.tidy(() => params(x));
    },
    sample(x, eps) {
      check(x, eps);
      return tf.tidy(() => transform(x, eps).z);
    },
    sampleWithLogProb(x, eps) {
      check(x, eps);
      return tf.tidy(() => {
        const { z, p } = transform(x, eps);
        return { z, logq: logqFromNoise(eps, p.logStd) };
      });
    },
    logProb(x, z) {
      check(x);
      checkNoise(z, x.shape[0], d);
      return tf.tidy(() => {
        const p = params(x);
        const r = tf.sub(z, tf.expandDims(p.mean, 1)) as tf.Tensor3D; // [B, S, d]
        if (!p.scaleTril) {
          return logqFromNoise(
            tf.div(r, tf.expandDims(tf.exp(p.logStd), 1)) as tf.Tensor3D,
            p.logStd,
          );
        }
        // Forward substitution for L e_s = r_s, batched over B and S: e_k = (r_k − Σ_{j<k} L_kj e_j) / L_kk.
        const Lm = p.scaleTril;
        const cols: tf.Tensor[] = [];
        for (let k = 0; k < d; k++) {
          let acc: tf.Tensor = tf.slice(r, [0, 0, k], [-1, -1, 1]); // [B, S, 1]
          if (k > 0) {
            const prev = tf.concat(cols, 2); // [B, S, k]
            const lk = tf.slice(Lm, [0, k, 0], [-1, 1, k]); // [B, 1, k]
            acc = tf.sub(acc, tf.sum(tf.mul(prev, lk), 2, true));
          }
          cols.push(tf.div(acc, tf.slice(Lm, [0, k, k], [-1, 1, 1])));
        }
        return logqFromNoise(tf.concat(cols, 2) as tf.Tensor3D, p.logStd);
      });
    },
    getWeights: () => readWeights(vars),
    setWeights: (w) => writeWeights(vars, w, 'encoder weights'),
    dispose() {
      tf.dispose(vars);
      if (strictLower) strictLower.dispose();
      if (eye) eye.dispose();
    },
  };
}

/**
 * `implicitEncoder({ inputDim, latentDim, noiseDim, hidden })`: z = f(x, ε),
 * ε ~ N(0, I_noiseDim), where ε enters the first hidden layer beside x
 * (h₁ = act(W_x x + W_ε ε + b)); with `hidden: []`, z = W_x x + W_ε ε + b.
 * The density q(z|x) is not available: train it with the entropy gradient
 * (SGE/SSGE) or amortized SVGD.
 */
export function implicitEncoder(opts: EncoderOptions & { noiseDim?: number }): ImplicitEncoder {
  const D = opts.inputDim;
  const d = opts.latentDim;
  assertInt(D, 'inputDim', 1);
  assertInt(d, 'latentDim', 1);
  const e = opts.noiseDim ?? d;
  assertInt(e, 'noiseDim', 1);
  const hidden = opts.hidden ?? [200, 200];
  const act = opts.activation ?? 'tanh';
  const seed = opts.seed ?? 0;
  const first = hidden.length > 0 ? hidden[0] : d;
  // First layer split into W_x (from x, once per x) and W_ε (from ε, per sample).
  const inX = mlp({ sizes: [D, first], seed, name: 'impl_x' });
  const w0 = createRng(seed + 1).uniform(
    [e, first],
    -Math.sqrt(6 / (e + first)),
    Math.sqrt(6 / (e + first)),
  );
  const wEps = tf.variable(w0, true, uniqueName('impl_Weps'));
  w0.dispose();
  const rest =
    hidden.length > 0
      ? mlp({ sizes: [...hidden, d], activation: act, seed: seed + 2, name: 'impl_rest' })
      : null;
  const vars = [...inX.variables, wEps, ...(rest?.variables ?? [])];
  return {
    kind: 'implicit',
    inputDim: D,
    latentDim: d,
    noiseDim: e,
    trainableVariables: vars,
    noise: (batch, samples, s) => drawNoise(batch, samples, e, s),
    sample(x, eps) {
      assertData(x, 'x', D);
      checkNoise(eps, x.shape[0], e);
      const [B, S] = [eps.shape[0], eps.shape[1]];
      return tf.tidy(() => {
        const hx = tf.expandDims(inX.apply(x), 1); // [B, 1, first] (includes b)
        const he = tf.reshape(tf.matMul(tf.reshape(eps, [B * S, e]), wEps), [B, S, first]);
        const pre = tf.add(hx, he);
        if (!rest) return pre as tf.Tensor3D;
        const h1 = tf.reshape(activate(pre, act), [B * S, first]) as tf.Tensor2D;
        return tf.reshape(rest.apply(h1), [B, S, d]) as tf.Tensor3D;
      });
    },
    getWeights: () => readWeights(vars),
    setWeights: (w) => writeWeights(vars, w, 'encoder weights'),
    dispose() {
      tf.dispose(vars);
    },
  };
}
