import { datasetFromTensors, type ImageDataset, loadMnist } from '@steinkit/datasets';
import type * as tf from '@tensorflow/tfjs-core';
import { evaluateClassifier, type TrainClassifierOptions, trainClassifier } from './classifier';
import { labelArray } from './sample-quality';

export interface TrainOnGeneratedOptions extends TrainClassifierOptions {
  /** The real test set (default the MNIST test split). */
  test?: ImageDataset;
  numClasses?: number;
}

/**
 * "Train on generated, test on real" (the SteinGAN paper's Figure 2 metric):
 * trains a fresh copy of the small CNN on labelled generated images (NHWC in
 * [0, 1]) and returns its accuracy on the real test set.
 */
export async function trainOnGeneratedAccuracy(
  images: tf.Tensor,
  labels: tf.Tensor1D | ArrayLike<number>,
  opts: TrainOnGeneratedOptions = {},
): Promise<number> {
  const test = opts.test ?? loadMnist({ split: 'test' });
  const numClasses = opts.numClasses ?? test.numClasses;
  const train = datasetFromTensors(images, labelArray(labels, images.shape[0]), {
    numClasses,
    name: 'generated',
    shape: [test.height, test.width, test.channels],
  });
  if (
    train.height !== test.height ||
    train.width !== test.width ||
    train.channels !== test.channels
  ) {
    throw new RangeError(
      `images: expected [n, ${test.height}, ${test.width}, ${test.channels}] like the test set, got [${images.shape.join(', ')}]`,
    );
  }
  const clf = await trainClassifier(train, { epochs: 2, ...opts, numClasses });
  try {
    return evaluateClassifier(clf, test);
  } finally {
    clf.dispose();
  }
}
