// The SteinGAN app's modules, for tests and benchmarks (the CLI is src/cli.ts).
export type { Checkpoint, SavedTensor } from './checkpoint';
export {
  CheckpointError,
  decodeCheckpoint,
  encodeCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
} from './checkpoint';
export type { Arch, DatasetName, LrDecay, Objective, Preset, TrainConfig } from './config';
export {
  ARCHS,
  BASELINE_LR,
  DATASETS,
  defaultConfig,
  lrScale,
  OBJECTIVES,
  PRESET_ITERATIONS,
  PRESETS,
  RESUME_KEYS,
  validateLrDecay,
} from './config';
export { loadDataset, toTrainData } from './data';
export type { EvaluateContext, Evaluator, SampleQuality } from './evaluate';
export type { GeneratorNet, GeneratorNetConfig } from './generator-net';
export { generatorNet } from './generator-net';
export type { GridOptions } from './grid';
export { encodeGridPng, writeGridPng } from './grid';
export { JsonlLog } from './io';
export type {
  KlGeneratorInfo,
  KlGeneratorInputs,
  KlGeneratorOptions,
  KlGeneratorState,
  KlScoreOptions,
  KlStepOptions,
  ScoreEstimatorName,
} from './kl';
export {
  klGeneratorDispose,
  klGeneratorInit,
  klGeneratorStep,
  klScoreGap,
  klSurrogate,
} from './kl';
export type { MetricsEvaluatorOptions } from './metrics-evaluator';
export { balancedLabels, metricsEvaluator } from './metrics-evaluator';
export { buildProgram, parseArgs } from './program';
export type { RunMetrics, RunOptions, SeedResult } from './run';
export {
  formatMetrics,
  gridLabels,
  interpolationNoise,
  resultStem,
  runSeeds,
  runSteingan,
  writeInterpolation,
} from './run';
export { restore, snapshot } from './snapshot';
export type { TableRow } from './table';
export { formatTable, readResults, summarize } from './table';
export type { StepInfo, TrainData, TrainerState } from './train';
export {
  createDefaultIteration,
  createTrainer,
  discriminatorLogit,
  discriminatorVariables,
  disposeTrainer,
  generateFromNoise,
  generateImages,
  generatorGanLoss,
  mleOptions,
  resumeAt,
  trainIteration,
} from './train';
