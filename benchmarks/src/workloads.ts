import type * as tfc from '@tensorflow/tfjs-core';
import { Missing, need } from './load';
import type { Prepared, Workload, WorkloadContext } from './types';

type TF = typeof tfc;

/** Seeded standard-normal input (tfjs's own seeded generator, so it works without @steinkit/core). */
function normal(tf: TF, shape: number[], seed: number, scale = 1, shift = 0): tfc.Tensor {
  return tf.tidy(() => tf.add(tf.mul(tf.randomNormal(shape, 0, 1, 'float32', seed), scale), shift));
}

/** Turns a thrown `Missing` into a skip note. */
function guarded(prepare: Workload['prepare']): Workload['prepare'] {
  return async (ctx) => {
    try {
      return await prepare(ctx);
    } catch (e) {
      if (e instanceof Missing) return { skip: e.message };
      throw e;
    }
  };
}

const standardNormalScore = (tf: TF) => (x: tfc.Tensor2D) => tf.neg(x) as tfc.Tensor2D;

// ---------------------------------------------------------------- smoke (tests)

const smoke: Workload[] = [
  {
    id: 'smoke.add n=64',
    group: 'Smoke',
    hidden: true,
    quick: true,
    async prepare({ tf }) {
      const a = normal(tf, [64, 64], 1);
      return { run: () => tf.add(a, a), dispose: () => a.dispose() };
    },
  },
  {
    id: 'smoke.missing',
    group: 'Smoke',
    hidden: true,
    quick: true,
    prepare: guarded(async () => {
      await need('@steinkit/core', 'thisExportDoesNotExist');
      throw new Error('unreachable');
    }),
  },
];

// ------------------------------------------------------------- SVGD direction

const svgdSizes: [number, number][] = [];
for (const n of [100, 512, 1024, 4096]) for (const d of [2, 64, 784]) svgdSizes.push([n, d]);

const svgd: Workload[] = svgdSizes.map(([n, d]) => ({
  id: `svgd.direction n=${n} d=${d}`,
  group: 'SVGD direction (RBF, SVGD median bandwidth)',
  quick: n === 100 && d === 2,
  cost: n * n * (d + 8),
  numpy: { kind: 'svgd', n, d },
  prepare: guarded(async ({ tf }) => {
    const { svgdDirection } = await need('@steinkit/stein-estimators', 'svgdDirection');
    const { rbf, SVGD_MEDIAN } = await need('@steinkit/kernels', 'rbf', 'SVGD_MEDIAN');
    const x = normal(tf, [n, d], 7, 0.5, 1) as tfc.Tensor2D;
    const kernel = rbf({ bandwidth: SVGD_MEDIAN });
    const score = standardNormalScore(tf);
    return {
      run: () => svgdDirection(x, score, kernel),
      dispose: () => x.dispose(),
    };
  }),
}));

// ------------------------------------------- wasm kernel fixes, before / after

const wasmFixes: Workload[] = [
  ...(
    [
      ['a·b', false, false],
      ['aᵀ·b', true, false],
      ['a·bᵀ', false, true],
      ['aᵀ·bᵀ', true, true],
    ] as const
  ).map(
    ([label, ta, tb]): Workload => ({
      id: `matmul 1024² ${label}`,
      group: 'wasm kernel fixes (tfjs ops)',
      wasmFix: true,
      cost: 1024 ** 3,
      costClass: `matmul ${label}`,
      async prepare({ tf }) {
        const a = normal(tf, [1024, 1024], 1);
        const b = normal(tf, [1024, 1024], 2);
        return {
          run: () => tf.matMul(a as tfc.Tensor2D, b as tfc.Tensor2D, ta, tb),
          dispose: () => tf.dispose([a, b]),
        };
      },
    }),
  ),
  {
    id: 'batched matmul 32×256² a·bᵀ',
    group: 'wasm kernel fixes (tfjs ops)',
    wasmFix: true,
    cost: 32 * 256 ** 3,
    async prepare({ tf }) {
      const a = normal(tf, [32, 256, 256], 1);
      const b = normal(tf, [32, 256, 256], 2);
      return {
        run: () => tf.matMul(a as tfc.Tensor3D, b as tfc.Tensor3D, false, true),
        dispose: () => tf.dispose([a, b]),
      };
    },
  },
  {
    id: 'MLP 784-512-256-10 train step (batch 128, Adam)',
    group: 'wasm kernel fixes (tfjs ops)',
    wasmFix: true,
    cost: 128 * (784 * 512 + 512 * 256 + 256 * 10) * 3,
    async prepare({ tf }) {
      const sizes = [784, 512, 256, 10];
      const vars: tfc.Variable[] = [];
      for (let i = 0; i < 3; i++) {
        const w = normal(tf, [sizes[i], sizes[i + 1]], 10 + i, Math.sqrt(2 / sizes[i]));
        vars.push(tf.variable(w, true, `mlp_w${i}`));
        w.dispose();
        vars.push(tf.variable(tf.zeros([sizes[i + 1]]), true, `mlp_b${i}`));
      }
      const x = tf.tidy(() => tf.sigmoid(normal(tf, [128, 784], 3)));
      const labels = tf.tidy(() =>
        tf.oneHot(tf.cast(tf.mul(tf.randomUniform([128], 0, 1, 'float32', 4), 10), 'int32'), 10),
      );
      const opt = tf.train.adam(1e-3);
      const loss = () =>
        tf.tidy(() => {
          let h: tfc.Tensor = x;
          for (let i = 0; i < 3; i++) {
            h = tf.add(tf.matMul(h as tfc.Tensor2D, vars[2 * i] as tfc.Tensor2D), vars[2 * i + 1]);
            if (i < 2) h = tf.relu(h);
          }
          return tf.losses.softmaxCrossEntropy(labels, h) as tfc.Scalar;
        });
      return {
        run: () => opt.minimize(loss, true) as tfc.Scalar,
        dispose: () => {
          tf.dispose([x, labels, ...vars]);
          opt.dispose();
        },
      };
    },
  },
  ...(['input', 'filter'] as const).map(
    (which): Workload => ({
      // DCGAN-like: 64×14×14×64 ⇄ 64×7×7×128, 5×5 kernel, stride 2, 'same'.
      id: `conv2d backprop ${which} (DCGAN 5×5/2, 64×14×14×64 → 64×7×7×128)`,
      group: 'wasm kernel fixes (tfjs ops)',
      wasmFix: true,
      cost: 64 * 7 * 7 * 128 * 25 * 64,
      costClass: `conv2d ${which}`,
      async prepare({ tf }) {
        const x = normal(tf, [64, 14, 14, 64], 1) as tfc.Tensor4D;
        const w = normal(tf, [5, 5, 64, 128], 2, 0.05) as tfc.Tensor4D;
        const dy = normal(tf, [64, 7, 7, 128], 3) as tfc.Tensor4D;
        const attrs = {
          strides: [2, 2],
          pad: 'same',
          dataFormat: 'NHWC',
          dimRoundingMode: undefined,
        };
        const run =
          which === 'input'
            ? () =>
                tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter: w }, {
                  ...attrs,
                  inputShape: x.shape,
                } as never) as tfc.Tensor
            : () =>
                tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, {
                  ...attrs,
                  filterShape: w.shape,
                } as never) as tfc.Tensor;
        return { run, dispose: () => tf.dispose([x, w, dy]) };
      },
    }),
  ),
];

/** Small versions of the kernel-fix workloads for --quick (CI smoke): same kernels, seconds not minutes. */
const quickOnly: Workload[] = [
  {
    id: 'matmul 256² aᵀ·b',
    group: 'wasm kernel fixes (tfjs ops)',
    wasmFix: true,
    quick: true,
    quickOnly: true,
    async prepare({ tf }) {
      const a = normal(tf, [256, 256], 1) as tfc.Tensor2D;
      const b = normal(tf, [256, 256], 2) as tfc.Tensor2D;
      return { run: () => tf.matMul(a, b, true, false), dispose: () => tf.dispose([a, b]) };
    },
  },
  {
    id: 'conv2d backprop filter (5×5/2, 8×14×14×16 → 8×7×7×32)',
    group: 'wasm kernel fixes (tfjs ops)',
    wasmFix: true,
    quick: true,
    quickOnly: true,
    async prepare({ tf }) {
      const x = normal(tf, [8, 14, 14, 16], 1) as tfc.Tensor4D;
      const dy = normal(tf, [8, 7, 7, 32], 3) as tfc.Tensor4D;
      const attrs = {
        strides: [2, 2],
        pad: 'same',
        dataFormat: 'NHWC',
        filterShape: [5, 5, 16, 32],
      };
      return {
        run: () =>
          tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, attrs as never) as tfc.Tensor,
        dispose: () => tf.dispose([x, dy]),
      };
    },
  },
];

/** Every workload, in table order. */
export function allWorkloads(): Workload[] {
  return [...smoke, ...svgd, ...wasmFixes, ...quickOnly];
}

export interface Selection {
  quick: boolean;
  filter?: string;
  wasmFixOnly?: boolean;
}

/** Which workloads a run executes: hidden ones only when --filter names them. */
export function selectWorkloads(all: Workload[], s: Selection): Workload[] {
  const re = s.filter ? new RegExp(s.filter, 'i') : undefined;
  return all.filter((w) => {
    if (re && !re.test(w.id) && !re.test(w.group)) return false;
    if (w.hidden && !re) return false;
    if (s.quick && !w.quick) return false;
    if (!s.quick && w.quickOnly) return false;
    if (s.wasmFixOnly && !w.wasmFix) return false;
    return true;
  });
}

export type { Prepared, WorkloadContext };
