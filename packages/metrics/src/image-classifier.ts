import type * as tfl from '@tensorflow/tfjs';
import type * as tf from '@tensorflow/tfjs-core';

/*
 * The shape of a trained reference classifier, type-only: the main entry's
 * sample-quality functions take one, the `@steinkit/metrics/reference` entry
 * builds, trains, caches and loads them.
 */

/** What a trained classifier knows about itself (stored with cached weights). */
export interface ClassifierInfo {
  dataset: string;
  version: number;
  trainSize: number;
  epochs: number;
  testAccuracy?: number;
  testSize?: number;
  trainSeconds?: number;
  /** CPU seconds (user + system) of this process while training; ≈ wall time on an idle core. */
  trainCpuSeconds?: number;
  backend?: string;
  trainedAt?: string;
}

/** A trained image classifier with its penultimate-feature map. */
export interface ImageClassifier {
  readonly model: tfl.LayersModel;
  /** The same network up to the `features` layer (shares weights). */
  readonly featureModel: tfl.LayersModel;
  readonly inputShape: [number, number, number];
  readonly numClasses: number;
  readonly info: ClassifierInfo;
  /** Class probabilities `[n, K]` of images NHWC `[n, h, w, c]` or flat `[n, h·w·c]` in [0, 1]. */
  probabilities(x: tf.Tensor, batchSize?: number): tf.Tensor2D;
  /** Penultimate features `[n, units]`. */
  features(x: tf.Tensor, batchSize?: number): tf.Tensor2D;
  /** Arg-max labels, int32 `[n]`. */
  predictLabels(x: tf.Tensor, batchSize?: number): tf.Tensor1D;
  dispose(): void;
}
