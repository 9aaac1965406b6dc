import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bernoulliLogProb, fusedAdam, setWasmKernelFixes } from '../src/index';
import { heapKernels } from '../src/wasm/simd';
import type { WasmBackend } from '../src/wasm/util';
import { gemmReference, rng, useBackend, wasmBuffers } from './wasm-helpers';

/**
 * The simd128 kernels on tfjs-backend-wasm's memory (`assembly/heap.ts`):
 * Exp, Tanh and Softplus against float64 references, and `fusedAdam` against
 * `tf.train.adam` on the cpu backend, bit for bit.
 */
beforeAll(async () => {
  await useBackend('wasm');
  expect(heapKernels(tf.backend() as unknown as WasmBackend)).not.toBeNull();
});
afterAll(async () => {
  await useBackend('wasm');
});

const refs = {
  exp: Math.exp,
  tanh: Math.tanh,
  softplus: (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
};
const ops = { exp: tf.exp, tanh: tf.tanh, softplus: tf.softplus };

/** Inputs: a dense grid over `range`, random points, the tail lengths 1–3 (n not a multiple of 4). */
function inputs(lo: number, hi: number, n: number): Float32Array {
  const r = rng(7);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++)
    out[i] = i % 2 ? lo + ((hi - lo) * i) / n : lo + (hi - lo) * r.float();
  return out;
}

/** Max relative error vs the float64 reference of the float32 input (absolute below `floor`). */
function maxRelErr(x: Float32Array, y: Float32Array, f: (v: number) => number, floor = 0): number {
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const want = f(x[i]);
    const err = Math.abs(y[i] - want) / Math.max(Math.abs(want), floor);
    if (err > worst) worst = err;
  }
  return worst;
}

describe('the inlined wasm modules of core', () => {
  for (const [key, file] of [
    ['heap', 'simd-binary.ts'],
    ['gemm-shared', 'gemm-shared-binary.ts'],
  ] as const) {
    it(`${key}: matches a fresh AssemblyScript build (no data segment)`, async () => {
      // @ts-expect-error: a plain .mjs build script without types
      const { build } = await import('../../../scripts/build-wasm.mjs');
      const fresh: string = await build(key);
      const committed = readFileSync(resolve(import.meta.dirname, '../src/wasm', file), 'utf8');
      expect(fresh === committed, `run \`node scripts/build-wasm.mjs ${key}\``).toBe(true);
    });
  }
});

describe('Exp, Tanh, Softplus on wasm (simd128)', () => {
  const cases: [keyof typeof ops, number, number, number][] = [
    ['exp', -87, 88.7, 2e-7],
    ['tanh', -12, 12, 2.5e-7],
    ['tanh', -0.7, 0.7, 2.5e-7],
    ['softplus', -80, 60, 2.5e-7],
    ['softplus', -3, 3, 2.5e-7],
  ];
  for (const [name, lo, hi, tol] of cases) {
    it(`${name} on [${lo}, ${hi}]: relative error ≤ ${tol} vs float64, every tail length`, () => {
      for (const n of [100003, 1, 2, 3, 4, 5]) {
        const x = inputs(lo, hi, n);
        const y = tf.tidy(() => ops[name](tf.tensor1d(x)).dataSync() as Float32Array);
        expect(maxRelErr(x, y, refs[name])).toBeLessThan(tol);
      }
    });
  }

  it('special values: exp(±∞), overflow, tanh(±0) and its sign, softplus extremes, NaN', () => {
    const x = new Float32Array([Infinity, -Infinity, 89, -0, 0, 1e-30, -1e-5, 1e30, -1e30, NaN]);
    const run = (f: (t: tf.Tensor) => tf.Tensor) =>
      Array.from(tf.tidy(() => f(tf.tensor1d(x)).dataSync()));
    const e = run(tf.exp);
    expect(e.slice(0, 3)).toEqual([Infinity, 0, Infinity]);
    expect(Number.isNaN(e[9])).toBe(true);
    const t = run(tf.tanh);
    expect(t[0]).toBe(1);
    expect(t[1]).toBe(-1);
    expect(Object.is(t[3], -0)).toBe(true);
    expect(t[5]).toBe(Math.fround(1e-30));
    expect(Math.abs(t[6] - Math.tanh(Math.fround(-1e-5)))).toBeLessThan(1e-12);
    expect(t.slice(7, 9)).toEqual([1, -1]);
    expect(Number.isNaN(t[9])).toBe(true);
    const s = run(tf.softplus);
    expect(s[0]).toBe(Infinity);
    expect(s[1]).toBe(0);
    expect(s[7]).toBe(Math.fround(1e30));
    expect(s[8]).toBe(0);
    expect(Math.abs(s[4] - Math.LN2)).toBeLessThan(1e-7);
    expect(Number.isNaN(s[9])).toBe(true);
  });

  it('agrees with the shipped kernels (fixes off) and leaks no buffer', () => {
    const x = inputs(-20, 20, 4099);
    for (const name of ['exp', 'tanh', 'softplus'] as const) {
      const before = wasmBuffers();
      const mine = tf.tidy(() => ops[name](tf.tensor1d(x)).dataSync() as Float32Array);
      expect(wasmBuffers()).toBe(before);
      setWasmKernelFixes(false, ['Exp', 'Tanh', 'Softplus']);
      const shipped = tf.tidy(() => ops[name](tf.tensor1d(x)).dataSync() as Float32Array);
      setWasmKernelFixes(true, ['Exp', 'Tanh', 'Softplus']);
      for (let i = 0; i < x.length; i++) {
        const scale = Math.max(Math.abs(shipped[i]), 1e-30);
        expect(Math.abs(mine[i] - shipped[i]) / scale).toBeLessThan(5e-7);
      }
    }
  });

  it('gradients still flow (the gradients are tfjs composites of the forward)', () => {
    const x = tf.tensor1d([-2, -0.3, 0.1, 1.5, 4]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.add(tf.tanh(t), tf.softplus(t))))(x);
    const got = Array.from(g.dataSync());
    const want = [-2, -0.3, 0.1, 1.5, 4].map((v) => 1 - Math.tanh(v) ** 2 + 1 / (1 + Math.exp(-v)));
    for (let i = 0; i < 5; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(2e-6);
    tf.dispose([x, g]);
  });
});

/** Runs `steps` Adam steps of `make()` on quadratic-ish losses; returns variables and slots. */
async function trajectory(
  backend: 'cpu' | 'wasm',
  make: () => tf.Optimizer,
  steps: number,
): Promise<{ values: Float32Array[]; slots: Float32Array[]; leaked: number }> {
  await useBackend(backend);
  const r = rng(3);
  const shapes = [[37, 5], [3], [1], [8, 8]];
  const vars = shapes.map((s, i) => {
    const n = s.reduce((a, b) => a * b, 1);
    const v = Float32Array.from({ length: n }, () => 2 * r.float() - 1);
    return tf.variable(tf.tensor(v, s), true, `adam_test_${backend}_${i}_${Math.random()}`);
  });
  const targets = vars.map((v) => tf.randomNormal(v.shape, 0, 1, 'float32', 11));
  const opt = make();
  const before = tf.memory().numTensors;
  for (let s = 0; s < steps; s++) {
    // loss Σ (v − t)⁴ + 0.1 v: varied gradient magnitudes across elements and steps
    const { value, grads } = tf.variableGrads(
      () =>
        tf.addN(
          vars.map((v, i) => tf.sum(tf.add(tf.pow(tf.sub(v, targets[i]), 4), tf.mul(0.1, v)))),
        ) as tf.Scalar,
    );
    opt.applyGradients(grads);
    tf.dispose([value, ...Object.values(grads)]);
  }
  const weights = await opt.getWeights();
  // expected: the m and v slots, and getWeights' iteration count
  const leaked = tf.memory().numTensors - before - 2 * vars.length - 1;
  const out = {
    values: vars.map((v) => Float32Array.from(v.dataSync())),
    slots: weights.slice(1).map((w) => Float32Array.from(w.tensor.dataSync())),
    leaked,
  };
  opt.dispose();
  tf.dispose([...vars, ...targets]);
  return out;
}

describe('fusedAdam', () => {
  it('is bit-identical to tf.train.adam on cpu after 25 steps (values, m and v), with no leak', async () => {
    const want = await trajectory('cpu', () => tf.train.adam(0.01, 0.8, 0.95, 1e-6), 25);
    const got = await trajectory('wasm', () => fusedAdam(0.01, 0.8, 0.95, 1e-6), 25);
    expect(got.leaked).toBe(0);
    expect(got.slots.length).toBe(8);
    for (let i = 0; i < want.values.length; i++) expect(got.values[i]).toEqual(want.values[i]);
    for (let i = 0; i < want.slots.length; i++) expect(got.slots[i]).toEqual(want.slots[i]);
  });

  it('equals tf.train.adam on a backend without the kernel (cpu), and keeps its class name', async () => {
    const want = await trajectory('cpu', () => tf.train.adam(0.003), 5);
    const got = await trajectory('cpu', () => fusedAdam(0.003), 5);
    for (let i = 0; i < want.values.length; i++) expect(got.values[i]).toEqual(want.values[i]);
    expect(fusedAdam().getClassName()).toBe('Adam');
  });

  it('resumes from getWeights/setWeights like tf.train.adam', async () => {
    await useBackend('wasm');
    const v = tf.variable(tf.tensor1d([1, -2, 3, 0.5, 7]), true, `adam_resume_${Math.random()}`);
    const step = (o: tf.Optimizer) => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(tf.sub(v, 1))) as tf.Scalar);
      o.applyGradients(grads);
      tf.dispose([value, ...Object.values(grads)]);
    };
    const a = fusedAdam(0.1);
    for (let s = 0; s < 3; s++) step(a);
    const saved = await a.getWeights();
    const b = fusedAdam(0.1);
    await b.setWeights(saved.map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) })));
    const snapshot = tf.clone(v);
    step(a);
    const afterA = Float32Array.from(v.dataSync());
    v.assign(snapshot);
    step(b);
    expect(Float32Array.from(v.dataSync())).toEqual(afterA);
    a.dispose();
    b.dispose();
    tf.dispose([v, snapshot]);
  });

  it('with the kernel fixes off it is tf.train.adam (no SteinkitAdam kernel), same values', async () => {
    const want = await trajectory('wasm', () => fusedAdam(0.02), 4);
    setWasmKernelFixes(false);
    try {
      expect(tf.getKernel('SteinkitAdam', 'wasm')).toBeUndefined();
      const got = await trajectory('wasm', () => fusedAdam(0.02), 4);
      for (let i = 0; i < want.values.length; i++) expect(got.values[i]).toEqual(want.values[i]);
    } finally {
      setWasmKernelFixes(true);
    }
    expect(tf.getKernel('SteinkitAdam', 'wasm')).toBeDefined();
  });

  it('checks every gradient before it updates any variable (no half-applied step)', async () => {
    await useBackend('wasm');
    const a = tf.variable(tf.tensor1d([1, 2, 3]), true, `adam_half_a_${Math.random()}`);
    const b = tf.variable(tf.tensor1d([4, 5]), true, `adam_half_b_${Math.random()}`);
    const opt = fusedAdam(0.1);
    const ga = tf.ones([3]);
    const bad = tf.ones([3]);
    expect(() => opt.applyGradients({ [a.name]: ga, [b.name]: bad } as never)).toThrow(
      /gradient of '.*adam_half_b/,
    );
    expect(Array.from(a.dataSync())).toEqual([1, 2, 3]);
    const gone = tf.ones([2]);
    gone.dispose();
    expect(() => opt.applyGradients({ [a.name]: ga, [b.name]: gone } as never)).toThrow(/disposed/);
    expect(Array.from(a.dataSync())).toEqual([1, 2, 3]);
    opt.dispose();
    tf.dispose([a, b, ga, bad]);
  });

  it('rejects bad hyperparameters', () => {
    expect(() => fusedAdam(-1)).toThrow(/learningRate/);
    expect(() => fusedAdam(0.1, 1)).toThrow(/beta1/);
    expect(() => fusedAdam(0.1, 0.9, -0.1)).toThrow(/beta2/);
    expect(() => fusedAdam(0.1, 0.9, 0.99, 0)).toThrow(/epsilon/);
  });
});

describe("the packing-free GEMM (a right operand's first 768 rows)", () => {
  // ragged rows (m % 4), columns (n % 8, n % 4, n < 4), k across the 256-row blocks, k = 0
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [3, 5, 7],
    [4, 8, 8],
    [5, 3, 9],
    [7, 300, 13],
    [9, 513, 12],
    [100, 784, 200],
    [2, 0, 5],
  ];
  for (const [m, k, n] of shapes) {
    it(`[${m}, ${k}] × [${k}, ${n}]: float64 reference, then XNNPACK (after 768 rows) agrees`, () => {
      const r = rng(m * 1000 + k * 10 + n);
      const a = Float32Array.from({ length: m * k }, () => 2 * r.float() - 1);
      const b = Float32Array.from({ length: k * n }, () => 2 * r.float() - 1);
      const want = gemmReference(a, b, m, k, n);
      const bufs = wasmBuffers();
      const [first, second] = tf.tidy(() => {
        const at = tf.tensor2d(a, [m, k]);
        const bt = tf.tensor2d(b, [k, n]);
        const once = tf.matMul(at, bt).dataSync();
        if (k === 0) return [once, once]; // XNNPACK rejects k = 0 (status 2)
        // 800 more rows through b: past PACK_PAYS_OFF_ROWS, so XNNPACK serves the next use
        tf.matMul(tf.zeros([800, k]), bt).dataSync();
        return [once, tf.matMul(at, bt).dataSync()];
      });
      expect(wasmBuffers()).toBe(bufs);
      const tol = 1e-6 + 1e-7 * k; // float32 sums of k products of magnitude ≤ 1
      for (let i = 0; i < m * n; i++) {
        expect(Math.abs(first[i] - want[i])).toBeLessThan(tol);
        expect(Math.abs(second[i] - first[i])).toBeLessThan(tol);
      }
    });
  }

  it('serves the transposed products of a dense layer’s backward pass (vs cpu)', async () => {
    const r = rng(5);
    const x = Float32Array.from({ length: 6 * 11 }, () => 2 * r.float() - 1);
    const w = Float32Array.from({ length: 11 * 9 }, () => 2 * r.float() - 1);
    const grads = (backend: 'cpu' | 'wasm') =>
      useBackend(backend).then(() =>
        tf.tidy(() => {
          const f = (xt: tf.Tensor, wt: tf.Tensor) => tf.sum(tf.tanh(tf.matMul(xt, wt)));
          const [gx, gw] = tf.grads(f)([tf.tensor2d(x, [6, 11]), tf.tensor2d(w, [11, 9])]);
          return [Float32Array.from(gx.dataSync()), Float32Array.from(gw.dataSync())];
        }),
      );
    const want = await grads('cpu');
    const got = await grads('wasm');
    for (let t = 0; t < 2; t++)
      for (let i = 0; i < want[t].length; i++)
        expect(Math.abs(got[t][i] - want[t][i])).toBeLessThan(2e-6);
  });
});

describe('Transpose of the last two axes on wasm (4×4 shuffles)', () => {
  const cases: [number[], number[]][] = [
    [
      [1, 1],
      [1, 0],
    ],
    [
      [3, 5],
      [1, 0],
    ],
    [
      [4, 8],
      [1, 0],
    ],
    [
      [33, 37],
      [1, 0],
    ],
    [
      [64, 130],
      [1, 0],
    ],
    [
      [2, 5, 7],
      [0, 2, 1],
    ],
    [
      [2, 3, 9, 6],
      [0, 1, 3, 2],
    ],
    [
      [3, 4, 5],
      [2, 0, 1],
    ], // not a last-two swap: the shipped kernel
  ];
  for (const [shape, perm] of cases) {
    it(`${JSON.stringify(shape)} by ${JSON.stringify(perm)}: exactly a transpose (float32, int32, bool), no leak`, () => {
      const n = shape.reduce((a, b) => a * b, 1);
      const values = Array.from({ length: n }, (_, i) => i);
      // the transposed index of every element, in JS
      const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
      const outShape = perm.map((p) => shape[p]);
      const want = new Array<number>(n);
      for (let o = 0; o < n; o++) {
        let rem = o;
        let src = 0;
        for (let d = 0; d < outShape.length; d++) {
          const os = outShape.slice(d + 1).reduce((a, b) => a * b, 1);
          src += Math.floor(rem / os) * strides[perm[d]];
          rem %= os;
        }
        want[o] = values[src];
      }
      const bufs = wasmBuffers();
      for (const dtype of ['float32', 'int32', 'bool'] as const) {
        const got = tf.tidy(() =>
          Array.from(
            tf
              .transpose(
                tf.tensor(
                  values.map((v) => (dtype === 'bool' ? v % 2 : v)),
                  shape,
                  dtype,
                ),
                perm,
              )
              .dataSync(),
          ),
        );
        expect(got).toEqual(want.map((v) => (dtype === 'bool' ? v % 2 : v)));
      }
      expect(wasmBuffers()).toBe(bufs);
    });
  }
});

describe('bernoulliLogProb (fused on wasm)', () => {
  /** float64 value and gradient in l of Σ_j x_j l_j − softplus(l_j), with upstream weights w[b, s]. */
  function reference(
    x: Float32Array,
    l: Float32Array,
    w: Float32Array,
    B: number,
    S: number,
    D: number,
  ) {
    const value = new Float64Array(B * S);
    const grad = new Float64Array(B * S * D);
    for (let b = 0; b < B; b++)
      for (let s = 0; s < S; s++)
        for (let j = 0; j < D; j++) {
          const v = l[(b * S + s) * D + j];
          const xj = x[b * D + j];
          value[b * S + s] += xj * v - (Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v))));
          grad[(b * S + s) * D + j] = (xj - 1 / (1 + Math.exp(-v))) * w[b * S + s];
        }
    return { value, grad };
  }
  for (const [B, S, D] of [
    [3, 5, 784],
    [2, 1, 7],
    [1, 3, 1],
    [4, 2, 13],
  ] as [number, number, number][]) {
    it(`[${B}, ${D}] × [${B}, ${S}, ${D}]: value and gradient vs float64, cpu composite agrees, no leak`, async () => {
      const r = rng(B * 100 + S * 10 + D);
      const x = Float32Array.from({ length: B * D }, () => (r.float() < 0.3 ? 1 : 0));
      // logits over ±40 (saturated σ and softplus on both sides), some exactly 0
      const l = Float32Array.from({ length: B * S * D }, (_, i) =>
        i % 11 === 0 ? 0 : 80 * r.float() - 40,
      );
      const w = Float32Array.from({ length: B * S }, () => 2 * r.float() - 1);
      const want = reference(x, l, w, B, S, D);
      const run = () =>
        tf.tidy(() => {
          const xt = tf.tensor2d(x, [B, D]);
          const wt = tf.tensor2d(w, [B, S]);
          const f = (lt: tf.Tensor) => tf.sum(tf.mul(bernoulliLogProb(xt, lt as tf.Tensor3D), wt));
          const lt = tf.tensor3d(l, [B, S, D]);
          return [
            Float32Array.from(bernoulliLogProb(xt, lt).dataSync()),
            Float32Array.from(tf.grad(f)(lt).dataSync()),
          ];
        });
      await useBackend('wasm');
      const bufs = wasmBuffers();
      const [value, grad] = run();
      expect(wasmBuffers()).toBe(bufs);
      for (let i = 0; i < B * S; i++) {
        expect(Math.abs(value[i] - want.value[i])).toBeLessThan(
          2e-6 * Math.max(1, Math.abs(want.value[i])),
        );
      }
      for (let i = 0; i < grad.length; i++)
        expect(Math.abs(grad[i] - want.grad[i])).toBeLessThan(1e-6);
      await useBackend('cpu');
      const [cv, cg] = run();
      await useBackend('wasm');
      for (let i = 0; i < B * S; i++) {
        expect(Math.abs(value[i] - cv[i])).toBeLessThan(2e-6 * Math.max(1, Math.abs(cv[i])));
      }
      for (let i = 0; i < grad.length; i++) expect(Math.abs(grad[i] - cg[i])).toBeLessThan(1e-6);
    });
  }

  it('names its arguments on bad shapes and dtypes', () => {
    const x = tf.zeros([2, 3]) as tf.Tensor2D;
    expect(() => bernoulliLogProb(x, tf.zeros([2, 4, 4]) as tf.Tensor3D)).toThrow(
      /logits \[B, S, D\]/,
    );
    expect(() =>
      bernoulliLogProb(
        tf.zeros([2, 3], 'int32') as tf.Tensor2D,
        tf.zeros([2, 1, 3]) as tf.Tensor3D,
      ),
    ).toThrow(/float32/);
    tf.dispose(x);
  });
});

describe('Sum over leading or trailing axes on wasm (simd128)', () => {
  /** float64 sums of x (shape) over `axes`, and Σ|x| for the error bound. */
  function reference(x: Float32Array, shape: number[], axes: number[]) {
    const rank = shape.length;
    const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const size = kept.reduce((a, b) => a * b, 1);
    const sum = new Float64Array(size);
    const abs = new Float64Array(size);
    const idx = new Array(rank).fill(0);
    for (let f = 0; f < x.length; f++) {
      let o = 0;
      for (let d = 0; d < rank; d++) o = o * kept[d] + (axes.includes(d) ? 0 : idx[d]);
      sum[o] += x[f];
      abs[o] += Math.abs(x[f]);
      for (let d = rank - 1; d >= 0; d--) {
        if (++idx[d] < shape[d]) break;
        idx[d] = 0;
      }
    }
    return { sum, abs };
  }
  const cases: [number[], number | number[], boolean][] = [
    [[5003, 37], 0, false], // a bias gradient: 4-row blocks, ragged rows and columns
    [[6, 8], 0, true],
    [[1, 9], 0, false],
    [[3, 4, 5], [0, 1], false],
    [[3, 4, 5], [1, 2], true],
    [[7, 131], 1, false], // trailing: lane accumulators + ragged columns
    [[7, 3], -1, false],
    [[2, 3, 4], [0, 1, 2], false], // everything
    [[2, 3, 4], 1, false], // a middle axis: shipped
    [[0, 5], 0, false], // empty rows: zeros
  ];
  for (const [shape, axis, keepDims] of cases) {
    it(`${JSON.stringify(shape)} over ${JSON.stringify(axis)}${keepDims ? ', keepDims' : ''}: vs float64 and shipped, no leak`, () => {
      const n = shape.reduce((a, b) => a * b, 1);
      const x = inputs(-3, 5, n);
      const rank = shape.length;
      const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a));
      const { sum, abs } = reference(x, shape, axes);
      const before = wasmBuffers();
      const [mine, mineShape] = tf.tidy(() => {
        const y = tf.sum(tf.tensor(x, shape), axis, keepDims);
        return [Float32Array.from(y.dataSync()), y.shape];
      });
      expect(wasmBuffers()).toBe(before);
      setWasmKernelFixes(false, ['Sum']);
      const [shipped, shippedShape] = tf.tidy(() => {
        const y = tf.sum(tf.tensor(x, shape), axis, keepDims);
        return [Float32Array.from(y.dataSync()), y.shape];
      });
      setWasmKernelFixes(true, ['Sum']);
      expect(mineShape).toEqual(shippedShape);
      expect(mine.length).toBe(sum.length);
      for (let i = 0; i < sum.length; i++) {
        const tol = 1.2e-7 * abs[i] * Math.max(4, Math.log2(n)) + 1e-30;
        expect(Math.abs(mine[i] - sum[i]), `element ${i}`).toBeLessThanOrEqual(tol * 8);
        expect(Math.abs(mine[i] - shipped[i])).toBeLessThanOrEqual(tol * 16);
      }
    });
  }

  it('int32 sums stay exact (shipped kernel)', () => {
    const y = tf.tidy(() =>
      tf.sum(tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32'), 0).arraySync(),
    );
    expect(y).toEqual([9, 12]);
  });
});
