import * as tf from '@tensorflow/tfjs-core';

/** Bytes one n×m float32 matrix may take on the wasm backend (its heap ends at 4 GiB; offsets are signed 32-bit). */
const WASM_MATRIX_LIMIT = 2 ** 31;
/** Bytes the n×m intermediates held at once may take on the wasm backend. */
const WASM_TOTAL_LIMIT = 2 ** 32 - 2 ** 28;

/**
 * Before a composite (tfjs) pairwise op materializes `matrices` n×m float32
 * matrices at once: on the wasm backend, throws a RangeError naming n, m, d
 * and the bytes when they cannot fit in its 4 GiB heap (instead of tfjs-wasm's
 * raw "memory access out of bounds" trap). Other backends are not checked.
 */
export function assertPairwiseFits(
  what: string,
  n: number,
  m: number,
  d: number,
  matrices: number,
): void {
  if (tf.getBackend() !== 'wasm') return;
  const one = n * m * 4;
  const total = one * matrices;
  if (one >= WASM_MATRIX_LIMIT || total >= WASM_TOTAL_LIMIT) {
    throw new RangeError(
      `${what}: n = ${n}, m = ${m}, d = ${d} needs ${matrices} n×m float32 matrices (${total} bytes) on the wasm backend, beyond its 4 GiB heap; the fused engine (setFusedKernels('auto'), outside a gradient tape) needs O(n·d) memory`,
    );
  }
}

/** The tensor's values as a Float32Array (a copy on backends that keep their own heap). */
export function float32Data(t: tf.Tensor): Float32Array {
  const v = t.dataSync();
  return v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>);
}
