/** Test helpers: run one function on wasm (or webgpu) and on cpu with the same inputs and compare. */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { backendBuffers, type ParityBackend, useBackend as use } from '../../../test/parity';
import { createRng, type Rng } from '../src/index';

export interface Input {
  data: Float32Array | Int32Array;
  shape: number[];
  dtype: 'float32' | 'int32';
}

/** Uniform(−1, 1) float32 data (JS generator, identical on every backend). */
export function rand(rng: Rng, shape: number[]): Input {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = 2 * rng.float() - 1;
  return { data, shape, dtype: 'float32' };
}

export function ints(values: number[]): Input {
  return { data: Int32Array.from(values), shape: [values.length], dtype: 'int32' };
}

export const rng = (seed: number) => createRng(seed);

/** float64 reference of a·b for row-major a [m, k], b [k, n]. */
export function gemmReference(a: Float32Array, b: Float32Array, m: number, k: number, n: number) {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let kk = 0; kk < k; kk++) {
      const v = a[i * k + kk];
      for (let j = 0; j < n; j++) c[i * n + j] += v * b[kk * n + j];
    }
  return c;
}

type Fn = (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[];

interface Result {
  shapes: number[][];
  values: Float32Array[];
}

/** Buffers the wasm backend holds (catches leaks of kernel intermediates, which tf.memory() cannot see). */
export function wasmBuffers(): number {
  const b = tf.findBackend('wasm') as unknown as { dataIdMap: { numDataIds(): number } };
  return b.dataIdMap.numDataIds();
}

/** Switches backend; silences the cpu backend's one-time "install tfjs-node" banner; webgpu without CPU forwarding. */
export async function useBackend(backend: ParityBackend | 'cpu'): Promise<void> {
  await use(backend);
}

export async function runOn(
  backend: ParityBackend | 'cpu',
  f: Fn,
  inputs: Input[],
): Promise<Result> {
  await useBackend(backend);
  const xs = inputs.map((i) => tf.tensor(i.data, i.shape, i.dtype));
  const tensorsBefore = tf.memory().numTensors;
  const buffersBefore = backendBuffers(backend);
  const outs = tf.tidy(() => {
    const o = f(...xs);
    return Array.isArray(o) ? o : [o];
  });
  const res: Result = {
    shapes: outs.map((o) => o.shape),
    values: outs.map((o) => Float32Array.from(o.dataSync())),
  };
  tf.dispose(outs);
  expect(tf.memory().numTensors, 'tensors leaked').toBe(tensorsBefore);
  expect(backendBuffers(backend), `${backend} buffers leaked`).toBe(buffersBefore);
  tf.dispose(xs);
  return res;
}

/** Largest |a − b| relative to max(1, max |b|). */
export function relErr(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let s = 1;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return d / s;
}

/** f on `backend` (default wasm) equals f on cpu (every output, same shapes) to `tol` relative to scale. */
export async function agree(
  f: Fn,
  inputs: Input[],
  tol = 1e-4,
  backend: ParityBackend = 'wasm',
): Promise<void> {
  const w = await runOn(backend, f, inputs);
  const c = await runOn('cpu', f, inputs);
  await useBackend(backend);
  expect(w.shapes).toEqual(c.shapes);
  for (let i = 0; i < c.values.length; i++) {
    expect(Number.isFinite(relErr(w.values[i], c.values[i]))).toBe(true);
    expect(relErr(w.values[i], c.values[i])).toBeLessThanOrEqual(tol);
  }
}

/** Σ f(xs) ⊙ r for a fixed random r, so gradients are not all-ones patterns. */
export function weightedSum(y: tf.Tensor, seed: number): tf.Scalar {
  const r = rng(seed);
  const w = rand(r, y.shape);
  return tf.sum(tf.mul(y, tf.tensor(w.data, y.shape)));
}
