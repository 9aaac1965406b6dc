import { createRng } from '@steinkit/core';
import { createIcaModel } from '@steinkit/energy-models';
import type * as tf from '@tensorflow/tfjs-core';
import { maxSksdTrainer } from './trainers';

/**
 * The timed unit of the speed goal: one maxSKSD-g training iteration at
 * dimension D (batch 100): one Adam ascent step on g, then one Adam model
 * step. Returns `step()` (runs one iteration on a fixed Laplace batch) and
 * `dispose()`. For benchmarks/.
 */
export function maxSksdIteration(dim: number, opts: { batch?: number; seed?: number } = {}) {
  const rng = createRng(opts.seed ?? 1);
  const init = rng.normal([dim, dim], 0, 1 / Math.sqrt(dim)) as tf.Tensor2D;
  const model = createIcaModel({ dim, unmixing: init });
  init.dispose();
  const trainer = maxSksdTrainer(model);
  const x = rng.laplace([opts.batch ?? 100, dim]) as tf.Tensor2D;
  return {
    step: () => trainer.step(x),
    dispose() {
      trainer.dispose();
      model.dispose();
      x.dispose();
    },
  };
}
