// sksd-ica: the ICA experiment of Gong et al. (2021) as a library (for benchmarks and tests).
export { buildProgram, main } from './cli';
export type { ExperimentOptions } from './experiment';
export { runExperiment, writeReport } from './experiment';
export type { ExportedProblem } from './export';
export { exportProblem } from './export';
export { maxSksdIteration } from './iteration';
export type { IcaProblem } from './protocol';
export {
  batchIndices,
  batchSeed,
  batchStream,
  createModel,
  PAPER_DIMS,
  PAPER_ITERATIONS,
  PAPER_SEEDS,
  PUBLISHED,
  setupIcaProblem,
} from './protocol';
export type { SummaryRecord } from './report';
export { markdownTable, summarize, svgPlot } from './report';
export type { RunOptions, RunRecord } from './run';
export { cacheName, loadCache, runCached, runOne, writeJsonAtomic } from './run';
export type { MaxSksdTrainerOptions, Method, Trainer } from './trainers';
export {
  createTrainer,
  ksdTrainer,
  lsdTrainer,
  MAXSKSD_VARIANTS,
  METHODS,
  maxSksdTrainer,
  modelOptimizer,
} from './trainers';
