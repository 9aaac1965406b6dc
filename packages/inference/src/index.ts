// @steinkit/inference: public surface.
import '@steinkit/core'; // registers gradients (autodiff through encoders and decoders)

// Seed 004: the critic C(x) ≈ E_q[log w] and the gradient surrogates (IWAE softmax weights, critic weights).
export type { LogWeightCritic } from './critic';
export { logWeightCritic } from './critic';
// Encoders q(z|x): reparameterized Gaussian (diagonal / full Cholesky), implicit z = f(x, ε).
export type {
  Encoder,
  EncoderBase,
  EncoderOptions,
  GaussianEncoder,
  ImplicitEncoder,
} from './encoders';
export { gaussianEncoder, implicitEncoder } from './encoders';
// Evaluation: importance-sampled test log-likelihood (encoder or moment-matched proposal).
export type { ImportanceLogLikelihood, ImportanceLogLikelihoodOptions } from './loglik';
export { importanceLogLikelihood, momentMatch } from './loglik';
// Building blocks: seeded dense networks and their weights as JSON.
export type { Mlp, MlpActivation, MlpOptions, WeightRecord } from './mlp';
export { mlp, readWeights, writeWeights } from './mlp';
// The model p(x, z): N(0, I) prior, Bernoulli MLP decoder, the interface all methods share.
export type { BernoulliModel, BernoulliModelOptions, LatentVariableModel } from './model';
export { bernoulliModel, logitMeanBias, standardNormalLogProb } from './model';
// Implicit samplers without an encoder: KL(q‖p) by the entropy gradient.
export type {
  SamplerKlInfo,
  SamplerKlLoopOptions,
  SamplerKlOptions,
  SamplerKlState,
} from './sampler-kl';
export { samplerKl, samplerKlDispose, samplerKlInit, samplerKlStep } from './sampler-kl';
// Which score estimator (grouped SGE/SSGE from stein-estimators) the entropy gradient uses.
export type { EntropyEstimator } from './stein';
export type { IwCriticNormalization } from './surrogates';
export { iwaeSurrogate, iwCriticSurrogate, logMeanExpLast, stopGradient } from './surrogates';
// Training: ELBO, IWAE-k, IW critic, entropy gradient (SGE/SSGE), amortized SVGD encoder — one stepper.
export type {
  AdamRecord,
  InferenceCheckpoint,
  InferenceInfo,
  InferenceInitOptions,
  InferenceObjective,
  InferenceOptions,
  InferenceState,
  IwCriticObjective,
} from './train';
export {
  disposeInfo,
  inferenceCheckpoint,
  inferenceDispose,
  inferenceInit,
  inferenceRestore,
  inferenceStep,
  objectiveSamples,
  trainInference,
} from './train';
