import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  gaussianEncoder,
  iwaeSurrogate,
  iwCriticSurrogate,
  logMeanExpLast,
  logWeightCritic,
  stopGradient,
} from '../src/index';
import { entropyScores as perInputScores } from '../src/stein';
import { linearGaussianModel, randomizeVariables } from './helpers';

const relErr = (a: Float32Array | number[], b: Float32Array | number[]) => {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
};
const flat = (g: tf.NamedTensorMap, vars: tf.Variable[]) =>
  vars.flatMap((v) =>
    g[v.name] ? Array.from(g[v.name].dataSync()) : new Array<number>(v.size).fill(0),
  );

describe('IWAE softmax-weighted gradient', () => {
  it('equals autodiff of the log-mean-exp bound (encoder and model variables)', () => {
    const { model, b } = linearGaussianModel(
      [
        [1, 0.5],
        [-0.3, 0.8],
        [0.2, 0.1],
      ],
      0.7,
      [0.1, -0.2, 0.3],
      true,
    );
    const enc = gaussianEncoder({
      inputDim: 3,
      latentDim: 2,
      hidden: [4],
      covariance: 'full',
      seed: 1,
    });
    randomizeVariables(enc.trainableVariables, 5, 0.4);
    const vars = [...enc.trainableVariables, b];
    const x = tf.tensor2d([
      [1, 2, 0],
      [-1, 0.5, 2],
      [0, 0, 0],
    ]);
    const eps = enc.noise(3, 7, 3);
    const logw = () => {
      const { z, logq } = enc.sampleWithLogProb(x, eps);
      return tf.sub(model.logJoint(x, z), logq) as tf.Tensor2D;
    };
    const before = tf.memory().numTensors;
    const [a, c] = tf.tidy(() => {
      const g1 = tf.variableGrads(() => iwaeSurrogate(logw()), vars).grads;
      const g2 = tf.variableGrads(() => tf.mean(logMeanExpLast(logw())) as tf.Scalar, vars).grads;
      return [flat(g1, vars), flat(g2, vars)];
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(relErr(a, c)).toBeLessThan(1e-5);
    // and it is not the plain (uniformly weighted) ELBO gradient
    const e = tf.tidy(() =>
      flat(tf.variableGrads(() => tf.mean(logw()) as tf.Scalar, vars).grads, vars),
    );
    expect(relErr(e, c)).toBeGreaterThan(0.05);
    tf.dispose([x, eps]);
    enc.dispose();
    model.dispose();
  });

  it('is stable for log-weights around −1000 (no underflow to NaN)', () => {
    const lw = tf.tensor2d([[-1000, -1001, -1002.5]]);
    const v = logMeanExpLast(lw).dataSync()[0];
    const want = -1000 + Math.log((1 + Math.exp(-1) + Math.exp(-2.5)) / 3);
    expect(v).toBeCloseTo(want, 3);
    const g = tf
      .grad((t: tf.Tensor) => iwaeSurrogate(t as tf.Tensor2D))(lw)
      .dataSync();
    const z = 1 + Math.exp(-1) + Math.exp(-2.5);
    expect(Array.from(g).map((u) => +u.toFixed(5))).toEqual(
      [1 / z, Math.exp(-1) / z, Math.exp(-2.5) / z].map((u) => +u.toFixed(5)),
    );
    lw.dispose();
  });
});

describe('importance-weighted critic update (seed 004)', () => {
  // Toy: p(z) = N(0, I₂), p(x|z) = N(z + b, s²I), so log p(x) = log N(x; b, (1 + s²)I),
  // ∇_b log p(x) = (x − b)/(1 + s²); q(z|x) = N(m, diag v) fixed (a linear encoder).
  const s = 0.8;
  const A = [
    [1, 0],
    [0, 1],
  ];
  const bb = [0.3, -0.1];
  const xv = [1.2, -0.4];
  const N = 40000;
  const v = 1 + s * s;
  // q: mean m, std σ set through the (linear) heads' biases; the weights are 0.
  const post = xv.map((xi, i) => (xi - bb[i]) / v);
  const m = [post[0] + 0.15, post[1] - 0.1];
  const sd = [0.55, 0.7]; // posterior sd is s/√(1+s²) ≈ 0.625
  // E_q[log w] and log p(x) in closed form
  const L2 = Math.log(2 * Math.PI);
  const Elogpz = -0.5 * (m[0] ** 2 + m[1] ** 2 + sd[0] ** 2 + sd[1] ** 2) - L2;
  const Elogpxz =
    -((xv[0] - m[0] - bb[0]) ** 2 + (xv[1] - m[1] - bb[1]) ** 2 + sd[0] ** 2 + sd[1] ** 2) /
      (2 * s * s) -
    Math.log(2 * Math.PI * s * s);
  const H =
    0.5 *
    (Math.log(2 * Math.PI * Math.E * sd[0] ** 2) + Math.log(2 * Math.PI * Math.E * sd[1] ** 2));
  const ElogW = Elogpz + Elogpxz + H;
  const logpx =
    -((xv[0] - bb[0]) ** 2 + (xv[1] - bb[1]) ** 2) / (2 * v) - Math.log(2 * Math.PI * v);
  const gradLogpx = xv.map((xi, i) => (xi - bb[i]) / v); // ∇_b log p(x)

  function toy() {
    const { model, b } = linearGaussianModel(A, s, bb, true);
    const enc = gaussianEncoder({ inputDim: 2, latentDim: 2, hidden: [], seed: 1 });
    const [Wm, bm, Ws, bs] = enc.trainableVariables;
    tf.tidy(() => {
      Wm.assign(tf.zerosLike(Wm));
      bm.assign(tf.tensor1d(m));
      Ws.assign(tf.zerosLike(Ws));
      bs.assign(tf.tensor1d(sd.map(Math.log)));
    });
    const critic = logWeightCritic({ inputDim: 2, hidden: [], seed: 0 });
    tf.tidy(() => {
      critic.trainableVariables[0].assign(tf.zeros([2, 1]));
      critic.trainableVariables[1].assign(tf.tensor1d([ElogW]));
    });
    const x = tf.tidy(() => tf.tile(tf.tensor2d([xv]), [N, 1])) as tf.Tensor2D;
    const eps = enc.noise(N, 1, 17);
    const logw = () => {
      const { z, logq } = enc.sampleWithLogProb(x, eps);
      return tf.reshape(tf.sub(model.logJoint(x, z), logq), [N]) as tf.Tensor1D;
    };
    /** Monte-Carlo mean over the N draws of ∇ mean(ω·log w), ω from `weights(logw, C)` held constant. */
    const grad = (vars: tf.Variable[], weights: (lw: tf.Tensor1D, c: tf.Tensor1D) => tf.Tensor) =>
      tf.tidy(() => {
        const c = critic.apply(x);
        const g = tf.variableGrads(() => {
          const lw = logw();
          return tf.mean(tf.mul(stopGradient(weights(lw, c)), lw)) as tf.Scalar;
        }, vars).grads;
        return flat(g, vars);
      });
    const dispose = () => {
      tf.dispose([x, eps]);
      enc.dispose();
      model.dispose();
      critic.dispose();
    };
    return { model, b, enc, critic, x, eps, logw, grad, dispose };
  }

  it("with C(x) = E_q[log w] (closed form), E[e^{log w − C} ∇_b log w] = e^{KL(q‖p(z|x))} ∇_b log p(x), the exact IWAE-∞ direction's multiple; a wrong sign or a missing term fails", () => {
    const t = toy();
    const exact = gradLogpx.map((g) => Math.exp(logpx - ElogW) * g);
    const before = tf.memory().numTensors;
    const meanLogw = tf.tidy(() => tf.mean(t.logw()).dataSync()[0]);
    const got = tf.tidy(() => {
      const c = t.critic.apply(t.x);
      const g = tf.variableGrads(() => iwCriticSurrogate(t.logw(), c, 50).surrogate, [t.b]).grads;
      return Array.from(g[t.b.name].dataSync());
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(Math.abs(meanLogw - ElogW)).toBeLessThan(0.01); // the closed form is right
    expect(relErr(got, exact)).toBeLessThan(0.02);
    // the update's expectation is a *positive multiple* (e^KL > 1) of ∇ log p(x)
    expect(Math.exp(logpx - ElogW)).toBeGreaterThan(1);
    // the same 2 % test rejects: the exponent's sign flipped, the weight missing (the
    // ELBO gradient), the critic missing (e^{log w}), and the update's sign flipped
    const wrong = {
      'flipped exponent e^{C − log w}': t.grad([t.b], (lw, c) => tf.exp(tf.sub(c, lw))),
      'no weight (ELBO)': t.grad([t.b], () => tf.scalar(1)),
      'no critic e^{log w}': t.grad([t.b], (lw) => tf.exp(lw)),
      'negated update': got.map((u) => -u),
    };
    for (const [name, g] of Object.entries(wrong)) {
      expect(relErr(g, exact), name).toBeGreaterThan(0.1);
    }

    // clipping: with maxLogWeight = 0.05 every weight is ≤ e^0.05 and many hit the clip
    const { w, frac } = tf.tidy(() => {
      const r = iwCriticSurrogate(t.logw(), t.critic.apply(t.x), 0.05);
      return { w: r.weights.dataSync(), frac: r.clippedFraction.dataSync()[0] };
    });
    expect(Math.max(...w)).toBeLessThanOrEqual(Math.exp(0.05) * (1 + 1e-6));
    const hit = w.filter((u) => u >= Math.exp(0.05) * (1 - 1e-6)).length;
    expect(hit).toBeGreaterThan(N / 10);
    expect(frac).toBeCloseTo(hit / N, 3);
    t.dispose();
  });

  it("the encoder's expected update is 0 (e^{−C} ∇_φ p(x)), while the ELBO's is not", () => {
    const t = toy();
    const [, bm, , bs] = t.enc.trainableVariables;
    const weighted = t.grad([bm, bs], (lw, c) => tf.exp(tf.sub(lw, c)));
    const elbo = t.grad([bm, bs], () => tf.scalar(1));
    // ELBO gradient in closed form: ∂/∂m = −m − (m + b − x)/s², ∂/∂log σ = 1 − σ²(1 + 1/s²)
    const elboExact = [
      ...m.map((mi, i) => -mi - (mi + bb[i] - xv[i]) / (s * s)),
      ...sd.map((si) => 1 - si * si * (1 + 1 / (s * s))),
    ];
    expect(relErr(elbo, elboExact)).toBeLessThan(0.05);
    const norm = (u: number[]) => Math.hypot(...u);
    console.log(
      `critic update on the encoder: |E| = ${norm(weighted).toFixed(4)} vs the ELBO's ${norm(elboExact).toFixed(4)}`,
    );
    expect(norm(weighted)).toBeLessThan(0.1 * norm(elboExact));
    t.dispose();
  });

  it("normalize: 'batch' (self-normalized over one x's draws) estimates ∇_b log p(x) itself", () => {
    const t = toy();
    const before = tf.memory().numTensors;
    const got = tf.tidy(() => {
      const c = t.critic.apply(t.x);
      const g = tf.variableGrads(
        () => iwCriticSurrogate(t.logw(), c, 50, 'batch').surrogate,
        [t.b],
      ).grads;
      return Array.from(g[t.b.name].dataSync());
    });
    expect(tf.memory().numTensors).toBe(before);
    const unnormalized = t.grad([t.b], (lw, c) => tf.exp(tf.sub(lw, c)));
    console.log(
      `self-normalized vs ∇ log p(x): ${relErr(got, gradLogpx).toFixed(4)}; unnormalized (e^KL = ${Math.exp(logpx - ElogW).toFixed(3)} times): ${relErr(unnormalized, gradLogpx).toFixed(4)}`,
    );
    expect(relErr(got, gradLogpx)).toBeLessThan(0.02);
    // the unnormalized update is e^{KL} times ∇ log p(x): the same test rejects it
    expect(relErr(unnormalized, gradLogpx)).toBeGreaterThan(0.05);
    // weights average 1 and are invariant to a constant offset of the critic
    const [w1, w2] = tf.tidy(() => {
      const lw = t.logw();
      return [
        iwCriticSurrogate(lw, tf.zeros([N]), 50, 'batch').weights.dataSync() as Float32Array,
        iwCriticSurrogate(lw, tf.fill([N], 500), 50, 'batch').weights.dataSync() as Float32Array,
      ];
    });
    expect(w1.reduce((a, u) => a + u, 0) / N).toBeCloseTo(1, 3);
    expect(relErr(w2, w1)).toBeLessThan(1e-4);
    expect(() =>
      tf.tidy(() => iwCriticSurrogate(t.logw(), t.critic.apply(t.x), 3, 'nope' as never)),
    ).toThrow(/normalize: expected 'none' or 'batch'/);
    t.dispose();
  });
});

describe('entropy gradient by the Stein gradient estimator', () => {
  // q(z|x) = N(μ(x), diag σ(x)²) with a linear encoder: H(q(·|x)) = Σ log σ(x) + const,
  // so the exact ∇_φ mean_x H is autodiff of mean_x Σ log σ(x). The estimated route:
  // −E[(∂z/∂φ)ᵀ ĝ(z)] with ĝ ≈ ∇_z log q(z|x) from S samples per x.
  const enc = gaussianEncoder({ inputDim: 3, latentDim: 2, hidden: [], seed: 2 });
  randomizeVariables(enc.trainableVariables, 9, 0.3);
  const vars = enc.trainableVariables;
  const x = tf.tensor2d([
    [1, 0, 0.5],
    [0, 1, 1],
    [0.2, 0.3, 0.1],
    [1, 1, 0],
  ]);
  const S = 100;
  const route = (score: (z: tf.Tensor3D) => tf.Tensor3D, seed: number) =>
    tf.tidy(() => {
      const eps = enc.noise(4, S, seed);
      const z0 = enc.sample(x, eps);
      const g = score(z0);
      const grads = tf.variableGrads(() => {
        const z = enc.sample(x, eps);
        return tf.neg(tf.mean(tf.sum(tf.mul(g, z), 2))) as tf.Scalar;
      }, vars).grads;
      return flat(grads, vars);
    });
  const exact = tf.tidy(() =>
    flat(
      tf.variableGrads(() => tf.mean(tf.sum(enc.params(x).logStd, 1)) as tf.Scalar, vars).grads,
      vars,
    ),
  );
  const trueScore = (z: tf.Tensor3D) => {
    const p = enc.params(x);
    return tf.neg(
      tf.div(tf.sub(z, tf.expandDims(p.mean, 1)), tf.expandDims(tf.exp(tf.mul(2, p.logStd)), 1)),
    ) as tf.Tensor3D;
  };

  it('matches the exact entropy gradient: SGE ≤ 15 %, SSGE ≤ 15 % relative error (the exact score on the same draws: ≤ 25 %)', () => {
    const before = tf.memory().numTensors;
    const viaTrue = route(trueScore, 1);
    const viaSge = route((z) => perInputScores(z, { estimator: 'sge', eta: 0.01 }), 1);
    const viaSsge = route((z) => perInputScores(z, { estimator: 'ssge' }), 1);
    expect(tf.memory().numTensors).toBe(before);
    const [eT, eG, eS] = [relErr(viaTrue, exact), relErr(viaSge, exact), relErr(viaSsge, exact)];
    console.log(
      `entropy-gradient relative error: exact score ${eT.toFixed(3)}, SGE ${eG.toFixed(3)}, SSGE ${eS.toFixed(3)}`,
    );
    expect(eT).toBeLessThan(0.25);
    expect(eG).toBeLessThan(0.15);
    expect(eS).toBeLessThan(0.15);
    // a wrong-sign estimate is far off
    expect(
      relErr(
        viaSge.map((u) => -u),
        exact,
      ),
    ).toBeGreaterThan(1);
  });
});
