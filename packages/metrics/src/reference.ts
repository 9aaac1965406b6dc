// @steinkit/metrics/reference: Node-only. The reference CNN classifiers of the
// image metrics (trained here or loaded from the disk cache under
// `STEINKIT_CACHE_DIR`, with a progress bar), "train on generated, test on
// real", and the file I/O they use. Imports node:fs, the dataset loaders and
// cli-progress, which the main entry `@steinkit/metrics` does not.

export type {
  ClassifierArchitecture,
  ClassifierDataset,
  GetClassifierOptions,
  TrainClassifierOptions,
  TrainProgress,
} from './classifier';
export {
  buildClassifierModel,
  CLASSIFIER_VERSION,
  defaultCacheDir,
  evaluateClassifier,
  getClassifier,
  loadClassifier,
  saveClassifier,
  trainClassifier,
} from './classifier';
// The reference CNN classifiers, cached on disk
export type { ClassifierInfo, ImageClassifier } from './image-classifier';
// Files: steinkit's one atomic writer, a node:fs tfjs model handler
export { fileSystemIO, readModelMetadata, writeFileAtomic } from './model-io';
// "Train on generated, test on real" (SteinGAN paper, Figure 2)
export type { TrainOnGeneratedOptions } from './train-on-generated';
export { trainOnGeneratedAccuracy } from './train-on-generated';
