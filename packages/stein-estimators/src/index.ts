// @steinkit/stein-estimators: public surface.
export type { KsdOptions, KsdStatistic } from './ksd';
export { evalScore, ksd, ksdFromMatrix, ksdMatrix } from './ksd';
export type { KsdTestOptions, KsdTestResult } from './ksd-test';
export { ksdTest } from './ksd-test';
export type { FittedSteinGradient, SteinGradientOptions } from './stein-gradient';
export { kdeScore, steinGradientEstimator } from './stein-gradient';
export type { SvgdDirectionOptions } from './svgd-direction';
export { svgdDirection } from './svgd-direction';
export type { SvgdOptions, SvgdState, SvgdStepOptions } from './svgd';
export { sgdOptimizer, svgd, svgdDispose, svgdInit, svgdStep } from './svgd';
