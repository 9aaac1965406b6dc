import {
  type Encoder,
  gaussianEncoder,
  type InferenceObjective,
  implicitEncoder,
  type LogWeightCritic,
  logWeightCritic,
} from '@steinkit/inference';

/**
 * The methods compared, all on the same decoder and encoder body.
 * `vae-fullcov-rel` (not in `--method all`): the full-covariance encoder with
 * the strictly lower part of L relative to σ (L = diag σ · (I + M)).
 */
export const METHODS = [
  'vae',
  'vae-fullcov',
  'vae-fullcov-rel',
  'iwae',
  'iw-critic',
  'stein-svgd',
  'implicit-sge',
  'implicit-ssge',
] as const;
export type Method = (typeof METHODS)[number];

/** The architecture (Burda et al. 2016, one stochastic layer) — smaller in tests. */
export interface Arch {
  dataDim: number;
  latentDim: number;
  hidden: number[];
}
export const BURDA: Arch = { dataDim: 784, latentDim: 50, hidden: [200, 200] };

/** Samples per x each method draws in training: IWAE's k; the Stein methods' particles per x. */
export function defaultK(method: Method): number {
  switch (method) {
    case 'iwae':
      return 5;
    case 'stein-svgd':
    case 'implicit-sge':
    case 'implicit-ssge':
      return 5;
    default:
      return 1;
  }
}

export function buildEncoder(method: Method, arch: Arch, seed: number): Encoder {
  const common = { inputDim: arch.dataDim, latentDim: arch.latentDim, hidden: arch.hidden, seed };
  switch (method) {
    case 'vae':
    case 'iwae':
    case 'iw-critic':
      return gaussianEncoder({ ...common, covariance: 'diagonal' });
    case 'vae-fullcov':
      return gaussianEncoder({ ...common, covariance: 'full' });
    case 'vae-fullcov-rel':
      return gaussianEncoder({ ...common, covariance: 'full', ...FULLCOV_REL });
    default:
      return implicitEncoder({ ...common, noiseDim: arch.latentDim });
  }
}

/** `vae-fullcov-rel`'s encoder: L = diag σ · (I + s·M), M from the 200 → d² head. */
export const FULLCOV_REL = { lowerPart: 'relative', lowerScale: 0.1 } as const;

/**
 * The iw-critic settings of the app (seed 004 with the stabilizations of
 * `@steinkit/inference`, measured one at a time in results/iw-critic-ablation.json):
 * the critic's output bias warm-started at the first batch's mean log w, the
 * critic trained by Adam 1e-2 (ten times the networks' rate, so it tracks
 * E_q[log w] as the model moves), weights e^(log w − C(x)) as written (not
 * batch-normalized), clipped at e³, the weighted update on every parameter.
 */
export const IW_CRITIC = {
  criticWarmStart: true,
  criticLearningRate: 1e-2,
  normalize: 'none',
  encoderGradient: 'weighted',
  maxLogWeight: 3,
} as const;

export function buildObjective(
  method: Method,
  k: number,
  critic?: LogWeightCritic,
): InferenceObjective {
  switch (method) {
    case 'vae':
    case 'vae-fullcov':
    case 'vae-fullcov-rel':
      return { kind: 'elbo' };
    case 'iwae':
      return { kind: 'iwae', k };
    case 'iw-critic':
      if (!critic) throw new TypeError('iw-critic needs a critic');
      return {
        kind: 'iwCritic',
        critic,
        maxLogWeight: IW_CRITIC.maxLogWeight,
        normalize: IW_CRITIC.normalize,
        criticWarmStart: IW_CRITIC.criticWarmStart,
        encoderGradient: IW_CRITIC.encoderGradient,
      };
    case 'stein-svgd':
      return { kind: 'svgd', particles: k };
    case 'implicit-sge':
      return { kind: 'entropy', estimator: 'sge', samples: k };
    case 'implicit-ssge':
      return { kind: 'entropy', estimator: 'ssge', samples: k };
  }
}

export function buildCritic(method: Method, arch: Arch, seed: number): LogWeightCritic | undefined {
  return method === 'iw-critic'
    ? logWeightCritic({ inputDim: arch.dataDim, hidden: [100], seed })
    : undefined;
}
