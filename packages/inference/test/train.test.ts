import { foldIn } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  bernoulliModel,
  disposeInfo,
  type Encoder,
  gaussianEncoder,
  type InferenceObjective,
  type InferenceState,
  type IwCriticObjective,
  implicitEncoder,
  inferenceCheckpoint,
  inferenceDispose,
  inferenceInit,
  inferenceRestore,
  inferenceStep,
  logWeightCritic,
  stopGradient,
  trainInference,
} from '../src/index';

const D = 12;
const d = 3;
const data = (seed: number, n = 8) =>
  tf.tidy(() =>
    tf.cast(tf.greater(tf.randomUniform([n, D], 0, 1, 'float32', seed), 0.5), 'float32'),
  ) as tf.Tensor2D;

function setup(kind: 'diagonal' | 'full' | 'implicit', seed = 1) {
  const encoder: Encoder =
    kind === 'implicit'
      ? implicitEncoder({ inputDim: D, latentDim: d, noiseDim: 4, hidden: [8], seed })
      : gaussianEncoder({ inputDim: D, latentDim: d, hidden: [8], covariance: kind, seed });
  const model = bernoulliModel({ dataDim: D, latentDim: d, hidden: [8], seed: seed + 10 });
  const critic = logWeightCritic({ inputDim: D, hidden: [6], seed: seed + 20 });
  return {
    encoder,
    model,
    critic,
    dispose: () => {
      for (const m of [encoder, model, critic]) m.dispose();
    },
  };
}

const objectives = (
  critic: ReturnType<typeof logWeightCritic>,
): [string, 'diagonal' | 'full' | 'implicit', InferenceObjective][] => [
  ['elbo', 'diagonal', { kind: 'elbo' }],
  ['iwae k=4 (full covariance)', 'full', { kind: 'iwae', k: 4 }],
  // cold start, so that the critic's loss has to fall (the warm start is tested below)
  ['iwCritic', 'diagonal', { kind: 'iwCritic', critic, criticWarmStart: false }],
  ['entropy SGE (implicit)', 'implicit', { kind: 'entropy', estimator: 'sge', samples: 6 }],
  ['entropy SSGE (implicit)', 'implicit', { kind: 'entropy', estimator: 'ssge', samples: 6 }],
  ['svgd (implicit)', 'implicit', { kind: 'svgd', particles: 6 }],
];

describe('inferenceStep / trainInference', () => {
  it('every objective: finite bound, improves on a fixed batch, no tensor leaks across an epoch', async () => {
    const x = data(1);
    for (const kind of ['diagonal', 'full', 'implicit'] as const) {
      const net = setup(kind);
      for (const [name, k, objective] of objectives(net.critic)) {
        if (k !== kind) continue;
        const before = tf.memory().numTensors;
        const bounds: number[] = [];
        const criticLoss: number[] = [];
        const state = await trainInference({
          encoder: net.encoder,
          model: net.model,
          objective,
          learningRate: 0.01,
          criticLearningRate: 0.1,
          seed: 3,
          batches: Array.from({ length: 40 }, () => x),
          onStep: (info) => {
            bounds.push(info.bound.dataSync()[0]);
            if (info.criticLoss) criticLoss.push(info.criticLoss.dataSync()[0]);
          },
        });
        inferenceDispose(state);
        expect(tf.memory().numTensors, name).toBe(before);
        expect(bounds.every(Number.isFinite), name).toBe(true);
        const avg = (v: number[]) => v.reduce((a, b) => a + b) / v.length;
        if (objective.kind === 'iwCritic') {
          // In expectation the critic update moves the encoder by e^{−C}∇_φ p(x) = 0 (only θ
          // gets signal), so the single-sample ELBO need not rise; the critic must track log w.
          expect(avg(criticLoss.slice(-5)), name).toBeLessThan(avg(criticLoss.slice(0, 5)) / 1.5);
        } else {
          expect(avg(bounds.slice(-5)), name).toBeGreaterThan(avg(bounds.slice(0, 5)) + 0.5);
        }
      }
      net.dispose();
    }
    x.dispose();
  });

  it('bad input gets clear errors: wrong image shape, k < 1, NaN in data, wrong encoder for the objective', () => {
    const net = setup('diagonal');
    const impl = setup('implicit');
    const state = inferenceInit({ seed: 1 });
    const x = data(2);
    const opts = { encoder: net.encoder, model: net.model, objective: { kind: 'elbo' } as const };
    const before = tf.memory().numTensors;
    const img = tf.zeros([8, 4, 3]) as unknown as tf.Tensor2D;
    expect(() => inferenceStep(state, { x: img }, opts)).toThrow(/x: expected shape \[B, 12\]/);
    expect(() => inferenceStep(state, { x: tf.zeros([8, 13]) as tf.Tensor2D }, opts)).toThrow(
      RangeError,
    );
    expect(() =>
      inferenceStep(state, { x }, { ...opts, objective: { kind: 'iwae', k: 0 } }),
    ).toThrow(/objective\.k: expected an integer in \[1,/);
    expect(() =>
      inferenceStep(state, { x }, { ...opts, objective: { kind: 'iwae', k: 2.5 } }),
    ).toThrow(RangeError);
    const bad = tf.tidy(() =>
      tf.concat([tf.slice(x, [0, 0], [7, -1]), tf.fill([1, D], Number.NaN)]),
    ) as tf.Tensor2D;
    expect(() => inferenceStep(state, { x: bad }, opts)).toThrow(
      /x: expected finite values, found NaN/,
    );
    expect(() =>
      inferenceStep(
        state,
        { x },
        { encoder: impl.encoder, model: impl.model, objective: { kind: 'iwae', k: 3 } },
      ),
    ).toThrow(/objective 'iwae' needs log q\(z\|x\)/);
    expect(() =>
      inferenceStep(state, { x }, { ...opts, objective: { kind: 'nope' } as never }),
    ).toThrow(/objective\.kind: expected 'elbo', 'iwae'/);
    expect(() =>
      inferenceStep(state, { x }, { ...opts, objective: { kind: 'iwCritic', critic: net.critic } }),
    ).toThrow(/inferenceInit\(\{ critic: true \}\)/);
    expect(() => inferenceInit({ learningRate: -1 })).toThrow(/learningRate/);
    tf.dispose([bad]);
    expect(tf.memory().numTensors).toBe(before + 2); // img and the [8, 13] zeros
    tf.dispose(img);
    inferenceDispose(state);
    net.dispose();
    impl.dispose();
    x.dispose();
  });

  for (const [name, kind] of [
    ['iwae', 'full'],
    ['iwCritic', 'diagonal'],
  ] as const) {
    it(`resume is exact (${name}): 3 steps + checkpoint (JSON) + restore into fresh networks + 3 steps = 6 steps`, async () => {
      const xs = [data(3), data(4), data(5), data(6), data(7), data(8)];
      const objective = (c: ReturnType<typeof logWeightCritic>): InferenceObjective =>
        name === 'iwae' ? { kind: 'iwae', k: 3 } : { kind: 'iwCritic', critic: c };
      const a = setup(kind, 1);
      let sa = inferenceInit({ seed: 9, critic: name === 'iwCritic', learningRate: 0.01 });
      for (const x of xs) {
        const r = inferenceStep(sa, { x }, { ...a, objective: objective(a.critic) });
        sa = r.state;
        disposeInfo(r.info);
      }
      const b = setup(kind, 1);
      let sb = inferenceInit({ seed: 9, critic: name === 'iwCritic', learningRate: 0.01 });
      for (const x of xs.slice(0, 3)) {
        const r = inferenceStep(sb, { x }, { ...b, objective: objective(b.critic) });
        sb = r.state;
        disposeInfo(r.info);
      }
      const ckpt = JSON.parse(JSON.stringify(await inferenceCheckpoint(sb, b)));
      inferenceDispose(sb);
      b.dispose();
      const beforeRestore = tf.memory().numTensors;
      const c = setup(kind, 77); // different initial weights: everything must come from the checkpoint
      let sc = await inferenceRestore(ckpt, c);
      expect(sc.iteration).toBe(3);
      for (const x of xs.slice(3)) {
        const r = inferenceStep(sc, { x }, { ...c, objective: objective(c.critic) });
        sc = r.state;
        disposeInfo(r.info);
      }
      const all = (n: typeof a) => [
        ...n.encoder.getWeights(),
        ...n.model.getWeights(),
        ...(name === 'iwCritic' ? n.critic.getWeights() : []),
      ];
      const wa = all(a);
      const wc = all(c);
      let maxDiff = 0;
      wa.forEach((w, i) => {
        w.values.forEach((v, j) => {
          maxDiff = Math.max(maxDiff, Math.abs(v - wc[i].values[j]));
        });
      });
      expect(maxDiff).toBe(0);
      // and training did move the weights (the comparison is not vacuous)
      const fresh = setup(kind, 1);
      const w0 = fresh.encoder.getWeights();
      expect(w0.some((w, i) => w.values.some((v, j) => v !== wa[i].values[j]))).toBe(true);
      fresh.dispose();
      await expect(inferenceRestore({ ...ckpt, version: 2 }, c)).rejects.toThrow(/checkpoint/);
      inferenceDispose(sc);
      c.dispose();
      expect(tf.memory().numTensors).toBe(beforeRestore); // restore + 3 steps + dispose: no leaks
      inferenceDispose(sa);
      a.dispose();
      tf.dispose(xs);
    });
  }
});

describe('iwCritic: stabilizations and what moves which network', () => {
  const relErr = (a: number[], b: number[]) =>
    Math.sqrt(a.reduce((t, u, i) => t + (u - b[i]) ** 2, 0) / b.reduce((t, u) => t + u * u, 0));
  const flatVals = (vars: tf.Variable[]) => vars.flatMap((v) => Array.from(v.dataSync()));
  /** State with plain SGD at rate 1, so one step moves every variable by its gradient exactly. */
  const sgdState = (seed: number): InferenceState => ({
    iteration: 0,
    seed,
    learningRate: 1,
    optimizer: tf.train.sgd(1),
    criticOptimizer: tf.train.sgd(1e-9),
  });

  it("one step moves the decoder by the weighted gradient and the encoder by the ELBO's ('elbo') or the weighted one ('weighted')", () => {
    const x = data(11, 6);
    for (const encoderGradient of ['elbo', 'weighted'] as const) {
      const net = setup('diagonal', 5);
      const enc = net.encoder as ReturnType<typeof gaussianEncoder>;
      const encVars = enc.trainableVariables;
      const decVars = net.model.trainableVariables;
      // the independent route: the same draws, autodiff of the two objectives
      const want = tf.tidy(() => {
        const eps = enc.noise(6, 1, foldIn(4, 0));
        const c = net.critic.apply(x);
        const logw = () => {
          const { z, logq } = enc.sampleWithLogProb(x, eps);
          return tf.reshape(tf.sub(net.model.logJoint(x, z), logq), [6]);
        };
        const weighted = () => {
          const lw = logw();
          const om = stopGradient(tf.exp(tf.minimum(tf.sub(lw, c), 3)));
          return tf.mean(tf.mul(om, lw)) as tf.Scalar;
        };
        const gW = tf.variableGrads(weighted, [...encVars, ...decVars]).grads;
        const gE = tf.variableGrads(() => tf.mean(logw()) as tf.Scalar, encVars).grads;
        const pick = (g: tf.NamedTensorMap, vars: tf.Variable[]) =>
          vars.flatMap((v) => Array.from(g[v.name].dataSync()));
        return {
          enc: encoderGradient === 'elbo' ? pick(gE, encVars) : pick(gW, encVars),
          encOther: encoderGradient === 'elbo' ? pick(gW, encVars) : pick(gE, encVars),
          dec: pick(gW, decVars),
        };
      });
      const e0 = flatVals(encVars);
      const d0 = flatVals(decVars);
      const objective: IwCriticObjective = {
        kind: 'iwCritic',
        critic: net.critic,
        criticWarmStart: false,
        encoderGradient,
      };
      const state = sgdState(4);
      const r = inferenceStep(state, { x }, { ...net, objective });
      disposeInfo(r.info);
      const dEnc = flatVals(encVars).map((v, i) => v - e0[i]);
      const dDec = flatVals(decVars).map((v, i) => v - d0[i]);
      expect(relErr(dDec, want.dec), `${encoderGradient}: decoder`).toBeLessThan(1e-3);
      expect(relErr(dEnc, want.enc), `${encoderGradient}: encoder`).toBeLessThan(1e-3);
      // and the other rule is measurably different (the check is not vacuous)
      expect(relErr(dEnc, want.encOther), `${encoderGradient}: encoder vs other`).toBeGreaterThan(
        0.05,
      );
      inferenceDispose(state);
      net.dispose();
    }
    x.dispose();
  });

  it('warm start: after the first step the critic sits at the batch mean log w (without: near 0); more critic steps fit it closer', () => {
    const x = data(12, 8);
    const gap = (warm: boolean, criticSteps = 1) => {
      const net = setup('diagonal', 6);
      let state = inferenceInit({ seed: 3, critic: true, criticLearningRate: 0.01 });
      const objective: IwCriticObjective = {
        kind: 'iwCritic',
        critic: net.critic,
        criticWarmStart: warm,
        criticSteps,
      };
      const r = inferenceStep(state, { x }, { ...net, objective });
      state = r.state;
      const bound = r.info.bound.dataSync()[0];
      const loss = r.info.criticLoss?.dataSync()[0] ?? Number.NaN;
      disposeInfo(r.info);
      const meanC = tf.tidy(() => tf.mean(net.critic.apply(x)).dataSync()[0]);
      inferenceDispose(state);
      net.dispose();
      return { gap: Math.abs(meanC - bound), bound, loss };
    };
    const cold = gap(false);
    const warm = gap(true);
    expect(cold.bound).toBeLessThan(-5); // log w is far from the critic's initial ≈ 0
    expect(cold.gap).toBeGreaterThan(5);
    expect(warm.gap).toBeLessThan(0.1);
    // the critic's loss before its first update: only the spread of log w remains
    expect(warm.loss).toBeLessThan(cold.loss / 10);
    x.dispose();

    const noBias = setup('diagonal', 6);
    const custom = { ...noBias.critic, outputBias: undefined };
    const st = inferenceInit({ seed: 3, critic: true });
    const x2 = data(13, 4);
    expect(() =>
      inferenceStep(st, { x: x2 }, { ...noBias, objective: { kind: 'iwCritic', critic: custom } }),
    ).toThrow(/criticWarmStart needs the critic’s outputBias/);
    inferenceDispose(st);
    noBias.dispose();
    x2.dispose();
  });

  it('bad settings get clear errors', () => {
    const net = setup('diagonal', 7);
    const st = inferenceInit({ seed: 3, critic: true });
    const x = data(14, 4);
    const run = (o: Partial<IwCriticObjective>) => () =>
      inferenceStep(
        st,
        { x },
        { ...net, objective: { kind: 'iwCritic', critic: net.critic, ...o } },
      );
    expect(run({ normalize: 'softmax' as never })).toThrow(
      /objective\.normalize: expected 'none' or 'batch'/,
    );
    expect(run({ encoderGradient: 'score' as never })).toThrow(
      /objective\.encoderGradient: expected 'weighted' or 'elbo'/,
    );
    expect(run({ criticSteps: 0 })).toThrow(/objective\.criticSteps/);
    expect(run({ maxLogWeight: -1 })).toThrow(/objective\.maxLogWeight/);
    inferenceDispose(st);
    net.dispose();
    x.dispose();
  });
});
