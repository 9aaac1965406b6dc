// @steinkit/metrics: public surface.

// The reference CNN classifiers, cached on disk
export type {
  ClassifierArchitecture,
  ClassifierDataset,
  ClassifierInfo,
  GetClassifierOptions,
  ImageClassifier,
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
export { energyDistance } from './energy';
// Fréchet distance (FID formula) between sample sets / Gaussians
export { frechetDistance, gaussianFrechetDistance, meanAndCovariance } from './frechet';
// Goodness of fit against a score (needs no target samples)
export type { KsdMetricOptions } from './ksd-metric';
export { ksdMetric } from './ksd-metric';

// Test log-likelihood for tractable models
export { logMeanExp, meanLogLikelihood, parzenLogLikelihood } from './loglik';
// Two-sample distances
export type { MmdOptions, TwoSampleEstimator } from './mmd';
export { meanOfGram, mmd2 } from './mmd';
export { fileSystemIO, readModelMetadata, writeFileAtomic } from './model-io';

// Classifier-based sample quality
export type { InceptionScore, TrainOnGeneratedOptions } from './sample-quality';
export {
  classifierFrechetDistance,
  inceptionScore,
  labelAgreement,
  trainOnGeneratedAccuracy,
} from './sample-quality';
