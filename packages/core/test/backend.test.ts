import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { describeBackend, initBackend, type ModuleLoader } from '../src/index';

const missing = (s: string) => {
  const e = new Error(`Cannot find module '${s}'`);
  (e as { code?: string }).code = 'ERR_MODULE_NOT_FOUND';
  return e;
};
/** A loader where the tfjs-node packages are absent and everything else loads. */
const withoutNode: ModuleLoader = async (s) => {
  if (s.startsWith('@tensorflow/tfjs-node')) throw missing(s);
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
      if (s.startsWith('@tensorflow/tfjs-node') || s.includes('wasm')) throw missing(s);
      return import(/* @vite-ignore */ s);
    };
    const info = await initBackend({ loader, env: {} });
    expect(info.name).toBe('cpu');
    expect(info.reason).toContain('tfjs-backend-wasm');
  });

  it('uses a stubbed tfjs-node-gpu that registers a working tensorflow backend', async () => {
    const stubbed: ModuleLoader = async (s) => {
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
    await expect(initBackend({ backend: 'webgpu' })).rejects.toThrow(
      /backend: unknown backend 'webgpu'; expected one of tensorflow, webgl, wasm, cpu/,
    );
    await expect(initBackend({ env: { STEINKIT_BACKEND: 'gpu' } })).rejects.toThrow(
      /STEINKIT_BACKEND: unknown/,
    );
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
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('backend cpu');
    expect(run.stdout + run.stderr).not.toMatch(/running TensorFlow\.js in Node\.js/);
  });
});
