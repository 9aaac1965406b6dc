import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { webgpuUnavailable } from '../../../test/parity';
import { describeBackend, initBackend, type ModuleLoader } from '../src/index';

/** The real webgpu backend (SwiftShader in CI); skipped with the reason where it cannot load. */
const why = await webgpuUnavailable();
const noNode: ModuleLoader = async (s) => {
  if (s.startsWith('@tensorflow/tfjs-node')) throw new Error(`Cannot find module '${s}'`);
  return import(/* @vite-ignore */ s);
};

describe.skipIf(Boolean(why))(`webgpu backend${why ? ` [skipped: ${why}]` : ''}`, () => {
  const start = tf.getBackend();
  afterAll(async () => {
    await tf.setBackend(start);
  });

  it('forced, it runs on the adapter it names; a software one is marked as emulation', async () => {
    const info = await initBackend({ backend: 'webgpu' });
    expect(info.name).toBe('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    expect(info.adapter?.vendor).toBeTruthy();
    expect(info.gpu).toBe(!info.adapter?.software);
    if (info.adapter?.architecture === 'swiftshader') {
      expect(info.adapter.software).toBe(true);
      expect(describeBackend(info)).toMatch(
        /^webgpu, google swiftshader \(SwiftShader driver .*\) — software emulation, not a GPU, webgpu \(Dawn\)/,
      );
    }
  });

  it('automatic selection never picks a software adapter', async () => {
    const info = await initBackend({ loader: noNode, env: {} });
    const forced = await initBackend({ backend: 'webgpu' });
    if (forced.adapter?.software) {
      expect(info.name).toBe('wasm');
      expect(info.reason).toContain('webgpu: only a software adapter');
    } else expect(info.name).toBe('webgpu');
  });

  it('synchronous reads (dataSync/arraySync) of GPU results work in Node, every dtype, no leaks', async () => {
    await initBackend({ backend: 'webgpu' });
    tf.env().set('WEBGPU_CPU_FORWARD', false);
    const before = tf.memory().numTensors;
    const buffers = tf.backend().numDataIds();
    tf.tidy(() => {
      // 300 000 floats: more than one 256×256 canvas tile of the browser's read path.
      const x = tf.range(0, 300_000, 1, 'float32');
      const y = tf.mul(x, 2);
      const v = y.dataSync();
      expect(v.length).toBe(300_000);
      expect(v[299_999]).toBe(599_998);
      const i = tf.cast(tf.add(tf.range(0, 5, 1, 'int32'), 1), 'int32');
      expect(Array.from(tf.mul(i, i).dataSync())).toEqual([1, 4, 9, 16, 25]);
      expect(tf.greater(i, 3).arraySync()).toEqual([0, 0, 0, 1, 1]);
      expect(tf.sum(tf.exp(tf.zeros([4, 4]))).arraySync()).toBe(16);
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.backend().numDataIds()).toBe(buffers);
  });
});
