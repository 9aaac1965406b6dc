import { neuralSampler } from '@steinkit/amortizers';
import { createRng, fromTfOptimizer, identityOptimizer } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  createTrainer,
  defaultConfig,
  discriminatorLogit,
  discriminatorVariables,
  disposeTrainer,
  generateImages,
  generatorGanLoss,
  klGeneratorDispose,
  klGeneratorInit,
  klGeneratorStep,
  type Objective,
  type TrainData,
  trainIteration,
} from '../src/index';
import { runKlMixture } from '../src/mixture';

/** Two classes of 4×4 images: class 0 bright on top, class 1 bright below (± 0.05 noise). */
function twoClassData(size: number, seed: number): TrainData {
  const rng = createRng(seed);
  const noise = rng.uniform([size * 16], -0.05, 0.05);
  const u = noise.dataSync();
  noise.dispose();
  const images = new Float32Array(size * 16);
  const labels = new Int32Array(size);
  for (let r = 0; r < size; r++) {
    labels[r] = r % 2;
    for (let p = 0; p < 16; p++) {
      const top = p < 8;
      images[r * 16 + p] = (top === (labels[r] === 0) ? 0.85 : 0.15) + u[r * 16 + p];
    }
  }
  return { images, labels, size, imageShape: [4, 4, 1] };
}

/** Mean |class mean of samples − class mean of data| over pixels and classes, and nearest-class-mean accuracy. */
function quality(s: ReturnType<typeof createTrainer>): { dist: number; acc: number } {
  const labels = Int32Array.from({ length: 40 }, (_, i) => i % 2);
  const x = generateImages(s, labels, 77);
  const v = x.arraySync();
  x.dispose();
  const target = [0, 1].map((c) =>
    Array.from({ length: 16 }, (_, p) => (p < 8 === (c === 0) ? 0.85 : 0.15)),
  );
  let dist = 0;
  let correct = 0;
  for (const c of [0, 1]) {
    const rows = v.filter((_, i) => labels[i] === c);
    const mean = target[c].map((_, p) => rows.reduce((a, r) => a + r[p], 0) / rows.length);
    dist += mean.reduce((a, m, p) => a + Math.abs(m - target[c][p]), 0) / 16 / 2;
  }
  v.forEach((r, i) => {
    const d = target.map((t) => t.reduce((a, tp, p) => a + (r[p] - tp) ** 2, 0));
    if ((d[0] < d[1] ? 0 : 1) === labels[i]) correct++;
  });
  return { dist, acc: correct / v.length };
}

describe('GAN baselines', () => {
  it('mle-gan minimizes −log Ê[exp(a)]: its gradient is the raw E[−exp(a)] gradient / Ê[exp(a)]; dcgan: −σ(−a)/n', () => {
    const a = tf.tensor1d([0.3, -1.2, 2.5, 0.1, -0.4]);
    const g = tf
      .grad((z: tf.Tensor) => generatorGanLoss('mle-gan', z as tf.Tensor1D))(a)
      .arraySync() as number[];
    const raw = tf
      .grad((z: tf.Tensor) => tf.mean(tf.neg(tf.exp(z))))(a)
      .arraySync() as number[];
    const ea = (a.arraySync() as number[]).map(Math.exp);
    const meanExp = ea.reduce((s, v) => s + v, 0) / ea.length;
    g.forEach((v, i) => {
      expect(v).toBeCloseTo(raw[i] / meanExp, 6);
    });
    const gd = tf
      .grad((z: tf.Tensor) => generatorGanLoss('dcgan', z as tf.Tensor1D))(a)
      .arraySync() as number[];
    (a.arraySync() as number[]).forEach((v, i) => {
      expect(gd[i]).toBeCloseTo(-1 / (1 + Math.exp(v)) / 5, 6);
    });
    // large logits stay finite (where the raw cost overflows float32)
    const big = tf.tensor1d([200, 100, -50]);
    expect(Number.isFinite(generatorGanLoss('mle-gan', big).dataSync()[0])).toBe(true);
    tf.dispose([a, big]);
  });

  it('the discriminator is the energy net’s encoder + linear head (no decoder); a(x, y) = logits(x)[y]', () => {
    const s = createTrainer(
      defaultConfig({
        objective: 'dcgan',
        batch: 4,
        genHidden: [8],
        energyHidden: [8],
        codeDim: 3,
        numClasses: 2,
        noiseDim: 3,
      }),
      [4, 4, 1],
    );
    const names = s.energy.save().weights.map((w) => w.name);
    const used = new Set(discriminatorVariables(s.energy));
    const kept = names.filter((_, i) => used.has(s.energy.trainableVariables[i]));
    expect(kept).toEqual(['enc0/W', 'enc0/b', 'code/W', 'code/b', 'classifier/W', 'classifier/b']);
    const x = tf.randomUniform([3, 16], 0, 1, 'float32', 5) as tf.Tensor2D;
    const y = tf.tensor1d([1, 0, 1], 'int32');
    const a = discriminatorLogit(s.energy, x, y).arraySync();
    const l = s.energy.logits(x).arraySync();
    expect(a).toEqual([l[0][1], l[1][0], l[2][1]]);
    tf.dispose([x, y]);
    disposeTrainer(s);
  });

  it.each([
    ['dcgan', 150],
    ['mle-gan', 150],
    ['steingan', 100],
    ['kl-sge', 150],
  ] as [Objective, number][])(
    '%s learns a two-class 4×4 problem in %i iterations (class means within 0.15, ≥ 90 %% nearest-mean accuracy; at start ≈ 0.35)',
    (objective, iterations) => {
      const data = twoClassData(64, 1);
      const s = createTrainer(
        defaultConfig({
          objective,
          batch: 16,
          noiseDim: 4,
          numClasses: 2,
          genHidden: [16],
          energyHidden: [16],
          codeDim: 4,
          seed: 2,
          lrG: 5e-3,
          lrD: 2e-3,
          lrE: 1e-3,
          lrEFast: 3e-3,
        }),
        data.imageShape,
      );
      const q0 = quality(s);
      expect(q0.dist).toBeGreaterThan(0.25);
      for (let t = 0; t < iterations; t++) trainIteration(s, data);
      const q = quality(s);
      disposeTrainer(s);
      expect(q.dist).toBeLessThan(0.15);
      expect(q.acc).toBeGreaterThanOrEqual(0.9);
    },
  );
});

describe('KL[p_θ ‖ p_data] with estimated scores', () => {
  // Generator x = μ + σ ⊙ ε (diagonal), target N(m, S) with a full S; ε whitened
  // (mean 0, covariance I exactly), so the surrogate's gradient with exact scores
  // equals the closed-form ∇KL: ∇_μ = S⁻¹(μ − m), ∂/∂σ_k = (S⁻¹)_kk σ_k − 1/σ_k.
  const m = [1, -0.5];
  const S = [
    [1.5, 0.4],
    [0.4, 0.8],
  ];
  const det = S[0][0] * S[1][1] - S[0][1] * S[1][0];
  const Si = [
    [S[1][1] / det, -S[0][1] / det],
    [-S[1][0] / det, S[0][0] / det],
  ];
  const mu0 = [0.2, 0.3];
  const sig0 = [0.7, 1.3];
  const closed = [
    Si[0][0] * (mu0[0] - m[0]) + Si[0][1] * (mu0[1] - m[1]),
    Si[1][0] * (mu0[0] - m[0]) + Si[1][1] * (mu0[1] - m[1]),
    Si[0][0] * sig0[0] - 1 / sig0[0],
    Si[1][1] * sig0[1] - 1 / sig0[1],
  ];

  /** ε `[n, 2]` with sample mean 0 and sample covariance I (1/n) exactly. */
  function whitened(n: number, seed: number): tf.Tensor2D {
    const e = createRng(seed).normal([n, 2]).arraySync() as number[][];
    const mean = [0, 1].map((k) => e.reduce((a, r) => a + r[k], 0) / n);
    const c = e.map((r) => [r[0] - mean[0], r[1] - mean[1]]);
    const C = [0, 1].map((a) => [0, 1].map((b) => c.reduce((s, r) => s + r[a] * r[b], 0) / n));
    // C^{-1/2} via the Cholesky factor: L Lᵀ = C, ε ← L⁻¹ c
    const l11 = Math.sqrt(C[0][0]);
    const l21 = C[1][0] / l11;
    const l22 = Math.sqrt(C[1][1] - l21 * l21);
    return tf.tensor2d(c.map(([a, b]) => [a / l11, (b - (l21 * a) / l11) / l22]));
  }

  function gradientOf(
    n: number,
    gap: 'exact' | 'sge' | 'ssge',
    seed = 3,
    form: 'deprecated' | 'stepper' = 'deprecated',
  ): number[] {
    const mu = tf.variable(tf.tensor1d(mu0));
    const sig = tf.variable(tf.tensor1d(sig0));
    const sampler = neuralSampler({
      net: (e) => tf.add(mu, tf.mul(sig, e)),
      variables: [mu, sig],
      noiseDim: 2,
      noise: 'normal',
      outputShape: [2],
    });
    const eps = whitened(n, seed);
    const L = [
      [Math.sqrt(S[0][0]), 0],
      [S[1][0] / Math.sqrt(S[0][0]), Math.sqrt(S[1][1] - S[1][0] ** 2 / S[0][0])],
    ];
    const z = createRng(seed + 1)
      .normal([n, 2])
      .arraySync() as number[][];
    const data = tf.tensor2d(
      z.map(([a, b]) => [m[0] + L[0][0] * a, m[1] + L[1][0] * a + L[1][1] * b]),
    );
    const SiT = tf.tensor2d(Si);
    const mT = tf.tensor1d(m);
    const opt = tf.train.sgd(1);
    const before = tf.memory().numTensors;
    const exact = (x: tf.Tensor2D) =>
      tf.tidy(() => {
        // ∇log p_θ(x) = −(x − μ)/σ², ∇log p(x) = −S⁻¹(x − m)
        const sq = tf.neg(tf.div(tf.sub(x, mu), tf.square(sig)));
        const sp = tf.neg(tf.matMul(tf.sub(x, mT), SiT));
        return tf.sub(sq, sp) as tf.Tensor2D;
      });
    const scoreOpts = gap === 'exact' ? { scoreGap: exact } : { estimator: gap };
    if (form === 'deprecated') {
      klGeneratorStep({ sampler, noise: eps, data, optimizer: opt, ...scoreOpts });
    } else {
      // identityOptimizer: θ ← θ + (−∇), the same step as sgd(1)
      const r = klGeneratorStep(
        klGeneratorInit(),
        { noise: eps, data },
        { sampler, optimizer: identityOptimizer(), ...scoreOpts },
      );
      expect(r.state).toEqual({ iteration: 1, optimizerStates: [null, null] });
      expect(r.info.iteration).toBe(1);
    }
    expect(tf.memory().numTensors).toBe(before);
    // SGD with rate 1: the step is −gradient
    const g = [
      ...Array.from(mu.dataSync()).map((v, i) => mu0[i] - v),
      ...Array.from(sig.dataSync()).map((v, i) => sig0[i] - v),
    ];
    tf.dispose([mu, sig, eps, data, SiT, mT]);
    opt.dispose();
    return g;
  }

  it.each(['deprecated', 'stepper'] as const)(
    'with exact scores the step is the closed-form ∇KL[N(μ, diag σ²) ‖ N(m, S)] (float32 tolerance; %s form)',
    (form) => {
      const g = gradientOf(64, 'exact', 3, form);
      g.forEach((v, i) => {
        expect(v).toBeCloseTo(closed[i], 5);
      });
    },
  );

  it('the stepper keeps a SteinOptimizer’s states: fromTfOptimizer(Adam) follows a tf Adam step for step; klGeneratorDispose frees them', () => {
    const make = () => {
      const mu = tf.variable(tf.tensor1d(mu0));
      const sig = tf.variable(tf.tensor1d(sig0));
      const sampler = neuralSampler({
        net: (e) => tf.add(mu, tf.mul(sig, e)),
        variables: [mu, sig],
        noiseDim: 2,
        noise: 'normal',
        outputShape: [2],
      });
      return { sampler, vars: [mu, sig] };
    };
    const a = make();
    const b = make();
    const data = tf.tensor2d(createRng(8).normal([32, 2]).arraySync() as number[][]);
    const before = tf.memory().numTensors;
    const adamA = tf.train.adam(0.05);
    const adamB = tf.train.adam(0.05);
    const optimizer = fromTfOptimizer(adamB);
    let sa = klGeneratorInit();
    let sb = klGeneratorInit();
    for (let t = 0; t < 4; t++) {
      const noise = a.sampler.noise(32, 100 + t);
      sa = klGeneratorStep(sa, { noise, data }, { sampler: a.sampler, optimizer: adamA }).state;
      const r = klGeneratorStep(sb, { noise, data }, { sampler: b.sampler, optimizer });
      expect(r.state.optimizerStates).toHaveLength(2);
      expect(r.info.scoreGap).toBeGreaterThan(0);
      sb = r.state;
      noise.dispose();
    }
    expect(sa).toEqual({ iteration: 4 }); // a tf.Optimizer keeps its own slots
    // dropping the states (re-created every step) restarts Adam: the weights would part
    let diff = 0;
    a.vars.forEach((v, i) => {
      const y = b.vars[i].dataSync();
      v.dataSync().forEach((x, k) => {
        diff = Math.max(diff, Math.abs(x - y[k]));
      });
    });
    expect(diff).toBeLessThan(1e-6);
    expect(Math.abs(a.vars[0].dataSync()[0] - mu0[0])).toBeGreaterThan(0.05); // ≈ 4 Adam steps of 0.05 (mu0[0] = 0.2 → ≈ 0.1)
    klGeneratorDispose(sb, { optimizer });
    adamA.dispose();
    adamB.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() =>
      klGeneratorStep({
        sampler: a.sampler,
        noise: data,
        data,
        optimizer: identityOptimizer() as never,
      }),
    ).toThrow(/optimizer: a SteinOptimizer/);
    expect(() =>
      klGeneratorStep(
        klGeneratorInit(),
        { noise: data, data },
        {
          sampler: a.sampler,
          optimizer: 'adam' as never,
        },
      ),
    ).toThrow(/optimizer: expected a SteinOptimizer/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...a.vars, ...b.vars, data]);
  });

  it.each([
    ['sge', 400, 0.97],
    ['ssge', 150, 0.97],
  ] as const)(
    'with %s-estimated scores (n = %i) it points along the closed form (cosine > %d, norm within 25 %%)',
    (est, n, cos) => {
      const g = gradientOf(n, est);
      const dot = g.reduce((a, v, i) => a + v * closed[i], 0);
      const ng = Math.hypot(...g);
      const nc = Math.hypot(...closed);
      expect(dot / (ng * nc)).toBeGreaterThan(cos);
      expect(Math.abs(ng / nc - 1)).toBeLessThan(0.25);
    },
  );

  it('2-D mixture demo: kl-sge lowers MMD² to exact samples', () => {
    const r = runKlMixture({
      methods: ['kl-sge'],
      seeds: [1],
      iterations: 80,
      evalEvery: 80,
      evalSamples: 200,
      batch: 100,
      lr: 1e-2,
    });
    const [c] = r.curves;
    expect(c.iterations).toEqual([0, 80]);
    expect(c.mmd2[1]).toBeLessThan(0.5 * c.mmd2[0]);
    expect(r.floor[0]).toBeLessThan(c.mmd2[1] + 0.05);
  });
});
