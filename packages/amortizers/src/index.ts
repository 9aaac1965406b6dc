// @steinkit/amortizers: public surface.
import '@steinkit/core'; // registers gradients (autodiff through samplers and energies)

// Algorithm 1: amortized SVGD as init/step over explicit state, plus a loop.
export type {
  AmortizedRule,
  AmortizedRuleInfo,
  AmortizedSvgdLoopOptions,
  AmortizedSvgdOptions,
  AmortizedSvgdState,
  AmortizedSvgdStepInfo,
  ConditionalScoreFn,
} from './amortized-svgd';
export {
  amortizedSvgd,
  amortizedSvgdDispose,
  amortizedSvgdInit,
  amortizedSvgdStep,
  applyAmortizedRule,
  validateAmortizedRule,
} from './amortized-svgd';

// The Stein variational gradient (7) with a kernel on features, exact or approximate repulsion.
export type {
  FeatureSteinDirection,
  FeatureSteinDirectionOptions,
  RepulsionMode,
} from './direction';
export { featureSteinDirection } from './direction';
// Algorithm 2: amortized MLE (SteinGAN) with the discounted θ-update (16) and the balancing rules.
export type {
  AmortizedMleBatch,
  AmortizedMleLoopOptions,
  AmortizedMleOptions,
  AmortizedMleRecord,
  AmortizedMleState,
  AmortizedMleStepResult,
  BalanceOptions,
  EncodingEnergyModel,
} from './mle';
export {
  amortizedMle,
  amortizedMleDispose,
  amortizedMleInit,
  amortizedMleStep,
  setLearningRate,
} from './mle';
// The KL baseline with the reparameterization trick (eq. 11): Gaussian samplers, ELBO, IWAE.
export type {
  GaussianSampler,
  GaussianSamplerOptions,
  ReparamKlLoopOptions,
  ReparamKlOptions,
  ReparamKlState,
  ReparamKlStepInfo,
} from './reparam';
export {
  elbo,
  gaussianSampler,
  iwaeBound,
  reparamKl,
  reparamKlDispose,
  reparamKlInit,
  reparamKlStep,
} from './reparam';
// Neural sampler f(η; ξ), ξ ~ q₀, optionally conditioned on a label.
export type { NeuralSampler, NeuralSamplerOptions, NoiseSource } from './sampler';
export { neuralSampler } from './sampler';
// The η-updates of amortized SVGD given Δx: (10) vjp, (8) fit, (9) least squares by CG.
export type {
  FitUpdateOptions,
  LeastSquaresInfo,
  LeastSquaresUpdateOptions,
  LeastSquaresUpdateResult,
  SamplerBatch,
} from './updates';
export { fitUpdate, leastSquaresUpdate, solveLeastSquares, vjpUpdate } from './updates';
// Matrix-free Jacobian products.
export { dotList, jvp, vjp } from './vjp';
