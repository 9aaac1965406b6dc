import { initBackend } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { batchSeed, batchStream, createModel, setupIcaProblem } from '../src/protocol';
import { maxSksdTrainer } from '../src/trainers';

/**
 * The maxSKSD-g trainer learns, judged by the exact test log-likelihood (no
 * PyTorch twin needed): at D = 3 it closes most of the gap between the random
 * initialization and the true unmixing matrix (the oracle), with maxSKSD-g.
 */
describe('maxSKSD ICA trainer', () => {
  it('improves the test log-likelihood toward the oracle (D = 3, 200 iterations)', async () => {
    await initBackend({ backend: 'wasm' });
    const problem = setupIcaProblem(3, 60, { nTrain: 2000, nTest: 1000 });
    const before = tf.memory().numTensors;
    for (const variant of ['g'] as const) {
      const model = createModel(problem);
      const init = model.meanLogLikelihood(problem.xTest);
      const trainer = maxSksdTrainer(model, { lr: 0.02, variant });
      const next = batchStream(problem.xTrain, 100, batchSeed(60));
      for (let it = 0; it < 200; it++) {
        const x = next();
        trainer.step(x);
        x.dispose();
      }
      const final = model.meanLogLikelihood(problem.xTest);
      trainer.dispose();
      model.dispose();
      expect(problem.oracle).toBeGreaterThan(init + 0.5); // there is a gap to close
      expect((final - init) / (problem.oracle - init)).toBeGreaterThan(0.6);
      expect(final).toBeLessThan(problem.oracle + 0.1); // no better than the truth (up to noise)
    }
    expect(tf.memory().numTensors).toBe(before);
    problem.dispose();
  });
});
