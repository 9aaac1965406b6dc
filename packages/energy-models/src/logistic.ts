import { assert2D, assertInt, assertPositive, createRng, type EnergyModel } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';

export type LogisticPrior =
  | { kind: 'gaussian'; std?: number }
  | { kind: 'gamma'; a0?: number; b0?: number };

export interface BayesianLogisticRegressionOptions {
  /** Covariates `[N, p]` (add a column of ones yourself for an intercept). */
  features: tf.Tensor2D;
  /** Labels `[N]` in {0, 1}. */
  labels: tf.Tensor1D;
  /**
   * `gamma` (default; the SVGD paper): w | α ~ N(0, α⁻¹ I), α ~ Gamma(a0 = 1, rate b0 = 0.01),
   * particles are (w, log α) ∈ R^{p+1}. `gaussian`: w ~ N(0, std² I), particles are w ∈ R^p.
   */
  prior?: LogisticPrior;
  /** Minibatch size of `score`; default N (full batch). */
  batchSize?: number;
  /** Seed of the minibatch stream. Default 0. */
  seed?: number;
}

/**
 * The posterior of Bayesian logistic regression as a target for SVGD:
 * log p(θ | D) = Σ_i [y_i z_i − softplus(z_i)] + log prior, z_i = wᵀx_i.
 * `score` is the minibatch estimate (N/b)·Σ_{batch} + ∇ log prior, a fresh
 * batch per call; `fullScore` uses all data. Particles `[n, dim]`.
 */
export interface BayesianLogisticRegression extends EnergyModel {
  readonly dim: number;
  readonly numFeatures: number;
  /** Unnormalized full-data log posterior per particle `[n]`. */
  logProb(particles: tf.Tensor2D): tf.Tensor1D;
  energy(particles: tf.Tensor2D): tf.Tensor1D;
  score(particles: tf.Tensor2D): tf.Tensor2D;
  fullScore(particles: tf.Tensor2D): tf.Tensor2D;
  /** Posterior-predictive P(y = 1 | x) averaged over particles, `[m]`. */
  predictProba(particles: tf.Tensor2D, features: tf.Tensor2D): tf.Tensor1D;
  /** Share of rows whose predictive probability is on the side of the label (syncs). */
  accuracy(particles: tf.Tensor2D, features: tf.Tensor2D, labels: tf.Tensor1D): number;
  readonly trainableVariables: tf.Variable[];
}

export function bayesianLogisticRegression(
  opts: BayesianLogisticRegressionOptions,
): BayesianLogisticRegression {
  const X = assert2D(opts.features, 'features');
  const [N, p] = X.shape;
  if (opts.labels == null || opts.labels.rank !== 1 || opts.labels.shape[0] !== N) {
    throw new RangeError(
      `labels: expected shape [${N}], got ${opts.labels?.shape ? `[${opts.labels.shape.join(', ')}]` : String(opts.labels)}`,
    );
  }
  const y = opts.labels;
  const prior = opts.prior ?? { kind: 'gamma' };
  if (prior.kind !== 'gamma' && prior.kind !== 'gaussian') {
    throw new TypeError(
      `prior.kind: expected 'gamma' or 'gaussian', got ${String((prior as { kind: unknown }).kind)}`,
    );
  }
  const a0 = prior.kind === 'gamma' ? (prior.a0 ?? 1) : 1;
  const b0 = prior.kind === 'gamma' ? (prior.b0 ?? 0.01) : 0.01;
  const pstd = prior.kind === 'gaussian' ? (prior.std ?? 1) : 1;
  assertPositive(a0, 'prior.a0');
  assertPositive(b0, 'prior.b0');
  assertPositive(pstd, 'prior.std');
  const batch = opts.batchSize ?? N;
  assertInt(batch, 'batchSize', 1, N);
  const rng = createRng(opts.seed ?? 0);
  const dim = prior.kind === 'gamma' ? p + 1 : p;
  const check = (t: tf.Tensor) => assert2D(t, 'particles', null, dim);

  const split = (th: tf.Tensor2D) => {
    const w = prior.kind === 'gamma' ? tf.slice(th, [0, 0], [-1, p]) : th;
    const logAlpha = prior.kind === 'gamma' ? tf.squeeze(tf.slice(th, [0, p], [-1, 1]), [1]) : null;
    return { w, logAlpha };
  };
  const logPrior = (th: tf.Tensor2D): tf.Tensor1D => {
    const { w, logAlpha } = split(th);
    const w2 = tf.sum(tf.square(w), 1);
    if (!logAlpha) return tf.div(w2, -2 * pstd * pstd) as tf.Tensor1D;
    const alpha = tf.exp(logAlpha);
    // (p/2) log α − α‖w‖²/2 + (a0 − 1) log α − b0 α + log α (Jacobian of α = e^{log α}).
    return tf.sub(
      tf.add(tf.mul(p / 2 + a0, logAlpha), tf.mul(-0.5, tf.mul(alpha, w2))),
      tf.mul(b0, alpha),
    ) as tf.Tensor1D;
  };
  const scoreOn = (th: tf.Tensor2D, Xb: tf.Tensor2D, yb: tf.Tensor1D, scale: number) => {
    const { w, logAlpha } = split(th);
    const z = tf.matMul(w as tf.Tensor2D, Xb, false, true); // [n, b]
    const resid = tf.sub(tf.expandDims(tf.cast(yb, 'float32'), 0), tf.sigmoid(z));
    const gLik = tf.mul(scale, tf.matMul(resid, Xb)); // [n, p]
    if (!logAlpha) return tf.add(gLik, tf.div(w, -pstd * pstd)) as tf.Tensor2D;
    const alpha = tf.expandDims(tf.exp(logAlpha), 1);
    const gw = tf.sub(gLik, tf.mul(alpha, w));
    const w2 = tf.sum(tf.square(w), 1, true);
    const ga = tf.sub(tf.add(a0 + p / 2, tf.mul(-0.5, tf.mul(alpha, w2))), tf.mul(b0, alpha));
    return tf.concat([gw, ga], 1) as tf.Tensor2D;
  };
  const logProbImpl = (th: tf.Tensor2D) => {
    const { w } = split(th);
    const z = tf.matMul(w as tf.Tensor2D, X, false, true);
    const ll = tf.sum(
      tf.sub(tf.mul(tf.expandDims(tf.cast(y, 'float32'), 0), z), tf.softplus(z)),
      1,
    );
    return tf.add(ll, logPrior(th)) as tf.Tensor1D;
  };
  const predictImpl = (th: tf.Tensor2D, F: tf.Tensor2D) => {
    const { w } = split(th);
    return tf.mean(tf.sigmoid(tf.matMul(w as tf.Tensor2D, F, false, true)), 0) as tf.Tensor1D;
  };

  return {
    dim,
    numFeatures: p,
    trainableVariables: [],
    logProb(th) {
      check(th);
      return tf.tidy(() => logProbImpl(th));
    },
    energy(th) {
      check(th);
      return tf.tidy(() => tf.neg(logProbImpl(th)));
    },
    fullScore(th) {
      check(th);
      return tf.tidy(() => scoreOn(th, X, y, 1));
    },
    score(th) {
      check(th);
      if (batch === N) return tf.tidy(() => scoreOn(th, X, y, 1));
      const idx = Array.from(rng.permutation(N).subarray(0, batch));
      return tf.tidy(() => {
        const ix = tf.tensor1d(idx, 'int32');
        return scoreOn(th, tf.gather(X, ix), tf.gather(y, ix), N / batch);
      });
    },
    predictProba(th, F) {
      check(th);
      assert2D(F, 'features', null, p);
      return tf.tidy(() => predictImpl(th, F));
    },
    accuracy(th, F, yt) {
      check(th);
      assert2D(F, 'features', null, p);
      if (yt == null || yt.rank !== 1 || yt.shape[0] !== F.shape[0]) {
        throw new RangeError(`labels: expected shape [${F.shape[0]}]`);
      }
      const acc = tf.tidy(() => {
        const pr = predictImpl(th, F);
        const hit = tf.equal(tf.cast(tf.greater(pr, 0.5), 'float32'), tf.cast(yt, 'float32'));
        return tf.mean(tf.cast(hit, 'float32'));
      });
      const v = acc.dataSync()[0];
      acc.dispose();
      return v;
    },
  };
}
