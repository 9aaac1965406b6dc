/**
 * The single place that decides fused vs composite. Every radial-kernel method
 * with a fused form (`radialKernel` in radial.ts, the median in bandwidth.ts,
 * `meanPairwiseDistance`) asks `useFused()`; a future WGSL engine plugs in here.
 *
 * - `'auto'` (default): fused on the `wasm` backend — the tensors' data are in
 *   CPU memory, the module does the O(n²·d) work in SIMD tiles with O(n·d)
 *   memory — unless a gradient tape is recording (the fused ops are
 *   forward-only: under `tf.grad`/`tf.variableGrads`/`optimizer.minimize` the
 *   composite tfjs ops run so autodiff sees every op).
 * - `'on'`: fused on every backend (reads the inputs back from a GPU backend;
 *   still composite under a gradient tape).
 * - `'off'`: always the composite tfjs ops (the reference).
 */
import * as tf from '@tensorflow/tfjs-core';
import { fusedSupported } from './engine';

export type FusedMode = 'auto' | 'on' | 'off';

let mode: FusedMode = 'auto';

/** Chooses when the fused pairwise engine runs (see the module doc); returns the previous mode. */
export function setFusedKernels(m: FusedMode): FusedMode {
  if (m !== 'auto' && m !== 'on' && m !== 'off') {
    throw new TypeError(`setFusedKernels: expected 'auto' | 'on' | 'off', got ${String(m)}`);
  }
  const old = mode;
  mode = m;
  return old;
}

/** The current mode of the fused pairwise engine. */
export function getFusedKernels(): FusedMode {
  return mode;
}

function tapeOn(): boolean {
  const e = tf.engine() as unknown as { isTapeOn?: () => boolean };
  return typeof e.isTapeOn === 'function' ? e.isTapeOn() : false;
}

/**
 * Whether a pairwise op on these inputs runs fused. `differentiable`: the op's
 * output would be differentiated if a tape records (false for values that
 * never carry gradients, such as a bandwidth).
 */
export function useFused(differentiable = true): boolean {
  if (mode === 'off') return false;
  if (differentiable && tapeOn()) return false;
  if (mode === 'auto' && tf.getBackend() !== 'wasm') return false;
  return fusedSupported();
}
