// @steinkit/core — shared types, backends, randomness, shape checks, optimizers.
import './tf';

export type { BackendInfo, BackendName, InitBackendOptions, ModuleLoader } from './backend';
export { BACKENDS, describeBackend, initBackend, parseBackendName } from './backend';
/** WebGPU/WebGL adapters: what ran, and whether it is a software emulation (SwiftShader). */
export type { GpuAdapterInfo } from './gpu/webgpu';
export { SWIFTSHADER_ICD } from './gpu/webgpu';
/** webgpu kernel fixes (wrong kernels of tfjs-backend-webgpu 4.22), installed when initBackend selects webgpu. */
export type { WebgpuKernelFixName } from './gpu/webgpu-fixes';
export {
  activeWebgpuKernelFixes,
  setWebgpuKernelFixes,
  WEBGPU_KERNEL_FIXES,
} from './gpu/webgpu-fixes';
export type { LuFactorization, SymmetricEigen } from './linalg';
/** Small dense float64 linear algebra (Jacobi eigen / SVD, LU, Cholesky) shared by all packages. */
export {
  choleskyFactor,
  choleskySolveFactored,
  conditionNumber,
  invert,
  luFactor,
  luInverse,
  luLogAbsDet,
  matmul,
  psdSqrt,
  singularValues,
  symmetricEigen,
} from './linalg';
// The loop of the stepper convention (xInit / xStep / xDispose / x): sync, or async with an async onStep.
export { runLoop } from './loop';
// Fused ops: one simd128 kernel on wasm, the same formula in tfjs ops elsewhere.
export { bernoulliLogProb } from './ops';
// Optimizers of every loop: SteinOptimizer (init/update/dispose over explicit state), the
// identity and SVGD AdaGrad ones, a tf.Optimizer adapter, one step over a network's variables;
// fusedAdam: tf.train.adam with one simd128 kernel per variable on wasm (bit-identical).
export type {
  AdagradMomentumOptions,
  AdagradMomentumState,
  LoopOptimizer,
  SteinOptimizer,
  TfOptimizerState,
} from './optimizers';
export {
  adagradMomentum,
  applyOptimizer,
  assertLoopOptimizer,
  disposeOptimizerStates,
  FusedAdamOptimizer,
  fromTfOptimizer,
  fusedAdam,
  identityOptimizer,
  isSteinOptimizer,
} from './optimizers';
export type { Rng } from './random';
// Seeded randomness: one generator, one per-step seed fold-in.
export { createRng, foldIn } from './random';
export type { MemoryRequest, ShapeSpec } from './shapes';
/** Argument checks (TypeError/RangeError naming the argument) and memory pre-checks. */
export {
  assert2D,
  assertFinite,
  assertFiniteArray,
  assertFiniteUpdate,
  assertFloat,
  assertInt,
  assertMemory,
  assertModerate,
  assertPoints,
  assertPositive,
  assertSameDim,
  assertShape,
  assertTensor,
  memoryBudget,
  pairwiseBytes,
  setMemoryBudget,
} from './shapes';
export type {
  Discrepancy,
  EnergyModel,
  Kernel,
  LogProbFn,
  Particles,
  Sampler,
  ScoreFn,
} from './types';
/** The second round of wasm kernel speed work (issue 18): on by default; `false` runs the 0.1 fix kernels (benchmarks' "before"). */
/** A second core for large wasm kernels in Node (GEMMs here, the fused pairwise engine in @steinkit/kernels). */
export type { Helper } from './wasm/helper';
export { HELPER_DATA, setWasmThreads, startHelper, wasmThreads } from './wasm/helper';
/** wasm kernel fixes: `setWasmKernelFixes(false)` restores the shipped tfjs-backend-wasm 4.22 kernels (benchmarks' "before"), `true` re-enables steinkit's. */
export type { WasmKernelFixName } from './wasm/index';
export {
  activeWasmKernelFixes,
  registerWasmKernelFixes,
  setWasmKernelFixes,
  WASM_KERNEL_FIXES,
} from './wasm/index';
/** Base64 → bytes (steinkit's inlined wasm modules). */
export { decodeBase64 } from './wasm/simd';
export { kernelTuning as wasmKernelTuning, setWasmKernelTuning } from './wasm/tuning';
