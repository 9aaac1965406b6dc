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

/** The fixed bandwidth of the `fixed` rows: h² = d/2 (the inputs have variance ¼ per coordinate). */
const fixedH = (d: number) => Math.sqrt(d / 2);

const svgdSizes: [number, number, boolean][] = [];
for (const n of [100, 512, 1024, 4096]) for (const d of [2, 64, 784]) svgdSizes.push([n, d, false]);
for (const n of [1024, 4096]) for (const d of [2, 64, 784]) svgdSizes.push([n, d, true]);
svgdSizes.push([65536, 64, false]);

const svgd: Workload[] = svgdSizes.map(([n, d, fixed]) => ({
  id: `svgd.direction${fixed ? ' fixed' : ''} n=${n} d=${d}`,
  group: fixed
    ? 'SVGD direction (RBF, fixed h² = d/2)'
    : 'SVGD direction (RBF, SVGD median bandwidth)',
  quick: n === 100 && d === 2,
  cost: n * n * (d + 8),
  costClass: 'svgd',
  numpy: n <= 4096 ? { kind: fixed ? 'svgd_fixed' : 'svgd', n, d } : undefined,
  prepare: guarded(async ({ tf }) => {
    const { svgdDirection } = await need('@steinkit/stein-estimators', 'svgdDirection');
    const { rbf, SVGD_MEDIAN } = await need('@steinkit/kernels', 'rbf', 'SVGD_MEDIAN');
    const x = normal(tf, [n, d], 7, 0.5, 1) as tfc.Tensor2D;
    const kernel = rbf({ bandwidth: fixed ? fixedH(d) : SVGD_MEDIAN });
    const score = standardNormalScore(tf);
    return {
      run: () => svgdDirection(x, score, kernel),
      dispose: () => x.dispose(),
    };
  }),
}));

// ------------------------------------------------------------- KSD U-statistic

const ksdSizes: [number, number, boolean][] = [];
for (const n of [100, 1024, 4096]) for (const d of [2, 64]) ksdSizes.push([n, d, false]);
for (const n of [1024, 4096]) ksdSizes.push([n, 784, false]);
for (const n of [1024, 4096]) for (const d of [2, 64, 784]) ksdSizes.push([n, d, true]);
ksdSizes.push([65536, 64, false]);

const ksdWorkloads: Workload[] = ksdSizes.map(([n, d, fixed]) => ({
  id: `ksd.u${fixed ? ' fixed' : ''} n=${n} d=${d}`,
  group: fixed
    ? 'KSD U-statistic (RBF, fixed h² = d/2)'
    : 'KSD U-statistic (RBF, SVGD median bandwidth)',
  quick: n === 100 && d === 2,
  cost: n * n * (d + 8),
  costClass: 'ksd',
  numpy: n <= 4096 ? { kind: fixed ? 'ksd_fixed' : 'ksd', n, d } : undefined,
  prepare: guarded(async ({ tf }) => {
    const { ksd } = await need('@steinkit/stein-estimators', 'ksd');
    const { rbf, SVGD_MEDIAN } = await need('@steinkit/kernels', 'rbf', 'SVGD_MEDIAN');
    const x = normal(tf, [n, d], 7, 0.5, 1) as tfc.Tensor2D;
    const kernel = rbf({ bandwidth: fixed ? fixedH(d) : SVGD_MEDIAN });
    const score = standardNormalScore(tf);
    return {
      run: () => ksd(x, score, kernel, { statistic: 'u' }),
      dispose: () => x.dispose(),
    };
  }),
}));

// ---------------------------------------------------- Stein gradient estimator

const sgeWorkloads: Workload[] = (
  [
    [100, 2],
    [256, 2],
    [512, 2],
    [1024, 2],
    [1024, 64],
  ] as const
).map(([n, d]) => ({
  id: `stein gradient estimator n=${n} d=${d}`,
  group: 'Stein gradient estimator (Li & Turner 2018, RBF)',
  cost: n * n * (d + n / 8),
  prepare: guarded(async ({ tf }) => {
    const { steinGradientEstimator } = await need(
      '@steinkit/stein-estimators',
      'steinGradientEstimator',
    );
    const { rbf } = await need('@steinkit/kernels', 'rbf');
    const x = normal(tf, [n, d], 7, 0.5, 1) as tfc.Tensor2D;
    const estimator = steinGradientEstimator(rbf(), { eta: 0.1 });
    return {
      // fit (median bandwidth, Gram + Stein terms, Cholesky solve) and read Ĝ
      run: () => {
        const fitted = estimator.fit(x);
        const g = fitted.estimate();
        fitted.dispose();
        return g;
      },
      dispose: () => x.dispose(),
    };
  }),
}));

// ------------------------------------------------- maxSKSD and its slice gradient

const sksdWorkloads: Workload[] = [10, 100].flatMap((D): Workload[] => {
  const n = 256;
  const setup = async (tf: TF) => {
    const se = await need(
      '@steinkit/stein-estimators',
      'maxSksdInit',
      'maxSksdStep',
      'maxSksdValue',
      'maxSksdDispose',
    );
    const x = normal(tf, [n, D], 11, 1, 0.2) as tfc.Tensor2D;
    const s = tf.neg(x) as tfc.Tensor2D;
    const state = se.maxSksdInit(D, { variant: 'g' });
    return { se, x, s, state };
  };
  return [
    {
      id: `maxSKSD-g value D=${D} n=${n}`,
      group: 'maxSKSD (Gong et al. 2021)',
      quick: D === 10,
      cost: D * n * n,
      prepare: guarded(async ({ tf }) => {
        const { se, x, s, state } = await setup(tf);
        return {
          run: () => se.maxSksdValue(state, x, s),
          dispose: () => {
            se.maxSksdDispose(state);
            tf.dispose([x, s]);
          },
        };
      }),
    },
    {
      id: `maxSKSD-g slice-gradient step D=${D} n=${n}`,
      group: 'maxSKSD (Gong et al. 2021)',
      cost: 3 * D * n * n,
      prepare: guarded(async ({ tf }) => {
        const { se, x, s, state } = await setup(tf);
        let st = state;
        return {
          run: () => {
            const r = se.maxSksdStep(st, x, s);
            if (r && typeof r === 'object' && 'state' in r) st = r.state;
            return undefined;
          },
          dispose: () => {
            se.maxSksdDispose(st);
            tf.dispose([x, s]);
          },
        };
      }),
    },
  ];
});

// ------------------------------------------------- amortized SVGD, MLP sampler

const amortizedWorkloads: Workload[] = (
  [
    [2, 256],
    [784, 128],
  ] as const
).map(([d, m]) => ({
  id: `amortized SVGD step, MLP 100-256-256-${d}, batch ${m}`,
  group: 'Amortized SVGD (Algorithm 1, vjp rule (10))',
  cost: m * (100 * 256 + 256 * 256 + 256 * d) * 3 + m * m * d,
  prepare: guarded(async ({ tf }) => {
    const am = await need(
      '@steinkit/amortizers',
      'neuralSampler',
      'amortizedSvgdInit',
      'amortizedSvgdStep',
    );
    const { rbf } = await need('@steinkit/kernels', 'rbf');
    const tfl = await import('@tensorflow/tfjs');
    const net = tfl.sequential({
      layers: [
        tfl.layers.dense({
          inputShape: [100],
          units: 256,
          activation: 'relu',
          kernelInitializer: tfl.initializers.glorotNormal({ seed: 1 }),
        }),
        tfl.layers.dense({
          units: 256,
          activation: 'relu',
          kernelInitializer: tfl.initializers.glorotNormal({ seed: 2 }),
        }),
        tfl.layers.dense({
          units: d,
          kernelInitializer: tfl.initializers.glorotNormal({ seed: 3 }),
        }),
      ],
    });
    const sampler = am.neuralSampler({ net, noiseDim: 100, seed: 1 });
    const optimizer = tf.train.adam(1e-3);
    const opts = {
      sampler,
      score: (x: tfc.Tensor2D) => tf.neg(x) as tfc.Tensor2D,
      kernel: rbf(),
      update: { rule: 'vjp', optimizer },
      batchSize: m,
    };
    let state = am.amortizedSvgdInit({ seed: 1 });
    return {
      run: () => {
        state = am.amortizedSvgdStep(state, opts).state;
        // a value that depends on the updated η: waits for the device
        return tf.tidy(() => tf.sum(net.layers[2].getWeights()[0]));
      },
      dispose: () => {
        net.dispose();
        optimizer.dispose();
        sampler.dispose?.();
      },
    };
  }),
}));

// ----------------------------------------------------------- apps: SteinGAN, ICA

const steinganWorkloads: Workload[] = (['lean', 'paper'] as const).map((arch) => ({
  id: `SteinGAN iteration, ${arch === 'lean' ? 'MLP' : 'DCGAN conv'} nets, batch 64`,
  group: 'SteinGAN (amortized MLE, joint energy (15)) on 28×28 images',
  cost: arch === 'lean' ? 1 : 20,
  costClass: 'steingan',
  tuning: true,
  prepare: guarded(async ({ tf }) => {
    // the app's package entry (apps/steingan/src/index.ts)
    const train = await need(
      '@steinkit/steingan',
      'createTrainer',
      'trainIteration',
      'disposeTrainer',
      'defaultConfig',
    );
    const { defaultConfig } = train;
    // Synthetic 28×28 images (the cost of an iteration does not depend on the pixels).
    const size = 512;
    const images = tf.tidy(() =>
      tf.randomUniform([size * 784], 0, 1, 'float32', 5).dataSync(),
    ) as Float32Array;
    const labels = Int32Array.from({ length: size }, (_, i) => i % 10);
    const data = { images, labels, size, imageShape: [28, 28, 1] };
    const state = train.createTrainer(defaultConfig({ arch, batch: 64 }), [28, 28, 1]);
    return {
      run: () => {
        train.trainIteration(state, data);
        return tf.tidy(() => tf.sum(state.net.variables[0]));
      },
      dispose: () => train.disposeTrainer(state),
    };
  }),
}));

const icaWorkloads: Workload[] = [10, 100, 200].map((D) => ({
  id: `ICA maxSKSD-g training iteration D=${D}, batch 100`,
  group: 'Sliced-KSD ICA (apps/sksd-ica): model step + slice step',
  cost: D * D * D + 100 * 100 * D * 4,
  prepare: guarded(async ({ tf }) => {
    const { createTrainer } = await need('@steinkit/sksd-ica', 'createTrainer');
    const { createIcaModel } = await need('@steinkit/energy-models', 'createIcaModel');
    const { createRng } = await need('@steinkit/core', 'createRng');
    const rng = createRng(1);
    const init = rng.normal([D, D], 0, 1 / Math.sqrt(D)) as tfc.Tensor2D;
    const model = createIcaModel({ dim: D, unmixing: init });
    const trainer = createTrainer('maxsksd', model, 1);
    const x = rng.laplace([100, D]) as tfc.Tensor2D;
    return {
      run: () => {
        trainer.step(x);
        return tf.tidy(() => tf.sum(model.unmixing));
      },
      dispose: () => {
        trainer.dispose();
        model.dispose();
        tf.dispose([init, x]);
      },
    };
  }),
}));

// ------------------------------------------------------ MNIST classifier inference

const classifierWorkloads: Workload[] = [
  {
    id: 'MNIST CNN classifier inference, 1000 images (batch 250)',
    group: 'MNIST classifier (@steinkit/metrics)',
    prepare: guarded(async ({ tf }) => {
      const { buildClassifierModel } = await need(
        '@steinkit/metrics/reference',
        'buildClassifierModel',
      );
      // The reference CNN (untrained weights: inference cost does not depend on them).
      const model = buildClassifierModel({ seed: 1 });
      const x = tf.randomUniform([1000, 28, 28, 1], 0, 1, 'float32', 3);
      return {
        run: () => model.predict(x, { batchSize: 250 }) as tfc.Tensor,
        dispose: () => {
          x.dispose();
          model.dispose();
        },
      };
    }),
  },
];

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

/**
 * Small versions of two kernel-fix workloads: the --quick subset (CI smoke), and
 * in the full suite the first point of their cost class, so a backend on which
 * the full size would take minutes (conv backprop on cpu) is predicted and skipped.
 */
const smallFixes: Workload[] = [
  {
    id: 'matmul 256² aᵀ·b',
    group: 'wasm kernel fixes (tfjs ops)',
    wasmFix: true,
    quick: true,
    cost: 256 ** 3,
    costClass: 'matmul aᵀ·b',
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
    cost: 8 * 7 * 7 * 32 * 25 * 16,
    costClass: 'conv2d filter',
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
  return [
    ...smoke,
    ...svgd,
    ...ksdWorkloads,
    ...sgeWorkloads,
    ...sksdWorkloads,
    ...amortizedWorkloads,
    ...steinganWorkloads,
    ...icaWorkloads,
    ...classifierWorkloads,
    ...smallFixes,
    ...wasmFixes,
  ];
}

export interface Selection {
  quick: boolean;
  filter?: string;
  wasmFixOnly?: boolean;
  /** wasm-untuned: the kernel-fix workloads and those marked `tuning`. */
  tuningOnly?: boolean;
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
    if (s.tuningOnly && !w.wasmFix && !w.tuning) return false;
    return true;
  });
}

export type { Prepared, WorkloadContext };
