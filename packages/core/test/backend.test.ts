import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { describeBackend, initBackend, type ModuleLoader } from '../src/index';

const missing = (s: string) => {
  const e = new Error(`Cannot find module '${s}'`);
  (e as { code?: string }).code = 'ERR_MODULE_NOT_FOUND';
  return e;
};
/** A loader where the tfjs-node packages and webgpu are absent and everything else loads. */
const withoutNode: ModuleLoader = async (s) => {
  if (s.startsWith('@tensorflow/tfjs-node') || s === 'webgpu') throw missing(s);
  return import(/* @vite-ignore */ s);
};

describe('initBackend', () => {
  const start = tf.getBackend();
  afterAll(async () => {
    await tf.setBackend(start);
  });

  it('falls back to wasm with SIMD when tfjs-node(-gpu) is absent, and says why', async () => {
    const info = await initBackend({ loader: withoutNode, env: {} });
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.simd).toBe(true);
    expect(info.threads).toBe(1);
    expect(info.gpu).toBe(false);
    expect(info.reason).toMatch(
      /tfjs-node-gpu.*Cannot find module.*tfjs-node:.*webgl: browsers only/,
    );
    expect(describeBackend(info)).toContain('wasm, SIMD');
  });

  it('falls back to cpu when wasm cannot load either', async () => {
    const loader: ModuleLoader = async (s) => {
      if (s.startsWith('@tensorflow/tfjs-node') || s === 'webgpu' || s.includes('wasm'))
        throw missing(s);
      return import(/* @vite-ignore */ s);
    };
    const info = await initBackend({ loader, env: {} });
    expect(info.name).toBe('cpu');
    expect(info.reason).toContain('tfjs-backend-wasm');
  });

  it('uses a stubbed tfjs-node-gpu that registers a working tensorflow backend', async () => {
    const stubbed: ModuleLoader = async (s) => {
      if (s === 'webgpu') throw missing(s);
      if (s === '@tensorflow/tfjs-node-gpu') {
        // The stub registers a backend named 'tensorflow' that is really cpu, reporting a GPU device.
        const cpu = await import('@tensorflow/tfjs-backend-cpu');
        tf.registerBackend('tensorflow', () =>
          Object.assign(new cpu.MathBackendCPU(), { isUsingGpuDevice: true }),
        );
        for (const k of tf.getKernelsForBackend('cpu')) {
          tf.registerKernel({ ...k, backendName: 'tensorflow' });
        }
        return {};
      }
      return import(/* @vite-ignore */ s);
    };
    const info = await initBackend({ loader: stubbed, env: {} });
    expect(info).toMatchObject({
      name: 'tensorflow',
      gpu: true,
      module: '@tensorflow/tfjs-node-gpu',
    });
    expect(tf.getBackend()).toBe('tensorflow');
    expect(tf.tidy(() => tf.add(tf.scalar(2), tf.scalar(3)).dataSync()[0])).toBe(5);
    tf.removeBackend('tensorflow');
    for (const k of tf.getKernelsForBackend('tensorflow'))
      tf.unregisterKernel(k.kernelName, 'tensorflow');
  });

  it('takes backend modules passed in `modules`, when the loader cannot import them (bundlers)', async () => {
    const noImports: ModuleLoader = async (s) => {
      throw missing(s);
    };
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    let pathsSet: string | undefined;
    const info = await initBackend({
      loader: noImports,
      env: {},
      wasmPaths: 'http://127.0.0.1/wasm/',
      modules: {
        '@tensorflow/tfjs-backend-wasm': {
          ...wasm,
          setWasmPaths: (p: string) => {
            pathsSet = p;
          },
        },
      },
    });
    expect(info.name).toBe('wasm');
    expect(pathsSet).toBe('http://127.0.0.1/wasm/');
    // in Node a loader failure is authoritative even when the backend is registered
    await expect(initBackend({ loader: noImports, env: {}, backend: 'wasm' })).rejects.toThrow(
      /'wasm' was requested but cannot load.*Cannot find module/,
    );
  });

  it('STEINKIT_BACKEND forces a backend; options win over the environment', async () => {
    expect((await initBackend({ env: { STEINKIT_BACKEND: 'cpu' } })).name).toBe('cpu');
    expect((await initBackend({ backend: 'wasm', env: { STEINKIT_BACKEND: 'cpu' } })).name).toBe(
      'wasm',
    );
  });

  it('a forced backend that cannot load is an error saying why and how to install it', async () => {
    await expect(initBackend({ backend: 'tensorflow', loader: withoutNode })).rejects.toThrow(
      /'tensorflow' was requested but cannot load.*Cannot find module.*install @tensorflow\/tfjs-node-gpu.*CUDA 11\.2/,
    );
  });

  it('an unknown name lists the valid ones', async () => {
    await expect(initBackend({ backend: 'metal' })).rejects.toThrow(
      /backend: unknown backend 'metal'; expected one of tensorflow, webgpu, webgl, wasm, cpu/,
    );
    await expect(initBackend({ env: { STEINKIT_BACKEND: 'gpu' } })).rejects.toThrow(
      /STEINKIT_BACKEND: unknown/,
    );
  });
});

/** A stub of the npm `webgpu` package whose one adapter reports `info` (null: no adapter). */
function dawnStub(info: Record<string, unknown> | null): ModuleLoader {
  const adapter = info && {
    info,
    features: new Set<string>(),
    limits: {},
    requestDevice: async () => ({ stub: true }),
  };
  return async (s) => {
    if (s.startsWith('@tensorflow/tfjs-node')) throw missing(s);
    if (s === 'webgpu')
      return { create: () => ({ requestAdapter: async () => adapter }), globals: {} };
    if (s === '@tensorflow/tfjs-backend-webgpu') {
      // A "webgpu" backend that is really cpu, so selection can be tested without a GPU.
      const cpu = await import('@tensorflow/tfjs-backend-cpu');
      for (const k of tf.getKernelsForBackend('cpu'))
        tf.registerKernel({ ...k, backendName: 'webgpu' });
      return { WebGPUBackend: class extends cpu.MathBackendCPU {} };
    }
    return import(/* @vite-ignore */ s);
  };
}

describe('initBackend: webgpu selection (stubbed Dawn)', () => {
  const start = tf.getBackend();
  afterAll(async () => {
    await tf.setBackend(start);
    if (tf.findBackend('webgpu')) tf.removeBackend('webgpu');
    for (const k of tf.getKernelsForBackend('webgpu')) tf.unregisterKernel(k.kernelName, 'webgpu');
  });

  it('automatic selection skips a software adapter (SwiftShader) and says why', async () => {
    const loader = dawnStub({
      vendor: 'google',
      architecture: 'swiftshader',
      description: 'SwiftShader driver 5.0.0',
    });
    const info = await initBackend({ loader, env: {} });
    expect(info.name).toBe('wasm');
    expect(info.reason).toMatch(
      /webgpu: only a software adapter \(google swiftshader \(SwiftShader driver 5\.0\.0\), CPU emulation\).*STEINKIT_BACKEND=webgpu/,
    );
  });

  it('an adapter flagged isFallbackAdapter counts as software', async () => {
    const loader = dawnStub({ vendor: 'acme', architecture: 'x1', isFallbackAdapter: true });
    const info = await initBackend({ loader, env: {} });
    expect(info.name).toBe('wasm');
    expect(info.reason).toContain('only a software adapter (acme x1');
  });

  it('no adapter: a forced webgpu says what the machine lacks and how to fix it', async () => {
    await expect(initBackend({ backend: 'webgpu', loader: dawnStub(null) })).rejects.toThrow(
      /'webgpu' was requested but cannot load \(webgpu: no adapter \(.*(libvulkan1|ICD|VK_ICD_FILENAMES).*\)\); in Node: npm i webgpu@0\.6\.2 @tensorflow\/tfjs-backend-webgpu@4\.22\.0.*libvulkan1.*vk_swiftshader_icd\.json/,
    );
  });

  it('the webgpu package missing: a forced webgpu names the package to install', async () => {
    await expect(initBackend({ backend: 'webgpu', loader: withoutNode })).rejects.toThrow(
      /webgpu \(Dawn\): Cannot find module 'webgpu'.*npm i webgpu@0\.6\.2/,
    );
  });

  it('picks webgpu automatically on a hardware adapter and names it', async () => {
    const loader = dawnStub({
      vendor: 'nvidia',
      architecture: 'hopper',
      device: '0x2335',
      description: 'NVIDIA H200',
    });
    const info = await initBackend({ loader, env: {} });
    expect(info).toMatchObject({
      name: 'webgpu',
      gpu: true,
      adapter: { vendor: 'nvidia', architecture: 'hopper', software: false },
    });
    expect(tf.getBackend()).toBe('webgpu');
    expect(describeBackend(info)).toBe(
      'webgpu, nvidia hopper (NVIDIA H200), webgpu (Dawn) + @tensorflow/tfjs-backend-webgpu',
    );
    expect(tf.tidy(() => tf.add(tf.scalar(2), tf.scalar(3)).dataSync()[0])).toBe(5);
  });
});

describe('the tfjs Node banner', () => {
  it('never reaches the console: the cpu backend is told it was used already', async () => {
    const { spawnSync } = await import('node:child_process');
    const { resolve } = await import('node:path');
    const root = resolve(import.meta.dirname, '../../..');
    // A fresh process: import @steinkit/core (sources), then make the first cpu tensor.
    const script = `import '${resolve(root, 'packages/core/src/index.ts')}';
import * as tf from '@tensorflow/tfjs-core';
await tf.setBackend('cpu');
tf.tensor1d([1, 2, 3]).dataSync();
console.log('backend', tf.getBackend());`;
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('backend cpu');
    expect(run.stdout + run.stderr).not.toMatch(/running TensorFlow\.js in Node\.js/);
  });
});
