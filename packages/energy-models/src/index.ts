// @steinkit/energy-models: public surface.
import '@steinkit/core'; // registers gradients (autodiff scores)

export type {
  Activation,
  AutoencoderEnergy,
  AutoencoderEnergyConfig,
  OutputActivation,
} from './autoencoder';
export { autoencoderEnergy, autoencoderEnergyFromRecord } from './autoencoder';
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
