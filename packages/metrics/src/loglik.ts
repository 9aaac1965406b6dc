import { assert2D, assertInt, type LogProbFn } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Mean test log-likelihood (1/n) Σ log p(x_i) of the rows of x under a
 * tractable model, evaluated in chunks of `batchSize` rows; throws when a
 * log-density is not finite (NaN, or −∞ for a point outside the support).
 */
export function meanLogLikelihood(
  logProb: LogProbFn,
  x: tf.Tensor2D,
  opts: { batchSize?: number } = {},
): number {
  assert2D(x, 'x');
  const n = x.shape[0];
  if (n < 1) throw new RangeError('x: expected at least one row');
  const bs = opts.batchSize ?? 4096;
  assertInt(bs, 'batchSize', 1);
  let total = 0;
  for (let s = 0; s < n; s += bs) {
    const lp = tf.tidy(() => {
      const chunk = tf.slice(x, [s, 0], [Math.min(bs, n - s), -1]) as tf.Tensor2D;
      const out = logProb(chunk);
      if (out.rank !== 1 || out.shape[0] !== chunk.shape[0]) {
        throw new RangeError(
          `logProb(x): expected shape [${chunk.shape[0]}], got [${out.shape.join(', ')}]`,
        );
      }
      return out;
    });
    const v = lp.dataSync();
    lp.dispose();
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i])) {
        throw new RangeError(`logProb(x): non-finite log-density ${v[i]} at row ${s + i}`);
      }
      total += v[i];
    }
  }
  return total / n;
}

/** log (1/K) Σ_k exp(a_k) along `axis`, stably (for importance-sampled likelihoods). */
export function logMeanExp(a: tf.Tensor, axis = -1): tf.Tensor {
  return tf.tidy(() => {
    const k = a.shape[axis < 0 ? a.rank + axis : axis];
    return tf.sub(tf.logSumExp(a, axis), Math.log(k));
  });
}

/**
 * Parzen-window (Gaussian KDE) estimate of the mean test log-likelihood of a
 * sampler from its samples `[m, d]`, the classic GAN proxy:
 * log p̂(x) = log (1/m) Σ_j N(x; s_j, σ² I). Computed in chunks of test rows.
 */
export function parzenLogLikelihood(
  samples: tf.Tensor2D,
  test: tf.Tensor2D,
  sigma: number,
  opts: { batchSize?: number } = {},
): number {
  assert2D(samples, 'samples');
  assert2D(test, 'test', null, samples.shape[1]);
  if (!(sigma > 0 && Number.isFinite(sigma))) {
    throw new RangeError(`sigma: expected a finite number > 0, got ${sigma}`);
  }
  const d = samples.shape[1];
  const logProb: LogProbFn = (x) =>
    tf.tidy(() => {
      const sq = tf.relu(
        tf.sub(
          tf.add(tf.sum(tf.square(x), 1, true), tf.transpose(tf.sum(tf.square(samples), 1, true))),
          tf.mul(2, tf.matMul(x, tf.transpose(samples))),
        ),
      );
      const lk = tf.sub(
        tf.mul(-0.5 / (sigma * sigma), sq),
        0.5 * d * Math.log(2 * Math.PI * sigma * sigma),
      );
      return logMeanExp(lk, 1) as tf.Tensor1D;
    });
  return meanLogLikelihood(logProb, test, { batchSize: opts.batchSize ?? 256 });
}
