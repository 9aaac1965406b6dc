// @steinkit/core — shared types, backends, randomness, shape checks, optimizers.
import './tf';

export type { Particles, ScoreFn, LogProbFn, Kernel, Sampler, Discrepancy, EnergyModel } from './types';
export { assertShape, assert2D, assertSameDim, assertPositive, assertInt, assertFinite } from './shapes';
export type { ShapeSpec } from './shapes';
export { createRng } from './random';
export type { Rng } from './random';
export { initBackend, describeBackend, parseBackendName, BACKENDS } from './backend';
export type { BackendName, BackendInfo, InitBackendOptions, ModuleLoader } from './backend';
export { registerWasmKernelFixes } from './wasm/index';
export { adagradMomentum, fromTfOptimizer } from './optimizers';
export type { SteinOptimizer, AdagradMomentumOptions, AdagradMomentumState, TfOptimizerState } from './optimizers';
