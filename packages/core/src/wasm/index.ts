/**
 * steinkit's wasm kernel fixes: replacements for kernels that
 * tfjs-backend-wasm 4.22 lacks or runs as scalar loops, so that wasm can train
 * convnets and MLPs at XNNPACK speed.
 *
 * - `BatchMatMul`, `_FusedMatMul`: transposes and batches routed to XNNPACK
 *   or the heap GEMM; large products on two threads in Node (`threads.ts`).
 * - `Conv2DBackpropFilter` (missing), `Conv2DBackpropInput` (scalar loop):
 *   composed from XNNPACK `Conv2D`; thin inputs (≤ 2 channels) through
 *   im2col / col2im and one GEMM (`conv-thin.ts`).
 * - `Tile` (an element-at-a-time loop): block copies; `Identity` (a copy):
 *   a shared, reference-counted buffer (`data-movement.ts`).
 * - `setWasmKernelTuning(false)` keeps the fixes but turns off the second
 *   round of speed work (matmul orientation, thin convs; `tuning.ts`).
 * - `Exp`, `Tanh`, `Softplus` (scalar libm loops), `Transpose` of the last
 *   two axes (unblocked) and `Sum` over leading or trailing axes (a transpose,
 *   then a scalar loop): simd128 on the backend's own memory (`simd.ts`,
 *   `assembly/heap.ts`); plus the fused Adam kernel
 *   `SteinkitAdam` that `fusedAdam` (optimizers.ts) runs on wasm.
 * - `UnsortedSegmentSum`, `DepthwiseConv2dNativeBackpropFilter/Input`,
 *   `Einsum` (missing): correct fallbacks; plus a gradient for `Einsum`
 *   (tfjs-core registers none, for any backend).
 *
 * `registerWasmKernelFixes()` installs them (initBackend calls it before
 * `tf.setBackend('wasm')`); `setWasmKernelFixes(false)` puts the shipped
 * kernels back at runtime — the "before" of a before/after benchmark.
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2DBackpropFilter, conv2DBackpropInput } from './conv2d-backprop';
import { makeIdentity, makeTile } from './data-movement';
import { registerEinsumGradient } from './einsum-grad';
import { makeBatchMatMul, makeFusedMatMul } from './matmul';
import {
  depthwiseBackpropFilter,
  depthwiseBackpropInput,
  einsum,
  unsortedSegmentSum,
} from './missing';
import {
  ADAM_KERNEL,
  adamKernel,
  BERNOULLI_GRAD_KERNEL,
  BERNOULLI_KERNEL,
  bernoulliGradKernel,
  bernoulliKernel,
  makeSum,
  makeTranspose,
  makeUnary,
  UNARY_OPS,
} from './simd';
import type { KernelCall } from './util';

/** The wasm kernels steinkit replaces or adds. */
export const WASM_KERNEL_FIXES = [
  'BatchMatMul',
  '_FusedMatMul',
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'UnsortedSegmentSum',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'Einsum',
  'Tile',
  'Identity',
  'Exp',
  'Tanh',
  'Softplus',
  'Transpose',
  'Sum',
  'SteinkitAdam',
  'SteinkitBernoulliLogLik',
  'SteinkitBernoulliLogLikGrad',
] as const;
export type WasmKernelFixName = (typeof WASM_KERNEL_FIXES)[number];

const shipped = new Map<WasmKernelFixName, tf.KernelConfig>();
const fixes = new Map<WasmKernelFixName, tf.KernelConfig>();
const active = new Set<WasmKernelFixName>();

function config(name: WasmKernelFixName, fn: KernelCall): tf.KernelConfig {
  return {
    kernelName: name,
    backendName: 'wasm',
    // The shipped kernel's setup (cwrap of its C++ entry) must still run at
    // backend init, since the fix calls the shipped function.
    setupFunc: shipped.get(name)?.setupFunc,
    kernelFunc: fn as unknown as tf.KernelFunc,
  };
}

function build(): void {
  const orig = (name: WasmKernelFixName) =>
    shipped.get(name)?.kernelFunc as unknown as KernelCall | undefined;
  const bmm = orig('BatchMatMul');
  const fused = orig('_FusedMatMul');
  if (bmm) fixes.set('BatchMatMul', config('BatchMatMul', makeBatchMatMul(bmm)));
  if (bmm && fused) {
    // The fused fallback routes through whatever BatchMatMul is registered now.
    const current = () => tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc as unknown as KernelCall;
    fixes.set('_FusedMatMul', config('_FusedMatMul', makeFusedMatMul(fused, current)));
  }
  fixes.set('Conv2DBackpropFilter', config('Conv2DBackpropFilter', conv2DBackpropFilter));
  fixes.set('Conv2DBackpropInput', config('Conv2DBackpropInput', conv2DBackpropInput));
  fixes.set('UnsortedSegmentSum', config('UnsortedSegmentSum', unsortedSegmentSum));
  fixes.set(
    'DepthwiseConv2dNativeBackpropFilter',
    config('DepthwiseConv2dNativeBackpropFilter', depthwiseBackpropFilter),
  );
  fixes.set(
    'DepthwiseConv2dNativeBackpropInput',
    config('DepthwiseConv2dNativeBackpropInput', depthwiseBackpropInput),
  );
  fixes.set('Einsum', config('Einsum', einsum));
  const tile = orig('Tile');
  if (tile) fixes.set('Tile', config('Tile', makeTile(tile)));
  const identity = orig('Identity');
  if (identity) fixes.set('Identity', config('Identity', makeIdentity(identity)));
  const transpose = orig('Transpose');
  if (transpose) fixes.set('Transpose', config('Transpose', makeTranspose(transpose)));
  const sum = orig('Sum');
  if (sum) fixes.set('Sum', config('Sum', makeSum(sum)));
  // not replacements: steinkit's own kernels (fusedAdam, bernoulliLogProb), registered with the fixes
  for (const [name, fn] of [
    [ADAM_KERNEL, adamKernel],
    [BERNOULLI_KERNEL, bernoulliKernel],
    [BERNOULLI_GRAD_KERNEL, bernoulliGradKernel],
  ] as const) {
    fixes.set(name, {
      kernelName: name,
      backendName: 'wasm',
      kernelFunc: fn as unknown as tf.KernelFunc,
    });
  }
  for (const name of Object.keys(UNARY_OPS) as (keyof typeof UNARY_OPS)[]) {
    const fn = orig(name);
    if (fn) fixes.set(name, config(name, makeUnary(name, fn)));
  }
}

let registered = false;

/**
 * Registers steinkit's replacements for kernels that tfjs-backend-wasm 4.22
 * lacks or runs as scalar loops. Call after `@tensorflow/tfjs-backend-wasm` is
 * imported and before the wasm backend is first used (initBackend does).
 * Returns false (and does nothing) when the wasm backend's kernels are not
 * registered yet. Idempotent.
 */
export function registerWasmKernelFixes(): boolean {
  if (registered) return true;
  if (!tf.getKernel('Conv2D', 'wasm')) return false;
  for (const name of WASM_KERNEL_FIXES) {
    const k = tf.getKernel(name, 'wasm');
    if (k) shipped.set(name, k);
  }
  build();
  registerEinsumGradient();
  registered = true;
  setWasmKernelFixes(true);
  return true;
}

/**
 * Switches steinkit's wasm kernel fixes on or off at runtime (all of them, or
 * only those named in `kernels`), for before/after measurements on one
 * backend. Off means exactly the shipped tfjs-backend-wasm 4.22 kernel: the
 * scalar-loop `BatchMatMul`/`_FusedMatMul`/`Conv2DBackpropInput`/`Tile`/`Exp`/`Tanh`/`Softplus`, the unblocked `Transpose`, the copying `Identity`, and no
 * kernel at all for `Conv2DBackpropFilter`, `UnsortedSegmentSum`,
 * `DepthwiseConv2dNativeBackprop*` and `Einsum` (ops needing them throw
 * "kernel not registered"). Takes effect on the next op; registers the fixes
 * first if needed (throws when the wasm backend is not loaded).
 */
export function setWasmKernelFixes(
  enabled: boolean,
  kernels: readonly WasmKernelFixName[] = WASM_KERNEL_FIXES,
): void {
  if (!registered && !registerWasmKernelFixes())
    throw new Error(
      'setWasmKernelFixes: @tensorflow/tfjs-backend-wasm is not loaded (call initBackend first)',
    );
  for (const name of kernels) {
    const fix = fixes.get(name);
    if (!fix) continue;
    if (enabled === active.has(name)) continue;
    if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
    const next = enabled ? fix : shipped.get(name);
    if (next) tf.registerKernel(next);
    if (enabled) active.add(name);
    else active.delete(name);
  }
}

/** The wasm kernel fixes active now (empty before registration or after `setWasmKernelFixes(false)`). */
export function activeWasmKernelFixes(): WasmKernelFixName[] {
  return WASM_KERNEL_FIXES.filter((n) => active.has(n));
}
