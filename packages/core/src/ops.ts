import * as tf from '@tensorflow/tfjs-core';
import { BERNOULLI_GRAD_KERNEL, BERNOULLI_KERNEL, heapKernels } from './wasm/simd';
import type { WasmBackend } from './wasm/util';

/** Whether the fused wasm kernel `name` can run now (wasm backend, kernel registered, simd module up). */
function fusedOnWasm(name: string): boolean {
  if (tf.getBackend() !== 'wasm' || !tf.getKernel(name, 'wasm')) return false;
  return heapKernels(tf.backend() as unknown as WasmBackend) !== null;
}

/**
 * Bernoulli log-likelihood with logits: out[b, s] = Σ_j x[b, j]·l[b, s, j] −
 * softplus(l[b, s, j]) = Σ_j log Bern(x_j; σ(l_j)), for data x [B, D]
 * broadcast over S logit vectors l [B, S, D] (e.g. S importance samples per
 * image); stable for any logit. Differentiable in `logits` (∂/∂l = x − σ(l));
 * `x` is treated as data (the fused path gives it no gradient). On wasm one fused simd128 pass forward and
 * one backward (`SteinkitBernoulliLogLik[Grad]`, core's heap module); elsewhere
 * — or with the kernel fixes off — the same formula in tfjs ops.
 */
export function bernoulliLogProb(x: tf.Tensor2D, logits: tf.Tensor3D): tf.Tensor2D {
  if (
    x.rank !== 2 ||
    logits.rank !== 3 ||
    logits.shape[0] !== x.shape[0] ||
    logits.shape[2] !== x.shape[1]
  ) {
    throw new RangeError(
      `bernoulliLogProb: expected x [B, D] and logits [B, S, D], got x [${x.shape.join(', ')}] and logits [${logits.shape.join(', ')}]`,
    );
  }
  if (x.dtype !== 'float32' || logits.dtype !== 'float32') {
    throw new TypeError(
      `bernoulliLogProb: expected float32 x and logits, got ${x.dtype} and ${logits.dtype}`,
    );
  }
  if (!fusedOnWasm(BERNOULLI_KERNEL) || !fusedOnWasm(BERNOULLI_GRAD_KERNEL)) {
    return tf.tidy(() =>
      tf.sum(tf.sub(tf.mul(tf.expandDims(x, 1), logits), tf.softplus(logits)), 2),
    );
  }
  const f = tf.customGrad(((l: tf.Tensor, save: tf.GradSaveFunc) => {
    save([l]);
    const value = tf.engine().runKernel(BERNOULLI_KERNEL, { x, l }) as tf.Tensor2D;
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.engine().runKernel(BERNOULLI_GRAD_KERNEL, { x, l: saved[0], dy }) as tf.Tensor,
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(logits) as tf.Tensor2D;
}
