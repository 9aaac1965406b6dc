import * as tfl from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { parityTargets, skipName } from '../../../test/parity';
import { createRng, setWasmKernelFixes } from '../src/index';
import { rand, relErr, useBackend, wasmBuffers } from './wasm-helpers';

const targets = await parityTargets();

/**
 * The "wasm can train" check: a tiny conv net with conv2d, conv2dTranspose,
 * dense, batch norm and LeakyReLU. Shipped tfjs-backend-wasm 4.22 cannot take
 * one step of it (Conv2DBackpropFilter is missing); with steinkit's kernel
 * fixes it trains, and one step agrees with the cpu backend.
 */
function buildNet(): tfl.Sequential {
  // Seeded initializers: the layers' defaults draw from Math.random, which would make the test flaky.
  let seed = 11;
  const init = () => tfl.initializers.glorotUniform({ seed: seed++ });
  const net = tfl.sequential();
  net.add(
    tfl.layers.conv2d({
      inputShape: [8, 8, 2],
      filters: 4,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      kernelInitializer: init(),
    }),
  );
  net.add(tfl.layers.batchNormalization());
  net.add(tfl.layers.leakyReLU({ alpha: 0.2 }));
  net.add(
    tfl.layers.conv2dTranspose({
      filters: 3,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      kernelInitializer: init(),
    }),
  );
  net.add(tfl.layers.leakyReLU({ alpha: 0.2 }));
  net.add(
    tfl.layers.conv2d({
      filters: 2,
      kernelSize: 3,
      strides: 2,
      padding: 'valid',
      kernelInitializer: init(),
    }),
  );
  net.add(tfl.layers.flatten());
  net.add(tfl.layers.dense({ units: 5, kernelInitializer: init() }));
  net.compile({ optimizer: tfl.train.sgd(0.05), loss: 'meanSquaredError' });
  return net;
}

const r = createRng(2024);
const xData = rand(r, [6, 8, 8, 2]);
const yData = rand(r, [6, 5]);

async function oneStep(
  backend: 'wasm' | 'webgpu' | 'cpu',
  init: Float32Array[],
): Promise<{ loss: number; weights: Float32Array[] }> {
  await useBackend(backend);
  const net = buildNet();
  net.setWeights(init.map((w, i) => tf.tensor(w, net.getWeights()[i].shape)));
  const x = tf.tensor(xData.data, xData.shape);
  const y = tf.tensor(yData.data, yData.shape);
  const loss = (await net.trainOnBatch(x, y)) as number;
  const weights = net.getWeights().map((w) => Float32Array.from(w.dataSync()));
  tf.dispose([x, y]);
  net.dispose();
  return { loss, weights };
}

describe('a small conv net trains on wasm', () => {
  afterAll(async () => {
    setWasmKernelFixes(true);
    await tf.setBackend('wasm');
  });

  it('cannot take a step with the shipped wasm kernels (the fixes are what make it train)', async () => {
    await tf.setBackend('wasm');
    const net = buildNet();
    const x = tf.tensor(xData.data, xData.shape);
    const y = tf.tensor(yData.data, yData.shape);
    setWasmKernelFixes(false);
    try {
      await expect(net.trainOnBatch(x, y)).rejects.toThrow(/Conv2DBackpropFilter/);
    } finally {
      setWasmKernelFixes(true);
      tf.dispose([x, y]);
      net.dispose();
    }
  });

  it('loss falls over a few steps, without leaking tensors or wasm buffers', async () => {
    await tf.setBackend('wasm');
    const net = buildNet();
    const x = tf.tensor(xData.data, xData.shape);
    const y = tf.tensor(yData.data, yData.shape);
    const losses: number[] = [];
    let tensors = 0;
    let buffers = 0;
    for (let step = 0; step < 8; step++) {
      losses.push((await net.trainOnBatch(x, y)) as number);
      if (step === 1) {
        tensors = tf.memory().numTensors;
        buffers = wasmBuffers();
      }
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect(wasmBuffers()).toBe(buffers);
    for (const l of losses) expect(Number.isFinite(l)).toBe(true);
    expect(losses[losses.length - 1]).toBeLessThan(0.8 * losses[0]);
    tf.dispose([x, y]);
    net.dispose();
  });

  for (const target of targets) {
    const { backend } = target;
    const name = `one step on ${backend} and on cpu agree (same initial weights, same batch)`;
    (target.skip ? it.skip : it)(target.skip ? skipName(target, name) : name, async () => {
      await tf.setBackend('wasm');
      const proto = buildNet();
      const init = proto.getWeights().map((w) => Float32Array.from(w.dataSync()));
      proto.dispose();
      const w = await oneStep(backend, init);
      const c = await oneStep('cpu', init);
      await tf.setBackend('wasm');
      // float32 rounding through conv, batch norm and a transposed conv: 1e-5 on wasm, 1e-4 on a GPU.
      const tol = backend === 'wasm' ? 1e-5 : 1e-4;
      expect(Math.abs(w.loss - c.loss)).toBeLessThan(tol * (1 + Math.abs(c.loss)));
      expect(w.weights.length).toBe(c.weights.length);
      for (let i = 0; i < c.weights.length; i++) {
        expect(relErr(w.weights[i], c.weights[i])).toBeLessThan(tol);
        // The step moved every trainable kernel (so agreement is not vacuous).
        if (i === 0) expect(relErr(w.weights[i], init[i])).toBeGreaterThan(1e-4);
      }
    });
  }
});
