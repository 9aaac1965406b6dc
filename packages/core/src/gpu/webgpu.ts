/**
 * The `webgpu` backend (and the adapter classification `webgl` shares).
 *
 * - `webgpu` in Node: Google's Dawn through the npm package `webgpu` (an
 *   optional peer; prebuilt `dawn.node` for linux-x64/arm64, macOS, Windows)
 *   plus `@tensorflow/tfjs-backend-webgpu` 4.22. Dawn drives Vulkan (Linux),
 *   Metal (macOS) or D3D12 (Windows). In browsers: `navigator.gpu`.
 *
 * A software adapter (SwiftShader, llvmpipe/lavapipe, WARP, or any adapter the
 * implementation flags as a fallback) emulates the GPU on the CPU: right for
 * correctness tests, meaningless for speed. Automatic selection skips it; it
 * is used only when the backend is forced.
 */
import * as tf from '@tensorflow/tfjs-core';
import { installDawnTickHook, patchWebGpuReadSync } from './dawn-sync';
import { registerWebgpuKernelFixes } from './webgpu-fixes';

/** The WebGPU adapter (or WebGL renderer) a GPU backend runs on. */
export interface GpuAdapterInfo {
  /** e.g. `nvidia`, `google`, `intel` (WebGL: the unmasked vendor string). */
  vendor: string;
  /** e.g. `hopper`, `swiftshader`, `gen-12lp`. */
  architecture: string;
  /** Device name or id as reported, e.g. `swiftshader-device-subzero-`. */
  device: string;
  /** Driver description, e.g. `SwiftShader driver 5.0.0` or the WebGL renderer string. */
  description: string;
  /** A CPU emulation (SwiftShader, llvmpipe, WARP, a fallback adapter): correct but slow. */
  software: boolean;
}

export interface GpuAttempt {
  adapter?: GpuAdapterInfo;
  module?: string;
  why: string;
}

type Load = (specifier: string) => Promise<unknown>;

interface AdapterLike {
  info?: Record<string, unknown>;
  isFallbackAdapter?: boolean;
  features: { has(name: string): boolean };
  limits: Record<string, number>;
  requestAdapterInfo?: () => Promise<Record<string, unknown>>;
  requestDevice(descriptor?: object): Promise<unknown>;
}
interface GpuLike {
  requestAdapter(options?: object): Promise<AdapterLike | null>;
}

const isNode = () => typeof process !== 'undefined' && Boolean(process.versions?.node);

const SOFTWARE =
  /swiftshader|llvmpipe|lavapipe|softpipe|software|warp|basic render|microsoft basic/i;

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** Classifies an adapter: SwiftShader & co., or an adapter flagged `isFallbackAdapter`. */
export function adapterInfoOf(
  info: Record<string, unknown> | undefined,
  fallbackFlag?: boolean,
): GpuAdapterInfo {
  const a: GpuAdapterInfo = {
    vendor: str(info?.vendor),
    architecture: str(info?.architecture),
    device: str(info?.device),
    description: str(info?.description),
    software: false,
  };
  a.software =
    Boolean(info?.isFallbackAdapter) ||
    Boolean(fallbackFlag) ||
    SOFTWARE.test(`${a.vendor} ${a.architecture} ${a.device} ${a.description}`);
  return a;
}

/** "google swiftshader (SwiftShader driver 5.0.0)"; a WebGL renderer string alone. */
export function adapterName(a: GpuAdapterInfo): string {
  const head = [a.vendor, a.architecture].filter(Boolean).join(' ');
  const tail = a.description || a.device;
  if (!head) return tail || 'unknown adapter';
  return tail ? `${head} (${tail})` : head;
}

// ---------------------------------------------------------------------------
// Diagnosis: why Dawn found no adapter, and what to install.

const LIB_DIRS = [
  '/usr/lib/x86_64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu',
  '/usr/lib64',
  '/usr/lib',
  '/usr/local/lib',
  '/lib/x86_64-linux-gnu',
  '/lib/aarch64-linux-gnu',
];
const ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];
/** Debian/Ubuntu's chromium package ships SwiftShader's Vulkan ICD here. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** What a Linux machine lacks for Dawn's Vulkan backend, in words (Node only). */
async function diagnoseVulkan(): Promise<string> {
  if (process.platform !== 'linux')
    return `Dawn uses ${process.platform === 'darwin' ? 'Metal' : 'D3D12'} here; check that a GPU driver is installed`;
  const fs = await import('node:fs');
  const path = await import('node:path');
  const dirs = [...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), ...LIB_DIRS];
  const loader = dirs.some((d) => fs.existsSync(path.join(d, 'libvulkan.so.1')));
  const listed = (process.env.VK_ICD_FILENAMES ?? process.env.VK_DRIVER_FILES ?? '')
    .split(':')
    .filter(Boolean);
  const icds = listed.length
    ? listed.filter((f) => fs.existsSync(f))
    : ICD_DIRS.flatMap((d) =>
        fs.existsSync(d)
          ? fs
              .readdirSync(d)
              .filter((f) => f.endsWith('.json'))
              .map((f) => path.join(d, f))
          : [],
      );
  const parts: string[] = [];
  if (!loader)
    parts.push(
      'the Vulkan loader libvulkan.so.1 is missing (Debian/Ubuntu: apt-get install libvulkan1)',
    );
  if (listed.length && icds.length < listed.length)
    parts.push(`VK_ICD_FILENAMES names missing files (${listed.join(':')})`);
  if (!icds.length)
    parts.push(
      `no Vulkan driver (ICD) found: a GPU needs its vendor's Vulkan driver (NVIDIA: the driver's nvidia_icd.json; AMD/Intel: mesa-vulkan-drivers); for CPU emulation install chromium (Debian) and set VK_ICD_FILENAMES=${SWIFTSHADER_ICD}`,
    );
  else if (loader)
    parts.push(
      `Vulkan ICDs ${icds.join(', ')} expose no adapter Dawn can use (Debian 12's lavapipe is too old; SwiftShader: VK_ICD_FILENAMES=${SWIFTSHADER_ICD})`,
    );
  return parts.join('; ');
}

// ---------------------------------------------------------------------------
// webgpu

const WEBGPU_MODULE = '@tensorflow/tfjs-backend-webgpu';

/** The device steinkit registered as tfjs's `webgpu` backend (reused by later initBackend calls). */
let registered: { adapter: GpuAdapterInfo; module: string } | undefined;

/** The adapter of the `webgpu` backend steinkit registered, if any. */
export function webgpuAdapter(): GpuAdapterInfo | undefined {
  return registered?.adapter;
}

async function nodeGpu(load: Load): Promise<{ gpu?: GpuLike; why?: string }> {
  let mod: { create?: (flags: string[]) => GpuLike; globals?: Record<string, unknown> };
  try {
    mod = (await load('webgpu')) as typeof mod;
  } catch (e) {
    return { why: `webgpu (Dawn): ${firstLine(e)}` };
  }
  if (typeof mod.create !== 'function') return { why: 'webgpu: the module exports no create()' };
  // Before the first Dawn object: synchronous reads need Dawn's event ticks.
  installDawnTickHook();
  for (const [k, v] of Object.entries(mod.globals ?? {}))
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  return { gpu: mod.create([]) };
}

function firstLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0];
}

/** Exposes `gpu` as `navigator.gpu`, which tfjs-backend-webgpu checks (Node ≥ 21 has a `navigator`). */
function exposeNavigatorGpu(gpu: GpuLike): void {
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator?.gpu === gpu) return;
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
}

/**
 * Tries the `webgpu` backend. A software adapter is accepted only when
 * `forced`; otherwise the attempt fails with the adapter named.
 */
export async function tryWebgpu(load: Load, forced: boolean): Promise<GpuAttempt> {
  if (registered && tf.findBackend('webgpu')) {
    if (registered.adapter.software && !forced) return { why: softwareWhy(registered.adapter) };
    if (!(await tf.setBackend('webgpu'))) return { why: 'webgpu: backend failed to initialize' };
    return { adapter: registered.adapter, module: registered.module, why: '' };
  }
  let gpu: GpuLike | undefined;
  let module: string;
  if (isNode()) {
    const r = await nodeGpu(load);
    if (!r.gpu) return { why: r.why ?? 'webgpu: unavailable' };
    gpu = r.gpu;
    module = `webgpu (Dawn) + ${WEBGPU_MODULE}`;
  } else {
    gpu = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
    if (!gpu)
      return {
        why: 'navigator.gpu is undefined (this browser has no WebGPU, or the page is not a secure context)',
      };
    module = WEBGPU_MODULE;
  }
  let adapter: AdapterLike | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return { why: `webgpu: requestAdapter failed: ${firstLine(e)}` };
  }
  if (!adapter)
    return {
      why: `webgpu: no adapter${isNode() ? ` (${await diagnoseVulkan()})` : ' (the browser exposes WebGPU but no adapter)'}`,
    };
  const rawInfo =
    adapter.info ?? (adapter.requestAdapterInfo ? await adapter.requestAdapterInfo() : undefined);
  const info = adapterInfoOf(rawInfo, adapter.isFallbackAdapter);
  if (info.software && !forced) return { why: softwareWhy(info) };

  let backendMod: {
    WebGPUBackend?: new (device: unknown, info?: unknown) => tf.KernelBackend;
    webgpu_util?: Parameters<typeof registerWebgpuKernelFixes>[0];
  };
  try {
    if (isNode()) exposeNavigatorGpu(gpu);
    backendMod = (await load(WEBGPU_MODULE)) as typeof backendMod;
  } catch (e) {
    // A browser bundle cannot import a bare specifier at run time: use the backend a
    // side-effect `import '@tensorflow/tfjs-backend-webgpu'` registered (with its own adapter request).
    if (!isNode() && tf.findBackendFactory('webgpu')) backendMod = {};
    else return { why: `${WEBGPU_MODULE}: ${firstLine(e)}` };
  }
  const Backend = backendMod.WebGPUBackend;
  if (!Backend && !tf.findBackendFactory('webgpu'))
    return { why: `${WEBGPU_MODULE}: no WebGPUBackend export` };
  try {
    if (Backend) {
      const device = await adapter.requestDevice(deviceDescriptor(adapter));
      if (isNode()) patchWebGpuReadSync(Backend, tf as never);
      // The module registers its own factory (its own adapter) when navigator.gpu exists; use ours.
      if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
      tf.registerBackend('webgpu', () => new Backend(device, rawInfo), 3);
    }
    if (backendMod.webgpu_util) registerWebgpuKernelFixes(backendMod.webgpu_util);
    if (!(await tf.setBackend('webgpu'))) throw new Error('backend failed to initialize');
    if (info.software) tuneForSoftwareAdapter();
    // A working device: run a kernel and read it back.
    const two = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(1)));
    const v = (await two.data())[0];
    two.dispose();
    if (v !== 2) throw new Error(`smoke test computed 1 + 1 = ${v}`);
  } catch (e) {
    return { why: `webgpu on ${adapterName(info)}: ${firstLine(e)}` };
  }
  registered = { adapter: info, module };
  return { adapter: info, module, why: '' };
}

/**
 * On a software adapter (SwiftShader runs workgroups as CPU coroutines, and
 * workgroup barriers are expensive) tfjs's automatic matmul choice is a poor
 * fit: its reduce variant, picked for outputs ≤ 128 elements, took 200–600 ms
 * for an [8, 8]·[8, 16] product, and the 32×32-tiled variant's shader takes
 * ≈ 4× longer to compile than the small-output one. Use the small-output
 * program (MatMulSmallOutputSizeProgram = 2) for every matmul there.
 */
function tuneForSoftwareAdapter(): void {
  tf.env().set('WEBGPU_MATMUL_PROGRAM_TYPE', 2);
}

function softwareWhy(a: GpuAdapterInfo): string {
  return `webgpu: only a software adapter (${adapterName(a)}, CPU emulation) is available; it is used only when forced (STEINKIT_BACKEND=webgpu or initBackend({ backend: 'webgpu' }))`;
}

/** What tfjs-backend-webgpu 4.22 asks for: the adapter's full limits, timestamp queries when offered. */
function deviceDescriptor(adapter: AdapterLike): object {
  const l = adapter.limits;
  const requiredFeatures = ['timestamp-query'].filter((f) => adapter.features.has(f));
  return {
    requiredFeatures,
    requiredLimits: {
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    },
  };
}
