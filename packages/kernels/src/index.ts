// @steinkit/kernels: public surface.

export type { PairKernelFn } from './autodiff';
export { asSteinKernel, customKernel, pairRows } from './autodiff';
export type { Bandwidth, MedianHeuristic } from './bandwidth';
export {
  describeBandwidth,
  MAX_BANDWIDTH,
  MEDIAN_SQ_LOGN,
  MIN_BANDWIDTH,
  median,
  resolveBandwidth,
  STEINGAN_MEDIAN,
  SVGD_MEDIAN,
  validateBandwidth,
} from './bandwidth';
export { meanPairwiseDistance } from './distance';
export { symmetricEigenJs, symmetricEigenTensor } from './eigen';
export type { FeatureMap } from './feature';
export { featureKernel } from './feature';
export type { FusedMode } from './fused/dispatch';
export { getFusedKernels, setFusedKernels } from './fused/dispatch';
export type { ImqOptions } from './imq';
export { imq } from './imq';
export { choleskySolve, matMulT, pairwiseSqDist, rowSqNorms } from './linalg';
export type { RadialProfile } from './radial';
export { radialKernel } from './radial';
export type { RbfOptions } from './rbf';
export { rbf } from './rbf';
export type { SteinKernel } from './types';
