/**
 * The sample-quality step at the end of a run. The default evaluator uses
 * @steinkit/metrics (its cached MNIST classifier, train-on-generated accuracy
 * and the Fréchet distance on classifier features); tests inject a fast one.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { DatasetName } from './config';

export interface SampleQuality {
  /** Share of conditional samples the reference classifier labels as their condition. */
  labelAgreement: number;
  /** Accuracy on the real test set of a classifier trained on generated images only. */
  ganTrainAccuracy: number;
  /** Fréchet distance between classifier features of generated and real test images. */
  frechetDistance: number;
  /** Metrics that threw, by name, with the message (their value is NaN, written as null). */
  errors?: Record<string, string>;
}

export interface EvaluateContext {
  dataset: DatasetName;
  numClasses: number;
  /** Conditional samples `[n, d]` in [0, 1], one per label; the caller disposes them. */
  generate(labels: Int32Array, seed: number): tf.Tensor2D;
  seed: number;
  /** Progress messages. */
  log(line: string): void;
}

export type Evaluator = (ctx: EvaluateContext) => Promise<SampleQuality>;
