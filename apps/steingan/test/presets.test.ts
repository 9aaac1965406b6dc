import {
  type AmortizedMleOptions,
  amortizedMleStep,
  featureSteinDirection,
} from '@steinkit/amortizers';
import { createRng } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  buildProgram,
  createTrainer,
  defaultConfig,
  disposeTrainer,
  generatorNet,
  lrScale,
  mleOptions,
  parseArgs,
  type TrainConfig,
  type TrainData,
  trainIteration,
} from '../src/index';

const argv = (...a: string[]) => ['node', 'steingan', ...a];

/** Tiny MLP nets on 4×4 images with 2 classes. */
const tinyConfig = (over: Partial<TrainConfig> = {}): TrainConfig =>
  defaultConfig({
    batch: 6,
    noiseDim: 3,
    numClasses: 2,
    genHidden: [8],
    energyHidden: [8],
    codeDim: 3,
    seed: 4,
    ...over,
  });

function constantData(value: number, size = 8): TrainData {
  return {
    images: new Float32Array(size * 16).fill(value),
    labels: Int32Array.from({ length: size }, (_, i) => i % 2),
    size,
    imageShape: [4, 4, 1],
  };
}

const values = (vs: tf.Variable[]) => vs.map((v) => Array.from(v.dataSync()));

describe('presets', () => {
  it('lean (the default) keeps the tuned choices; paper sets every choice of the paper', () => {
    const lean = defaultConfig();
    expect(lean).toMatchObject({
      preset: 'lean',
      arch: 'lean',
      init: 'glorot',
      generatorBatchNorm: false,
      repulsion: 'approximate',
      gamma: 0.3,
      freeze: false,
      speedUp: true,
      labelWeight: 3,
      lrG: 2e-3,
      lrE: 1e-4,
      lrEFast: 5e-4,
      bandwidthScale: 0.5,
      codeDim: 64,
    });
    const paper = defaultConfig({ preset: 'paper' });
    expect(paper).toMatchObject({
      preset: 'paper',
      arch: 'paper',
      init: 'normal',
      initStd: 0.02,
      generatorBatchNorm: true,
      repulsion: 'exact',
      gamma: 0.7,
      freeze: true,
      gapThreshold: 0.5,
      speedUp: true,
      labelWeight: 1,
      lrG: 1e-3,
      lrE: 1e-4,
      lrEFast: 5e-4,
      bandwidthScale: 0.5,
      margin: 0.2,
      codeDim: 512,
    });
    // Overrides win over the preset; the GAN baselines get their own learning rates.
    expect(defaultConfig({ preset: 'paper', gamma: 0.5 }).gamma).toBe(0.5);
    expect(defaultConfig({ objective: 'dcgan' }).lrD).toBeGreaterThan(0);
    expect(() => defaultConfig({ preset: 'fancy' as never })).toThrow(
      /preset: expected 'lean' or 'paper'/,
    );
  });

  it('CLI: --preset, --arch override, --seeds and --results', () => {
    const o = parseArgs(
      argv('--preset', 'paper', '--seeds', '2,3,4', '--results', 'res', '--no-metrics'),
    );
    expect(o.config).toMatchObject({ preset: 'paper' });
    expect(o.config).not.toHaveProperty('arch');
    expect(o.seeds).toEqual([2, 3, 4]);
    expect(o.resultsDir).toBe('res');
    expect(o.out).toBe('runs/seeds/mnist-steingan-paper');
    expect(parseArgs(argv('--arch', 'paper', '--no-metrics')).config).toMatchObject({
      preset: 'lean',
      arch: 'paper',
    });
    expect(parseArgs(argv('--preset', 'paper', '--no-metrics')).config).not.toHaveProperty(
      'repulsion',
    );
    expect(
      parseArgs(argv('--preset', 'paper', '--repulsion', 'approximate', '--no-metrics')).config,
    ).toMatchObject({ preset: 'paper', repulsion: 'approximate' });
    expect(() =>
      parseArgs(
        argv('--repulsion', 'both'),
        buildProgram()
          .exitOverride()
          .configureOutput({ writeErr: () => {} }),
      ),
    ).toThrow(/--repulsion/);
    expect(
      parseArgs(argv('--lr-g', '2e-4', '--lr-d', '1e-3', '--no-metrics')).config,
    ).toMatchObject({
      lrG: 2e-4,
      lrD: 1e-3,
    });
    const quiet = () =>
      buildProgram()
        .exitOverride()
        .configureOutput({ writeErr: () => {} });
    expect(() => parseArgs(argv('--lr-g', '0'), quiet())).toThrow(/--lr-g must be a learning rate/);
    for (const bad of ['2,x', '1,,2', '-1', '2,2']) {
      const prog = buildProgram()
        .exitOverride()
        .configureOutput({ writeErr: () => {} });
      expect(() => parseArgs(argv('--seeds', bad), prog)).toThrow(/--seeds must/);
    }
  });

  it('paper init: every weight N(0, 0.02²), biases 0, batch-norm γ 1 / β 0; lean: Glorot-uniform', () => {
    const before = tf.memory().numTensors;
    const s = createTrainer(
      tinyConfig({ preset: 'paper', arch: 'lean', genHidden: [64, 64], energyHidden: [64] }),
      [8, 8, 1],
    );
    const weights = [
      ...s.net.named.filter((n) => /\/W$/.test(n.name)).map((n) => n.variable),
      ...s.energy.trainableVariables.filter((v) => v.rank === 2),
    ];
    const all = weights.flatMap((v) => Array.from(v.dataSync()));
    const mean = all.reduce((a, b) => a + b, 0) / all.length;
    const std = Math.sqrt(all.reduce((a, b) => a + (b - mean) ** 2, 0) / all.length);
    expect(all.length).toBeGreaterThan(15_000);
    expect(Math.abs(mean)).toBeLessThan(0.001);
    expect(std).toBeGreaterThan(0.0196);
    expect(std).toBeLessThan(0.0204);
    for (const n of s.net.named) {
      const v = Array.from(n.variable.dataSync());
      if (/\/b$|beta|movingMean/.test(n.name))
        expect(
          v.every((x) => x === 0),
          n.name,
        ).toBe(true);
      if (/gamma|movingVariance/.test(n.name))
        expect(
          v.every((x) => x === 1),
          n.name,
        ).toBe(true);
    }
    expect(s.net.named.some((n) => n.name === 'bn0/gamma')).toBe(true);
    // running statistics are state, not η
    expect(s.sampler.trainableVariables.some((v) => !v.trainable)).toBe(false);
    disposeTrainer(s);
    const lean = createTrainer(tinyConfig({ genHidden: [64] }), [8, 8, 1]);
    const W = lean.net.named.find((n) => n.name === 'fc0/W')?.variable as tf.Variable;
    const [fin, fout] = W.shape as [number, number];
    const lim = Math.sqrt(6 / (fin + fout));
    const w = Array.from(W.dataSync());
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(lim);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.95 * lim);
    expect(lean.net.named.some((n) => /bn/.test(n.name))).toBe(false);
    disposeTrainer(lean);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('generator batch norm: batch statistics while training (running averages move by 0.1), running averages when sampling', () => {
    const g = generatorNet({
      arch: 'mlp',
      inputDim: 3,
      outputShape: [2],
      hidden: [4],
      seed: 1,
      batchNorm: true,
    });
    const rng = createRng(2);
    const x = rng.normal([5, 3]) as tf.Tensor2D;
    const fc0 = g.named.find((n) => n.name === 'fc0/W')?.variable as tf.Variable;
    const b0 = g.named.find((n) => n.name === 'fc0/b')?.variable as tf.Variable;
    const pre = tf.add(tf.matMul(x, fc0 as tf.Tensor2D), b0);
    const { mean, variance } = tf.moments(pre, 0);
    const y1 = g.net(x);
    const mm = g.named.find((n) => n.name === 'bn0/movingMean')?.variable as tf.Variable;
    const mv = g.named.find((n) => n.name === 'bn0/movingVariance')?.variable as tf.Variable;
    const em = Array.from(mean.dataSync()).map((v) => 0.1 * v);
    const ev = Array.from(variance.dataSync()).map((v) => 0.9 + 0.1 * v);
    for (const [i, v] of Array.from(mm.dataSync()).entries()) expect(v).toBeCloseTo(em[i], 6);
    for (const [i, v] of Array.from(mv.dataSync()).entries()) expect(v).toBeCloseTo(ev[i], 6);
    // training mode: a row's output depends on the rest of the batch
    const y2 = g.net(tf.slice(x, [0, 0], [3, 3]) as tf.Tensor2D);
    expect(Math.abs(y1.arraySync()[0][0] - y2.arraySync()[0][0])).toBeGreaterThan(1e-4);
    // sampling mode: it does not, and the running averages stay put
    g.setTraining(false);
    const before = Array.from(mm.dataSync());
    const z1 = g.net(x).arraySync();
    const z2 = g.net(tf.slice(x, [0, 0], [3, 3]) as tf.Tensor2D).arraySync();
    expect(z2[0][0]).toBeCloseTo(z1[0][0], 6);
    expect(Array.from(mm.dataSync())).toEqual(before);
    tf.dispose([x, pre, mean, variance, y1, y2]);
    g.dispose();
  });

  it('γ in (16): Δθ(γ) − Δθ(1) = (1 − γ)·(Δθ(0) − Δθ(1)), and Δθ(1) = −ε∇Ê_obs[E] by autodiff', () => {
    const data = constantData(0.3);
    const xs = tf.tensor2d(data.images.slice(0, 6 * 16), [6, 16]);
    const labels = tf.tensor1d(data.labels.slice(0, 6), 'int32');
    // θ's optimizer is built with step size energyLearningRate (the paper's lrE); amortizedMleStep
    // never changes it
    const eps = defaultConfig({ preset: 'paper' }).lrE;
    const deltas = [0.7, 0, 1].map((gamma) => {
      const s = createTrainer(
        tinyConfig({ preset: 'paper', arch: 'lean', gamma }),
        data.imageShape,
      );
      const opts: AmortizedMleOptions = {
        ...mleOptions(s),
        energyOptimizer: tf.train.sgd(eps),
        balance: { speedUp: false, freezeGap: false },
      };
      expect(mleOptions(s).gamma).toBe(gamma);
      const th0 = values(s.energy.trainableVariables);
      amortizedMleStep({ iteration: 0, seed: 9 }, { data: xs, labels }, opts);
      const th1 = values(s.energy.trainableVariables);
      let grad: number[][] = [];
      if (gamma === 1) {
        // independent: a fresh copy of θ0, autodiff of mean E(x_obs) (labels → w = 1, eq. 15)
        const t = createTrainer(
          tinyConfig({ preset: 'paper', arch: 'lean', gamma }),
          data.imageShape,
        );
        const g = tf.variableGrads(
          () => tf.mean(t.energy.energy(xs, labels)) as tf.Scalar,
          t.energy.trainableVariables,
        );
        grad = t.energy.trainableVariables.map((v) => Array.from(g.grads[v.name].dataSync()));
        tf.dispose([g.value, ...Object.values(g.grads)]);
        disposeTrainer(t);
      }
      disposeTrainer(s);
      (opts.energyOptimizer as tf.Optimizer).dispose();
      return { d: th1.map((v, i) => v.map((x, j) => x - th0[i][j])), grad };
    });
    const [d07, d0, d1] = deltas;
    let num = 0;
    let den = 0;
    let maxErr = 0;
    d1.d.forEach((v, i) => {
      v.forEach((x, j) => {
        const a = d07.d[i][j] - x;
        const b = d0.d[i][j] - x;
        num += a * b;
        den += b * b;
        maxErr = Math.max(maxErr, Math.abs(x + eps * d1.grad[i][j]));
      });
    });
    expect(den).toBeGreaterThan(1e-12);
    expect(num / den).toBeCloseTo(0.3, 3);
    expect(maxErr).toBeLessThan(1e-8);
    tf.dispose([xs, labels]);
  });

  it('speed-up rule: θ learns at lrEFast while E(data) > E(samples), at lrE otherwise (and never freezes then)', () => {
    for (const speedUp of [true, false]) {
      const s = createTrainer(tinyConfig({ preset: 'paper', arch: 'lean', speedUp }), [4, 4, 1]);
      const info = trainIteration(s, constantData(1)); // all-white data: far above the samples' energy
      expect(info.energyData).toBeGreaterThan(info.energySamples + 0.5);
      expect(info.thetaUpdated).toBe(true);
      expect(info.lrE).toBe(speedUp ? 5e-4 : 1e-4);
      disposeTrainer(s);
    }
  });

  it('learning-rate decay: 1 through start, linear to final at end; every optimizer of every objective follows it', () => {
    const d = { start: 2, end: 6, final: 0.2 };
    const f = (t: number) => lrScale(d, t);
    expect([1, 2, 3, 4, 5, 6, 9].map(f).map((v) => Number(v.toFixed(12)))).toEqual([
      1, 1, 0.8, 0.6, 0.4, 0.2, 0.2,
    ]);
    expect(lrScale(null, 10_000)).toBe(1);
    // constant rates in both presets (a decay made the lean tuning run worse: README)
    expect(defaultConfig().lrDecay).toBeNull();
    expect(defaultConfig({ preset: 'paper' }).lrDecay).toBeNull();
    // Independent route: one iteration at decay factor 0.5 (t = 1 ≥ end) moves every
    // network exactly as one iteration with every learning rate halved and no decay.
    const rng = createRng(11);
    const images = Float32Array.from({ length: 8 * 16 }, () => rng.float());
    const data: TrainData = {
      images,
      labels: Int32Array.from({ length: 8 }, (_, i) => i % 2),
      size: 8,
      imageShape: [4, 4, 1],
    };
    const before = tf.memory().numTensors;
    for (const objective of ['steingan', 'dcgan', 'kl-sge'] as const) {
      const base = tinyConfig({ objective });
      const decayed = createTrainer(
        { ...base, lrDecay: { start: 0, end: 1, final: 0.5 } },
        [4, 4, 1],
      );
      const halved = createTrainer(
        {
          ...base,
          lrDecay: null,
          lrG: base.lrG / 2,
          lrE: base.lrE / 2,
          lrEFast: base.lrEFast / 2,
          lrD: base.lrD / 2,
        },
        [4, 4, 1],
      );
      const full = createTrainer({ ...base, lrDecay: null }, [4, 4, 1]);
      const a = trainIteration(decayed, data);
      const b = trainIteration(halved, data);
      trainIteration(full, data);
      expect(a.lrScale, objective).toBe(0.5);
      expect(b.lrScale, objective).toBeUndefined();
      expect(a.lrE, objective).toBe(b.lrE);
      const vars = (s: ReturnType<typeof createTrainer>) => [
        ...values(s.sampler.trainableVariables),
        ...values(s.energy.trainableVariables),
      ];
      const va = vars(decayed);
      const vb = vars(halved);
      const vf = vars(full);
      let moved = 0;
      for (const [i, x] of va.entries()) {
        for (const [j, v] of x.entries()) {
          expect(Math.abs(v - vb[i][j]), `${objective} var ${i}`).toBeLessThan(1e-7);
          moved = Math.max(moved, Math.abs(v - vf[i][j]));
        }
      }
      expect(moved, `${objective}: the decay changed the step`).toBeGreaterThan(1e-5);
      for (const s of [decayed, halved, full]) disposeTrainer(s);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(() => createTrainer(tinyConfig({ lrDecay: { start: 5, end: 5, final: 0.1 } }))).toThrow(
      /config.lrDecay.end: expected an integer > start \(5\), got 5/,
    );
    expect(() => createTrainer(tinyConfig({ lrDecay: { start: 0, end: 5, final: 0 } }))).toThrow(
      /config.lrDecay.final: expected a number in \(0, 1\], got 0/,
    );
  });

  it("CLI: --lr-decay and the preset's iterations", () => {
    expect(parseArgs(argv('--no-metrics')).iterations).toBe(5000);
    expect(parseArgs(argv('--preset', 'paper', '--no-metrics')).iterations).toBe(3000);
    expect(parseArgs(argv('--iterations', '700', '--no-metrics')).iterations).toBe(700);
    expect(parseArgs(argv('--lr-decay', '10,20,0.5', '--no-metrics')).config?.lrDecay).toEqual({
      start: 10,
      end: 20,
      final: 0.5,
    });
    expect(parseArgs(argv('--lr-decay', 'none', '--no-metrics')).config?.lrDecay).toBeNull();
    for (const bad of ['20,10,0.5', '1,2', '1,2,0', '1,2,1.5', 'x']) {
      const prog = buildProgram()
        .exitOverride()
        .configureOutput({ writeErr: () => {} });
      expect(() => parseArgs(argv('--lr-decay', bad), prog), bad).toThrow(
        /--lr-decay must be 'none' or start,end,final/,
      );
    }
  });

  it('freeze rule: θ is skipped when E(samples) > E(data) + 0.5; two-sided also when E(data) > E(samples) + 0.5', () => {
    const run = (freeze: boolean, twoSided: boolean, dataValue: number, saturate: boolean) => {
      const s = createTrainer(
        tinyConfig({ preset: 'paper', arch: 'lean', freeze, freezeTwoSided: twoSided }),
        [4, 4, 1],
      );
      if (saturate) {
        // generator output ≈ 1 everywhere: its samples get a high energy
        const b = s.net.named.find((n) => n.name === 'fc1/b')?.variable as tf.Variable;
        b.assign(tf.fill(b.shape, 8));
      }
      const th0 = values(s.energy.trainableVariables);
      const info = trainIteration(s, constantData(dataValue));
      const moved = values(s.energy.trainableVariables).some((v, i) =>
        v.some((x, j) => x !== th0[i][j]),
      );
      disposeTrainer(s);
      return { info, moved };
    };
    const ahead = run(true, false, 0.5, true);
    expect(ahead.info.energySamples).toBeGreaterThan(ahead.info.energyData + 0.5);
    expect(ahead.info.thetaUpdated).toBe(false);
    expect(ahead.info.lrE).toBe(0);
    expect(ahead.moved).toBe(false);
    const off = run(false, false, 0.5, true);
    expect(off.info.thetaUpdated).toBe(true);
    expect(off.moved).toBe(true);
    // data energy ≫ sample energy: the one-sided rule (paper preset) updates, the literal two-sided one freezes
    expect(run(true, false, 1, false).info.thetaUpdated).toBe(true);
    expect(run(true, true, 1, false).info.thetaUpdated).toBe(false);
  });

  it('exact feature-kernel repulsion (paper) equals an independent autodiff loop Σ_j ∇_{x_j} κ(E(x_j), E(x_i)), h = 0.5·median', () => {
    const s = createTrainer(
      tinyConfig({ preset: 'paper', arch: 'lean', energyHidden: [10], codeDim: 3 }),
      [4, 4, 1],
    );
    const o = mleOptions(s);
    expect(o.repulsion).toBe('exact');
    const rng = createRng(11);
    const n = 6;
    const x = rng.uniform([n, 16]) as tf.Tensor2D;
    const enc = (z: tf.Tensor2D) => s.energy.encode(z);
    const zero = tf.zerosLike(x) as tf.Tensor2D;
    const dir = featureSteinDirection(x, zero, {
      features: enc,
      kernel: o.kernel,
      repulsion: o.repulsion,
    });
    const approx = featureSteinDirection(x, zero, {
      features: enc,
      kernel: o.kernel,
      repulsion: 'approximate',
    });
    // h from the codes in float64: 0.5 · median of the n(n − 1)/2 pairwise distances
    const codes = enc(x).arraySync();
    const dists: number[] = [];
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++)
        dists.push(Math.hypot(...codes[i].map((c, k) => c - codes[j][k])));
    dists.sort((a, b) => a - b);
    const med =
      dists.length % 2
        ? dists[(dists.length - 1) / 2]
        : (dists[dists.length / 2 - 1] + dists[dists.length / 2]) / 2;
    const h = 0.5 * med;
    expect(dir.kernelName).toContain(`h=${h.toFixed(4).slice(0, 5)}`);
    const ref: number[][] = [];
    for (let i = 0; i < n; i++) {
      const ci = tf.tensor2d([codes[i]]);
      const g = tf.grad((z: tf.Tensor) => {
        const d2 = tf.sum(tf.square(tf.sub(s.energy.encode(z as tf.Tensor2D), ci)), 1);
        return tf.sum(tf.exp(tf.div(tf.neg(d2), h * h)));
      })(x);
      ref.push(Array.from(tf.sum(g, 0).dataSync()).map((v) => v / n));
      tf.dispose([ci, g]);
    }
    const got = dir.repulsion.arraySync();
    const app = approx.repulsion.arraySync();
    let err = 0;
    let scale = 0;
    let gap = 0;
    ref.forEach((r, i) => {
      r.forEach((v, k) => {
        err = Math.max(err, Math.abs(got[i][k] - v));
        scale = Math.max(scale, Math.abs(v));
        gap = Math.max(gap, Math.abs(app[i][k] - v));
      });
    });
    expect(scale).toBeGreaterThan(1e-3);
    expect(err).toBeLessThan(1e-5 * Math.max(1, scale) + 1e-6);
    expect(gap).toBeGreaterThan(100 * err); // the approximation differs: the test can tell them apart
    tf.dispose([
      x,
      zero,
      dir.direction,
      dir.drive,
      dir.repulsion,
      approx.direction,
      approx.drive,
      approx.repulsion,
    ]);
    disposeTrainer(s);
  });
});
