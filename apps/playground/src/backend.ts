/**
 * The backend picker: webgpu → webgl → wasm → cpu. A bundler cannot follow
 * initBackend's run-time imports, so the page imports the backends and hands
 * them over. Unforced, software GPU adapters (SwiftShader) are skipped; a
 * `?backend=` parameter (or the picker) forces one.
 */
import * as cpu from '@tensorflow/tfjs-backend-cpu';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import * as webgl from '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { describeBackend, initBackend } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';

export const PAGE_BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type PageBackend = (typeof PAGE_BACKENDS)[number];

export interface ActiveBackend {
  name: PageBackend;
  /** GPU adapter or renderer, when there is one. */
  adapter?: string;
  /** One line for the page. */
  description: string;
  /** Why faster backends were skipped (auto mode). */
  reason?: string;
  /**
   * Read values back with `await data()` only (webgpu): tfjs-backend-webgpu's
   * `dataSync` copies through a WebGPU canvas — slow everywhere, and in
   * headless Chromium on SwiftShader it returns zeros and destroys the device
   * (the GPU process has no shared-image backing for WebGPU canvases there).
   */
  asyncReads: boolean;
}

/** The part of WebGPU's `navigator.gpu` the picker reads. */
interface MinimalGpu {
  requestAdapter(): Promise<{
    info?: { vendor?: string; architecture?: string; description?: string };
  } | null>;
}

/** The part of a GPUDevice the page watches. */
interface MinimalDevice {
  lost: Promise<{ reason?: string; message?: string }>;
}

const modules = {
  '@tensorflow/tfjs-backend-cpu': cpu,
  '@tensorflow/tfjs-backend-wasm': wasm,
  '@tensorflow/tfjs-backend-webgl': webgl,
};

/** Called once if the WebGPU device is lost (the page shows it and sets `#readout[data-error]`). */
export type DeviceLost = (message: string) => void;

async function tryWebgpu(forced: boolean, onLost?: DeviceLost): Promise<ActiveBackend> {
  const gpu = (navigator as unknown as { gpu?: MinimalGpu }).gpu;
  if (!gpu) throw new Error('this browser has no navigator.gpu');
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter');
  const info = adapter.info;
  const name = [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' ');
  const software = /swiftshader|fallback/i.test(name);
  if (software && !forced) throw new Error(`software adapter (${name}); pick webgpu to force it`);
  if (!(await tf.setBackend('webgpu'))) throw new Error('the webgpu backend failed to initialize');
  const device = (tf.backend() as unknown as { device?: MinimalDevice }).device;
  device?.lost.then((info) => {
    onLost?.(`the WebGPU device was lost (${info.reason ?? 'unknown'}): ${info.message ?? ''}`);
  });
  const probe = tf.add(tf.scalar(1), tf.scalar(1));
  await probe.data();
  probe.dispose();
  return {
    name: 'webgpu',
    adapter: name || 'unknown adapter',
    description: `webgpu, ${name}`,
    asyncReads: true,
  };
}

async function viaInitBackend(backend?: Exclude<PageBackend, 'webgpu'>): Promise<ActiveBackend> {
  const info = await initBackend({
    backend,
    modules,
    wasmPaths: new URL('wasm/', location.href).href,
    env: {},
  });
  return {
    name: info.name as PageBackend,
    adapter: info.adapter
      ? [info.adapter.vendor, info.adapter.architecture, info.adapter.description]
          .filter(Boolean)
          .join(' ')
      : undefined,
    description: describeBackend(info),
    reason: info.reason,
    asyncReads: false,
  };
}

/** Sets the requested backend, or the best one that works. */
export async function selectBackend(
  requested: string | null,
  onLost?: DeviceLost,
): Promise<ActiveBackend> {
  if (requested && !(PAGE_BACKENDS as readonly string[]).includes(requested))
    throw new TypeError(
      `backend: unknown backend '${requested}'; expected one of ${PAGE_BACKENDS.join(', ')}`,
    );
  if (requested === 'webgpu') return tryWebgpu(true, onLost);
  if (requested) return viaInitBackend(requested as Exclude<PageBackend, 'webgpu'>);
  try {
    return await tryWebgpu(false, onLost);
  } catch (e) {
    const active = await viaInitBackend();
    const why = `webgpu: ${e instanceof Error ? e.message : String(e)}`;
    return { ...active, reason: active.reason ? `${why}; ${active.reason}` : why };
  }
}
