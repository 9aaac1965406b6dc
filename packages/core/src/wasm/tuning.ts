/**
 * The second round of wasm kernel work (issue 18, conv training speed), behind
 * one switch so that a benchmark can run the round-one kernels as its "before"
 * in the same run:
 *
 * - matmuls whose transposes or weight packing would dominate are computed as
 *   (op(B)ᵀ·op(A)ᵀ)ᵀ when that moves fewer elements (`a·bᵀ` with a large `b`:
 *   the backward pass of every dense layer);
 * - the gradients of convolutions with few input channels (the first layer on
 *   images, the last transposed conv of a generator) run as im2col / col2im
 *   around one XNNPACK GEMM (`conv-thin.ts`);
 * - large 2-D transposes (and batched ones of the last two axes) are a
 *   cache-blocked copy in JS, ≈ 3× faster than wasm's `Transpose` there;
 * - `Tile` is block copies, ≈ 20× faster on batch norm's gradient, and
 *   `Identity` shares its input's buffer instead of copying it (`data-movement.ts`).
 */
let tuned = true;

/** Whether the issue-18 kernel tunings are on (the default). */
export function kernelTuning(): boolean {
  return tuned;
}

/**
 * Switches the wasm kernel tunings of 0.2 (matmul orientation by cost,
 * im2col / col2im for thin convolutions, blocked 2-D transposes) on or off at runtime; off runs the
 * 0.1 fix kernels. For before/after measurements; results agree either way.
 */
export function setWasmKernelTuning(enabled: boolean): void {
  tuned = enabled;
}
