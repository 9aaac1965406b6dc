import { createRng, foldIn } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  createTrainer,
  defaultConfig,
  discriminatorLogit,
  discriminatorVariables,
  disposeTrainer,
  generatorGanLoss,
  type TrainData,
  trainIteration,
} from '../src/index';

/**
 * The dcgan / mle-gan baselines, one iteration checked against an independent
 * replay: iteration t's batch is drawn from createRng(foldIn(seed, t)); the
 * discriminator takes one Adam step on its logistic loss
 * −log σ(a(x_data, y)) − log(1 − σ(a(G(ξ, y), y))) (written here with
 * softplus, not with the app's code), then the generator one Adam step on
 * its own loss against the updated discriminator. Adam's first step moves
 * each weight by −lr·g/(|g| + ε), so the moves reveal the gradient's sign
 * per weight: a wrong loss, wrong variables or a wrong order shows up.
 */
function data(size: number, seed: number): TrainData {
  const rng = createRng(seed);
  const u = rng.uniform([size * 16], 0, 1);
  const images = u.dataSync() as Float32Array;
  u.dispose();
  const labels = Int32Array.from({ length: size }, (_, i) => i % 2);
  return { images: Float32Array.from(images), labels, size, imageShape: [4, 4, 1] };
}

const read = (vs: tf.Variable[]) => vs.map((v) => Float64Array.from(v.dataSync()));

/** max_i |moved_i − (−lr·g_i/(|g_i| + 1e-7))| over weights whose |g| is not negligible. */
function adamFirstStepError(
  before: Float64Array[],
  after: Float64Array[],
  g: Float64Array[],
  lr: number,
) {
  let worst = 0;
  let checked = 0;
  const gmax = Math.max(...g.map((gi) => gi.reduce((a, v) => Math.max(a, Math.abs(v)), 0)));
  g.forEach((gi, k) => {
    gi.forEach((v, j) => {
      if (Math.abs(v) < 1e-4 * gmax) return; // float32 round-off decides these signs
      const want = (-lr * v) / (Math.abs(v) + 1e-7);
      worst = Math.max(worst, Math.abs(after[k][j] - before[k][j] - want));
      checked++;
    });
  });
  return { worst, checked };
}

describe.each(['dcgan', 'mle-gan'] as const)('%s iteration', (objective) => {
  it('is one Adam step of D on the logistic loss, then one of G on its loss against the new D', () => {
    const d = data(32, 4);
    const s = createTrainer(
      defaultConfig({
        objective,
        batch: 8,
        noiseDim: 3,
        numClasses: 2,
        genHidden: [8],
        energyHidden: [8],
        codeDim: 3,
        seed: 6,
        lrG: 1e-2,
        lrD: 3e-3,
      }),
      d.imageShape,
    );
    const m = s.config.batch;
    // iteration 1's batch, drawn as train.ts documents it
    const rng = createRng(foldIn(s.config.seed, 1));
    const rows = Array.from({ length: m }, () => rng.int(d.size));
    const x = tf.tensor2d(
      rows.flatMap((r) => Array.from(d.images.subarray(r * 16, (r + 1) * 16))),
      [m, 16],
    );
    const y = tf.tensor1d(
      rows.map((r) => d.labels[r]),
      'int32',
    );
    const noise = s.sampler.noise(m, rng.nextSeed());
    const dVars = discriminatorVariables(s.energy);
    const others = s.energy.trainableVariables.filter((v) => !dVars.includes(v));
    const gVars = s.sampler.trainableVariables;
    const d0 = read(dVars);
    const g0 = read(gVars);
    const o0 = read(others);
    const lossD = () =>
      tf.tidy(() => {
        const fake = s.sampler.apply(noise, y);
        return tf.add(
          tf.mean(tf.softplus(tf.neg(discriminatorLogit(s.energy, x, y)))),
          tf.mean(tf.softplus(discriminatorLogit(s.energy, fake, y))),
        ) as tf.Scalar;
      });
    const gradD = tf.variableGrads(lossD, dVars);
    const gD = dVars.map((v) => Float64Array.from(gradD.grads[v.name].dataSync()));
    const lossD0 = gradD.value.dataSync()[0];
    tf.dispose([gradD.value, ...Object.values(gradD.grads)]);

    const info = trainIteration(s, d);
    expect(info.lossD).toBeCloseTo(lossD0, 5);

    // D moved by Adam's first step on ∇ lossD; the decoder (not part of D) did not move
    const dErr = adamFirstStepError(d0, read(dVars), gD, s.config.lrD);
    expect(dErr.checked).toBeGreaterThan(20);
    expect(dErr.worst).toBeLessThan(0.02 * s.config.lrD);
    read(others).forEach((o, k) => {
      expect(Array.from(o)).toEqual(Array.from(o0[k]));
    });
    // ...which lowers lossD on this batch (generator at its old weights)
    const gNow = read(gVars);
    gVars.forEach((v, k) => {
      v.assign(tf.tensor(Float32Array.from(g0[k]), v.shape, 'float32'));
    });
    const lossD1 = lossD();
    expect(lossD1.dataSync()[0]).toBeLessThan(lossD0);
    lossD1.dispose();

    // G: Adam's first step on ∇_η generatorGanLoss(a_newD(G_η(ξ, y), y)), with η at its old value
    const gradG = tf.variableGrads(
      () => generatorGanLoss(objective, discriminatorLogit(s.energy, s.sampler.apply(noise, y), y)),
      gVars,
    );
    const gG = gVars.map((v) => Float64Array.from(gradG.grads[v.name].dataSync()));
    expect(info.lossG).toBeCloseTo(gradG.value.dataSync()[0], 5);
    tf.dispose([gradG.value, ...Object.values(gradG.grads)]);
    const gErr = adamFirstStepError(g0, gNow, gG, s.config.lrG);
    expect(gErr.checked).toBeGreaterThan(20);
    expect(gErr.worst).toBeLessThan(0.02 * s.config.lrG);
    tf.dispose([x, y, noise]);
    disposeTrainer(s);
  });
});
