// @steinkit/energy-models: public surface.
import '@steinkit/core'; // registers gradients (autodiff scores)

export type {
  Activation,
  AutoencoderEnergy,
  AutoencoderEnergyConfig,
  OutputActivation,
} from './autoencoder';
export { autoencoderEnergy, autoencoderEnergyFromRecord } from './autoencoder';
// ICA (x = W z, parameterized by the unmixing matrix B = W⁻¹) and its float64 linear algebra.
export type { IcaBase, IcaModel, IcaModelOptions } from './ica';
export { createIcaModel, icaBaseLogProb, icaBaseScore, sampleIca } from './ica';
export type { LuFactorization, WellConditionedOptions } from './icaLinalg';
export {
  conditionNumber,
  logAbsDet,
  luFactor,
  luInverse,
  luLogAbsDet,
  randomWellConditioned,
  singularValues,
} from './icaLinalg';
export { toOneHot } from './labels';
export type {
  BayesianLogisticRegression,
  BayesianLogisticRegressionOptions,
  LogisticPrior,
} from './logistic';
export { bayesianLogisticRegression } from './logistic';
export type { BananaOptions, GaussianMixtureOptions, Target } from './mixture';
export { banana, gaussianMixture } from './mixture';
export type { WeightEntry, WeightsRecord } from './weights';
export { assignWeightsRecord, toWeightsRecord } from './weights';
