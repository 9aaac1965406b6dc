import { initBackend } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  createTrainer,
  defaultConfig,
  disposeTrainer,
  loadDataset,
  toTrainData,
  trainIteration,
} from '../src/index';

const data = toTrainData(loadDataset('mnist', 'train', 64));
const config = defaultConfig({
  batch: 8,
  genHidden: [16],
  energyHidden: [16],
  codeDim: 8,
  seed: 4,
  // Adam's first steps move each weight by ≈ ±lr, so rounding differences in
  // near-zero gradient entries show up in units of lr: keep lr small here.
  lrG: 1e-3,
});

async function run(backend: 'wasm' | 'cpu') {
  if (backend === 'cpu')
    await initBackend({ backend: 'cpu' }); // silences the cpu banner
  else await tf.setBackend(backend);
  const s = createTrainer(config, data.imageShape);
  try {
    const recs = [trainIteration(s, data), trainIteration(s, data)];
    const weights = s.sampler.trainableVariables.map((v) => Array.from(v.dataSync()));
    const energyW = s.energy.trainableVariables.map((v) => Array.from(v.dataSync()));
    return { recs, weights, energyW };
  } finally {
    disposeTrainer(s);
  }
}

describe('one SteinGAN iteration on wasm and cpu', () => {
  it('agrees to float32 tolerance', async () => {
    const before = tf.getBackend();
    const a = await run('wasm');
    const b = await run('cpu');
    await tf.setBackend(before);
    for (let i = 0; i < 2; i++) {
      expect(a.recs[i].energyData).toBeCloseTo(b.recs[i].energyData, 3);
      expect(a.recs[i].energySamples).toBeCloseTo(b.recs[i].energySamples, 3);
      expect(a.recs[i].thetaUpdated).toBe(b.recs[i].thetaUpdated);
    }
    const maxDiff = (x: number[][], y: number[][]) =>
      Math.max(...x.map((w, i) => Math.max(...w.map((v, k) => Math.abs(v - y[i][k])))));
    expect(maxDiff(a.weights, b.weights)).toBeLessThan(1e-4);
    expect(maxDiff(a.energyW, b.energyW)).toBeLessThan(1e-4);
    // and the iteration moved the weights (not a vacuous comparison)
    expect(a.recs[1].energySamples).not.toBe(a.recs[0].energySamples);
  });
});
