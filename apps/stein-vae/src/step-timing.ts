import {
  bernoulliModel,
  disposeInfo,
  inferenceDispose,
  inferenceInit,
  inferenceStep,
} from '@steinkit/inference';
import * as tf from '@tensorflow/tfjs-core';
import { BURDA, buildCritic, buildEncoder, buildObjective, type Method } from './config';

export interface StepTiming {
  wallMsPerStep: number;
  cpuMsPerStep: number;
}

/**
 * Wall and process-CPU milliseconds per training step of one method on the
 * default architecture (batch 100, a fixed random binary batch with 30 % ones),
 * after `warmup` untimed steps. Used by `src/bench.ts` (every method) and by
 * `benchmarks/src/vae-epoch.ts` (beside the PyTorch twin).
 */
export function timeSteps(method: Method, k: number, steps: number, warmup = 3): StepTiming {
  const encoder = buildEncoder(method, BURDA, 1);
  const model = bernoulliModel({ dataDim: 784, latentDim: 50, hidden: [200, 200], seed: 2 });
  const critic = buildCritic(method, BURDA, 3);
  const objective = buildObjective(method, k, critic);
  let state = inferenceInit({ seed: 1, critic: Boolean(critic) });
  const x = tf.tidy(() =>
    tf.cast(tf.less(tf.randomUniform([100, 784], 0, 1, 'float32', 5), 0.3), 'float32'),
  ) as tf.Tensor2D;
  const run = () => {
    const r = inferenceStep(state, { x }, { encoder, model, objective, checkValues: false });
    state = r.state;
    r.info.bound.dataSync();
    disposeInfo(r.info);
  };
  for (let s = 0; s < warmup; s++) run();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) run();
  const c = process.cpuUsage(c0);
  const wall = performance.now() - t0;
  inferenceDispose(state);
  tf.dispose([x]);
  encoder.dispose();
  model.dispose();
  critic?.dispose();
  return { wallMsPerStep: wall / steps, cpuMsPerStep: (c.user + c.system) / 1000 / steps };
}
