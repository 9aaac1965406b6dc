// @steinkit/stein-estimators: public surface.

// Active slices (Gong et al., ICML 2021): closed-form r, g initialization for the sliced KSD.
export type { ActiveSlices, ActiveSlicesOptions } from './active-slices';
export { ACTIVE_SLICE_KERNEL, activeSlices } from './active-slices';
// Many independent particle sets at once ([B, S, d], per-group bandwidth): SVGD direction, SGE, SSGE.
export type { GroupedOptions } from './grouped';
export {
  groupedBandwidths,
  groupedSsge,
  groupedSteinGradient,
  groupedSvgdDirection,
} from './grouped';
// Kernel Stein discrepancy (U/V statistics, the Stein kernel matrix) and its goodness-of-fit test.
export type { KsdOptions, KsdStatistic } from './ksd';
export { evalScore, ksd, ksdFromMatrix, ksdMatrix } from './ksd';
export type { KsdTestOptions, KsdTestResult } from './ksd-test';
export { ksdTest, wildBootstrapTest } from './ksd-test';
// Learned Stein discrepancy (Grathwohl et al. 2020) and an MLP critic with exact closed-form trace.
export type {
  Critic,
  CriticActivation,
  LsdCriticInfo,
  LsdCriticInputs,
  LsdCriticOptions,
  LsdCriticState,
  LsdOptions,
  MlpCritic,
  MlpCriticOptions,
} from './lsd';
export {
  createMlpCritic,
  criticDivergence,
  divergenceByAutodiff,
  lsd,
  lsdCriticDispose,
  lsdCriticInit,
  lsdCriticStep,
  lsdObjective,
} from './lsd';
// Sliced KSD (Gong et al. 2021): closed-form slice-blocked statistic, maxSKSD ascent.
export type { SksdOptions, SlicedBandwidth, SlicedMedian } from './sliced';
export { SKSD_MEDIAN, sksd, sksdPairMatrix, slicedBandwidthSq } from './sliced';
export type { SlicedGofOptions, SlicedGofResult } from './sliced-gof';
export { slicedGofTest } from './sliced-gof';
export type {
  MaxSksdInitOptions,
  MaxSksdInputs,
  MaxSksdState,
  MaxSksdStepInfo,
  MaxSksdStepOptions,
} from './sliced-max';
export {
  maxSksd,
  maxSksdAdam,
  maxSksdDispose,
  maxSksdFit,
  maxSksdInit,
  maxSksdStep,
  maxSksdValue,
} from './sliced-max';
// Noise-smoothed KSD (Wenliang & Kanagawa 2020): KSD between the noise-convolved distributions.
export type { ConvolvedScoreOptions, SmoothingOptions } from './smoothed';
export { convolvedScore, smoothedKsd, smoothedKsdTest } from './smoothed';
// Score estimators from samples: the spectral (SSGE) and the Stein gradient estimator (SGE), KDE.
export type { FittedSsge, SsgeOptions } from './ssge';
export { ssge } from './ssge';
export type { FittedSteinGradient, SteinGradientOptions } from './stein-gradient';
export { kdeScore, steinGradientEstimator } from './stein-gradient';
// SVGD: the direction (7) and the sampler as init/step/dispose plus a loop.
export type { SvgdOnStep, SvgdOptions, SvgdState, SvgdStepInfo, SvgdStepOptions } from './svgd';
export { sgdOptimizer, svgd, svgdDispose, svgdInit, svgdStep } from './svgd';
export type { SvgdDirectionOptions } from './svgd-direction';
export { svgdDirection } from './svgd-direction';
