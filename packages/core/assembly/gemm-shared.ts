// The packing-free GEMM alone, compiled against a *shared* imported memory
// (--sharedMemory): the instance that the GEMM worker thread runs (and the
// main thread's twin of it) on the memory steinkit shares between them
// (src/wasm/threads.ts). Built by scripts/build-wasm.mjs (repo root).
export { gemm } from './gemm';
