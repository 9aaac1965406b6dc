import { amortizedMleInit } from '@steinkit/amortizers';
import { createRng } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  createTrainer,
  defaultConfig,
  disposeTrainer,
  type Objective,
  restore,
  type StepInfo,
  snapshot,
  type TrainData,
  type TrainerState,
  trainIteration,
} from '../src/index';

/**
 * The trainer keeps the stepper state each step returns and passes it to the
 * next step (the stepper convention), instead of rebuilding it from its own
 * iteration counter; a checkpoint restores it, so a resumed run continues the
 * uninterrupted trajectory bit for bit.
 */
const config = (objective: Objective) =>
  defaultConfig({
    objective,
    batch: 4,
    genHidden: [8],
    energyHidden: [8],
    codeDim: 3,
    numClasses: 2,
    noiseDim: 3,
    seed: 5,
  });

function data(): TrainData {
  const rng = createRng(11);
  const images = Float32Array.from({ length: 8 * 16 }, () => rng.float());
  return {
    images,
    labels: Int32Array.from({ length: 8 }, (_, i) => i % 2),
    size: 8,
    imageShape: [4, 4, 1],
  };
}

const weights = (s: TrainerState) =>
  [...s.sampler.trainableVariables, ...s.energy.trainableVariables].map((v) =>
    Array.from(v.dataSync()),
  );
const strip = (i: StepInfo) => JSON.parse(JSON.stringify(i));

describe('the trainer keeps the stepper state', () => {
  it('steingan: each step passes on the state Algorithm 2 returned; a state that does not follow the run is refused before anything moves', () => {
    const d = data();
    const before = tf.memory().numTensors;
    const s = createTrainer(config('steingan'), [4, 4, 1]);
    expect(s.mle).toEqual(amortizedMleInit({ seed: 5 }));
    for (let t = 1; t <= 3; t++) {
      trainIteration(s, d);
      expect(s.mle).toEqual({ iteration: t, seed: 5 });
    }
    // A stale state (e.g. rebuilt at iteration 0) is an error naming it, not a silent redraw.
    s.mle = amortizedMleInit({ seed: 5 });
    const w = weights(s);
    expect(() => trainIteration(s, d)).toThrow(
      /state\.mle: expected the stepper state of iteration 3/,
    );
    expect(weights(s)).toEqual(w);
    expect(s.iteration).toBe(3);
    disposeTrainer(s);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('kl-sge: each step passes on the state the KL generator step returned; a stale one is refused', () => {
    const d = data();
    const before = tf.memory().numTensors;
    const s = createTrainer(config('kl-sge'), [4, 4, 1]);
    for (let t = 1; t <= 3; t++) {
      trainIteration(s, d);
      expect(s.kl).toEqual({ iteration: t });
    }
    s.kl = { iteration: 0 };
    const w = weights(s);
    expect(() => trainIteration(s, d)).toThrow(
      /state\.kl: expected the stepper state of iteration 3/,
    );
    expect(weights(s)).toEqual(w);
    disposeTrainer(s);
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each(['steingan', 'kl-sge', 'dcgan'] as Objective[])(
    '%s: 2 iterations, snapshot, restore into a fresh trainer, 2 more = 4 uninterrupted iterations, bit for bit',
    async (objective) => {
      const d = data();
      const before = tf.memory().numTensors;
      const a = createTrainer(config(objective), [4, 4, 1]);
      const infoA = [1, 2, 3, 4].map(() => strip(trainIteration(a, d)));
      const b = createTrainer(config(objective), [4, 4, 1]);
      trainIteration(b, d);
      trainIteration(b, d);
      const ckpt = await snapshot(b);
      disposeTrainer(b);
      const c = createTrainer(config(objective), [4, 4, 1]);
      await restore(c, ckpt);
      expect(c.iteration).toBe(2);
      expect(c.mle).toEqual({ iteration: objective === 'steingan' ? 2 : 0, seed: 5 });
      expect(c.kl).toEqual({ iteration: objective === 'kl-sge' ? 2 : 0 });
      const infoC = [3, 4].map(() => strip(trainIteration(c, d)));
      expect(infoC).toEqual(infoA.slice(2));
      expect(weights(c)).toEqual(weights(a));
      expect(c.mle).toEqual(a.mle);
      expect(c.kl).toEqual(a.kl);
      disposeTrainer(a);
      disposeTrainer(c);
      expect(tf.memory().numTensors).toBe(before);
    },
  );
});
