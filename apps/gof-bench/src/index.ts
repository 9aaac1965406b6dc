// @steinkit/gof-bench (private app): goodness-of-fit benchmarks of the Stein-methods talk.

export { buildProgram, main } from './cli';
// Deep-kernel KSD: K_φ = RBF on MLP features, closed-form Stein kernel, φ trained to maximize KSD.
export type { MlpFeatures, TrainDeepKernelOptions } from './deep-kernel';
export {
  createMlpFeatures,
  deepKsdU,
  deepSteinMatrix,
  disposeFeatures,
  featuresAndJacobians,
  trainDeepKernel,
} from './deep-kernel';
// The tests compared and the benchmark loops.
export type { Method, MethodConfig, MethodResult, TrialData } from './methods';
export { DEFAULT_CONFIG, fitSlices, METHODS, REFERENCE_RBF_MEDIAN, runMethod } from './methods';
export type { MixtureBenchOptions, MixtureSummary } from './mixture-bench';
export { mixtureSvg, mixtureTable, runMixtureBench, separatedMixture } from './mixture-bench';
export { NumpyLegacyRandom } from './numpy-random';
export { powerCurveSvg } from './plot';
// The Gaussian–Bernoulli RBM: score, unnormalized log-density, block Gibbs sampling.
export type { GibbsOptions, Rbm, RbmBenchmarkOptions } from './rbm';
export { benchmarkRbm, FastRng, gibbsSample, rbmLogProb, rbmScore } from './rbm';
export type { PowerSummary, RbmBenchOptions, TrialRecord } from './rbm-bench';
export {
  PAPER_SIGMAS,
  powerTable,
  readTrials,
  runRbmBench,
  summarize,
  wilsonInterval,
} from './rbm-bench';
