/** Run configuration of the SteinGAN app (CLI flags map onto it). */
export const OBJECTIVES = ['steingan', 'dcgan', 'mle-gan'] as const;
export type Objective = (typeof OBJECTIVES)[number];
export const ARCHS = ['lean', 'paper'] as const;
export type Arch = (typeof ARCHS)[number];
export const DATASETS = ['mnist', 'fashion-mnist'] as const;
export type DatasetName = (typeof DATASETS)[number];

export interface TrainConfig {
  dataset: DatasetName;
  objective: Objective;
  arch: Arch;
  /** Mini-batch size m (data and generated). */
  batch: number;
  seed: number;
  /** ξ ~ U[−1, 1]^noiseDim (the paper: 100). */
  noiseDim: number;
  numClasses: number;
  /** lean: MLP widths of the generator. */
  genHidden: number[];
  /** lean: MLP widths of the autoencoder energy's encoder (decoder mirrors). */
  energyHidden: number[];
  /** Code size of the autoencoder energy (the kernel's features). */
  codeDim: number;
  /** Adam learning rates: generator, energy, energy when sped up (balancing). */
  lrG: number;
  lrE: number;
  lrEFast: number;
  /** Adam β₁. */
  beta1: number;
  /** Discount γ of (16): θ ← θ − ε·Ê_obs ∇φ + ε(1 − γ)·Ê_η ∇φ. */
  gamma: number;
  /** The freeze rule (amortizers' one-sided default): skip θ's update when sample energy > data energy + gapThreshold. */
  freeze: boolean;
  gapThreshold: number;
  /** The speed-up rule: θ's learning rate becomes lrEFast when data energy > sample energy. */
  speedUp: boolean;
  /** Margin m of the joint energy (15). */
  margin: number;
  /** h = bandwidthScale · median pairwise code distance. */
  bandwidthScale: number;
  /** Drop each particle's own term from the Stein direction (7). */
  excludeSelf: boolean;
  /** Normalization of the Stein direction: 1/n or 1/Σ_j k (the authors' code). */
  normalize: 'n' | 'kernelSum';
  /** γ of (16) while data energy ≤ sample energy (null: always `gamma`). */
  slowGamma: number | null;
  /** Weight w of the label term: ‖x − D(E(x))‖ + w · max(m, CE) (w = 1: eq. (15)). */
  labelWeight: number;
  /** Noise source q₀ of ξ. */
  noise: 'uniform' | 'normal';
}

/** The lean default: MLP generator and MLP autoencoder energy, code 64. */
export function defaultConfig(overrides: Partial<TrainConfig> = {}): TrainConfig {
  const arch = overrides.arch ?? 'lean';
  return {
    dataset: 'mnist',
    objective: 'steingan',
    arch,
    batch: 64,
    seed: 1,
    noiseDim: 100,
    numClasses: 10,
    genHidden: [256, 256],
    energyHidden: [256],
    codeDim: arch === 'paper' ? 512 : 64,
    lrG: 2e-3,
    lrE: 1e-4,
    lrEFast: 5e-4,
    beta1: 0.5,
    gamma: 0.3,
    freeze: false,
    gapThreshold: 0.5,
    speedUp: true,
    margin: 0.2,
    bandwidthScale: 0.5,
    excludeSelf: false,
    normalize: 'n',
    slowGamma: null,
    noise: 'uniform',
    labelWeight: 3,
    ...overrides,
  };
}

/** Fields that must agree between a checkpoint and the run resuming from it. */
export const RESUME_KEYS: (keyof TrainConfig)[] = [
  'dataset',
  'objective',
  'arch',
  'batch',
  'seed',
  'noiseDim',
  'genHidden',
  'energyHidden',
  'codeDim',
];
