// @steinkit/stein-estimators: public surface.

// Active slices (Gong et al., ICML 2021): closed-form r, g initialization for the sliced KSD.
export type { ActiveSlices, ActiveSlicesOptions } from './activeSlices';
export { ACTIVE_SLICE_KERNEL, activeSlices } from './activeSlices';
// Many independent particle sets at once ([B, S, d], per-group bandwidth): SVGD direction, SGE, SSGE.
export type { GroupedOptions } from './grouped';
export {
  groupedBandwidths,
  groupedSsge,
  groupedSteinGradient,
  groupedSvgdDirection,
} from './grouped';
export type { KsdOptions, KsdStatistic } from './ksd';
export { evalScore, ksd, ksdFromMatrix, ksdMatrix, steinKernelMatrix } from './ksd';
export type { KsdTestOptions, KsdTestResult } from './ksd-test';
export { ksdTest, wildBootstrapTest } from './ksd-test';
// Learned Stein discrepancy (Grathwohl et al. 2020) and an MLP critic with exact closed-form trace.
export type { Critic, CriticActivation, LsdOptions, MlpCritic, MlpCriticOptions } from './lsd';
export {
  createMlpCritic,
  criticDivergence,
  divergenceByAutodiff,
  lsd,
  lsdCriticStep,
  lsdObjective,
} from './lsd';
// Sliced KSD (Gong et al. 2021): closed-form slice-blocked statistic, maxSKSD ascent.
export type { SksdOptions, SlicedBandwidth, SlicedMedian } from './sliced';
export {
  medianSqPairDiffs,
  SKSD_MEDIAN,
  sksd,
  sksdPairMatrix,
  slicedBandwidthSq,
  slicedSteinCore,
} from './sliced';
export type { SlicedGofOptions, SlicedGofResult } from './slicedGof';
export { slicedGofTest } from './slicedGof';
export type { MaxSksdInitOptions, MaxSksdState, MaxSksdStepOptions } from './slicedMax';
export {
  maxSksdAdam,
  maxSksdDispose,
  maxSksdFit,
  maxSksdInit,
  maxSksdStep,
  maxSksdValue,
} from './slicedMax';
// Noise-smoothed KSD (Wenliang & Kanagawa 2020): KSD between the noise-convolved distributions.
export type { ConvolvedScoreOptions, SmoothingOptions } from './smoothed';
export { convolvedScore, smoothedKsd, smoothedKsdTest } from './smoothed';
export type { FittedSsge, SsgeOptions } from './ssge';
export { ssge } from './ssge';
export type { FittedSteinGradient, SteinGradientOptions } from './stein-gradient';
export { kdeScore, steinGradientEstimator } from './stein-gradient';
export type { SvgdOptions, SvgdState, SvgdStepOptions } from './svgd';
export { sgdOptimizer, svgd, svgdDispose, svgdInit, svgdStep } from './svgd';
export type { SvgdDirectionOptions } from './svgd-direction';
export { svgdDirection } from './svgd-direction';
