/** The default sample-quality step, all from @steinkit/metrics. */
import { imageTensor } from '@steinkit/datasets';
import { classifierFrechetDistance, type ImageClassifier, labelAgreement } from '@steinkit/metrics';
import { getClassifier, trainOnGeneratedAccuracy } from '@steinkit/metrics/reference';
import * as tf from '@tensorflow/tfjs-core';
import { loadDataset } from './data';
import type { Evaluator } from './evaluate';

export interface MetricsEvaluatorOptions {
  /** Conditional samples for label agreement (default 1000, 100 per class). */
  samples?: number;
  /** Generated images for "train on generated, test on real" and the Fréchet distance (default 10 000). */
  trainSamples?: number;
  /** Real test images (default all 10 000). */
  testLimit?: number;
  /** Epochs of the train-on-generated classifier (metrics package default 2). */
  epochs?: number;
  /** A reference classifier to use instead of the cached one (tests). */
  classifier?: ImageClassifier;
  /** Train the reference classifier on this many images only (tests; cached separately). */
  classifierTrainLimit?: number;
  /** Cache root of the reference classifier. */
  cacheDir?: string;
}

/** Balanced labels 0..K−1 repeated: n labels, class i % K. */
export function balancedLabels(n: number, k: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i % k);
}

/**
 * labelAgreement (share of conditional samples the reference classifier
 * labels as their condition), ganTrainAccuracy (a fresh classifier trained on
 * generated images only, tested on the real test set) and the Fréchet
 * distance between the reference classifier's features of generated and real
 * test images.
 */
export function metricsEvaluator(opts: MetricsEvaluatorOptions = {}): Evaluator {
  return async (ctx) => {
    const n = opts.samples ?? 1000;
    const nTrain = opts.trainSamples ?? 10_000;
    const k = ctx.numClasses;
    const clf =
      opts.classifier ??
      (await getClassifier(ctx.dataset, {
        trainLimit: opts.classifierTrainLimit,
        cacheDir: opts.cacheDir,
        progress: false,
        log: ctx.log,
      }));
    const test = loadDataset(ctx.dataset, 'test', opts.testLimit);
    const real = imageTensor(test, { layout: 'flat' });
    try {
      const la = balancedLabels(n, k);
      const xa = ctx.generate(la, ctx.seed + 1001);
      const agreement = labelAgreement(clf, xa, la);
      xa.dispose();
      ctx.log(`labelAgreement ${agreement.toFixed(4)} on ${n} samples`);
      const lt = balancedLabels(nTrain, k);
      const chunks: tf.Tensor2D[] = [];
      for (let a = 0; a < nTrain; a += 1000)
        chunks.push(ctx.generate(lt.subarray(a, Math.min(nTrain, a + 1000)), ctx.seed + 2002 + a));
      const xt = tf.concat(chunks, 0);
      tf.dispose(chunks);
      // Each metric is computed on its own: one that throws (e.g. on a
      // degenerate sample) is recorded as NaN with its message, not lost
      // together with the others.
      const errors: Record<string, string> = {};
      const attempt = async (name: string, f: () => number | Promise<number>) => {
        try {
          return await f();
        } catch (e) {
          errors[name] = e instanceof Error ? e.message : String(e);
          ctx.log(`${name} failed: ${errors[name]}`);
          return Number.NaN;
        }
      };
      try {
        const fd = await attempt('frechetDistance', () => classifierFrechetDistance(clf, xt, real));
        if (!errors.frechetDistance)
          ctx.log(
            `frechetDistance ${fd.toFixed(4)} (${nTrain} generated vs ${test.size} test images)`,
          );
        const acc = await attempt('ganTrainAccuracy', async () => {
          const images = tf.reshape(xt, [nTrain, test.height, test.width, test.channels]);
          try {
            return await trainOnGeneratedAccuracy(images, lt, {
              test,
              numClasses: k,
              ...(opts.epochs !== undefined ? { epochs: opts.epochs } : {}),
            });
          } finally {
            images.dispose();
          }
        });
        if (!errors.ganTrainAccuracy)
          ctx.log(
            `ganTrainAccuracy ${acc.toFixed(4)} (trained on ${nTrain} generated, tested on ${test.size} real)`,
          );
        return {
          labelAgreement: agreement,
          ganTrainAccuracy: acc,
          frechetDistance: fd,
          ...(Object.keys(errors).length > 0 ? { errors } : {}),
        };
      } finally {
        xt.dispose();
      }
    } finally {
      real.dispose();
      if (!opts.classifier) clf.dispose();
    }
  };
}
