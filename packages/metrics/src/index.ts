// @steinkit/metrics: public surface. Runs anywhere tfjs runs (no node:fs, no
// dataset loaders); the reference classifiers (training, disk cache, progress
// bar) and the atomic file writer live in `@steinkit/metrics/reference`.

export { energyDistance } from './energy';
// Fréchet distance (FID formula) between sample sets / Gaussians
export { frechetDistance, gaussianFrechetDistance, meanAndCovariance } from './frechet';
// Classifier-based sample quality (the classifier comes from `@steinkit/metrics/reference`)
export type { ClassifierInfo, ImageClassifier } from './image-classifier';
// Goodness of fit against a score (needs no target samples)
export type { KsdMetricOptions } from './ksd-metric';
export { ksdMetric } from './ksd-metric';
// Test log-likelihood for tractable models
export { logMeanExp, meanLogLikelihood, parzenLogLikelihood } from './loglik';
// Two-sample distances
export type { MmdOptions, TwoSampleEstimator } from './mmd';
export { meanOfGram, mmd2 } from './mmd';
export type { InceptionScore } from './sample-quality';
export { classifierFrechetDistance, inceptionScore, labelAgreement } from './sample-quality';
