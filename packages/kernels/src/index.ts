// @steinkit/kernels: public surface.

// Any kernel as a SteinKernel: paired-row functions and Gram-only kernels lifted by autodiff.
export type { PairKernelFn } from './autodiff';
export { asSteinKernel, customKernel } from './autodiff';
// Bandwidths: fixed or heuristic (median of distances or squared distances), resolved per batch.
export type { Bandwidth, MedianHeuristic } from './bandwidth';
export {
  bandwidthFromSqDistances,
  describeBandwidth,
  MAX_BANDWIDTH,
  MEDIAN_SQ_LOGN,
  MIN_BANDWIDTH,
  resolveBandwidth,
  resolveBandwidthAsync,
  STEINGAN_MEDIAN,
  SVGD_MEDIAN,
  validateBandwidth,
} from './bandwidth';
export { meanPairwiseDistance } from './distance';
// Small dense float64 helpers for score estimators: eigen (descending), SPD solve, squared distances.
export { symmetricEigenJs, symmetricEigenTensor } from './eigen';
// Kernels: on learned features (deep kernels), IMQ, radial profiles, RBF k = exp(−‖x − y‖²/h²).
export type { FeatureMap } from './feature';
export { featureKernel } from './feature';
export type { FusedMode } from './fused/dispatch';
export { getFusedKernels, setFusedKernels } from './fused/dispatch';
export type { ImqOptions } from './imq';
export { imq } from './imq';
export { choleskySolve, pairwiseSqDist } from './linalg';
export type { RadialProfile } from './radial';
export { radialKernel } from './radial';
export type { RbfOptions } from './rbf';
export { rbf } from './rbf';
// The kernel interface with the closed-form pieces Stein methods need.
export type { SteinKernel } from './types';
