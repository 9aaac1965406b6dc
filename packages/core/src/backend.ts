import * as tf from '@tensorflow/tfjs-core';
import { adapterInfoOf, adapterName, type GpuAdapterInfo, tryWebgpu } from './gpu/webgpu';
import { registerWasmKernelFixes } from './wasm/index';
import { wasmGemmThreads } from './wasm/threads';

/** In the order automatic selection tries them. */
export const BACKENDS = ['tensorflow', 'webgpu', 'webgl', 'wasm', 'cpu'] as const;
/**
 * `tensorflow` = tfjs-node(-gpu) native TensorFlow (CUDA; Node only); `webgpu` =
 * WebGPU (Dawn via npm `webgpu` in Node, `navigator.gpu` in browsers); `webgl` =
 * WebGL2 (browsers only); `wasm` = XNNPACK/SIMD; `cpu` = plain JS.
 */
export type BackendName = (typeof BACKENDS)[number];

export interface BackendInfo {
  /** The backend tfjs now runs on. */
  name: BackendName;
  /** True on a hardware GPU: TensorFlow on a CUDA device, or webgpu/webgl on a hardware adapter (not SwiftShader & co.). */
  gpu: boolean;
  /** wasm only: SIMD in use. */
  simd: boolean;
  /** Worker threads used by the backend (1 = single-threaded; 0 = native TensorFlow's own thread pool, or a GPU). */
  threads: number;
  /** The module that provided the backend, e.g. `@tensorflow/tfjs-node-gpu`. */
  module?: string;
  /**
   * webgpu: the adapter (vendor, architecture, driver); webgl: the renderer
   * (e.g. `ANGLE (…, SwiftShader …)`) as `description`, when the browser tells it.
   * `software`: a CPU emulation (SwiftShader & co.), used only when forced.
   */
  adapter?: GpuAdapterInfo;
  /** Why faster backends were skipped, when they were. */
  reason?: string;
}

/** Loads a module by name; injectable so selection can be tested with stubs. */
export type ModuleLoader = (specifier: string) => Promise<unknown>;

export interface InitBackendOptions {
  /** Force a backend; default `process.env.STEINKIT_BACKEND`, else the best that loads. */
  backend?: BackendName | string;
  /** Directory (or URL prefix) holding tfjs-backend-wasm's `.wasm` files; located from node_modules in Node. */
  wasmPaths?: string;
  /** Override module loading (tests). */
  loader?: ModuleLoader;
  /**
   * Backend modules you imported yourself, by name: what a bundler needs, since a
   * browser cannot import a bare specifier at run time, e.g.
   * `{ '@tensorflow/tfjs-backend-wasm': wasm }` after `import * as wasm from '@tensorflow/tfjs-backend-wasm'`.
   * A backend registered by a plain side-effect import is used too.
   */
  modules?: Record<string, unknown>;
  /** Environment to read `STEINKIT_BACKEND` from (tests). */
  env?: Record<string, string | undefined>;
}

const INSTALL_HINT: Record<BackendName, string> = {
  webgl: 'install @tensorflow/tfjs-backend-webgl@4.22 (browsers with WebGL2 only)',
  tensorflow:
    'install @tensorflow/tfjs-node-gpu@4.22 (CUDA 11.2 + cuDNN 8.1, Linux x64) or @tensorflow/tfjs-node@4.22; both download libtensorflow at install time',
  webgpu:
    "in Node: npm i webgpu@0.6.2 @tensorflow/tfjs-backend-webgpu@4.22.0, plus (Linux) the Vulkan loader (apt-get install libvulkan1) and a Vulkan driver ICD: the GPU vendor's (NVIDIA: nvidia_icd.json from the driver), or for CPU emulation SwiftShader from Debian's chromium package with VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json; in browsers: a WebGPU-enabled browser and @tensorflow/tfjs-backend-webgpu@4.22.0",
  wasm: 'install @tensorflow/tfjs-backend-wasm@4.22',
  cpu: 'install @tensorflow/tfjs-backend-cpu@4.22 (or the @tensorflow/tfjs umbrella)',
};

const defaultLoader: ModuleLoader = (s) => import(/* @vite-ignore */ /* webpackIgnore: true */ s);

const isNode = (): boolean => typeof process !== 'undefined' && Boolean(process.versions?.node);

/**
 * Loads a backend module; in a browser, accepts one already registered under
 * `name` (a bundler's static import), since bare run-time imports cannot work there.
 */
async function loadBackend(load: ModuleLoader, specifier: string, name: string): Promise<unknown> {
  try {
    return await load(specifier);
  } catch (e) {
    if (!isNode() && tf.findBackendFactory(name)) return {};
    throw e;
  }
}

function message(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0];
}

/** Validates a backend name; an unknown one is a TypeError listing the valid names. */
export function parseBackendName(name: string, argName = 'backend'): BackendName {
  if ((BACKENDS as readonly string[]).includes(name)) return name as BackendName;
  throw new TypeError(
    `${argName}: unknown backend '${name}'; expected one of ${BACKENDS.join(', ')}`,
  );
}

async function tryTensorflow(load: ModuleLoader): Promise<{ info?: BackendInfo; why: string }> {
  if (!isNode()) return { why: 'tensorflow: Node.js only' };
  const why: string[] = [];
  for (const mod of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await load(mod);
    } catch (e) {
      why.push(`${mod}: ${message(e)}`);
      continue;
    }
    try {
      if (!tf.findBackend('tensorflow'))
        throw new Error('loaded but registered no tensorflow backend');
      if (!(await tf.setBackend('tensorflow'))) throw new Error('backend failed to initialize');
      tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(1)).dataSync()); // a working device
      const b = tf.backend() as { isUsingGpuDevice?: boolean };
      return {
        info: {
          name: 'tensorflow',
          gpu: Boolean(b.isUsingGpuDevice),
          simd: false,
          threads: 0,
          module: mod,
        },
        why: '',
      };
    } catch (e) {
      why.push(`${mod}: ${message(e)}`);
    }
  }
  return { why: why.join('; ') };
}

/** The WebGL renderer string, or undefined where the browser hides it. */
function webglRenderer(): string | undefined {
  try {
    const canvas = new OffscreenCanvas(1, 1);
    const gl = canvas.getContext('webgl2');
    const ext = gl?.getExtension('WEBGL_debug_renderer_info');
    return gl && ext ? String(gl.getParameter(ext.UNMASKED_RENDERER_WEBGL)) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * WebGL2 in a browser. Unforced, a software renderer (SwiftShader, llvmpipe) is
 * skipped: wasm is faster there.
 */
async function tryWebgl(
  load: ModuleLoader,
  forced: boolean,
): Promise<{ info?: BackendInfo; why: string }> {
  if (isNode() && !forced) return { why: 'webgl: browsers only' };
  try {
    const renderer = webglRenderer();
    const software = renderer !== undefined && /swiftshader|llvmpipe|software/i.test(renderer);
    if (software && !forced)
      return { why: `webgl: software renderer (${renderer}); force it with backend: 'webgl'` };
    await loadBackend(load, '@tensorflow/tfjs-backend-webgl', 'webgl');
    if (!(await tf.setBackend('webgl'))) throw new Error('backend failed to initialize');
    tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(1)).dataSync()); // a working context
    return {
      info: {
        name: 'webgl',
        gpu: !software,
        simd: false,
        threads: 1,
        module: '@tensorflow/tfjs-backend-webgl',
        ...(renderer ? { adapter: adapterInfoOf({ description: renderer }) } : {}),
      },
      why: '',
    };
  } catch (e) {
    return { why: `@tensorflow/tfjs-backend-webgl: ${message(e)}` };
  }
}

async function locateWasmDir(): Promise<string | undefined> {
  if (!isNode()) return undefined;
  const { createRequire } = await import('node:module');
  const { dirname, join } = await import('node:path');
  const req = createRequire(join(process.cwd(), 'noop.js'));
  let main: string;
  try {
    main = req.resolve('@tensorflow/tfjs-backend-wasm');
  } catch {
    main = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
  }
  return `${dirname(main)}/`; // dist/, where the .wasm files live
}

async function tryWasm(
  load: ModuleLoader,
  wasmPaths?: string,
): Promise<{ info?: BackendInfo; why: string }> {
  try {
    const wasm = (await loadBackend(load, '@tensorflow/tfjs-backend-wasm', 'wasm')) as {
      setWasmPaths?: (p: string) => void;
    };
    const dir = wasmPaths ?? (await locateWasmDir());
    if (dir && wasm.setWasmPaths) wasm.setWasmPaths(dir);
    registerWasmKernelFixes();
    if (!(await tf.setBackend('wasm'))) throw new Error('backend failed to initialize');
    const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    const mt = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
    return {
      info: {
        name: 'wasm',
        gpu: false,
        simd,
        threads: mt ? tf.env().getNumber('WASM_NUM_THREADS') || 1 : 1,
        module: '@tensorflow/tfjs-backend-wasm',
      },
      why: '',
    };
  } catch (e) {
    return { why: `@tensorflow/tfjs-backend-wasm: ${message(e)}` };
  }
}

async function tryCpu(load: ModuleLoader): Promise<{ info?: BackendInfo; why: string }> {
  try {
    if (!tf.findBackend('cpu')) await loadBackend(load, '@tensorflow/tfjs-backend-cpu', 'cpu');
    if (!(await tf.setBackend('cpu'))) throw new Error('backend failed to initialize');
    // Silence the cpu backend's one-time "install tfjs-node" banner; the choice is reported here instead.
    (tf.backend() as { firstUse?: boolean }).firstUse = false;
    return {
      info: {
        name: 'cpu',
        gpu: false,
        simd: false,
        threads: 1,
        module: '@tensorflow/tfjs-backend-cpu',
      },
      why: '',
    };
  } catch (e) {
    return { why: `@tensorflow/tfjs-backend-cpu: ${message(e)}` };
  }
}

/**
 * Selects the tfjs backend: `tensorflow` (tfjs-node-gpu, then tfjs-node; Node)
 * when it loads with a working device, else `webgpu` on a hardware adapter
 * (Dawn via npm `webgpu` in Node, `navigator.gpu` in browsers), else `webgl`
 * (browsers, hardware renderer), else `wasm` (SIMD, with steinkit's kernel
 * fixes), else `cpu`. A software adapter (SwiftShader & co.) is never picked
 * automatically. `STEINKIT_BACKEND` or `options.backend` forces one (then a
 * software adapter is accepted); a forced backend that cannot load throws,
 * saying why and how to fix it. In a browser, import
 * the backends you want (bundlers cannot follow a run-time import) and pass
 * them as `modules` (needed for `wasmPaths`) or just import them for effect.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const env = options.env ?? (typeof process !== 'undefined' ? process.env : {});
  const loader = options.loader ?? defaultLoader;
  const modules = options.modules ?? {};
  const load: ModuleLoader = async (s) => (s in modules ? modules[s] : loader(s));
  const forcedRaw = options.backend ?? env.STEINKIT_BACKEND;
  const forced = forcedRaw
    ? parseBackendName(forcedRaw, options.backend ? 'backend' : 'STEINKIT_BACKEND')
    : undefined;
  const attempts = {
    tensorflow: () => tryTensorflow(load),
    webgpu: async (): Promise<{ info?: BackendInfo; why: string }> => {
      const a = await tryWebgpu(load, forced === 'webgpu');
      if (!a.adapter) return { why: a.why };
      const info: BackendInfo = {
        name: 'webgpu',
        gpu: !a.adapter.software,
        simd: false,
        threads: 0,
        module: a.module,
        adapter: a.adapter,
      };
      return { info, why: '' };
    },
    webgl: () => tryWebgl(load, forced === 'webgl'),
    wasm: () => tryWasm(load, options.wasmPaths),
    cpu: () => tryCpu(load),
  } as const;
  if (forced) {
    const r = await attempts[forced]();
    if (r.info) return r.info;
    throw new Error(
      `backend '${forced}' was requested but cannot load (${r.why}); ${INSTALL_HINT[forced]}`,
    );
  }
  const reasons: string[] = [];
  for (const name of BACKENDS) {
    const r = await attempts[name]();
    if (r.info) return reasons.length ? { ...r.info, reason: reasons.join('; ') } : r.info;
    reasons.push(r.why);
  }
  throw new Error(`no tfjs backend could load: ${reasons.join('; ')}`);
}

/** One line naming the backend, for apps and benchmarks to print. */
export function describeBackend(info: BackendInfo): string {
  const parts: string[] = [info.name];
  if (info.name === 'tensorflow') parts.push(info.gpu ? 'GPU' : 'CPU');
  if (info.adapter)
    parts.push(
      `${adapterName(info.adapter)}${info.adapter.software ? ' — software emulation, not a GPU' : ''}`,
    );
  else if (info.name === 'webgl') parts.push(info.gpu ? 'GPU' : 'software');
  if (info.name === 'wasm') {
    const gemm = info.threads === 1 ? wasmGemmThreads() : 1;
    parts.push(
      info.simd ? 'SIMD' : 'no SIMD',
      `${info.threads} thread${info.threads === 1 ? '' : 's'}${gemm > 1 ? ` (large GEMMs: ${gemm})` : ''}`,
    );
  }
  if (info.module) parts.push(info.module);
  return parts.join(', ');
}
