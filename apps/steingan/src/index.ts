// The SteinGAN app's modules, for tests and benchmarks (the CLI is src/cli.ts).
export type { Checkpoint, SavedTensor } from './checkpoint';
export {
  CheckpointError,
  decodeCheckpoint,
  encodeCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
} from './checkpoint';
export type { Arch, DatasetName, Objective, TrainConfig } from './config';
export { ARCHS, DATASETS, defaultConfig, OBJECTIVES, RESUME_KEYS } from './config';
export { loadDataset, toTrainData } from './data';
export type { EvaluateContext, Evaluator, SampleQuality } from './evaluate';
export type { GeneratorNet, GeneratorNetConfig } from './generator-net';
export { generatorNet } from './generator-net';
export type { GridOptions } from './grid';
export { encodeGridPng, writeGridPng } from './grid';
export { JsonlLog } from './io';
export type { MetricsEvaluatorOptions } from './metrics-evaluator';
export { balancedLabels, metricsEvaluator } from './metrics-evaluator';
export { buildProgram, parseArgs } from './program';
export type { RunMetrics, RunOptions } from './run';
export { formatMetrics, gridLabels, runSteingan } from './run';
export { restore, snapshot } from './snapshot';
export type { StepInfo, TrainData, TrainerState } from './train';
export {
  createDefaultIteration,
  createTrainer,
  disposeTrainer,
  generateImages,
  mleOptions,
  trainIteration,
  weightedJointEnergy,
} from './train';
