/**
 * Synchronous GPU → CPU reads for tfjs-backend-webgpu in Node (Dawn).
 *
 * tfjs-backend-webgpu 4.22 implements `readSync` (hence `dataSync`,
 * `arraySync`) through `OffscreenCanvas`, which exists only in browsers, so in
 * Node every synchronous read of a GPU-resident tensor throws. The `webgpu`
 * package (dawn.node) resolves `GPUBuffer.mapAsync` from a tick it schedules
 * with the global `setImmediate` while any asynchronous Dawn operation is
 * pending; each tick calls Dawn's `ProcessEvents` and schedules the next. We
 * watch `setImmediate` for those ticks and, for a synchronous read, copy the
 * tensor's buffer to a staging buffer, call `mapAsync` and run Dawn's tick
 * ourselves until the buffer is mapped (a busy wait, which is what a
 * synchronous read is). The event loop's own tick chain is left as it was.
 */

type Tick = () => void;

interface PumpState {
  /** The most recent Dawn tick seen (any one of them processes the instance's events). */
  lastTick?: Tick;
  /** Dawn ticks handed to the real `setImmediate` that have not run yet. */
  pendingReal: number;
  /** True while a synchronous read runs ticks itself (re-scheduled ticks are kept, not queued). */
  pumping: boolean;
  realSetImmediate: typeof setImmediate;
}

let pump: PumpState | undefined;
/**
 * Between ticks the waiting thread sleeps this long: with a software adapter
 * the "GPU" is CPU threads, and a spinning main thread would take their core
 * (measured on 2 busy cores: 30 read-backs 7.1 s spinning, 2.5 s with 0.05 ms sleeps).
 */
const SLEEP_MS = 0.1;
let sleeper: Int32Array | undefined;

/** Dawn's tick: an anonymous native function created by N-API (bound functions and builtins differ). */
function isDawnTick(fn: unknown): fn is Tick {
  return (
    typeof fn === 'function' &&
    fn.name === '' &&
    Object.hasOwn(fn, 'prototype') &&
    Function.prototype.toString.call(fn) === 'function () { [native code] }'
  );
}

/**
 * Wraps the global `setImmediate` so Dawn's ticks can be run on demand. Must
 * run before the first Dawn object is created; idempotent.
 */
export function installDawnTickHook(): void {
  if (pump || typeof globalThis.setImmediate !== 'function') return;
  const state: PumpState = {
    pendingReal: 0,
    pumping: false,
    realSetImmediate: globalThis.setImmediate,
  };
  const real = state.realSetImmediate;
  const hooked = ((fn: (...a: unknown[]) => void, ...args: unknown[]) => {
    if (isDawnTick(fn)) {
      state.lastTick = fn;
      if (state.pumping) return undefined;
      state.pendingReal++;
      return real(() => {
        state.pendingReal--;
        fn();
      });
    }
    return real(fn, ...args);
  }) as unknown as typeof setImmediate;
  Object.assign(hooked, real); // keeps setImmediate.__promisify__ and friends
  globalThis.setImmediate = hooked;
  pump = state;
}

/** Runs Dawn's event processing until `done()` holds; throws if Dawn has nothing pending. */
function pumpUntil(done: () => boolean, what: string): void {
  const state = pump;
  if (!state) throw new Error('steinkit: Dawn tick hook not installed');
  state.pumping = true;
  try {
    while (!done()) {
      const tick = state.lastTick;
      if (!tick) throw new Error(`steinkit: no pending Dawn event while waiting for ${what}`);
      state.lastTick = undefined;
      tick(); // ProcessEvents, then re-schedules itself (kept in lastTick) while work is pending
      if (!done()) {
        sleeper ??= new Int32Array(new SharedArrayBuffer(4));
        Atomics.wait(sleeper, 0, 0, SLEEP_MS);
      }
      if (!state.lastTick && !done())
        throw new Error(`steinkit: Dawn stopped processing events while waiting for ${what}`);
    }
  } finally {
    state.pumping = false;
    // Keep one tick chain alive in the event loop when ours was the only one.
    const tick = state.lastTick;
    if (tick && state.pendingReal === 0) {
      state.pendingReal++;
      state.realSetImmediate(() => {
        state.pendingReal--;
        tick();
      });
    }
  }
}

interface StagingBuffer {
  mapAsync(mode: number): Promise<void>;
  getMappedRange(): ArrayBuffer;
  unmap(): void;
  readonly mapState: string;
  readonly size: number;
}

/** The parts of tfjs-backend-webgpu's `WebGPUBackend` the synchronous read uses (4.22). */
interface WebGpuBackendInternals {
  tensorMap: {
    get(dataId: object): {
      values: unknown;
      dtype: string;
      resource?: { size: number };
      complexTensorInfos?: { real: { dataId: object }; imag: { dataId: object } };
    };
  };
  bufferManager: {
    acquireBuffer(size: number, usage: number): StagingBuffer;
    releaseBuffer(b: StagingBuffer): void;
  };
  commandEncoder: {
    copyBufferToBuffer(a: unknown, ao: number, b: unknown, bo: number, n: number): void;
  };
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  convertAndCacheOnCPU(dataId: object, data: unknown): unknown;
}

interface TfUtil {
  util: { convertBackendValuesAndArrayBuffer(data: ArrayBuffer, dtype: string): unknown };
  backend_util: { mergeRealAndImagArrays(re: Float32Array, im: Float32Array): Float32Array };
}

const GPU_MAP_READ = 0x0001; // GPUMapMode.READ
const BUFFER_MAP_READ = 0x0001; // GPUBufferUsage.MAP_READ
const BUFFER_COPY_DST = 0x0008; // GPUBufferUsage.COPY_DST

/**
 * Replaces `WebGPUBackend.prototype.readSync` (Node only: where `OffscreenCanvas`
 * is missing) by a staging-buffer read that waits for Dawn synchronously.
 */
export function patchWebGpuReadSync(backendClass: { prototype: object }, tfc: TfUtil): void {
  if (typeof (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas !== 'undefined') return;
  const proto = backendClass.prototype as {
    getBufferData?: unknown;
    __steinkitReadSync?: boolean;
  };
  if (proto.__steinkitReadSync || typeof proto.getBufferData !== 'function') return; // not tfjs's WebGPUBackend
  installDawnTickHook();
  function readSync(this: WebGpuBackendInternals, dataId: object): unknown {
    const td = this.tensorMap.get(dataId);
    if (td.values != null || td.dtype === 'string') return td.values;
    if (td.dtype === 'complex64' && td.complexTensorInfos) {
      const re = readSync.call(this, td.complexTensorInfos.real.dataId) as Float32Array;
      const im = readSync.call(this, td.complexTensorInfos.imag.dataId) as Float32Array;
      const merged = tfc.backend_util.mergeRealAndImagArrays(re, im);
      return this.convertAndCacheOnCPU(dataId, merged);
    }
    const src = td.resource;
    if (!src) throw new Error('steinkit: webgpu tensor has neither CPU values nor a GPU buffer');
    const staging = this.bufferManager.acquireBuffer(src.size, BUFFER_MAP_READ | BUFFER_COPY_DST);
    this.ensureCommandEncoderReady();
    this.endComputePassEncoder();
    this.commandEncoder.copyBufferToBuffer(src, 0, staging, 0, src.size);
    this.submitQueue();
    staging.mapAsync(GPU_MAP_READ).catch(() => {}); // a failure shows as mapState 'unmapped'
    pumpUntil(() => staging.mapState !== 'pending', 'a buffer read');
    if (staging.mapState !== 'mapped') {
      this.bufferManager.releaseBuffer(staging);
      throw new Error(
        'steinkit: webgpu readSync: mapping the staging buffer failed (device lost?)',
      );
    }
    const data = staging.getMappedRange().slice(0);
    staging.unmap();
    this.bufferManager.releaseBuffer(staging);
    const vals = tfc.util.convertBackendValuesAndArrayBuffer(data, td.dtype);
    return this.convertAndCacheOnCPU(dataId, vals);
  }
  Object.defineProperty(proto, 'readSync', { value: readSync, writable: true, configurable: true });
  Object.defineProperty(proto, '__steinkitReadSync', { value: true });
}
