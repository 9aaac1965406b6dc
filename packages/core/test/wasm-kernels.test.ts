import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { casesFor, parityTargets, skipName } from '../../../test/parity';
import {
  activeWasmKernelFixes,
  activeWebgpuKernelFixes,
  setWasmKernelFixes,
  setWasmKernelTuning,
  setWebgpuKernelFixes,
  WASM_KERNEL_FIXES,
  WEBGPU_KERNEL_FIXES,
  wasmKernelTuning,
} from '../src/index';
import { flipIsCheaper } from '../src/wasm/matmul';
import {
  agree as agreeOn,
  ints,
  rand,
  relErr,
  rng,
  runOn,
  useBackend,
  wasmBuffers,
  weightedSum,
} from './wasm-helpers';

/**
 * The kernels steinkit fixes on wasm, checked against cpu (forward and
 * gradients) on wasm and, where it loads, on webgpu (SwiftShader in CI): the
 * same cases, since a GPU backend must agree with cpu just the same.
 */
const targets = await parityTargets();

beforeAll(async () => {
  await tf.setBackend('wasm');
  expect(activeWasmKernelFixes()).toEqual([...WASM_KERNEL_FIXES]);
});
afterAll(async () => {
  await tf.setBackend('wasm');
});

const tAll: [boolean, boolean][] = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];

/** [aShape, bShape] before transposes; a: [..., m, k], b: [..., k, n]. */
const matmulShapes: [number[], number[]][] = [
  [
    [5, 7],
    [7, 3],
  ],
  [
    [1, 9],
    [9, 1],
  ],
  [
    [3, 5, 7],
    [7, 4],
  ],
  [
    [3, 5, 7],
    [1, 7, 4],
  ],
  [
    [1, 5, 7],
    [3, 7, 4],
  ],
  [
    [3, 5, 7],
    [3, 7, 4],
  ],
  [
    [2, 24, 20],
    [2, 20, 17],
  ],
  [
    [2, 2, 6, 5],
    [5, 3],
  ],
  // Few rows against a wide b: a·bᵀ and aᵀ·bᵀ run flipped, (b·aᵀ)ᵀ (tuning).
  [
    [3, 40],
    [40, 50],
  ],
  // ≥ 2¹⁶ elements, ragged against the 32-wide tiles: blocked transposes (tuning).
  [
    [257, 300],
    [300, 5],
  ],
];

function swapLast(shape: number[], t: boolean): number[] {
  if (!t) return shape;
  const s = shape.slice();
  const r = s.length;
  [s[r - 2], s[r - 1]] = [s[r - 1], s[r - 2]];
  return s;
}

for (const target of targets) {
  const { backend } = target;
  const agree: typeof agreeOn = (f, inputs, tol) => agreeOn(f, inputs, tol, backend);
  const suite = (name: string, fn: () => void) =>
    target.skip
      ? describe.skip(skipName(target, name), fn)
      : describe(`${backend}: ${name}`, () => {
          beforeAll(() => useBackend(backend));
          fn();
        });
  suite('BatchMatMul fix', () => {
    let seed = 1;
    const cases = matmulShapes.flatMap((s) => tAll.map((t) => [...s, ...t] as const));
    for (const [sa, sb, tA, tB] of casesFor(backend, cases, 5))
      it(`matMul ${sa}×${sb} tA=${tA} tB=${tB}: forward and gradients match cpu`, async () => {
        const r = rng(seed++);
        const a = rand(r, swapLast(sa, tA));
        const b = rand(r, swapLast(sb, tB));
        await agree((x, y) => tf.matMul(x, y, tA, tB), [a, b]);
        // tfjs has no gradient for broadcast batch dims (on any backend).
        if (sa.length === sb.length && sa.slice(0, -2).join() === sb.slice(0, -2).join())
          await agree(
            (x, y) =>
              tf.grads((p: tf.Tensor, q: tf.Tensor) => weightedSum(tf.matMul(p, q, tA, tB), 7))([
                x,
                y,
              ]),
            [a, b],
          );
      });
  });

  suite('_FusedMatMul fix', () => {
    const acts = ['linear', 'relu', 'relu6', 'elu', 'leakyrelu', 'prelu', 'sigmoid'] as const;
    let seed = 100;
    const cases = acts.flatMap((a) => tAll.map((t) => [a, ...t] as const));
    for (const [act, tA, tB] of casesFor(backend, cases, 5))
      it(`fused ${act} tA=${tA} tB=${tB}, bias [n]`, async () => {
        const r = rng(seed++);
        const a = rand(r, swapLast([6, 5], tA));
        const b = rand(r, swapLast([5, 4], tB));
        const bias = rand(r, [4]);
        const alpha = rand(r, [4]);
        await agree(
          (x, y, z, p) =>
            tf.fused.matMul({
              a: x,
              b: y,
              transposeA: tA,
              transposeB: tB,
              bias: z,
              activation: act,
              preluActivationWeights: act === 'prelu' ? p : undefined,
              leakyreluAlpha: 0.15,
            }),
          [a, b, bias, alpha],
        );
      });

    const shapes: [number[], number[], number[] | null][] = [
      [[3, 6, 5], [5, 4], [4]],
      [
        [3, 6, 5],
        [5, 4],
        [1, 4],
      ],
      [
        [6, 5],
        [5, 4],
        [6, 4],
      ],
      [[1, 6, 5], [3, 5, 4], [4]],
      [[3, 6, 5], [3, 5, 4], [4]],
      [[3, 6, 5], [5, 4], null],
    ];
    const biasCases = shapes.flatMap((s) => tAll.map((t) => [...s, ...t] as const));
    for (const [sa, sb, sbias, tA, tB] of casesFor(backend, biasCases, 5))
      it(`fused relu ${sa}×${sb} + bias ${sbias} tA=${tA} tB=${tB}: forward and gradients`, async () => {
        const r = rng(seed++);
        const a = rand(r, swapLast(sa, tA));
        const b = rand(r, swapLast(sb, tB));
        const bias = sbias ? rand(r, sbias) : rand(r, [1]);
        const f = (x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) =>
          tf.fused.matMul({
            a: x,
            b: y,
            transposeA: tA,
            transposeB: tB,
            bias: sbias ? z : undefined,
            activation: 'relu',
          });
        await agree(f, [a, b, bias]);
        if (sa.length === sb.length && sa.slice(0, -2).join() === sb.slice(0, -2).join())
          await agree(
            (x, y, z) =>
              tf.grads((p: tf.Tensor, q: tf.Tensor, s: tf.Tensor) => weightedSum(f(p, q, s), 3))([
                x,
                y,
                z,
              ]),
            [a, b, bias],
          );
      });
  });

  type Pad =
    | 'same'
    | 'valid'
    | number
    | [[number, number], [number, number], [number, number], [number, number]];
  interface ConvCase {
    x: [number, number, number, number];
    k: [number, number];
    cout: number;
    stride: number | [number, number];
    pad: Pad;
  }
  const convCases: ConvCase[] = [
    { x: [2, 9, 9, 3], k: [3, 3], cout: 4, stride: 1, pad: 'same' },
    { x: [2, 9, 9, 3], k: [3, 3], cout: 4, stride: 1, pad: 'valid' },
    { x: [2, 9, 9, 3], k: [3, 3], cout: 4, stride: 2, pad: 'same' },
    { x: [2, 9, 9, 3], k: [3, 3], cout: 4, stride: 2, pad: 'valid' },
    { x: [1, 8, 7, 2], k: [5, 5], cout: 3, stride: 2, pad: 'same' },
    { x: [1, 8, 7, 2], k: [4, 2], cout: 3, stride: [2, 3], pad: 'valid' },
    { x: [3, 10, 10, 2], k: [4, 4], cout: 2, stride: 2, pad: 'same' },
    { x: [2, 7, 7, 3], k: [1, 1], cout: 5, stride: 2, pad: 'valid' },
    { x: [2, 11, 9, 2], k: [3, 3], cout: 3, stride: 3, pad: 'same' },
    { x: [1, 7, 7, 2], k: [3, 3], cout: 2, stride: 1, pad: 2 },
    // One input channel (images in / out of the DCGAN nets): the im2col / col2im route.
    { x: [3, 9, 7, 1], k: [5, 5], cout: 4, stride: 2, pad: 'same' },
    { x: [2, 10, 10, 1], k: [5, 5], cout: 6, stride: 2, pad: 'valid' },
    { x: [2, 6, 7, 1], k: [3, 2], cout: 3, stride: [1, 2], pad: 'same' },
    {
      x: [1, 7, 8, 2],
      k: [3, 2],
      cout: 2,
      stride: 2,
      pad: [
        [0, 0],
        [2, 1],
        [0, 3],
        [0, 0],
      ],
    },
  ];

  suite('Conv2DBackpropFilter / Conv2DBackpropInput fixes', () => {
    let seed = 300;
    for (const c of casesFor(backend, convCases, 2)) {
      const name = `x ${c.x} k ${c.k}×${c.cout} stride ${c.stride} pad ${JSON.stringify(c.pad)}`;
      it(`conv2d ${name}: forward and both gradients match cpu`, async () => {
        const r = rng(seed++);
        const x = rand(r, c.x);
        const w = rand(r, [...c.k, c.x[3], c.cout]);
        const f = (a: tf.Tensor, b: tf.Tensor) =>
          tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad);
        await agree(f, [x, w]);
        await agree(
          (a, b) => tf.grads((p: tf.Tensor, q: tf.Tensor) => weightedSum(f(p, q), 5))([a, b]),
          [x, w],
        );
      });
      if (typeof c.pad === 'string')
        it(`conv2dTranspose ${name}: forward and both gradients match cpu`, async () => {
          const r = rng(seed++);
          // conv2dTranspose maps the conv's output shape back to c.x.
          const outShape = tf.backend_util.computeConv2DInfo(
            c.x,
            [...c.k, c.x[3], c.cout],
            c.stride,
            1,
            c.pad as 'same',
          ).outShape;
          const dy = rand(r, outShape);
          const w = rand(r, [...c.k, c.x[3], c.cout]);
          const f = (a: tf.Tensor, b: tf.Tensor) =>
            tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, c.x, c.stride, c.pad as 'same');
          await agree(f, [dy, w]);
          await agree(
            (a, b) => tf.grads((p: tf.Tensor, q: tf.Tensor) => weightedSum(f(p, q), 6))([a, b]),
            [dy, w],
          );
        });
    }
  });

  suite('depthwise conv gradients', () => {
    const cases: {
      x: number[];
      k: number[];
      stride: number;
      pad: 'same' | 'valid';
      dil: number;
    }[] = [
      { x: [2, 7, 7, 3], k: [3, 3, 3, 1], stride: 1, pad: 'same', dil: 1 },
      { x: [2, 7, 7, 3], k: [3, 3, 3, 2], stride: 2, pad: 'same', dil: 1 },
      { x: [1, 8, 9, 2], k: [2, 3, 2, 3], stride: 2, pad: 'valid', dil: 1 },
      { x: [1, 9, 9, 2], k: [3, 3, 2, 2], stride: 1, pad: 'valid', dil: 2 },
      { x: [1, 9, 8, 2], k: [3, 2, 2, 1], stride: 1, pad: 'same', dil: 2 },
    ];
    let seed = 500;
    for (const c of cases)
      it(`depthwiseConv2d x ${c.x} k ${c.k} stride ${c.stride} ${c.pad} dilation ${c.dil}`, async () => {
        const r = rng(seed++);
        const x = rand(r, c.x);
        const w = rand(r, c.k);
        const f = (a: tf.Tensor, b: tf.Tensor) =>
          tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad, 'NHWC', c.dil);
        await agree(f, [x, w]);
        if (c.dil === 1)
          await agree(
            (a, b) => tf.grads((p: tf.Tensor, q: tf.Tensor) => weightedSum(f(p, q), 8))([a, b]),
            [x, w],
          );
        // tfjs's depthwise gradient refuses dilations > 1, so call the backprop kernels directly too.
        const info = tf.backend_util.computeConv2DInfo(
          c.x as [number, number, number, number],
          c.k as [number, number, number, number],
          c.stride,
          c.dil,
          c.pad,
          undefined,
          true,
        );
        const dy = rand(r, info.outShape);
        const attrs = { strides: c.stride, pad: c.pad, dilations: c.dil };
        const dw = (a: tf.Tensor, g: tf.Tensor) =>
          tf.engine().runKernel(
            'DepthwiseConv2dNativeBackpropFilter',
            { x: a, dy: g },
            {
              ...attrs,
              filterShape: c.k,
            },
          ) as tf.Tensor;
        const dx = (g: tf.Tensor, b: tf.Tensor) =>
          tf.engine().runKernel(
            'DepthwiseConv2dNativeBackpropInput',
            { dy: g, filter: b },
            {
              ...attrs,
              inputShape: c.x,
            },
          ) as tf.Tensor;
        if (c.dil === 1) {
          await agree(dw, [x, dy]);
          await agree(dx, [dy, w]);
        }
        // Adjoint identities (tfjs's cpu backprop kernels ignore dilations, so check against the
        // forward conv instead): ⟨dy, conv(x, w')⟩ = ⟨dW, w'⟩ and ⟨dy, conv(x', w)⟩ = ⟨dX, x'⟩.
        const [xt, wt, dyt] = [x, w, dy].map((i) => tf.tensor(i.data, i.shape));
        const [x2, w2] = [rand(r, c.x), rand(r, c.k)].map((i) => tf.tensor(i.data, i.shape));
        const [lhsW, rhsW, lhsX, rhsX] = tf.tidy(() =>
          [
            tf.sum(tf.mul(dyt, f(xt, w2))),
            tf.sum(tf.mul(dw(xt, dyt), w2)),
            tf.sum(tf.mul(dyt, f(x2, wt))),
            tf.sum(tf.mul(dx(dyt, wt), x2)),
          ].map((t) => t.dataSync()[0]),
        );
        tf.dispose([xt, wt, dyt, x2, w2]);
        expect(Math.abs(lhsW - rhsW)).toBeLessThan(1e-4 * (1 + Math.abs(lhsW)));
        expect(Math.abs(lhsX - rhsX)).toBeLessThan(1e-4 * (1 + Math.abs(lhsX)));
      });
  });

  suite('Tile', () => {
    const cases: [number[], number[]][] = [
      [
        [1, 1, 1, 5],
        [3, 4, 2, 1],
      ], // batch norm's gradient: per-channel values over a map
      [
        [3, 1],
        [2, 7],
      ], // one column repeated (fill)
      [
        [2, 3, 4],
        [1, 1, 1],
      ],
      [
        [2, 3],
        [3, 2],
      ],
      [[4], [5]],
      [
        [2, 1, 3],
        [2, 3, 2],
      ],
      [
        [3, 2],
        [0, 2],
      ], // empty
    ];
    let seed = 950;
    for (const [shape, reps] of cases)
      it(`tile ${shape} by ${reps}: forward (float32, int32) and gradient match cpu`, async () => {
        const r = rng(seed++);
        const x = rand(r, shape);
        await agree((a) => tf.tile(a, reps), [x]);
        await agree((a) => tf.tile(tf.cast(tf.mul(a, 10), 'int32'), reps), [x]);
        if (reps.every((k) => k > 0))
          await agree((a) => tf.grad((p: tf.Tensor) => weightedSum(tf.tile(p, reps), 4))(a), [x]);
      });
  });

  suite('UnsortedSegmentSum', () => {
    it('forward (ids out of range dropped) and gradient match cpu', async () => {
      const r = rng(600);
      const x = rand(r, [7, 3, 2]);
      const ids = ints([0, 2, 2, 4, -1, 0, 3]);
      await agree((a, i) => tf.unsortedSegmentSum(a, i as tf.Tensor1D, 5), [x, ids]);
      await agree(
        (a, i) => tf.unsortedSegmentSum(a, i as tf.Tensor1D, 3),
        [x, ints([0, 2, 2, 4, -1, 0, 5])],
      );
      await agree(
        (a, i) =>
          tf.grad((p: tf.Tensor) => weightedSum(tf.unsortedSegmentSum(p, i as tf.Tensor1D, 5), 9))(
            a,
          ),
        [x, ids],
      );
    });
    it('makes gather differentiable on wasm', async () => {
      const r = rng(601);
      const x = rand(r, [6, 4]);
      const idx = ints([5, 0, 0, 3, 2, 5, 5]);
      await agree(
        (a, i) => tf.grad((p: tf.Tensor) => weightedSum(tf.gather(p, i), 10))(a),
        [x, idx],
      );
    });
  });

  suite('Einsum (and its gradient)', () => {
    type F = (...xs: tf.Tensor[]) => tf.Tensor;
    // Each equation with an independent formulation of the same function.
    const cases: [string, number[][], F][] = [
      [
        'ij,jk->ik',
        [
          [4, 5],
          [5, 3],
        ],
        (a, b) => tf.matMul(a, b),
      ],
      [
        'bij,bjk->bik',
        [
          [2, 4, 5],
          [2, 5, 3],
        ],
        (a, b) => tf.matMul(a, b),
      ],
      [
        'ij,kj->ki',
        [
          [4, 5],
          [3, 5],
        ],
        (a, b) => tf.matMul(b, a, false, true),
      ],
      ['ij,j->i', [[4, 5], [5]], (a, b) => tf.sum(tf.mul(a, b), 1)],
      ['i,i->', [[6], [6]], (a, b) => tf.sum(tf.mul(a, b))],
      ['ij->ji', [[3, 5]], (a) => tf.transpose(a)],
      ['ij->j', [[3, 5]], (a) => tf.sum(a, 0)],
      [
        'ij,ij->ij',
        [
          [3, 5],
          [3, 5],
        ],
        (a, b) => tf.mul(a, b),
      ],
      ['i,j->ij', [[3], [4]], (a, b) => tf.outerProduct(a as tf.Tensor1D, b as tf.Tensor1D)],
    ];
    let seed = 700;
    for (const [eq, shapes, ref] of casesFor(backend, cases, 2))
      it(`einsum '${eq}': forward and gradient match cpu and an independent formulation`, async () => {
        const r = rng(seed++);
        const inputs = shapes.map((s) => rand(r, s));
        const f: F = (...xs) => tf.einsum(eq, ...xs);
        const grads =
          (g: F) =>
          (...xs: tf.Tensor[]) =>
            tf.grads((...ps: tf.Tensor[]) => weightedSum(g(...ps), 11))(xs);
        await agree(f, inputs);
        await agree(grads(f), inputs);
        // Against the reference formulation, on wasm.
        const xs = inputs.map((i) => tf.tensor(i.data, i.shape));
        tf.tidy(() => {
          const mine = [f(...xs), ...grads(f)(...xs)];
          const theirs = [ref(...xs), ...grads(ref)(...xs)];
          mine.forEach((m, k) => {
            expect(m.shape).toEqual(theirs[k].shape);
            expect(
              relErr(m.dataSync() as Float32Array, theirs[k].dataSync() as Float32Array),
            ).toBeLessThan(1e-5);
          });
        });
        tf.dispose(xs);
      });
  });
}

describe('setWasmKernelTuning', () => {
  beforeAll(() => useBackend('wasm'));
  afterAll(() => setWasmKernelTuning(true));
  const cases: [string, number[], (x: tf.Tensor, w: tf.Tensor) => tf.Tensor][] = [
    [
      'conv2d 1 channel 5×5/2 same',
      [2, 9, 9, 1],
      (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same'),
    ],
    [
      'conv2dTranspose to 1 channel 5×5/2 same',
      [2, 5, 5, 3],
      (x, w) => tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [2, 10, 10, 1], 2, 'same'),
    ],
  ];
  for (const on of [false, true])
    for (const [name, xs, f] of cases)
      it(`${name}, tuning ${on ? 'on' : 'off'}: forward and both gradients match cpu`, async () => {
        const r = rng(900);
        const x = rand(r, xs);
        const w = rand(r, [5, 5, 1, 3]);
        setWasmKernelTuning(on);
        try {
          expect(wasmKernelTuning()).toBe(on);
          await agreeOn(f, [x, w]);
          await agreeOn(
            (a, b) => tf.grads((p: tf.Tensor, q: tf.Tensor) => weightedSum(f(p, q), 3))([a, b]),
            [x, w],
          );
        } finally {
          setWasmKernelTuning(true);
        }
      });
  it('flips a·bᵀ with a wide b and keeps the plain product of a conv-sized GEMM', () => {
    const g = (m: number, k: number, n: number) => ({
      batchA: 1,
      batchB: 1,
      m,
      k,
      n,
      outShape: [m, n],
    });
    expect(flipIsCheaper(g(64, 6272, 1024), false, true)).toBe(true);
    expect(flipIsCheaper(g(64, 512, 6272), false, true)).toBe(true);
    expect(flipIsCheaper(g(3136, 1600, 128), false, false)).toBe(false);
    expect(flipIsCheaper(g(1024, 64, 6272), true, false)).toBe(false);
  });
});

describe('Identity shares the buffer (tuning)', () => {
  beforeAll(() => useBackend('wasm'));
  it('a clone reads the same values, outlives its source and frees the buffer with the last reference', () => {
    const buffers = wasmBuffers();
    const tensors = tf.memory().numTensors;
    const a = tf.tensor([1, 2, 3, 4], [2, 2]);
    const b = tf.clone(a);
    expect(wasmBuffers()).toBe(buffers + 1); // shared, not copied
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual([1, 2, 3, 4]);
    const c = tf.add(b, 1);
    b.dispose();
    expect(Array.from(c.dataSync())).toEqual([2, 3, 4, 5]);
    c.dispose();
    expect(wasmBuffers()).toBe(buffers);
    expect(tf.memory().numTensors).toBe(tensors);
    setWasmKernelTuning(false);
    try {
      const d = tf.tensor([5, 6]);
      const e = tf.clone(d);
      expect(wasmBuffers()).toBe(buffers + 2); // the shipped kernel copies
      tf.dispose([d, e]);
    } finally {
      setWasmKernelTuning(true);
    }
    expect(wasmBuffers()).toBe(buffers);
  });
});

describe('setWasmKernelFixes', () => {
  beforeAll(() => useBackend('wasm'));
  it('swaps the shipped kernels back and forth at runtime', async () => {
    const r = rng(800);
    const x = rand(r, [1, 5, 5, 2]);
    const w = rand(r, [3, 3, 2, 2]);
    const g = (a: tf.Tensor, b: tf.Tensor) =>
      tf.grad((q: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, q as tf.Tensor4D, 1, 'same')))(
        b,
      );
    const a = tf.tensor(x.data, x.shape);
    const b = tf.tensor(w.data, w.shape);
    try {
      setWasmKernelFixes(false);
      expect(activeWasmKernelFixes()).toEqual([]);
      expect(() => g(a, b)).toThrow(/Conv2DBackpropFilter/);
      // The shipped matmul is still there and correct.
      const m = tf.tidy(() =>
        tf.matMul(a.reshape([5, 10]), b.reshape([18, 2]).slice([0, 0], [10, 2])),
      );
      expect(m.shape).toEqual([5, 2]);
      m.dispose();
      setWasmKernelFixes(true, ['Conv2DBackpropFilter']);
      expect(activeWasmKernelFixes()).toEqual(['Conv2DBackpropFilter']);
      tf.tidy(() => g(a, b));
    } finally {
      setWasmKernelFixes(true);
      tf.dispose([a, b]);
    }
    expect(activeWasmKernelFixes()).toEqual([...WASM_KERNEL_FIXES]);
  });
});

const gpu = targets.find((t) => t.backend === 'webgpu');
(gpu && !gpu.skip ? describe : describe.skip)(
  gpu?.skip ? skipName(gpu, 'setWebgpuKernelFixes') : 'setWebgpuKernelFixes',
  () => {
    beforeAll(() => useBackend('webgpu'));
    afterAll(() => setWebgpuKernelFixes(true));
    it('the shipped webgpu kernels are wrong where the fixes say, and the fixes are right', async () => {
      const r = rng(900);
      const x = rand(r, [7, 3]);
      const ids = ints([0, 2, 2, 4, -1, 0, 3]);
      const seg = (a: tf.Tensor, i: tf.Tensor) => tf.unsortedSegmentSum(a, i as tf.Tensor1D, 3);
      // Depthwise gradients with dilation 2 (stride 1, 'valid', multiplier 2) against float64 loops:
      // cpu's backprop kernels ignore dilations and tfjs's gradient refuses them, so no tfjs reference.
      const [H, K, C, M, D] = [9, 3, 2, 2, 2];
      const O = H - D * (K - 1);
      const xs = rand(r, [1, H, H, C]);
      const w = rand(r, [K, K, C, M]);
      const dy = rand(r, [1, O, O, C * M]);
      const refW = new Float64Array(K * K * C * M);
      const refX = new Float64Array(H * H * C);
      for (let p = 0; p < K; p++)
        for (let q = 0; q < K; q++)
          for (let i = 0; i < O; i++)
            for (let j = 0; j < O; j++)
              for (let c = 0; c < C; c++)
                for (let m = 0; m < M; m++) {
                  const xi = ((i + D * p) * H + (j + D * q)) * C + c;
                  const g = dy.data[(i * O + j) * C * M + c * M + m];
                  refW[((p * K + q) * C + c) * M + m] += xs.data[xi] * g;
                  refX[xi] += g * w.data[((p * K + q) * C + c) * M + m];
                }
      const attrs = { strides: 1, pad: 'valid', dilations: D };
      const dW = (a: tf.Tensor, g: tf.Tensor) =>
        tf
          .engine()
          .runKernel(
            'DepthwiseConv2dNativeBackpropFilter',
            { x: a, dy: g },
            { ...attrs, filterShape: [K, K, C, M] },
          ) as tf.Tensor;
      const dX = (g: tf.Tensor, b: tf.Tensor) =>
        tf
          .engine()
          .runKernel(
            'DepthwiseConv2dNativeBackpropInput',
            { dy: g, filter: b },
            { ...attrs, inputShape: [1, H, H, C] },
          ) as tf.Tensor;
      const f32 = (a: Float64Array) => Float32Array.from(a);
      expect(activeWebgpuKernelFixes()).toEqual([...WEBGPU_KERNEL_FIXES]);
      await agreeOn(seg, [x, ids], 1e-5, 'webgpu');
      expect(relErr((await runOn('webgpu', dW, [xs, dy])).values[0], f32(refW))).toBeLessThan(1e-5);
      expect(relErr((await runOn('webgpu', dX, [dy, w])).values[0], f32(refX))).toBeLessThan(1e-5);
      setWebgpuKernelFixes(false);
      expect(activeWebgpuKernelFixes()).toEqual([]);
      await expect(agreeOn(seg, [x, ids], 1e-2, 'webgpu')).rejects.toThrow();
      expect(relErr((await runOn('webgpu', dW, [xs, dy])).values[0], f32(refW))).toBeGreaterThan(
        1e-2,
      );
      expect(relErr((await runOn('webgpu', dX, [dy, w])).values[0], f32(refX))).toBeGreaterThan(
        1e-2,
      );
      setWebgpuKernelFixes(true);
      await useBackend('webgpu');
    });
  },
);
