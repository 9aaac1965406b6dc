// @steinkit/energy-models: public surface.
import '@steinkit/core'; // registers gradients (autodiff scores)

// The autoencoder energy (14) and the joint image–label energy (15) of SteinGAN.
export type {
  Activation,
  AutoencoderEnergy,
  AutoencoderEnergyConfig,
  OutputActivation,
} from './autoencoder';
export { autoencoderEnergy, autoencoderEnergyFromRecord } from './autoencoder';
// ICA (x = W z, parameterized by the unmixing matrix B = W⁻¹; its data: `@steinkit/datasets` icaData) and a differentiable log|det|.
export type { IcaBase, IcaModel, IcaModelOptions } from './ica';
export { createIcaModel, icaBaseLogProb, icaBaseScore } from './ica';
export { logAbsDet } from './ica-linalg';
// One-hot label encoding for the joint energy.
export { toOneHot } from './labels';
// Bayesian logistic regression (the SVGD paper's posterior).
export type {
  BayesianLogisticRegression,
  BayesianLogisticRegressionOptions,
  LogisticPrior,
} from './logistic';
export { bayesianLogisticRegression } from './logistic';
// Synthetic targets with energy, closed-form score and exact samples (mixtures, ring, grid, banana).
export type {
  BananaOptions,
  GaussianMixtureOptions,
  GaussianMixtureTarget,
  Target,
} from './mixture';
export {
  banana,
  gaussianGrid,
  gaussianMixture,
  gaussianRing,
  paperMixture1d,
} from './mixture';
// Plain-data weight records (checkpoints).
export type { WeightEntry, WeightsRecord } from './weights';
export { assignWeightsRecord, toWeightsRecord } from './weights';
